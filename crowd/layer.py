"""Sending to channel-layer groups from synchronous code.

Inside the ASGI server, synchronous code runs in threads of the server's event loop, and
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
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import InMemoryChannelLayer

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


def group_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    """`layer.group_send(group, message)` from synchronous code; raises what the send raises.
    The in-memory layer (a newcomer's first run, the fast tests) keeps its queues in the loop
    that uses them: it is sent to as before."""
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
