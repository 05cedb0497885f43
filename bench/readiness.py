"""Readiness benchmark: how long `/health/ready` takes to answer when Redis hangs, and what a
storm of probes costs.

    python -m bench.readiness

In this process, on the embedded database: the cache, the channel layer and the broker on one
Redis address that (a) accepts connections and never answers (hung), (b) refuses them (down);
each check's time, with the answer cache off, and the connections the hung server received per
check; then 1,000 probes within the answer cache's 2 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time


def _hung_server() -> tuple[int, list[socket.socket]]:
    """A listener that accepts and never answers; returns its port and what it accepted."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []

    def serve() -> None:
        while True:
            accepted.append(server.accept()[0])

    threading.Thread(target=serve, daemon=True).start()
    return int(server.getsockname()[1]), accepted


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ["REDIS_URL"] = ""
    import django

    django.setup()
    from celery import current_app
    from django.test.utils import override_settings

    from crowd import health

    def point_at(port: int) -> None:
        url = f"redis://127.0.0.1:{port}"
        override_settings(
            CACHES={
                "default": {"BACKEND": "crowd.cache.SharedPoolRedisCache", "LOCATION": f"{url}/0"}
            },
            CHANNEL_LAYERS={
                "default": {
                    "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                    "CONFIG": {"hosts": [{"address": f"{url}/1"}]},
                }
            },
        ).enable()
        current_app.conf.task_always_eager = False
        current_app.conf.broker_url = f"{url}/2"  # type: ignore[misc]

    def settle() -> None:
        for future in list(health._running.values()):
            future.result(timeout=30)

    health.CACHE_SECONDS = 0.0
    hung_port, accepted = _hung_server()
    for name, port in (("hung", hung_port), ("refusing", _closed_port())):
        point_at(port)
        times = []
        before = len(accepted)
        for _ in range(10):
            settle()
            started = time.perf_counter()
            answer = health.readiness()
            times.append(time.perf_counter() - started)
        settle()
        print(
            f"Redis {name}: {answer['status']} {answer['parts']}; answer in "
            f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
            f"(budget {health.BUDGET_SECONDS * 1000:.0f} ms)"
            + (
                f"; {(len(accepted) - before) / 10:.1f} connections per check"
                if name == "hung"
                else ""
            )
        )

    health.CACHE_SECONDS = 2.0
    point_at(hung_port)
    settle()
    before = len(accepted)
    started = time.perf_counter()
    for _ in range(1000):
        health.readiness()
    seconds = time.perf_counter() - started
    print(
        f"1,000 probes with the answer cache on: {seconds:.2f} s in all, "
        f"{len(accepted) - before} connection(s) to Redis"
    )


if __name__ == "__main__":
    main()
