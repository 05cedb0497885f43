"""IIIF Presentation 3 for viewers: the project's collection and one manifest per batch, live,
with each settled value as an annotation on its canvas. The same documents as the `iiif`
export, at the addresses their ids name, with the export's access rule: leads, or everyone who
may see the project when its data is open (and then from any origin, as IIIF viewers need)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crowd.ratelimit import client_ip, limit_count
from crowd.streaming import generated
from tasks.models import Project
from tasks.roles import (
    project_capabilities,
    project_data_downloadable,
    project_open_to_anyone,
    project_sees_unsettled,
)
from tasks.selectors.exports import export_dataset, export_records, iiif_batches
from tasks.selectors.projects import project_for
from worker.exports.iiif import collection, manifest_chunks

CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


def _readable(request: HttpRequest, slug: str) -> tuple[Project, bool]:
    project = project_for(request.user, slug)
    if not project_data_downloadable(request.user, project):
        raise PermissionDenied(_("Only the project's leads may see its exports."))
    # Anyone may read it: viewers on other sites may fetch it too.
    public = project.data_open and project_open_to_anyone(project)
    return project, public


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """Each document reads a whole batch: one address may not ask for them without end."""
    if limit_count(f"iiif:{client_ip(request)}", window_seconds=60) <= settings.IIIF_PER_MINUTE:
        return None
    message = _("Too many IIIF requests from this address: wait a minute.")
    return HttpResponse(message, status=429, headers={"Retry-After": "60"})


def _headers(response: HttpResponse | StreamingHttpResponse, public: bool) -> None:
    if public:
        response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Cookie"


@require_GET
def iiif_collection(request: HttpRequest, slug: str) -> HttpResponse:
    if (refused := _throttled(request)) is not None:
        return refused
    project, public = _readable(request, slug)
    dataset = export_dataset(project, base_url=request.build_absolute_uri("/"), tasks=0, light=True)
    settled_only = not project_sees_unsettled(project_capabilities(request.user, project))
    batches = iiif_batches(project, settled_only=settled_only).values_list("pk", "name")
    body = json.dumps(collection(dataset, list(batches)), ensure_ascii=False)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    _headers(response, public)
    return response


@require_GET
def iiif_manifest(
    request: HttpRequest, slug: str, batch_id: int
) -> StreamingHttpResponse | HttpResponse:
    if (refused := _throttled(request)) is not None:
        return refused
    project, public = _readable(request, slug)
    settled_only = not project_sees_unsettled(project_capabilities(request.user, project))
    batch = iiif_batches(project, settled_only=settled_only).filter(pk=batch_id).first()
    if batch is None:
        # Also a batch with no image to show yet: a manifest must have a canvas.
        raise Http404(_("No such batch."))
    base_url = request.build_absolute_uri("/")
    dataset = export_dataset(project, base_url=base_url, tasks=0, light=True)
    # Read whole before the first byte: the connection goes back to the pool instead of
    # waiting on a slow reader (a batch holds at most BATCH_MAX_IMAGES rows).
    records = list(
        export_records(project, base_url=base_url, batch_id=batch.pk, settled_only=settled_only)
    )
    response = generated(
        request, manifest_chunks(dataset, batch.pk, batch.name, records), content_type=CONTENT_TYPE
    )
    _headers(response, public)
    return response
