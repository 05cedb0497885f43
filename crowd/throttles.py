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

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None or self.duration is None or self.num_requests is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        duration, now = self.duration, self.timer()
        window_key = f"{key}:{int(now // duration)}"
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
        self._wait_seconds = duration - (now % duration)
        return bool(count <= self.num_requests)

    def wait(self) -> float:
        return self._wait_seconds


class AnonThrottle(FixedWindowMixin, AnonRateThrottle):
    pass


class UserThrottle(FixedWindowMixin, UserRateThrottle):
    pass


class ScopedThrottle(FixedWindowMixin, ScopedRateThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        # As ScopedRateThrottle: the rate comes from the view's throttle_scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
