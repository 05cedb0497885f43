"""Redis that is not there, for the fast tier: a port nothing listens on, a listener that
counts connections and hangs up on each (what a Redis that is going away does), and one that
accepts and never answers (a hung Redis)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import current_app

from tasks import jobs
from tests.servers import free_port

FAST_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def closed_redis_url() -> str:
    """A Redis URL at a port nothing listens on: connections are refused at once."""
    return f"redis://127.0.0.1:{free_port()}/0"


def redis_cache_at(url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "crowd.cache.SharedPoolRedisCache",
            "LOCATION": url,
            "OPTIONS": dict(FAST_TIMEOUTS),
        }
    }


def redis_layer_at(url: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 0.5}]},
        }
    }


class HangingUpListener:
    """A TCP server that accepts each connection, counts it and closes it at once."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.1)
        self.accepted = 0
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"

    def _serve(self) -> None:
        while not self.stopping:
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def stop(self) -> None:
        self.stopping = True
        self.thread.join()
        self.server.close()


def _forget_broker_connections() -> None:
    current_app._pool = None
    current_app.amqp._producer_pool = None


@contextmanager
def broker_at(url: str) -> Iterator[None]:
    """Jobs go to a real broker at `url` (not run eagerly) for the time of the block."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    # A fresh breaker: neither open nor having warned already, whatever ran before.
    jobs._breaker.open_until = jobs._breaker.warned_at = 0.0
    # Connections made earlier (to the in-memory broker) would take the messages instead.
    _forget_broker_connections()
    conf.task_always_eager, conf.broker_url = False, url
    try:
        yield
    finally:
        conf.task_always_eager, conf.broker_url = saved
        jobs._breaker.open_until = jobs._breaker.warned_at = 0.0
        _forget_broker_connections()


class HungListener:
    """A TCP server that accepts each connection and never answers: a Redis that is hung, or
    a blackholed address behind a proxy that accepts. It holds each connection HOLD_SECONDS
    (far beyond any timeout of ours), then closes it."""

    HOLD_SECONDS = 30.0

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.settimeout(0.05)
        self.accepted = 0
        self.hung_up = 0  # connections this listener closed after holding them
        self.held: list[tuple[float, socket.socket]] = []
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.getsockname()[1])

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _accept_waiting(self) -> bool:
        try:
            connection, _ = self.server.accept()
        except (TimeoutError, BlockingIOError):
            return False
        self.accepted += 1
        self.held.append((time.monotonic(), connection))
        return True

    def _serve(self) -> None:
        while not self.stopping:
            try:
                self._accept_waiting()
            except OSError:
                return
            now = time.monotonic()
            for since, connection in list(self.held):
                if now - since >= self.HOLD_SECONDS:
                    connection.close()
                    self.held.remove((since, connection))
                    self.hung_up += 1

    def connections(self) -> int:
        """Connections made so far, counting those the kernel completed and this listener has
        not accepted yet: the count is exact, whatever the listener thread was doing."""
        self.stopping = True
        self.thread.join()
        self.server.setblocking(False)
        while self._accept_waiting():
            pass
        self.server.settimeout(0.05)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()
        return self.accepted

    def stop(self) -> None:
        self.stopping = True
        self.thread.join()
        for _, connection in self.held:
            connection.close()
        self.server.close()
