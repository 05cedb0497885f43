"""API for exports: ask for one (leads), follow its progress, download the file.

GET  /api/projects/{slug}/exports/    exports of the project, newest first (paginated;
                                      export_format, state)
POST /api/projects/{slug}/exports/    {"format": "dwca"} -> 202 and the queued export
GET  /api/exports/{id}/               state, progress, size, download link when ready
GET  /api/exports/{id}/download/      the file (leads; anyone who sees the project if its data is open)
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.pagination import Pages
from crowd.storage import export_files
from crowd.streaming import stored_download
from crowd.users import acting_user
from tasks.api.filters import query_filters
from tasks.models import Export, ExportFormatChoice, ExportState
from tasks.roles import Capability
from tasks.selectors.exports import export_for, exports_visible_to
from tasks.selectors.projects import project_for
from tasks.services.exports import (
    ExportNotReady,
    export_filename,
    export_payload,
    export_request,
)
from worker.exports import FORMATS
from worker.exports.records import LICENCES


class ExportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    format = serializers.ChoiceField(choices=ExportFormatChoice.choices)
    state = serializers.ChoiceField(choices=ExportState.choices)
    done = serializers.IntegerField(help_text="Images read so far.")
    total = serializers.IntegerField(help_text="Images to read.")
    percent = serializers.IntegerField()
    records = serializers.IntegerField(help_text="Records written (rows, items, canvases).")
    size = serializers.IntegerField(allow_null=True, help_text="Bytes, once ready.")
    error = serializers.CharField(allow_blank=True)
    download = serializers.CharField(
        allow_null=True, help_text="Where to get the file, once ready."
    )
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    public = serializers.BooleanField(
        help_text="Made for everyone who may download the open data: settled images only."
    )


class ExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ExportFormatChoice.choices)
    public = serializers.BooleanField(
        required=False,
        default=None,
        allow_null=True,
        help_text="For everyone (settled images only) rather than for the leads; by default, "
        "when the project's data is open.",
    )


def export_data(export: Export) -> dict[str, Any]:
    return export_payload(export) | {
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "public": export.public,
    }


class ExportPagedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExportSerializer(many=True)


class ExportFilters(serializers.Serializer):
    # Not `format`: Django REST framework reads `?format=` to choose how to render the answer.
    export_format = serializers.ChoiceField(choices=ExportFormatChoice.choices, required=False)
    state = serializers.ChoiceField(choices=ExportState.choices, required=False)


class ProjectExportsView(APIView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[
            ExportFilters,
            OpenApiParameter(
                "limit", int, description="How many exports (50 by default, 500 at most)."
            ),
            OpenApiParameter("offset", int, description="How many to skip."),
        ],
        responses={200: ExportPagedSerializer, **errors(403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The project's exports, newest first. Leads see all of them; when the data is open,
        everyone who may see the project sees the finished ones."""
        project = project_for(request.user, slug)
        filters = query_filters(ExportFilters, request)
        if "export_format" in filters:
            filters["format"] = filters.pop("export_format")
        exports = exports_visible_to(request.user, project).filter(**filters)
        pages = Pages()
        page = pages.paginate_queryset(exports, request, view=self) or []
        return pages.get_paginated_response([export_data(export) for export in page])

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Ask for an export (leads). The same format asked again while one is queued or
        running returns that one. Progress comes over the project's WebSocket (`export`
        events) and from GET /api/exports/{id}/."""
        project = project_for(request.user, slug, Capability.MANAGE)
        data = ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        export = export_request(
            project=project,
            actor=acting_user(request.user),
            format=data.validated_data["format"],
            base_url=request.build_absolute_uri("/"),
            public=data.validated_data.get("public"),
        )
        return Response(export_data(export), status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: ExportSerializer, **errors(403, 404)})
    def get(self, request: Request, export_id: int) -> Response:
        return Response(export_data(export_for(request.user, export_id)))


class ExportDownloadView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file: a zip (csv, raw-csv, dwca, iiif), gzipped JSON Lines, "
                "CSL-JSON or BibTeX.",
            ),
            302: OpenApiResponse(
                description="With object storage (MEDIA_STORAGE=s3): `Location` is a signed "
                "address of the file, working S3_SIGNED_URL_SECONDS, that answers it as an "
                "attachment with its name."
            ),
            **errors(403, 404, 409),
        }
    )
    def get(self, request: Request, export_id: int) -> Any:
        export = export_for(request.user, export_id)
        if export.state != ExportState.DONE:
            message = _("This export is not ready: it is %(state)s.") % {
                "state": export.get_state_display().lower()
            }
            raise ExportNotReady(message)
        try:
            response = stored_download(
                request,
                export_files(),
                export.path,
                filename=export_filename(export),
                content_type=FORMATS[export.format].content_type,
                location=settings.SENDFILE_EXPORTS_LOCATION,
            )
        except Http404:
            raise Http404(_("The export's file is gone: ask for a new export.")) from None
        licence = LICENCES.get(export.project.licence)
        if licence is not None:
            response["Link"] = f'<{licence.url}>; rel="license"'
        return response
