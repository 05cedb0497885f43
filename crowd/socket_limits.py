"""How many sockets one person or one address may hold open, and how fast one socket may talk.

Open sockets are counted in the cache (Redis in production), so the caps hold across every ASGI
process. A socket's count is given back when it closes; a process that dies cannot give its
sockets back, so each count also expires SOCKET_COUNT_SECONDS after the last socket of that
person or address opened or closed. The cap then fails open, never shut: a count that expired
under sockets still open only lets a few more in.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

SOCKET_COUNT_SECONDS = 15 * 60


def _key(kind: str, who: str) -> str:
    return f"sockets:{kind}:{who}"


def _counted(user_id: int | None, address: str) -> list[tuple[str, int, str]]:
    caps = [
        (
            _key("address", address),
            settings.SOCKETS_PER_ADDRESS,
            _("Too many live connections from your address: close other pages first."),
        )
    ]
    if user_id is not None:
        caps.append(
            (
                _key("user", str(user_id)),
                settings.SOCKETS_PER_USER,
                _("Too many live connections for your account: close other pages first."),
            )
        )
    return caps


def socket_slot_take(*, user_id: int | None, address: str) -> str | None:
    """Count one more socket for the user and the address. None when within the caps; else
    the refusal, and nothing stays counted."""
    taken: list[str] = []
    for key, cap, refusal in _counted(user_id, address):
        cache.add(key, 0, timeout=SOCKET_COUNT_SECONDS)
        try:
            count = int(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=SOCKET_COUNT_SECONDS)
            count = 1
        cache.touch(key, SOCKET_COUNT_SECONDS)
        taken.append(key)
        if count > cap:
            for done in taken:
                _give_back(done)
            return refusal
    return None


def socket_slot_release(*, user_id: int | None, address: str) -> None:
    """Give back the socket counted by `socket_slot_take` (once, when it closes)."""
    for key, _cap, _refusal in _counted(user_id, address):
        _give_back(key)


def _give_back(key: str) -> None:
    try:
        if int(cache.decr(key)) < 0:
            cache.set(key, 0, timeout=SOCKET_COUNT_SECONDS)
    except ValueError:  # already expired: nothing to give back
        return
    cache.touch(key, SOCKET_COUNT_SECONDS)


class MessageBudget:
    """A token bucket for one socket's incoming messages: SOCKET_MESSAGES_PER_MINUTE on
    average, as a burst at most. Kept with the connection: it is about that socket alone."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.tokens = float(per_minute)
        self.rate = per_minute / 60.0
        self.checked = time.monotonic()

    def spend(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.checked) * self.rate)
        self.checked = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
