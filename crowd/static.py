"""Static files served at the ASGI level, before Django's middleware.

WhiteNoise finds the files (finders in development, the collected and compressed manifest in
production), but its middleware is synchronous: in the middle of Django's otherwise
asynchronous middleware chain it forced several thread hops on every request, static or not.
Here it only answers paths under STATIC_URL; everything else goes straight to Django.
"""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings

CHUNK = 64 * 1024

Scope = dict[str, Any]
Receive = Any
Send = Any


class StaticFilesApp:
    def __init__(self, app: Any):
        from whitenoise.middleware import WhiteNoiseMiddleware

        self.app = app
        self.prefix = "/" + settings.STATIC_URL.strip("/") + "/"
        # Built once: in production it indexes the collected files at start-up.
        self.whitenoise = WhiteNoiseMiddleware(get_response=lambda request: None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        static_file = await asyncio.to_thread(self._find, scope["path"])
        if static_file is None:
            await self.app(scope, receive, send)
            return
        headers = {
            "HTTP_" + name.decode("latin-1").upper().replace("-", "_"): value.decode("latin-1")
            for name, value in scope["headers"]
        }
        response = await asyncio.to_thread(static_file.get_response, scope["method"], headers)
        await send(
            {
                "type": "http.response.start",
                "status": int(response.status),
                "headers": [
                    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers
                ],
            }
        )
        if response.file is None:
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            while chunk := await asyncio.to_thread(response.file.read, CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            response.file.close()

    def _find(self, path: str) -> Any:
        if self.whitenoise.autorefresh:
            return self.whitenoise.find_file(path)
        return self.whitenoise.files.get(path)
