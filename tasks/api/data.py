"""API reads of a project's data: tasks, field results and curators' decisions (curators and
leads), one task (also to the contributors who worked on it, with their own answers only), and
contributors' figures.

GET /api/projects/{slug}/tasks/            state, batch
GET /api/tasks/{id}/
GET /api/projects/{slug}/field-results/    status, key, batch, task (also open data)
GET /api/projects/{slug}/resolutions/      key, decision, curator, batch
GET /api/field-results/{id}/resolutions/
GET /api/projects/{slug}/contributors/     leads
GET /api/projects/{slug}/my-stats/
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.users import acting_user
from tasks.api.filters import id_filter, query_filters
from tasks.api.work import TaskSerializer
from tasks.models import FieldResult, FieldStatus, Resolution, Task, TaskState, Transcription
from tasks.models.results import ResolutionDecision, ResolutionReason
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.selectors.results import (
    field_result_for,
    project_field_results,
    project_for_results,
    project_tasks,
    resolutions_of,
    task_for,
)
from tasks.selectors.stats import contributor_stats, contributor_stats_fill, contributors_ranked


class TaskListSerializer(TaskSerializer):
    metadata = serializers.SerializerMethodField(
        help_text="The image's metadata: all of it for curators and leads."
    )

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "batch",
            "state",
            "priority",
            "target",
            "transcription_count",
            "original_name",
            "created_at",
            "updated_at",
            "reconciled_at",
        ]
        read_only_fields = fields

    def get_metadata(self, task: Task) -> dict[str, Any]:
        return dict(task.metadata)


class TranscriptionReadSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.public_name", read_only=True)
    values = serializers.DictField(child=serializers.CharField(allow_blank=True), read_only=True)
    markers = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Transcription
        fields = [
            "id",
            "task",
            "username",
            "display_name",
            "values",
            "markers",
            "template_version",
            "created_at",
        ]
        read_only_fields = fields


class FieldResultReadSerializer(serializers.ModelSerializer):
    value = serializers.JSONField(read_only=True, help_text="The reconciled value, or null.")

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
            "version",
            "disputed_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskDetailSerializer(TaskListSerializer):
    full = serializers.SerializerMethodField(
        help_text="True for curators and leads; false for a contributor, who sees their own "
        "transcription only and no results."
    )
    transcriptions = serializers.SerializerMethodField()
    field_results = serializers.SerializerMethodField()

    class Meta(TaskListSerializer.Meta):
        fields = [*TaskListSerializer.Meta.fields, "full", "transcriptions", "field_results"]
        read_only_fields = fields

    def get_full(self, task: Task) -> bool:
        return bool(self.context["view_of_task"].full)

    @extend_schema_field(TranscriptionReadSerializer(many=True))
    def get_transcriptions(self, task: Task) -> list[dict[str, Any]]:
        return TranscriptionReadSerializer(
            self.context["view_of_task"].transcriptions, many=True
        ).data  # type: ignore[return-value]

    @extend_schema_field(FieldResultReadSerializer(many=True))
    def get_field_results(self, task: Task) -> list[dict[str, Any]]:
        return FieldResultReadSerializer(self.context["view_of_task"].field_results, many=True).data  # type: ignore[return-value]

    def get_metadata(self, task: Task) -> dict[str, Any]:
        if self.context["view_of_task"].full:
            return dict(task.metadata)
        return TaskSerializer.get_metadata(self, task)


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


class TaskFilters(serializers.Serializer):
    state = serializers.ChoiceField(choices=TaskState.choices, required=False)
    batch = id_filter("Only the images of this batch.")


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


class ProjectTaskListView(generics.ListAPIView):
    """A project's images, oldest first (curators and leads)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TaskListSerializer

    @extend_schema(parameters=[TaskFilters], responses={200: TaskListSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.CURATE)
        filters = query_filters(TaskFilters, self.request)
        return project_tasks(
            project=project, state=filters.get("state"), batch_id=filters.get("batch")
        )


class TaskDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: TaskDetailSerializer, **errors(403)})
    def get(self, request: Request, task_id: int) -> Response:
        """One image: everything for curators and leads; for a contributor who held or
        transcribed it, the image and their own transcription (never anyone else's)."""
        seen = task_for(request.user, task_id)
        context = {"request": request, "view_of_task": seen}
        return Response(TaskDetailSerializer(seen.task, context=context).data)


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
