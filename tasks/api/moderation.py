"""API of moderation (leads): block people from a project, void a contributor's work, and the
list of contributors whose answers agree far less often than the project's.

GET/POST /api/projects/{slug}/blocks/                     the audit trail; block someone
POST     /api/projects/{slug}/blocks/{username}/unblock/
GET/POST /api/projects/{slug}/voids/                      the audit trail; void someone's work
POST     /api/projects/{slug}/voids/{username}/unvoid/
GET      /api/projects/{slug}/outliers/
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import ErrorSerializer, errors
from crowd.models import User
from crowd.selectors import user_named
from crowd.users import acting_user
from tasks.api.contributors import ContributorStatsSerializer
from tasks.models import ContributorVoid, ProjectBlock
from tasks.models.moderation import REASON_MAX_LENGTH
from tasks.roles import Capability
from tasks.selectors.moderation import project_blocks, project_outliers, project_voids
from tasks.selectors.projects import project_for
from tasks.services.moderation import (
    contributor_unvoid,
    contributor_void,
    project_block,
    project_unblock,
)


class ModerationRecordSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.public_name")
    active = serializers.BooleanField(help_text="False once lifted.")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username")
    lifted_at = serializers.DateTimeField(allow_null=True)
    lifted_by = serializers.CharField(source="lifted_by.username", allow_null=True, default=None)
    lift_reason = serializers.CharField(allow_blank=True)


class ModerationWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Kept in the record.")


class LiftSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="Kept in the record.")


class OutlierSerializer(ContributorStatsSerializer):
    blocked = serializers.BooleanField(help_text="Blocked from the project now.")
    voided = serializers.BooleanField(help_text="Their work is void in the project now.")
    answers = serializers.URLField(help_text="Their images in the review queue (API).")
    answers_page = serializers.URLField(help_text="The same in the curators' queue page.")


class OutliersSerializer(serializers.Serializer):
    median = serializers.FloatField(
        allow_null=True, help_text="The median agreement rate of the contributors measured."
    )
    margin = serializers.FloatField(help_text="How far below the median makes an outlier.")
    min_settled = serializers.IntegerField(
        help_text="Settled values a contributor needs on their images to be measured."
    )
    measured = serializers.IntegerField(help_text="Contributors measured.")
    results = OutlierSerializer(many=True, help_text="Outliers, lowest agreement first.")


_CONFLICT = {409: OpenApiResponse(ErrorSerializer, description="Already so, or nothing to lift.")}


class _RecordListView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ModerationRecordSerializer


class BlockListView(_RecordListView):
    """Everyone blocked from the project, lifted blocks included, newest first (leads)."""

    def get_queryset(self) -> Any:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.MANAGE)
        return project_blocks(project=project)

    @extend_schema(responses={200: ModerationRecordSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ModerationWriteSerializer,
        responses={201: ModerationRecordSerializer, **errors(400, 403), **_CONFLICT},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Block someone from the project: they can no longer see it (if members-only), get
        images or submit there; their live leases end now."""
        block = _moderate(request, slug, project_block)
        return Response(ModerationRecordSerializer(block).data, status=status.HTTP_201_CREATED)


class UnblockView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=LiftSerializer,
        responses={200: ModerationRecordSerializer, **errors(400, 403), **_CONFLICT},
    )
    def post(self, request: Request, slug: str, username: str) -> Response:
        """Lift the block (the record keeps both)."""
        return Response(
            ModerationRecordSerializer(_moderate(request, slug, project_unblock, username)).data
        )


class VoidListView(_RecordListView):
    """Every decision voiding a contributor's work, lifted ones included, newest first."""

    def get_queryset(self) -> Any:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.MANAGE)
        return project_voids(project=project)

    @extend_schema(responses={200: ModerationRecordSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ModerationWriteSerializer,
        responses={201: ModerationRecordSerializer, **errors(400, 403), **_CONFLICT},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Void a contributor's work here: their transcriptions stay stored but leave every
        consensus, and their images are reconciled again."""
        void = _moderate(request, slug, contributor_void)
        return Response(ModerationRecordSerializer(void).data, status=status.HTTP_201_CREATED)


class UnvoidView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=LiftSerializer,
        responses={200: ModerationRecordSerializer, **errors(400, 403), **_CONFLICT},
    )
    def post(self, request: Request, slug: str, username: str) -> Response:
        """Count their work again; their images are reconciled again."""
        return Response(
            ModerationRecordSerializer(_moderate(request, slug, contributor_unvoid, username)).data
        )


class OutliersView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: OutliersSerializer, **errors(403)})
    def get(self, request: Request, slug: str) -> Response:
        """Contributors whose agreement with settled values is far below the project's median
        (OUTLIER_MARGIN_PERCENT points, among those with OUTLIER_MIN_SETTLED settled values)."""
        project = project_for(request.user, slug, Capability.MANAGE)
        found = project_outliers(project=project)
        for row in found["outliers"]:
            query = urlencode({"contributor": row["username"]})
            row["answers"] = request.build_absolute_uri(
                f"{reverse('api-disputes', args=[project.slug])}?{query}"
            )
            row["answers_page"] = request.build_absolute_uri(
                f"{reverse('project-review', args=[project.slug])}?{query}"
            )
        body = {**found, "results": found.pop("outliers")}
        return Response(OutliersSerializer(body).data)


def _person(username: str) -> User:
    user = user_named(username)
    if user is None:
        raise NotFound(_("No user named %(name)s.") % {"name": username})
    return user


def _moderate(
    request: Request,
    slug: str,
    act: Callable[..., ProjectBlock | ContributorVoid],
    username: str | None = None,
) -> ProjectBlock | ContributorVoid:
    """A lead's moderation act, as every endpoint here runs it: leads only, a reason always;
    the person from the body, or from the address when the act lifts a record of theirs."""
    project = project_for(request.user, slug, Capability.MANAGE)
    data = (LiftSerializer if username else ModerationWriteSerializer)(data=request.data)
    data.is_valid(raise_exception=True)
    return act(
        project=project,
        user=_person(username or data.validated_data["username"]),
        actor=acting_user(request.user),
        reason=data.validated_data["reason"],
    )
