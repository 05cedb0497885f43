"""API reads of reconciled values and curators' decisions on them.

GET /api/projects/{slug}/field-results/    status, key, batch, task (also open data)
GET /api/projects/{slug}/resolutions/      key, decision, curator, batch
GET /api/field-results/{id}/resolutions/
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from crowd.api_schema import errors
from tasks.api.filters import id_filter, query_filters
from tasks.models import FieldResult, FieldStatus, Resolution
from tasks.models.results import ResolutionDecision, ResolutionReason
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.selectors.results import (
    field_result_for,
    project_field_results,
    project_for_results,
    resolutions_of,
)


class FieldResultReadSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(read_only=True, help_text="The reconciled value, or null.")
    explanation = serializers.CharField(
        source="explanation_text",
        read_only=True,
        help_text="Why the field came out so, in the request's language.",
    )
    explanation_parts = serializers.JSONField(
        read_only=True,
        help_text='The explanation as codes: [{"code": ..., "params": {...}}] (empty for older '
        "results).",
    )

    class Meta:
        model = FieldResult
        fields = [
            "id",
            "task",
            "key",
            "value",
            "status",
            "agreement",
            "support",
            "n",
            "method",
            "explanation",
            "explanation_parts",
            "version",
            "disputed_at",
            "updated_at",
        ]
        read_only_fields = fields


class FieldResultSerializer(serializers.ModelSerializer):
    explanation = serializers.CharField(
        source="explanation_text",
        read_only=True,
        help_text="Why the field came out so, in the request's language.",
    )

    class Meta:
        model = FieldResult
        fields = [
            "id",
            "task",
            "key",
            "value",
            "status",
            "agreement",
            "method",
            "explanation",
            "version",
        ]
        read_only_fields = fields


class ResolutionReadSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(
        choices=ResolutionReason.choices, allow_blank=True, read_only=True
    )
    task = serializers.IntegerField(source="field_result.task_id", read_only=True)
    key = serializers.CharField(source="field_result.key", read_only=True)
    curator = serializers.CharField(source="curator.username", read_only=True)
    curator_name = serializers.CharField(source="curator.public_name", read_only=True)
    value_before = serializers.JSONField(read_only=True)
    value_after = serializers.JSONField(read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "field_result",
            "task",
            "key",
            "decision",
            "reason",
            "note",
            "curator",
            "curator_name",
            "value_before",
            "value_after",
            "status_before",
            "status_after",
            "created_at",
        ]
        read_only_fields = fields


class FieldResultFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=FieldStatus.choices, required=False)
    key = serializers.CharField(required=False, max_length=64, help_text="Only this field.")
    batch = id_filter("Only the images of this batch.")
    task = id_filter("Only this image.")


class ResolutionFilters(serializers.Serializer):
    key = serializers.CharField(required=False, max_length=64, help_text="Only this field.")
    decision = serializers.ChoiceField(choices=ResolutionDecision.choices, required=False)
    curator = serializers.CharField(
        required=False, max_length=150, help_text="Only this curator's decisions (user name)."
    )
    batch = id_filter("Only decisions on the images of this batch.")


class ProjectFieldResultListView(generics.ListAPIView):
    """A project's reconciled values, by image then field (curators and leads; anyone who sees
    the project when its data is open)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = FieldResultReadSerializer

    @extend_schema(
        parameters=[FieldResultFilters], responses={200: FieldResultReadSerializer, **errors(403)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        project = project_for_results(self.request.user, self.kwargs["slug"])
        filters = query_filters(FieldResultFilters, self.request)
        return project_field_results(
            project=project,
            viewer=self.request.user,
            status=filters.get("status"),
            key=filters.get("key"),
            batch_id=filters.get("batch"),
            task_id=filters.get("task"),
        )


class ProjectResolutionListView(generics.ListAPIView):
    """Curators' decisions in a project, newest first: the audit trail (curators and leads)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ResolutionReadSerializer

    @extend_schema(
        parameters=[ResolutionFilters], responses={200: ResolutionReadSerializer, **errors(403)}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.CURATE)
        filters = query_filters(ResolutionFilters, self.request)
        return resolutions_of(
            project=project,
            key=filters.get("key"),
            decision=filters.get("decision"),
            curator=filters.get("curator"),
            batch_id=filters.get("batch"),
        )


class FieldResultResolutionListView(generics.ListAPIView):
    """The decisions on one value, newest first (curators and leads)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ResolutionReadSerializer

    @extend_schema(responses={200: ResolutionReadSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        result = field_result_for(self.request.user, self.kwargs["field_result_id"])
        return resolutions_of(field_result=result)
