"""API for the review of projects before they open to the public.

GET/POST /api/projects/{slug}/review/     the state and its history (leads, staff); a lead asks
POST /api/projects/{slug}/review/approve/ staff
POST /api/projects/{slug}/review/refuse/  staff, with a reason
GET /api/reviews/                         staff: projects waiting for a decision
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.users import AnyUser, acting_user
from tasks.models import Project, ProjectReviewEntry, ReviewState
from tasks.roles import may_review_projects
from tasks.selectors.projects import (
    project_for_review,
    project_review_entries,
    projects_awaiting_review,
)
from tasks.services.project_review import (
    MAX_REASON_LENGTH,
    project_review_approve,
    project_review_refuse,
    project_review_request,
)
from tasks.values import hides_characters


class ReviewEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = ProjectReviewEntry
        fields = ["action", "actor", "reason", "created_at"]
        read_only_fields = fields


class ProjectReviewSerializer(serializers.Serializer):
    project = serializers.CharField(source="slug")
    state = serializers.ChoiceField(choices=ReviewState.choices, source="review_state")
    reason = serializers.CharField(source="review_reason")
    status = serializers.CharField()
    visibility = serializers.CharField()
    history = serializers.SerializerMethodField()

    def get_history(self, project: Project) -> list[dict[str, Any]]:
        return ReviewEntrySerializer(project_review_entries(project), many=True).data  # type: ignore[return-value]


def _plain_text(value: str) -> None:
    """Notes and reasons are read by others: no control characters nor direction overrides."""
    if hides_characters(value):
        raise serializers.ValidationError(_("Control characters are not allowed."))


class ReviewNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, validators=[_plain_text]
    )


class ReviewReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_REASON_LENGTH, validators=[_plain_text])


def _staff_only(user: AnyUser) -> None:
    if not may_review_projects(user):
        raise PermissionDenied(_("Only the platform's staff review projects."))


class ProjectReviewView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ProjectReviewSerializer, **errors(403)})
    def get(self, request: Request, slug: str) -> Response:
        project = project_for_review(request.user, slug)
        return Response(ProjectReviewSerializer(project).data)

    @extend_schema(
        request=ReviewNoteSerializer, responses={200: ProjectReviewSerializer, **errors(403, 409)}
    )
    def post(self, request: Request, slug: str) -> Response:
        """A lead asks the platform's staff to approve the project for the public."""
        project = project_for_review(request.user, slug)
        data = ReviewNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_review_request(
            project=project,
            actor=acting_user(request.user),
            note=data.validated_data.get("note", ""),
        )
        return Response(ProjectReviewSerializer(project).data)


class ProjectReviewApproveView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: ProjectReviewSerializer, **errors(403)})
    def post(self, request: Request, slug: str) -> Response:
        _staff_only(request.user)
        project = project_for_review(request.user, slug)
        project = project_review_approve(project=project, reviewer=acting_user(request.user))
        return Response(ProjectReviewSerializer(project).data)


class ProjectReviewRefuseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ReviewReasonSerializer, responses={200: ProjectReviewSerializer, **errors(403)}
    )
    def post(self, request: Request, slug: str) -> Response:
        _staff_only(request.user)
        project = project_for_review(request.user, slug)
        data = ReviewReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_review_refuse(
            project=project,
            reviewer=acting_user(request.user),
            reason=data.validated_data["reason"],
        )
        return Response(ProjectReviewSerializer(project).data)


class ReviewQueueView(generics.ListAPIView):
    """Projects waiting for a review, oldest request first (staff)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ProjectReviewSerializer

    def get_queryset(self) -> Any:
        _staff_only(self.request.user)
        return projects_awaiting_review()

    @extend_schema(responses={200: ProjectReviewSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
