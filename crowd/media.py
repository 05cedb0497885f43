"""Uploaded images served with the project's access rules (SERVE_MEDIA installations).

A members-only project's originals, thumbnails and tiles must not be public to whoever has a
URL. Media paths start with the project's id (`projects/<id>/…`, `batches/<id>/…`); a tile
request asks the same question hundreds of times, so the answer is cached briefly per session
and project.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.static import serve

from crowd.roles import Capability, project_capabilities
from tasks.models import Project

DECISION_SECONDS = 60
# What each top folder of MEDIA_ROOT needs: images of tasks are seen with the project; files
# still waiting to be ingested only by its leads.
FOLDER_CAPABILITY = {"projects": Capability.VIEW, "batches": Capability.MANAGE}


def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    # No "..", "." or empty segment: `projects/1/../2/…` would pass project 1's check and
    # serve project 2's file.
    if any(segment in {"", ".", ".."} for segment in path.split("/")):
        raise Http404("No such file.")
    folder, _, rest = path.partition("/")
    project_id, _, _ = rest.partition("/")
    needed = FOLDER_CAPABILITY.get(folder)
    if needed is None or not project_id.isdigit() or not _allowed(request, int(project_id), needed):
        raise Http404("No such file.")
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))


def _allowed(request: HttpRequest, project_id: int, needed: Capability) -> bool:
    viewer = request.user.pk if request.user.is_authenticated else "anonymous"
    key = f"media-access:{viewer}:{project_id}:{needed.value}"
    decision = cache.get(key)
    if decision is None:
        project = Project.objects.filter(pk=project_id).first()
        decision = project is not None and needed in project_capabilities(request.user, project)
        cache.set(key, decision, DECISION_SECONDS)
    return bool(decision)
