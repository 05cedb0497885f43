"""API for leads: batches of images (create, add files, start, status, withdraw).

POST /api/projects/{slug}/batches/   multipart: files (repeatable), zip, metadata (CSV),
                                     or manifest_url (202: a job reads it); name;
                                     staged=true to add files later; purpose=training
                                     for images kept out of the real stream
GET  /api/projects/{slug}/batches/   the project's batches, newest first (paginated; state)
GET  /api/batches/{id}/              status, counts, failures with reasons, duplicates
POST /api/batches/{id}/files/        add files to a staged batch (one request per file)
POST /api/batches/{id}/start/        start ingesting a staged batch
POST /api/batches/{id}/withdraw/     take its tasks out of the queue
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.pagination import Pages
from crowd.parsers import JSONParser
from crowd.users import acting_user
from tasks.api.filters import query_filters
from tasks.models import BatchPurpose, BatchState
from tasks.roles import Capability
from tasks.selectors.batches import (
    batch_file_summary,
    batch_for,
    batch_summaries,
    batch_summary,
    project_batches_filtered,
)
from tasks.selectors.projects import project_for
from tasks.services.batch_sources import METADATA_MAX_BYTES, Incoming
from tasks.services.batches import batch_create, batch_files_add, batch_start, batch_withdraw

# Field names under which files are read (`files[]` is what many browser libraries send).
FILE_FIELDS = ("files", "files[]", "file", "zip")


class BatchCreateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Images, or zips of images."
    )
    zip = serializers.FileField(required=False, help_text="A zip of images.")
    metadata = serializers.FileField(
        required=False,
        help_text="CSV (UTF-8): a column naming the file (file, filename, image, fichier), "
        "other columns stored on each task.",
    )
    manifest_url = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="A IIIF manifest (v2, v3), http or https. It is read by a job, not in this "
        "request: the answer is 202 with the batch in `reading`, which then starts ingesting, "
        "or fails with `error`.",
    )
    staged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Create the batch empty; add files with /files/, then /start/.",
    )
    purpose = serializers.ChoiceField(
        choices=BatchPurpose.choices,
        required=False,
        default=BatchPurpose.DATA,
        help_text="data: images to transcribe; training: images kept out of the real stream, "
        "waiting for their known answers (practice or known-answer images).",
    )


class BatchFilesSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Images, or zips of images."
    )
    zip = serializers.FileField(required=False, help_text="A zip of images.")


class BatchFilters(serializers.Serializer):
    state = serializers.ChoiceField(choices=BatchState.choices, required=False)


class BatchFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    file = serializers.CharField()
    state = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class BatchFailureSerializer(serializers.Serializer):
    file = serializers.CharField()
    code = serializers.CharField()
    error = serializers.CharField()


class BatchSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    project = serializers.CharField()
    name = serializers.CharField()
    purpose = serializers.CharField(help_text="data or training.")
    priority = serializers.IntegerField(
        help_text="Given to each of its images: higher is served first (set on the upload page)."
    )
    state = serializers.CharField()
    state_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    source_url = serializers.CharField()
    error_code = serializers.CharField(
        help_text="Why the IIIF manifest could not be read (the batch is then `failed`): "
        "manifest_not_found, manifest_http, manifest_unreachable, manifest_deadline, "
        "manifest_refused, manifest_invalid or manifest_gave_up; empty otherwise."
    )
    error = serializers.CharField(help_text="The same in words, in the reader's language.")
    counts = serializers.DictField(child=serializers.IntegerField())
    failed = BatchFailureSerializer(many=True)
    duplicates = serializers.ListField(child=serializers.DictField())
    notices = serializers.ListField(child=serializers.CharField())


class BatchPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = BatchSerializer(many=True)


def _incoming(request: Request) -> list[Incoming]:
    files = []
    for field in FILE_FIELDS:
        files.extend(request.FILES.getlist(field))
    return [Incoming.from_upload(upload) for upload in files]


def _metadata(request: Request) -> bytes | None:
    upload = request.FILES.get("metadata")
    if upload is None:
        return None
    if (upload.size or 0) > METADATA_MAX_BYTES:
        raise ValidationError({"metadata": [_("The metadata file is larger than 20 MB.")]})
    return bytes(upload.read())


class ProjectBatchesView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=[
            BatchFilters,
            OpenApiParameter(
                "limit", int, description="How many batches (50 by default, 500 at most)."
            ),
            OpenApiParameter("offset", int, description="How many to skip."),
        ],
        responses={200: BatchPageSerializer, **errors(403)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The project's batches, newest first."""
        project = project_for(request.user, slug, Capability.MANAGE)
        filters = query_filters(BatchFilters, request)
        paginator = Pages()
        page = paginator.paginate_queryset(
            project_batches_filtered(project.pk, state=filters.get("state")), request, view=self
        )
        return paginator.get_paginated_response(batch_summaries(list(page or [])))

    @extend_schema(
        request=BatchCreateSerializer,
        responses={201: BatchSerializer, 202: BatchSerializer, **errors(403)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Create a batch and start ingesting it once stored (unless `staged`): 201. From a
        `manifest_url`: 202, the batch `reading` until a job has read the manifest."""
        project = project_for(request.user, slug, Capability.MANAGE)
        given = {
            key: request.POST.get(key) for key in ("name", "manifest_url", "staged", "purpose")
        }
        if isinstance(request.data, dict) and not request.POST:  # JSON: manifest_url, name
            given = {key: request.data.get(key) for key in given}
        data = BatchCreateSerializer(
            data={key: value for key, value in given.items() if value not in (None, "")}
        )
        data.is_valid(raise_exception=True)
        batch = batch_create(
            project=project,
            actor=acting_user(request.user),
            name=data.validated_data.get("name", ""),
            uploads=_incoming(request),
            metadata_csv=_metadata(request),
            manifest_url=data.validated_data.get("manifest_url", ""),
            start=not data.validated_data["staged"],
            purpose=data.validated_data["purpose"],
        )
        # Accepted, whatever state the worker has already taken the batch to: the manifest is
        # read after this request, by a job.
        manifest = bool(data.validated_data.get("manifest_url"))
        answer = status.HTTP_202_ACCEPTED if manifest else status.HTTP_201_CREATED
        return Response(batch_summary(batch), status=answer)


class BatchDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: BatchSerializer, **errors(403)})
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(batch_summary(batch_for(request.user, batch_id)))


class BatchFilesView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request=BatchFilesSerializer,
        responses={201: BatchFileSerializer(many=True), **errors(403)},
    )
    def post(self, request: Request, batch_id: int) -> Response:
        """Add files (or zips) to a staged batch; each is stored or refused with its reason."""
        batch = batch_for(request.user, batch_id)
        uploads = _incoming(request)
        if not uploads:
            raise ValidationError({"files": [_("Add at least one file.")]})
        added = batch_files_add(batch_id=batch.pk, uploads=uploads)
        body: list[dict[str, Any]] = [batch_file_summary(record) for record in added]
        return Response(body, status=status.HTTP_201_CREATED)


class BatchStartView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: BatchSerializer, **errors(403)})
    def post(self, request: Request, batch_id: int) -> Response:
        """Start ingesting a staged batch (a batch that has started is returned as it is)."""
        batch = batch_for(request.user, batch_id)
        batch = batch_start(batch_id=batch.pk)
        return Response(batch_summary(batch))


class BatchWithdrawView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={200: BatchSerializer, **errors(403)})
    def post(self, request: Request, batch_id: int) -> Response:
        """Withdraw the batch: its unfinished tasks leave the queue; transcriptions are kept."""
        batch = batch_for(request.user, batch_id)
        batch = batch_withdraw(batch_id=batch.pk, actor=acting_user(request.user))
        return Response(batch_summary(batch))
