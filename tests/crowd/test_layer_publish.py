"""Group sends to the Redis pub/sub layer, published from the calling thread (`crowd.layer`):
which layers take that way, and what a send does when Redis is away or hung."""

from __future__ import annotations

import socket
import threading

import pytest
import redis
from channels.layers import InMemoryChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from crowd import layer as layers
from crowd.layer import LayerUnreachable, group_send


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_platforms_layer_is_published_to_with_its_own_prefix_and_address():
    layer = RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:6390/3"], prefix="asgi3")
    assert layers._target(layer) == ("asgi3", "redis://127.0.0.1:6390/3")


@pytest.mark.parametrize(
    "layer",
    [
        InMemoryChannelLayer(),
        RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0", "redis://127.0.0.1:2/0"]),
        RedisPubSubChannelLayer(hosts=[{"address": "redis://127.0.0.1:1/0", "ssl": True}]),
    ],
    ids=["in memory", "two servers", "options"],
)
def test_other_layers_are_sent_to_through_themselves(layer):
    assert layers._target(layer) is None


def test_a_refused_send_raises_then_sends_are_given_up_at_once_for_a_moment():
    address = f"redis://127.0.0.1:{_closed_port()}/0"
    layer = RedisPubSubChannelLayer(hosts=[address], prefix="away")
    with pytest.raises(redis.exceptions.ConnectionError) as refused:
        group_send(layer, "watchers", {"type": "event.relay", "text": "{}"})
    assert not isinstance(refused.value, LayerUnreachable)
    with pytest.raises(LayerUnreachable):  # no connection tried
        group_send(layer, "watchers", {"type": "event.relay", "text": "{}"})
    layers._publisher(address).down_until = 0.0  # the moment has passed: tried again
    with pytest.raises(redis.exceptions.ConnectionError) as again:
        group_send(layer, "watchers", {"type": "event.relay", "text": "{}"})
    assert not isinstance(again.value, LayerUnreachable)


def test_a_hung_server_fails_the_send_after_the_timeout(monkeypatch):
    monkeypatch.setattr(layers, "PUBLISH_TIMEOUT", 0.2)
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen()
    accepted: list[socket.socket] = []
    taker = threading.Thread(target=lambda: accepted.append(hung.accept()[0]), daemon=True)
    taker.start()
    layer = RedisPubSubChannelLayer(
        hosts=[f"redis://127.0.0.1:{hung.getsockname()[1]}/0"], prefix="hung"
    )
    try:
        with pytest.raises(redis.exceptions.TimeoutError):
            group_send(layer, "watchers", {"type": "event.relay", "text": "{}"})
        with pytest.raises(LayerUnreachable):
            group_send(layer, "watchers", {"type": "event.relay", "text": "{}"})
    finally:
        for connection in accepted:
            connection.close()
        hung.close()
