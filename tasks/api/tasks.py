"""API for tasks (images): a project's list (curators and leads), and one task (also to the
contributors who worked on it, with their own answers only).

GET /api/projects/{slug}/tasks/            state, batch
GET /api/tasks/{id}/
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from tasks.api.filters import id_filter, query_filters
from tasks.api.results import FieldResultReadSerializer
from tasks.api.transcriptions import TranscriptionReadSerializer
from tasks.models import Task, TaskState
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.selectors.results import project_tasks, task_for
from tasks.shown import metadata_entries
from worker.template import MetadataSpec


class MetadataEntrySerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The key in the image's metadata.")
    label = serializers.CharField(  # type: ignore[assignment]  # a field named "label"
        help_text="How people read it, in their language."
    )
    value = serializers.CharField()
    shown = serializers.BooleanField(help_text="Whether contributors see it.")


class TaskSerializer(serializers.ModelSerializer):
    project = serializers.CharField(source="project.slug")
    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()
    iiif = serializers.SerializerMethodField(
        help_text="URL of the IIIF info.json, when tiles exist."
    )
    metadata = serializers.SerializerMethodField(
        help_text="The metadata the template shows to contributors."
    )
    metadata_labelled = serializers.SerializerMethodField(
        help_text="The same metadata as people read it, in the template's order and the "
        "reader's language: the template's label of each key, else its default label (common "
        "Darwin Core terms). For curators and leads every key, those the template does not "
        "show contributors after the others with `shown` false."
    )
    # Whether this serializer tells every key (curators and leads) or what contributors see.
    everything = False

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "image",
            "thumbnail",
            "iiif",
            "image_width",
            "image_height",
            "metadata",
            "metadata_labelled",
        ]
        read_only_fields = fields

    def _url(self, path: str) -> str | None:
        request = self.context.get("request")
        if not path:
            return None
        return request.build_absolute_uri(path) if request else path

    def get_image(self, task: Task) -> str | None:
        return self._url(task.image.url) if task.image else None

    def get_thumbnail(self, task: Task) -> str | None:
        return self._url(task.thumbnail.url) if task.thumbnail else None

    def get_iiif(self, task: Task) -> str | None:

        return (
            self._url(f"{settings.MEDIA_URL}{task.iiif_path}/info.json") if task.iiif_path else None
        )

    def _sees_everything(self) -> bool:
        return self.everything

    def _metadata_specs(self, task: Task) -> tuple[MetadataSpec, ...]:
        # Read once per project for a page of images.
        cache: dict[int, tuple[MetadataSpec, ...]] = self.__dict__.setdefault("_specs", {})
        if task.project_id not in cache:
            cache[task.project_id] = task.project.template.metadata_specs
        return cache[task.project_id]

    def get_metadata(self, task: Task) -> dict[str, Any]:
        if self._sees_everything():
            return dict(task.metadata)
        shown = [spec.key for spec in self._metadata_specs(task)]
        return {key: task.metadata[key] for key in shown if key in task.metadata}

    @extend_schema_field(MetadataEntrySerializer(many=True))
    def get_metadata_labelled(self, task: Task) -> list[dict[str, Any]]:
        return metadata_entries(
            task.metadata, self._metadata_specs(task), everything=self._sees_everything()
        )


def task_contributor_body(task: Task, request: Request | None) -> dict[str, Any]:
    """`TaskSerializer(task).data`, built by hand for next-task, the busiest answer of the API
    (DRF's per-field machinery cost more than the rest of the request). `task.project.template`
    must be loaded. A test holds the two equal."""

    def url(path: str) -> str | None:
        if not path:
            return None
        return request.build_absolute_uri(path) if request is not None else path

    specs = task.project.template.metadata_specs
    metadata = task.metadata if isinstance(task.metadata, dict) else {}
    return {
        "id": task.pk,
        "project": task.project.slug,
        "image": url(task.image.url) if task.image else None,
        "thumbnail": url(task.thumbnail.url) if task.thumbnail else None,
        "iiif": url(f"{settings.MEDIA_URL}{task.iiif_path}/info.json") if task.iiif_path else None,
        "image_width": task.image_width,
        "image_height": task.image_height,
        "metadata": {spec.key: metadata[spec.key] for spec in specs if spec.key in metadata},
        "metadata_labelled": metadata_entries(task.metadata, specs, everything=False),
    }


class TaskReviewSerializer(TaskSerializer):
    """An image as curators and leads read it beside its answers: every metadata key."""

    everything = True
    metadata = serializers.SerializerMethodField(
        help_text="The image's metadata: all of it for curators and leads."
    )


class TaskListSerializer(TaskSerializer):
    everything = True
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


# What only curators and leads see of an image in its detail: its bookkeeping.
CURATORS_ONLY = tuple(
    name for name in TaskListSerializer.Meta.fields if name not in TaskSerializer.Meta.fields
)


class TaskDetailSerializer(TaskListSerializer):
    full = serializers.SerializerMethodField(
        help_text="True for curators and leads; false for a contributor, who sees their own "
        "transcription only, no results, and none of the image's bookkeeping (state, batch, "
        "priority, target, counts, file name)."
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

    def _sees_everything(self) -> bool:
        return bool(self.context["view_of_task"].full)

    def to_representation(self, instance: Task) -> dict[str, Any]:
        body: dict[str, Any] = super().to_representation(instance)
        if not self.context["view_of_task"].full:
            # A contributor learns nothing of the image's bookkeeping: neither how many others
            # answered it nor, before they answer, whether it is a known-answer image.
            for name in CURATORS_ONLY:
                body.pop(name, None)
        return body


class TaskFilters(serializers.Serializer):
    state = serializers.ChoiceField(choices=TaskState.choices, required=False)
    batch = id_filter("Only the images of this batch.")


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
