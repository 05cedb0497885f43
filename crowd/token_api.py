"""The busiest API requests, when they carry a token, served in one thread hop.

Under ASGI, Django runs a synchronous view and each synchronous middleware in a thread of their
own request's executor: a dozen thread hand-overs per request, and an executor thread started
and joined for each, which cost more CPU than next-task or submit do themselves. A request to
one of `HOT_PATHS` that authenticates with `Authorization: Token …` is instead handled whole,
middleware and view, in one call on the process's shared thread pool.

Its middleware are the site's (`settings.MIDDLEWARE`, same order) less those that only serve
cookie sessions: sessions, CSRF, session authentication, messages and the log-in lockout. A
token request never reads a session (DRF's token authentication answers first; on these paths
the view's first statement reads the token, and a bad one is refused before anything else is
done: `crowd.api_claims`), so nothing they do applies to it. Security headers, CSP, the language,
the host check and the metrics stay. Every other request, also one to these paths with a
session cookie, goes through Django's handler as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from io import BytesIO
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.urls import ResolverMatch, get_resolver, set_urlconf

Scope = dict[str, Any]

HOT_PATHS = re.compile(
    r"^/api/(?:projects/(?P<slug>[-a-zA-Z0-9_]+)/next-task|tasks/(?P<task_id>[0-9]+)/transcriptions)/$"
)
# A path of each shape, resolved once by Django's resolver; the request's own values (the URL
# patterns' `slug` and `int` converters) replace its own. Resolving through the whole URL
# configuration cost a tenth of these requests' time.
_SHAPES = {"slug": "/api/projects/shape/next-task/", "task_id": "/api/tasks/1/transcriptions/"}

# Middleware that serve cookie sessions only (see the module's docstring).
SESSION_ONLY = frozenset(
    {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "axes.middleware.AxesMiddleware",
    }
)

# Bodies of these two requests are small; a bigger one goes the usual way (and its limits).
MAX_BODY = 256 * 1024


class _TokenHandler(BaseHandler):
    """Django's request handling, synchronous, with the middleware a token request needs."""

    def __init__(self) -> None:
        super().__init__()
        site = settings.MIDDLEWARE
        settings.MIDDLEWARE = [path for path in site if path not in SESSION_ONLY]
        try:
            self.load_middleware(is_async=False)
        finally:
            settings.MIDDLEWARE = site
        self._shapes: dict[str, ResolverMatch] = {}

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        """Django's resolution, for one of `HOT_PATHS` without walking the URL configuration:
        the match of the path's shape, with the request's values."""
        found = HOT_PATHS.match(request.path_info)
        if found is None or hasattr(request, "urlconf"):
            return super().resolve_request(request)
        name = "slug" if found["slug"] is not None else "task_id"
        shape = self._shapes.get(name)
        if shape is None:
            shape = self._shapes[name] = get_resolver().resolve(_SHAPES[name])
        kwargs: dict[str, Any] = {name: found[name] if name == "slug" else int(found[name])}
        match = ResolverMatch(
            shape.func,
            shape.args,
            kwargs,
            url_name=shape.url_name,
            app_names=list(shape.app_names),
            namespaces=list(shape.namespaces),
            route=shape.route,
            captured_kwargs=kwargs,
            extra_kwargs=getattr(shape, "extra_kwargs", None),
        )
        request.resolver_match = match
        return match

    def respond(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Status, headers and body of the response, rendered and closed here: closing sends
        `request_finished`, whose receivers (the database connections' upkeep) must run in
        this thread."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        response: HttpResponseBase | None = None
        try:
            request = ASGIRequest(scope, BytesIO(body))
            set_urlconf(settings.ROOT_URLCONF)
            response = self.get_response(request)
            if isinstance(response, StreamingHttpResponse):
                content = b"".join(response.streaming_content)  # type: ignore[arg-type]
            else:
                content = getattr(response, "content", b"")
            headers = [
                (str(name).encode("ascii"), str(value).encode("latin1"))
                for name, value in response.items()
            ]
            headers += [
                (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
                for cookie in response.cookies.values()
            ]
            return response.status_code, headers, content
        finally:
            if response is not None:
                response.close()
            else:
                signals.request_finished.send(sender=self.__class__)


class TokenApiApp:
    """ASGI: token requests to `HOT_PATHS` handled by `_TokenHandler`, the rest by `app`."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.handler = _TokenHandler()

    def _takes(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] != "POST":
            return False
        if not HOT_PATHS.match(scope["path"]) or scope.get("root_path"):
            return False
        authorization = next(
            (value for name, value in scope["headers"] if name == b"authorization"), b""
        )
        return authorization[:6].lower() == b"token "

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if not self._takes(scope):
            await self.app(scope, receive, send)
            return
        messages: list[dict[str, Any]] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nothing to answer
            messages.append(message)
            size += len(message.get("body", b""))
            if size > MAX_BODY:
                # Django's handler and its limits, with what was read given back first.
                await self.app(scope, _replay(messages, receive), send)
                return
            if not message.get("more_body", False):
                break
        chunks = [message.get("body", b"") for message in messages]
        status, headers, content = await sync_to_async(
            self.handler.respond, thread_sensitive=False
        )(scope, b"".join(chunks))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _replay(messages: list[dict[str, Any]], receive: Any) -> Callable[[], Any]:
    pending = list(messages)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay
