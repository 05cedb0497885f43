"""The broker transport survives losing Redis while a job is in hand (worker/broker.py).

Kombu's own Redis channel, closed after its connection was torn down with a delivered message
not yet acknowledged, raises AttributeError while putting the message back; Celery ignores only
connection errors there, so the worker stopped for good. These tests drive a real private
redis-server."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis
from kombu import Connection, Consumer, Exchange, Producer, Queue

from tests.crowd.test_config import run_django
from tests.servers import Stack, free_port, redis_server_start

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def private_redis(tmp_path):
    stack = Stack(env=dict(os.environ), base_url="", logs=tmp_path)
    port = free_port()
    redis_server_start(stack, port=port)
    yield f"redis://127.0.0.1:{port}/0"
    stack.stop()


def _holding_a_message(url: str, transport: str | None) -> tuple[Any, Any]:
    """A consumer's connection and channel with one message delivered and not acknowledged,
    then torn down as Celery tears down a connection it lost (the transport forgets it)."""
    connection = Connection(url, transport=transport)
    channel = connection.channel()
    queue = Queue("jobs", Exchange("jobs"), routing_key="jobs")
    Producer(channel).publish(
        {"job": 1}, exchange=queue.exchange, routing_key="jobs", declare=[queue]
    )
    held = []
    Consumer(channel, [queue], callbacks=[lambda body, message: held.append(message)]).consume()
    connection.drain_events(timeout=5)
    assert len(held) == 1
    assert channel.qos._delivered
    broker = connection.transport
    connection._do_close_transport()  # what Connection._close does before a late channel close
    return broker, channel


def test_kombus_own_channel_fails_with_an_error_celery_does_not_expect(private_redis):
    _transport, channel = _holding_a_message(private_redis, None)
    with pytest.raises(AttributeError):
        channel.close()


def test_our_channel_fails_with_a_connection_error_celery_ignores_while_closing(private_redis):
    transport, channel = _holding_a_message(private_redis, "worker.broker:Transport")
    with pytest.raises(redis.exceptions.ConnectionError):
        channel.close()
    assert redis.exceptions.ConnectionError in transport.connection_errors


def test_the_platform_uses_it_for_a_redis_broker_only():
    code = (
        "from django.conf import settings; print(getattr(settings, 'CELERY_BROKER_TRANSPORT', '-'))"
    )
    with_redis = run_django(code, REDIS_URL="redis://127.0.0.1:6379/13")
    embedded = run_django(code)
    assert with_redis.stdout.strip() == "worker.broker:Transport", with_redis.stderr
    assert embedded.stdout.strip() == "-", embedded.stderr
