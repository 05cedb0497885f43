"""What the job queues hold and whether a worker takes from each, read from the broker's Redis.

Depth: the messages waiting in a queue (kombu keeps one Redis list per queue and priority
step). Heartbeat: every HEARTBEAT_SECONDS, beat sends a `heartbeat` job to every queue, and
the worker that takes it records the time under the queue's key; a queue whose last heartbeat
is older than STALE_AFTER_SECONDS has had no worker taking its jobs for that long (or beat is
not running). The readiness check and the metrics read both in one round trip, with the
readiness check's short timeouts. Only for a Redis broker; any other says nothing here.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from crowd.queues import QUEUES

HEARTBEAT_SECONDS = 30
# Two missed heartbeats and some: a worker busy with a long job on the same queue (an export,
# an ingest) takes the heartbeat when it is done, so those queues allow their time limit.
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS
# kombu's Redis transport: a list per priority step, the first under the queue's own name.
_PRIORITY_STEPS = (0, 3, 6, 9)
_SEPARATOR = "\x06\x16"
_HEARTBEAT_KEY = "crowd:worker-heartbeat:{queue}"


class QueueState(NamedTuple):
    depth: int  # messages waiting
    heartbeat_age: float | None  # seconds since a worker last took a heartbeat; None: never


def _lists(queue: str) -> list[str]:
    return [queue if step == 0 else f"{queue}{_SEPARATOR}{step}" for step in _PRIORITY_STEPS]


def _client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        lib_name=None,
        lib_version=None,
    )


def queue_states(url: str, *, timeout: float = 0.25) -> dict[str, QueueState]:
    """Every queue's depth and heartbeat age, in one round trip (raises redis' errors)."""
    client = _client(url, timeout)
    try:
        return queue_states_read(client)
    finally:
        client.close()


def queue_states_read(client: redis.Redis) -> dict[str, QueueState]:
    """`queue_states` on a client of the broker's Redis (the caller's connection)."""
    pipeline = client.pipeline(transaction=False)
    for queue in QUEUES:
        for name in _lists(queue):
            pipeline.llen(name)
        pipeline.get(_HEARTBEAT_KEY.format(queue=queue))
    answers = pipeline.execute()
    now = time.time()
    states = {}
    per_queue = len(_PRIORITY_STEPS) + 1
    for index, queue in enumerate(QUEUES):
        *depths, beat = answers[index * per_queue : (index + 1) * per_queue]
        age = max(0.0, now - float(beat)) if beat is not None else None
        states[queue] = QueueState(sum(int(d) for d in depths), age)
    return states


def heartbeat_record(url: str, queue: str) -> None:
    """A worker took the queue's heartbeat job now."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")
    client = _client(url, 2.0)
    try:
        client.set(_HEARTBEAT_KEY.format(queue=queue), repr(time.time()), ex=24 * 3600)
    finally:
        client.close()


def stale(state: QueueState) -> bool:
    """No worker has taken the queue's heartbeat for STALE_AFTER_SECONDS (or ever)."""
    return state.heartbeat_age is None or state.heartbeat_age > STALE_AFTER_SECONDS
