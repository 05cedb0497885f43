"""Who is on a WebSocket: the user of the session cookie it was opened with; and how sockets
hear that their user's sessions may have ended."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.crypto import salted_hmac

from crowd.layer import group_send
from crowd.models import User
from crowd.ratelimit import forwarded_address

logger = logging.getLogger(__name__)

# The channel-layer message a user's sockets get when one of their sessions may have ended
# (`session.ended` -> the consumer's `session_ended`).
SESSION_ENDED = "session.ended"


def user_group(user_id: int) -> str:
    """Every open socket of one signed-in user."""
    return f"user-{user_id}"


def session_fingerprint(session_key: str) -> str:
    """Names a session in channel-layer messages without carrying its key."""
    return salted_hmac("crowd.sockets.session", session_key, algorithm="sha256").hexdigest()


def socket_session_key(scope: dict[str, Any]) -> str | None:
    cookies = "; ".join(
        value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"cookie"
    )
    return parse_cookie(cookies).get(settings.SESSION_COOKIE_NAME) or None


def sessions_ended_on_commit(*, user_id: int, session_key: str | None = None) -> None:
    """After commit, tell the user's open sockets that a session ended: the sockets opened with
    `session_key` (a log-out) close at once; without one (a password change or reset, a
    deactivation) each checks its own session again and closes if it no longer holds."""
    layer = get_channel_layer()
    if layer is None:
        return
    message: dict[str, Any] = {"type": SESSION_ENDED}
    if session_key:
        message["session"] = session_fingerprint(session_key)

    def send() -> None:
        try:
            group_send(layer, user_group(user_id), message)
        except Exception:  # a broken layer must not fail the write that already committed
            logger.exception("could not tell user %s's sockets their session ended", user_id)

    transaction.on_commit(send, robust=True)


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
            if not user.is_active:
                return AnonymousUser()
        return user
    session_key = socket_session_key(scope)
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
