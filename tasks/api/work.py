"""API for contributors: next task, lease heartbeat and release, submit a transcription."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_errors import error_response
from crowd.api_schema import ErrorSerializer, errors, no_content
from crowd.roles import Capability, acting_user, project_require
from tasks.api.serializers import TemplateSerializer
from tasks.models import Lease, Task
from tasks.models.work import SkipReason
from tasks.selectors.projects import contributor_counts, project_for
from tasks.services.leases import LeaseConflict, lease_grant, lease_heartbeat, lease_release
from tasks.services.submissions import transcription_submit
from tasks.values import MARKERS, ValuesRejected


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
        from django.conf import settings

        return (
            self._url(f"{settings.MEDIA_URL}{task.iiif_path}/info.json") if task.iiif_path else None
        )

    def get_metadata(self, task: Task) -> dict[str, Any]:
        shown = task.project.template.metadata_shown
        return {key: task.metadata[key] for key in shown if key in task.metadata}


class LeaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lease
        fields = ["id", "expires_at", "state"]
        read_only_fields = fields


class NextTaskSerializer(serializers.Serializer):
    task = TaskSerializer()
    lease = LeaseSerializer()
    template = TemplateSerializer()


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=SkipReason.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class SubmitSerializer(serializers.Serializer):
    lease = serializers.IntegerField()
    # Checked field by field against the template by the service, for precise messages.
    values = serializers.DictField(help_text="Field key -> the text as typed.")
    markers = serializers.DictField(
        required=False, help_text=f"Field key -> one of {', '.join(MARKERS)}."
    )
    idempotency_key = serializers.CharField(max_length=64)


class TranscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    values = serializers.DictField(child=serializers.CharField())
    markers = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


def conflict(error: LeaseConflict) -> Response:
    return error_response(status.HTTP_409_CONFLICT, "conflict", str(error))


class NextTaskView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: NextTaskSerializer,
            **no_content("Nothing left for you here."),
            **errors(403),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Your live lease in this project, or a lease on the next task that needs you."""
        project = project_for(request.user, slug, Capability.CONTRIBUTE)
        lease = lease_grant(project=project, user=acting_user(request.user))
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = {
            "task": TaskSerializer(lease.task, context={"request": request}).data,
            "lease": LeaseSerializer(lease).data,
            "template": TemplateSerializer(project.template).data,
        }
        return Response(body)


class LeaseHeartbeatView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: LeaseSerializer,
            **errors(403),
            409: OpenApiResponse(ErrorSerializer, description="The lease ended."),
        },
    )
    def post(self, request: Request, lease_id: int) -> Response:
        try:
            lease = lease_heartbeat(lease_id=lease_id, user=acting_user(request.user))
        except LeaseConflict as error:
            return conflict(error)
        return Response(LeaseSerializer(lease).data)


class LeaseReleaseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ReleaseSerializer, responses={200: LeaseSerializer, **errors(403)})
    def post(self, request: Request, lease_id: int) -> Response:
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lease = lease_release(
            lease_id=lease_id, user=acting_user(request.user), **data.validated_data
        )
        return Response(LeaseSerializer(lease).data)


class TranscriptionCreateView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=SubmitSerializer,
        responses={
            201: TranscriptionSerializer,
            200: OpenApiResponse(
                TranscriptionSerializer, description="The same submission, already recorded."
            ),
            **errors(403),
            409: OpenApiResponse(
                ErrorSerializer, description="The lease ended and the image no longer needs you."
            ),
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        task = Task.objects.select_related("project").filter(pk=task_id).first()
        if task is None:
            return error_response(status.HTTP_404_NOT_FOUND, "not_found", _("No such image."))
        project_require(request.user, task.project, Capability.VIEW)
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            submitted = transcription_submit(
                task_id=task.pk,
                user=acting_user(request.user),
                lease_id=data.validated_data["lease"],
                values=data.validated_data["values"],
                markers=data.validated_data.get("markers", {}),
                idempotency_key=data.validated_data["idempotency_key"],
            )
        except LeaseConflict as error:
            return conflict(error)
        except ValuesRejected as error:
            return error_response(
                status.HTTP_400_BAD_REQUEST,
                "invalid",
                _("Some values are not valid."),
                fields={f"values.{key}": messages for key, messages in error.errors.items()},
            )
        body = TranscriptionSerializer(submitted.transcription).data
        return Response(
            body, status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK
        )


class CountsSerializer(serializers.Serializer):
    today = serializers.IntegerField()
    total = serializers.IntegerField()


class MyCountsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CountsSerializer)
    def get(self, request: Request, slug: str) -> Response:
        """Your transcriptions in this project: today and in all."""
        project = project_for(request.user, slug)
        return Response(contributor_counts(project=project, user=request.user))
