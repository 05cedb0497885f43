"""Uploaded images served with the project's access rules (SERVE_MEDIA installations).

A members-only project's originals, thumbnails and tiles must not be public to whoever has a
URL. Media paths start with the project's id (`projects/<id>/…`, `batches/<id>/…`); a tile
request asks the same question hundreds of times, so the answer is cached briefly per session
and project.

Uploads are hostile: every file is sent with the media type of its stored extension, which the
platform chose from the decoded image format (`worker.imaging.formats`); never one a browser
could guess or run. A file of any other extension (left from before that rule) is a download.
Each answer also tells the browser not to sniff, and to treat it as a sandboxed document with no
rights to anything: even a file that got past every check cannot run a script with the site's
cookies.

With object storage (MEDIA_STORAGE=s3) the same check runs first, then:

- a members-only project's file (and a file waiting for ingest) is answered with a redirect to a
  signed address of the bucket that works S3_SIGNED_URL_SECONDS, asking the storage for the
  media type chosen here (never the one it stored) and `private` caching; the bucket is never
  public. The bytes then come from the storage's own origin, which holds none of the site's
  cookies (the nosniff and sandbox headers cannot be asked of a signed address);
- a public project's file is relayed by the platform with exactly the headers above (public
  caching, `Access-Control-Allow-Origin: *` for IIIF viewers on other sites, nosniff, the
  sandbox), so a shared cache or CDN in front of `/media/` may keep it, and the bucket needs no
  CORS rules of its own.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    HttpResponseRedirect,
)
from django.utils.http import http_date
from django.views.static import serve

from crowd.storage import Files, NotModified, ObjectFiles, media_files
from crowd.streaming import blocks_streamed, connections_release, file_handed_over
from crowd.users import AnyUser
from tasks.models import Project
from tasks.roles import Capability, project_capabilities
from worker.imaging.formats import MEDIA_TYPES

DECISION_SECONDS = 60
INFO_CONTENT_TYPE = 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
# What each top folder of MEDIA_ROOT needs: images of tasks are seen with the project; files
# still waiting to be ingested only by its leads.
FOLDER_CAPABILITY = {"projects": Capability.VIEW, "batches": Capability.MANAGE}
# Sent with every media answer (and what a web server serving MEDIA_ROOT must send too).
MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
}
SERVED_TYPES = {**MEDIA_TYPES, ".json": "application/json"}


def media_serve(request: HttpRequest, path: str) -> HttpResponseBase:
    # No "..", "." or empty segment: `projects/1/../2/…` would pass project 1's check and
    # serve project 2's file.
    if any(segment in {"", ".", ".."} for segment in path.split("/")):
        raise Http404("No such file.")
    folder, _, rest = path.partition("/")
    project_id, _, _ = rest.partition("/")
    needed = FOLDER_CAPABILITY.get(folder)
    if (
        needed is None
        or not project_id.isdigit()
        or not _allowed(request.user, int(project_id), needed)
    ):
        raise Http404("No such file.")
    # What anyone may see, any site may show: IIIF viewers elsewhere (Mirador, the Universal
    # Viewer) read a public project's tiles. Never for members-only projects.
    public = folder == "projects" and _allowed(AnonymousUser(), int(project_id), Capability.VIEW)
    files = media_files()
    response: HttpResponseBase | None = None
    if folder == "projects" and path.endswith("/info.json"):
        response = _image_info(request, files, path)
    if response is None and isinstance(files, ObjectFiles):
        response = media_relayed(request, files, path) if public else media_redirect(files, path)
    if response is None:
        root = Path(settings.MEDIA_ROOT)
        response = file_handed_over(
            root / path,
            root=root,
            location=settings.SENDFILE_MEDIA_LOCATION,
            content_type="application/octet-stream",  # typed below, as every media answer
        )
        if response is None:
            response = serve(request, path, document_root=str(root))
        _typed(response, path)
    # The access decisions are made: a tile's bytes need no database connection.
    connections_release()
    for header, value in MEDIA_HEADERS.items():
        response[header] = value
    # A members-only project's images must not be kept by caches shared between people.
    if "Cache-Control" not in response:
        response["Cache-Control"] = "public" if public else "private"
    if public:
        response["Access-Control-Allow-Origin"] = "*"
    return response


def served_type(path: str) -> tuple[str, bool]:
    """The media type of the stored extension, never `mimetypes`' guess (`.html`, `.svg`…),
    and whether the file is only a download (an extension the platform never writes)."""
    served = SERVED_TYPES.get(PurePosixPath(path).suffix.lower())
    return (served, False) if served else ("application/octet-stream", True)


def _typed(response: HttpResponseBase, path: str) -> None:
    if "Content-Encoding" in response:  # `mimetypes` reads `.gz` as an encoding to undo
        del response["Content-Encoding"]
    response["Content-Type"], download = served_type(path)
    if download:
        response["Content-Disposition"] = "attachment"


def media_redirect(files: ObjectFiles, path: str) -> HttpResponse:
    """To the file's signed address (object storage), answered with our type, for this reader
    only. The redirect itself may be reused by the browser for half the address' lifetime, so
    that a page's tiles come from its cache instead of a new signature each time."""
    content_type, download = served_type(path)
    seconds = settings.S3_SIGNED_URL_SECONDS
    response = HttpResponseRedirect(
        files.signed_url(
            path,
            content_type=content_type,
            disposition="attachment" if download else "",
            cache_control=f"private, max-age={seconds}",
        )
    )
    response["Cache-Control"] = f"private, max-age={seconds // 2}"
    return response


def media_relayed(request: HttpRequest, files: ObjectFiles, path: str) -> HttpResponseBase:
    """A public project's file from the bucket, relayed a block at a time with its ETag
    (a reader holding the current copy gets 304)."""
    etag = request.headers.get("If-None-Match", "")
    try:
        body, about = files.opened(path, etag=etag)
    except NotModified:
        return HttpResponseNotModified(headers={"ETag": etag})
    except FileNotFoundError:
        raise Http404("No such file.") from None
    content_type, download = served_type(path)
    response = blocks_streamed(
        request, body, length=about.get("ContentLength"), content_type=content_type
    )
    if download:
        response["Content-Disposition"] = "attachment"
    if about.get("ETag"):
        response["ETag"] = about["ETag"]
    if about.get("LastModified"):
        response["Last-Modified"] = http_date(about["LastModified"].timestamp())
    return response


def _image_info(request: HttpRequest, files: Files, path: str) -> HttpResponse | None:
    """The IIIF Image API `info.json`, its `id` made absolute: tiles are written with an id
    relative to the site, which OpenSeadragon resolves but other IIIF clients need whole."""
    data = files.read(path)
    try:
        info = json.loads(data) if data is not None else None
    except ValueError:
        return None
    if not isinstance(info, dict):
        return None
    folder = path.removesuffix("/info.json")
    info["id"] = request.build_absolute_uri(f"{settings.MEDIA_URL}{folder}")
    return HttpResponse(json.dumps(info), content_type=INFO_CONTENT_TYPE)


def _allowed(user: AnyUser, project_id: int, needed: Capability) -> bool:
    viewer = user.pk if user.is_authenticated else "anonymous"
    key = f"media-access:{viewer}:{project_id}:{needed.value}"
    decision = cache.get(key)
    if decision is None:
        project = Project.objects.filter(pk=project_id).first()
        decision = project is not None and needed in project_capabilities(user, project)
        cache.set(key, decision, DECISION_SECONDS)
    return bool(decision)
