"""Responses that stream under the ASGI server without holding the body in memory, nor a
database connection.

Django serves a streaming response built on a synchronous iterator, under ASGI, by reading the
whole iterator into a list first: a 200 MB export would sit in the web process's memory, and
a manifest's every query would run before its first byte. Under ASGI these helpers hand Django
an asynchronous iterator that reads a block at a time in a thread; under WSGI (tests, other
deployments) they answer the usual way.

A request keeps its database connection until its response is closed, that is until the last
byte reached a reader who may be slow: ten slow readers would hold a process's pool of ten, and
every other request would wait for one. So these helpers give the connection back (to the
pool) before the first byte: whatever a body needs from the database is read before it
streams. With a front web server configured (SENDFILE_HEADER), files are not streamed by the
platform at all: the answer names the file, and the server sends it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.http import content_disposition_header

from crowd.storage import Files, LocalFiles, ObjectFiles

BLOCK_BYTES = 1 << 20
# Chunks of a generated document handed over per trip to the request's thread.
CHUNKS_PER_TRIP = 100
# What X-Accel-Redirect may carry unescaped: RFC 3986 path characters (IIIF tile paths hold
# commas); anything else is percent-encoded, as in any URI.
_URI_SAFE = "/,;:=@!$&'()*+-._~"


def _asgi(request: Any) -> bool:
    # A DRF Request wraps Django's.
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def connections_release() -> None:
    """Give this thread's database connections back (to the pool, or closed): the response
    that follows reads nothing more from the database. A connection inside a transaction (the
    caller's, or a test's) is left alone; a later query would simply take a connection again."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def file_handed_over(
    path: Path, *, root: Path, location: str, content_type: str
) -> HttpResponse | None:
    """An empty answer telling the front web server to send `path` (a file under `root`,
    which the server maps to `location`), or None when no front server is configured
    (SENDFILE_HEADER empty). Call it after the access check. 404 for a file that is not there:
    the front server would answer its own 404 page, or worse, a file out of `root`."""
    header = settings.SENDFILE_HEADER
    if not header:
        return None
    try:
        real = path.resolve(strict=True)
        relative = real.relative_to(Path(root).resolve())
    except (OSError, ValueError):
        raise Http404("No such file.") from None
    if not real.is_file():
        raise Http404("No such file.")
    response = HttpResponse(b"", content_type=content_type)
    if header == "X-Sendfile":
        response[header] = str(real)
    else:
        response[header] = location + quote(relative.as_posix(), safe=_URI_SAFE)
    connections_release()
    return response


def file_download(
    request: HttpRequest,
    path: Path,
    *,
    filename: str,
    content_type: str,
    root: Path,
    location: str,
) -> HttpResponse | FileResponse | StreamingHttpResponse:
    """`path` as an attachment named `filename`, after the caller's access check: handed to
    the front web server when one is configured, otherwise streamed by the platform with the
    database connection given back first. Access-checked, so no shared cache keeps it."""
    response: HttpResponse | FileResponse | StreamingHttpResponse
    handed = file_handed_over(path, root=root, location=location, content_type=content_type)
    if handed is not None:
        response = handed
    else:
        handle = open(path, "rb")  # noqa: SIM115 closed by the response
        connections_release()
        if not _asgi(request):
            response = FileResponse(handle, content_type=content_type)
        else:
            response = StreamingHttpResponse(_file_blocks(handle), content_type=content_type)
            response["Content-Length"] = str(path.stat().st_size)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    response["Cache-Control"] = "private"
    return response


def stored_download(
    request: HttpRequest,
    files: Files,
    name: str,
    *,
    filename: str,
    content_type: str,
    location: str,
) -> HttpResponseBase:
    """The stored file `name` as an attachment named `filename`, after the caller's access
    check: from this machine's disk as `file_download` sends it, or with object storage a
    redirect to a short-lived signed address that answers with the same type and name. 404
    when the file is gone."""
    if isinstance(files, LocalFiles):
        path = files.path(name)
        if not path.is_file():
            raise Http404("No such file.")
        return file_download(
            request,
            path,
            filename=filename,
            content_type=content_type,
            root=files.root,
            location=location,
        )
    assert isinstance(files, ObjectFiles)
    if not files.exists(name):
        raise Http404("No such file.")
    response = HttpResponseRedirect(
        files.signed_url(
            name,
            content_type=content_type,
            disposition=content_disposition_header(True, filename) or "attachment",
            cache_control="private",
        )
    )
    # The address is signed for this reader: no cache keeps it.
    response["Cache-Control"] = "private, no-store"
    connections_release()
    return response


def blocks_streamed(
    request: HttpRequest, handle: IO[bytes], *, length: int | None, content_type: str
) -> StreamingHttpResponse:
    """`handle`'s bytes (an object storage's answer), a block at a time (read in a thread under
    ASGI), the database connection given back first; `handle` is closed at the end."""
    connections_release()
    blocks = _file_blocks(handle) if _asgi(request) else _sync_blocks(handle)
    response = StreamingHttpResponse(blocks, content_type=content_type)
    if length is not None:
        response["Content-Length"] = str(length)
    return response


def _sync_blocks(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while block := handle.read(BLOCK_BYTES):
            yield block
    finally:
        handle.close()


async def _file_blocks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        # Anything the middleware read after the view let go of: on the request's thread,
        # which holds its connections.
        await sync_to_async(connections_release, thread_sensitive=True)()
        while block := await asyncio.to_thread(handle.read, BLOCK_BYTES):
            yield block
    finally:
        handle.close()


def generated(
    request: HttpRequest, chunks: Iterator[str], *, content_type: str
) -> StreamingHttpResponse:
    """A document made as it is sent. `chunks` must not query the database: read its rows
    first (the connection is given back before the first byte)."""
    connections_release()
    if not _asgi(request):
        return StreamingHttpResponse(chunks, content_type=content_type)
    return StreamingHttpResponse(_pulled(chunks), content_type=content_type)


def _take(chunks: Iterator[str]) -> str:
    taken = []
    for chunk in chunks:
        taken.append(chunk)
        if len(taken) >= CHUNKS_PER_TRIP:
            break
    return "".join(taken)


async def _pulled(chunks: Iterator[str]) -> AsyncIterator[str]:
    # thread_sensitive: the request's own thread, so that a query slipped into a generator
    # would at least use (and, at the response's end, give back) the request's connection.
    await sync_to_async(connections_release, thread_sensitive=True)()
    take = sync_to_async(_take, thread_sensitive=True)
    while text := await take(chunks):
        yield text
