"""A Redis cache that shares its connection pool across the whole process.

Under ASGI, Django builds a new cache object for each request's context, and Django's Redis
backend keeps its connection pool on that object: every request then opened a new Redis
connection. Rate limits and job coalescing use the cache on hot paths, so the pool is kept per
process (and per server URL) instead.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_POOLS: dict[tuple[int, str], Any] = {}
_LOCK = threading.Lock()


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


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]):
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
