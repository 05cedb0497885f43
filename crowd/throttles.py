"""API rate limits with a fixed-window counter: one cache increment per request (one round trip
to Redis for each limit).

DRF's default throttles keep every request's timestamp in the cache and rewrite the whole list
on each request, which costs more the busier a client is.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import (
    AnonRateThrottle,
    ScopedRateThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)


class FixedWindowMixin(SimpleRateThrottle):
    _wait_seconds: float = 0.0
    num_requests: int | None
    duration: int | None

    def window(self, request: Request, view: Any) -> tuple[str, int] | None:
        """The window this request counts in and its length; None when it is not limited."""
        if self.rate is None or self.duration is None or self.num_requests is None:
            return None
        key = self.get_cache_key(request, view)
        if key is None:
            return None
        self._now = self.timer()
        return f"{key}:{int(self._now // self.duration)}", self.duration

    def counted(self, count: int) -> bool:
        """Whether the request, counted `count` in its window, is allowed."""
        # Both set: `window` answered only then.
        duration, limit = self.duration or 1, self.num_requests or 0
        self._wait_seconds = duration - (self._now % duration)
        return bool(count <= limit)

    def allow_request(self, request: Request, view: Any) -> bool:
        window = self.window(request, view)
        if window is None:
            return True
        window_key, duration = window
        window_incr = getattr(self.cache, "window_incr", None)
        if window_incr is not None:  # Redis: one round trip
            count = window_incr(window_key, duration)
        else:
            self.cache.add(window_key, 0, duration)
            try:
                count = self.cache.incr(window_key)
            except ValueError:  # expired between add and incr
                self.cache.set(window_key, 1, duration)
                count = 1
        return self.counted(count)

    def wait(self) -> float:
        return self._wait_seconds


class AnonThrottle(FixedWindowMixin, AnonRateThrottle):
    pass


class UserThrottle(FixedWindowMixin, UserRateThrottle):
    pass


class ScopedThrottle(FixedWindowMixin, ScopedRateThrottle):
    def window(self, request: Request, view: Any) -> tuple[str, int] | None:
        # As ScopedRateThrottle: the rate comes from the view's throttle_scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().window(request, view)


def throttle_waits(throttles: list[Any], request: Request, view: Any) -> list[float]:
    """How long each refusing throttle asks to wait (empty: the request is allowed), as DRF's
    `check_throttles` gathers them; this platform's throttles that share the Redis cache count
    in one round trip for all of them."""
    batched = [throttle for throttle in throttles if isinstance(throttle, FixedWindowMixin)]
    caches = {id(throttle.cache) for throttle in batched}
    if len(batched) < 2 or len(caches) != 1 or not hasattr(batched[0].cache, "windows_incr"):
        return [t.wait() for t in throttles if not t.allow_request(request, view)]
    waits: list[float] = []
    windows = []
    for throttle in throttles:
        if throttle in batched:
            window = throttle.window(request, view)
            if window is not None:
                windows.append((throttle, window))
        elif not throttle.allow_request(request, view):
            waits.append(throttle.wait())
    counts = batched[0].cache.windows_incr([window for _, window in windows]) if windows else []
    for (throttle, _), count in zip(windows, counts, strict=True):
        if not throttle.counted(count):
            waits.append(throttle.wait())
    return waits
