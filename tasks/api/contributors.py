"""API of contributors' figures: every contributor's (leads), and your own: figures, counts,
what curators decided on your answers.

GET /api/projects/{slug}/contributors/     leads
GET /api/projects/{slug}/my-stats/
GET /api/projects/{slug}/my-counts/
GET /api/projects/{slug}/my-feedback/
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.users import acting_user
from tasks.roles import Capability
from tasks.selectors.projects import contributor_counts, project_for
from tasks.selectors.review import contributor_feedback
from tasks.selectors.stats import contributor_stats, contributor_stats_fill, contributors_ranked


class ContributorStatsSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    transcriptions = serializers.IntegerField()
    last_active = serializers.DateTimeField(allow_null=True)
    settled = serializers.IntegerField(
        help_text="Settled values (agreed, blank or resolved) on the images they transcribed."
    )
    agreed = serializers.IntegerField(help_text="Of those, how many their answer agrees with.")
    agreement_rate = serializers.FloatField(
        allow_null=True, help_text="agreed / settled, or null before anything is settled."
    )


class CountsSerializer(serializers.Serializer):
    today = serializers.IntegerField()
    total = serializers.IntegerField()


class FeedbackOutcomeSerializer(serializers.Serializer):
    task = serializers.IntegerField()
    key = serializers.CharField()
    yours = serializers.CharField(allow_blank=True, help_text="What you typed.")
    your_marker = serializers.CharField(allow_blank=True)
    settled = serializers.JSONField(help_text="The value the curator settled on.")
    settled_shown = serializers.CharField(
        allow_blank=True,
        help_text="The settled value as a person reads it: a point with its labels "
        "(lat. 45.1886, long. 5.7244), in the request's language.",
    )
    decision = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    agreed = serializers.BooleanField()
    at = serializers.DateTimeField()


class FeedbackSerializer(serializers.Serializer):
    settled = serializers.IntegerField()
    agreed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    outcomes = FeedbackOutcomeSerializer(many=True, help_text="The latest decisions, 50 at most.")


class ContributorStatsListView(generics.ListAPIView):
    """Each contributor's figures in a project, most transcriptions first (leads)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ContributorStatsSerializer

    @extend_schema(responses={200: ContributorStatsSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        project = project_for(request.user, kwargs["slug"], Capability.MANAGE)
        page = self.paginate_queryset(contributors_ranked(project=project))
        rows = contributor_stats_fill(project=project, rows=page or [])
        return self.get_paginated_response(ContributorStatsSerializer(rows, many=True).data)


class MyStatsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=ContributorStatsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """Your figures in this project: transcriptions, agreement, last activity."""
        project = project_for(request.user, slug)
        stats = contributor_stats(project=project, user=acting_user(request.user))
        return Response(ContributorStatsSerializer(stats).data)


class MyCountsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CountsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """Your transcriptions in this project: today and in all."""
        project = project_for(request.user, slug)
        return Response(contributor_counts(project=project, user=request.user))


class FeedbackView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=FeedbackSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """Your agreement rate and what curators decided on your answers (the latest 50)."""
        project = project_for(request.user, slug)
        feedback = contributor_feedback(project=project, user=acting_user(request.user))
        return Response(FeedbackSerializer(feedback).data)
