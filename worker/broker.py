"""The Redis broker transport, made to survive losing Redis with a message in hand.

When the broker connection drops while a worker holds a delivered, unacknowledged message,
Celery closes the consumer's channel, and kombu's Redis channel then tries to put that message
back: it builds a new client from a connection kombu has already closed (`connection.client` is
None), which raises AttributeError. That is not among the connection errors Celery ignores while
closing, so the worker stops with "Unrecoverable error" instead of reconnecting. Here the same
situation raises Redis' ConnectionError, which Celery expects: the worker reconnects, and the
message, still recorded as unacknowledged in Redis, is delivered again after the visibility
timeout (the sweeps repair sooner what it was for). Selected with `CELERY_BROKER_TRANSPORT`.
"""

from __future__ import annotations

from typing import Any

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        if self.connection.client is None:
            raise redis.exceptions.ConnectionError("the broker connection is already closed")
        return super()._connparams(asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    Channel = Channel
