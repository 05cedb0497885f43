"""Responses that stream under the ASGI server without holding the body in memory.

Django serves a streaming response built on a synchronous iterator, under ASGI, by reading the
whole iterator into a list first: a 200 MB export would sit in the web process's memory, and
a manifest's every query would run before its first byte. Under ASGI these helpers hand Django
an asynchronous iterator that reads a block at a time in a thread; under WSGI (tests, other
deployments) they answer the usual way.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils.http import content_disposition_header

BLOCK_BYTES = 1 << 20
# Chunks of a generated document handed over per trip to the database thread.
CHUNKS_PER_TRIP = 100


def _asgi(request: Any) -> bool:
    # A DRF Request wraps Django's.
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def file_download(
    request: HttpRequest, path: Path, *, filename: str, content_type: str
) -> FileResponse | StreamingHttpResponse:
    if not _asgi(request):
        return FileResponse(
            open(path, "rb"),
            as_attachment=True,
            filename=filename,
            content_type=content_type,
        )
    response = StreamingHttpResponse(_file_blocks(path), content_type=content_type)
    response["Content-Length"] = str(path.stat().st_size)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


async def _file_blocks(path: Path) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        while block := await asyncio.to_thread(handle.read, BLOCK_BYTES):
            yield block
    finally:
        handle.close()


def generated(
    request: HttpRequest, chunks: Iterator[str], *, content_type: str
) -> StreamingHttpResponse:
    """A document made as it is sent (its generator may query the database)."""
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
    # thread_sensitive: the generator's queries run on the thread that holds the connection.
    take = sync_to_async(_take, thread_sensitive=True)
    while text := await take(chunks):
        yield text
