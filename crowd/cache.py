"""A Redis cache that shares its connection pool across the whole process, and fails soft.

Under ASGI, Django builds a new cache object for each request's context, and Django's Redis
backend keeps its connection pool on that object: every request then opened a new Redis
connection. Rate limits and job coalescing use the cache on hot paths, so the pool is kept per
process (and per server URL) instead.

Redis is a messenger here, never the truth: what the cache holds is counters (rate limits, open
sockets) and hints (a recount already scheduled). So a Redis that is down or hung must not turn
requests into errors. When a call fails on a connection or a timeout, it is served by a cache
in this process's memory instead: rate limits keep counting, per process, for the length of the
outage. A breaker then sends every call to that memory for BREAKER_SECONDS, so an outage costs
one connection attempt per process every BREAKER_SECONDS rather than one per call; the first call
after that tries Redis again. A warning is logged when Redis goes away (at most once per
WARNING_EVERY_SECONDS) and a line when it answers again. `cache_degraded` tells the readiness
endpoint.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Errors that say Redis cannot be reached now (refused, reset, hung, loading its data), as
# opposed to a bug in a call. BusyLoadingError is a ConnectionError.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Long enough that an outage costs each process one attempt per period, short enough that
# counters go back to Redis within a moment of its return.
BREAKER_SECONDS = 2.0
WARNING_EVERY_SECONDS = 60.0

_POOLS: dict[tuple[int, str], Any] = {}
_LOCK = threading.Lock()
T = TypeVar("T")


_CLIENTS: dict[Any, Any] = {}


class SharedPoolRedisCacheClient(RedisCacheClient):
    def _get_connection_pool(self, write: bool) -> Any:
        client: Any = self  # Django's private attributes, unknown to the type stubs
        index = client._get_connection_pool_index(write)
        # Keyed by process too: a forked worker must not share its parent's sockets.
        key = (os.getpid(), client._servers[index])
        pool = _POOLS.get(key)
        if pool is None:
            with _LOCK:
                pool = _POOLS.get(key)
                if pool is None:
                    pool = _POOLS[key] = client._pool_class.from_url(
                        client._servers[index], **client._pool_options
                    )
        return pool

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # One client per pool, where Django builds one per call: a client is only a handle on
        # its pool (thread-safe), and building it cost as much as a round trip.
        pool = self._get_connection_pool(write)
        made = _CLIENTS.get(pool)
        if made is None:
            client: Any = self
            made = _CLIENTS.setdefault(pool, client._client(connection_pool=pool))
        return made


class _Breaker:
    """One per process and server: whether Redis failed a moment ago, and since when."""

    def __init__(self) -> None:
        self.open_until = 0.0
        self.down_since: float | None = None
        self.warned_at = 0.0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, error: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.open_until = now + BREAKER_SECONDS
            if self.down_since is None:
                self.down_since = now
            warn = now - self.warned_at >= WARNING_EVERY_SECONDS or self.warned_at == 0.0
            if warn:
                self.warned_at = now
        if warn:
            logger.warning(
                "Redis cache unreachable (%s): counters are kept in this process's memory "
                "until it answers again",
                type(error).__name__,
            )

    def close(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since = None
            self.open_until = 0.0
        logger.warning("Redis cache answers again after %.1f s", seconds)


_BREAKERS: dict[str, _Breaker] = {}


def _breaker(location: str) -> _Breaker:
    breaker = _BREAKERS.get(location)
    if breaker is None:
        with _LOCK:
            breaker = _BREAKERS.setdefault(location, _Breaker())
    return breaker


def cache_degraded() -> bool:
    """Whether any Redis cache of this process failed within the last BREAKER_SECONDS or has
    not answered since it failed."""
    return any(breaker.down_since is not None for breaker in _BREAKERS.values())


class SharedPoolRedisCache(RedisCache):
    """Django's Redis cache on a per-process pool, served from memory while Redis is away."""

    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
        # One immediate retry: a pooled connection that Redis closed while restarting fails
        # once, and the retry opens a fresh one instead of tripping the breaker.
        options: dict[str, Any] = getattr(self, "_options")  # noqa: B009 (unknown to the stubs)
        options.setdefault("retry", Retry(NoBackoff(), 1))
        self._breaker = _breaker(server)
        # LocMemCache instances of one name share their storage: one fallback per process.
        self._fallback = LocMemCache(
            f"redis-fallback:{server}", {"OPTIONS": {"MAX_ENTRIES": 100_000}}
        )

    def _soft(self, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        if self._breaker.is_open():
            return fallback()
        try:
            result = call()
        except UNREACHABLE as error:
            self._breaker.trip(error)
            return fallback()
        self._breaker.close()
        return result

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).add(key, value, timeout, version),
            lambda: self._fallback.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).get(key, default, version),
            lambda: self._fallback.get(key, default, version),
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._soft(
            lambda: super(SharedPoolRedisCache, self).set(key, value, timeout, version),
            lambda: self._fallback.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).touch(key, timeout, version),
            lambda: self._fallback.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).delete(key, version),
            lambda: self._fallback.delete(key, version),
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).get_many(keys, version),
            lambda: self._fallback.get_many(keys, version),
        )

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).has_key(key, version),
            lambda: self._fallback.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).incr(key, delta, version),
            lambda: self._fallback.incr(key, delta, version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        return self._soft(
            lambda: super(SharedPoolRedisCache, self).set_many(data, timeout, version),
            lambda: self._fallback.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._soft(
            lambda: super(SharedPoolRedisCache, self).delete_many(keys, version),
            lambda: self._fallback.delete_many(keys, version),
        )

    def clear(self) -> None:
        self._soft(
            lambda: super(SharedPoolRedisCache, self).clear(),
            lambda: self._fallback.clear(),
        )

    def window_incr(self, key: Any, timeout: int) -> int:
        """Count one more in a fixed window: create `key` at 0 for `timeout` seconds unless it
        exists, add one, return the count. One round trip to Redis (a pipeline), where `add`
        then `incr` cost two."""
        return self.windows_incr([(key, timeout)])[0]

    def windows_incr(self, windows: list[tuple[Any, int]]) -> list[int]:
        """`window_incr` for each (key, timeout), all in one round trip to Redis."""

        def call() -> list[int]:
            pipeline = self._cache.get_client(write=True).pipeline(transaction=False)
            for key, timeout in windows:
                name = self.make_and_validate_key(key)
                pipeline.set(name, 0, ex=timeout, nx=True)
                pipeline.incr(name)
            return [int(count) for count in pipeline.execute()[1::2]]

        def fallback() -> list[int]:
            counts = []
            for key, timeout in windows:
                self._fallback.add(key, 0, timeout)
                counts.append(self._fallback.incr(key))
            return counts

        return self._soft(call, fallback)

    def ping(self) -> bool:
        """Whether Redis answers now (the readiness check), whatever the breaker says."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except UNREACHABLE:
            return False
