"""Sending to channel-layer groups from synchronous code.

To the Redis pub/sub layer (the platform's, `settings.CHANNEL_LAYERS`), a group message is
published straight from the calling thread by a plain Redis client kept per process: the same
channel name and the same serialised bytes as the layer's own `group_send`, which is one
`PUBLISH`. Going through the layer meant handing each send to an event loop and back, and the
layer's asyncio client: three times the CPU per event (245 against 80 µs), and the hot path
sends two per cycle. The layer itself still receives (consumers) and serves every other
layer. A send that cannot reach Redis raises (the callers log it: events are hints); for
BREAKER_SECONDS after such a failure, sends are given up at once rather than each waiting for
a hung server.

For other layers: inside the ASGI server, synchronous code runs in threads of the server's event loop, and
`async_to_sync` hands the send to that loop. Elsewhere (Celery workers, management commands)
`async_to_sync` starts an event loop for each call, and the Redis channel layer, which keeps its
connections per event loop, opens a new connection for each: a millisecond of CPU and a new
Redis client per event, and a worker sends one or more per reconciliation. There, sends go to
one event loop kept for the process in a thread of its own, whose connection is kept too.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import weakref
from typing import Any

import redis
from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from channels_redis.utils import decode_hosts
from redis.backoff import NoBackoff
from redis.retry import Retry

# How long a send may wait for the layer before it is given up (events are hints).
SEND_TIMEOUT = 5.0


class _LoopThread:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            # A forked child (a prefork worker) starts its own: threads do not survive a fork.
            if self.loop is None or self.pid != os.getpid() or self.loop.is_closed():
                self.loop = asyncio.new_event_loop()
                self.pid = os.getpid()
                threading.Thread(
                    target=self.loop.run_forever, name="channel-layer-sends", daemon=True
                ).start()
            return self.loop


_background = _LoopThread()


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The ASGI server's event loop, when this thread runs synchronous code on its behalf."""
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    return loop if loop is not None and loop.is_running() else None


# How long a publish may wait for Redis; then sends are given up for BREAKER_SECONDS.
PUBLISH_TIMEOUT = 1.0
BREAKER_SECONDS = 2.0


class LayerUnreachable(ConnectionError):
    """Redis failed a send a moment ago: this one is given up without trying."""


class _Publisher:
    def __init__(self, address: str) -> None:
        self.address = address
        self.client = redis.Redis.from_url(
            address,
            socket_timeout=PUBLISH_TIMEOUT,
            socket_connect_timeout=PUBLISH_TIMEOUT,
            # Once more on a connection Redis closed (a restart); no waiting between.
            retry=Retry(NoBackoff(), 1),
        )
        self.down_until = 0.0

    def publish(self, channel: str, payload: bytes) -> None:
        if time.monotonic() < self.down_until:
            raise LayerUnreachable(f"Redis at {self.address} failed a send a moment ago")
        try:
            self.client.publish(channel, payload)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            self.down_until = time.monotonic() + BREAKER_SECONDS
            raise


_PUBLISHERS: dict[tuple[int, str], _Publisher] = {}
_TARGETS: weakref.WeakKeyDictionary[Any, tuple[str, str] | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _target(layer: Any) -> tuple[str, str] | None:
    """The prefix and the one Redis address of a pub/sub layer configured by keywords (as the
    settings do); None for any other layer, which is sent to through itself."""
    if not isinstance(layer, RedisPubSubChannelLayer):
        return None
    try:
        return _TARGETS[layer]
    except KeyError:
        pass
    options, found = getattr(layer, "_kwargs", None), None
    if isinstance(options, dict) and not getattr(layer, "_args", ()):
        hosts = decode_hosts(options.get("hosts"))
        if len(hosts) == 1 and set(hosts[0]) == {"address"}:
            found = (str(options.get("prefix", "asgi")), str(hosts[0]["address"]))
    _TARGETS[layer] = found
    return found


def _publisher(address: str) -> _Publisher:
    # Keyed by process too: a forked worker must not share its parent's sockets.
    key = (os.getpid(), address)
    publisher = _PUBLISHERS.get(key)
    if publisher is None:
        with _LOCK:
            publisher = _PUBLISHERS.setdefault(key, _Publisher(address))
    return publisher


def group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    """`layer.group_send(group, message)` from synchronous code; raises what the send raises.
    The in-memory layer (a newcomer's first run, the fast tests) keeps its queues in the loop
    that uses them: it is sent to as before."""
    target = _target(layer)
    if target is not None:
        prefix, address = target
        # As RedisPubSubLoopLayer.group_send: its group channel, its serialiser.
        _publisher(address).publish(f"{prefix}__group__{group}", layer.serialize(message))
        return
    if _server_loop() is not None or isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.group_send)(group, message)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # called from async code by mistake: as async_to_sync would say
        raise RuntimeError("group_send cannot be called from a running event loop")
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _background.get())
    future.result(timeout=SEND_TIMEOUT)
