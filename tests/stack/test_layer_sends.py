"""Events sent from synchronous code outside the ASGI server (a Celery worker, a management
command) reach the Redis channel layer through one kept event loop and connection
(`crowd.layer`), not a new loop and a new Redis client per event."""

from __future__ import annotations

import asyncio
import threading
import time

import redis
from channels_redis.pubsub import RedisPubSubChannelLayer

from crowd.layer import group_send
from tests.servers import redis_url


def test_sends_from_a_worker_like_thread_arrive_in_order_over_one_connection():
    url = redis_url()
    layer = RedisPubSubChannelLayer(hosts=[url], prefix="layer-test")
    received: list[int] = []
    ready = threading.Event()

    async def listen() -> None:
        channel = await layer.new_channel()
        await layer.group_add("watchers", channel)
        ready.set()
        for _ in range(30):
            message = await asyncio.wait_for(layer.receive(channel), 10)
            received.append(message["n"])
        await layer.flush()

    listener = threading.Thread(target=asyncio.run, args=(listen(),))
    listener.start()
    assert ready.wait(10)
    stats = redis.Redis.from_url(url)
    # group_add sends SUBSCRIBE without waiting for Redis to confirm it: the sends start once
    # Redis counts the group's subscriber, or the first of them could be published to no one.
    group_channel = "layer-test__group__watchers"  # channels_redis: {prefix}__group__{group}
    deadline = time.monotonic() + 10
    while not dict(stats.pubsub_numsub(group_channel)).get(group_channel.encode()):
        assert time.monotonic() < deadline, "the listener's subscription never reached Redis"
        time.sleep(0.01)

    def connections() -> int:
        return int(stats.info("stats")["total_connections_received"])  # type: ignore[index]

    before = connections()
    for n in range(30):
        group_send(layer, "watchers", {"type": "event.relay", "n": n})
    opened = connections() - before
    listener.join(15)
    assert not listener.is_alive(), f"the listener still waits, having received {received}"
    assert received == list(range(30))
    # One connection for all the sends (async_to_sync opened one per send: 30).
    assert opened <= 2, opened
