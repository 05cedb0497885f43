"""Who is on a WebSocket: the user of the session cookie it was opened with."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import translation

from crowd.models import User
from crowd.ratelimit import forwarded_address


def socket_user(scope: dict[str, Any]) -> User | AnonymousUser:
    """Who is on the socket as of now: the user of the session cookie it was opened with, read
    again at each check, so a logout or a password change counts at once. Runs in the
    database thread.

    Nothing keeps the user or the session for the socket's life (Channels' AuthMiddlewareStack
    would, in every copy of the scope, for each of a thousand sockets). A scope that already
    carries a user (an outer authentication middleware, or a test) is taken at its word, with
    its row read again."""
    user = scope.get("user")
    if user is not None:
        if user.is_authenticated:
            user.refresh_from_db()
        return user
    cookies = "; ".join(
        value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"cookie"
    )
    session_key = parse_cookie(cookies).get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return AnonymousUser()
    # What Django's authentication middleware does for a request, without the request.
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    return user if isinstance(user, User) else AnonymousUser()


def socket_client_ip(scope: dict[str, Any]) -> str:
    """The socket's client address, by the rule HTTP requests follow (`client_ip`)."""
    forwarded = ", ".join(
        value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
    )
    client = scope.get("client") or ("unknown", 0)
    return forwarded_address(remote=str(client[0]), forwarded=forwarded)


def socket_language(scope: dict[str, Any]) -> str:
    """The language the socket's page speaks, chosen as for a request: the language cookie,
    then Accept-Language, then the site's default."""
    request = HttpRequest()
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            request.COOKIES.update(parse_cookie(value.decode("latin-1")))
        elif name == b"accept-language":
            request.META["HTTP_ACCEPT_LANGUAGE"] = value.decode("latin-1")
    return translation.get_language_from_request(request)
