"""Job queues seen from the broker's Redis: how many jobs wait, and whether a worker takes from
each (the heartbeat beat sends to every queue). On a redis-server of the run's own."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from crowd import health
from crowd.queue_state import (
    STALE_AFTER_SECONDS,
    QueueState,
    heartbeat_record,
    queue_states,
    stale,
)
from crowd.queues import QUEUES
from tests.redis_away import broker_at
from tests.servers import private_redis


@pytest.fixture
def broker() -> Iterator[str]:
    url = private_redis().rsplit("/", 1)[0] + "/3"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def test_depth_counts_every_priority_list_of_a_queue_and_nothing_else(broker):
    client = redis.Redis.from_url(broker)
    client.lpush("reconcile", "a", "b")
    client.lpush("reconcile\x06\x163", "c")
    client.lpush("ingest\x06\x169", "d")
    client.lpush("unrelated", "e")
    states = queue_states(broker)
    assert set(states) == set(QUEUES)
    assert states["reconcile"].depth == 3
    assert states["ingest"].depth == 1
    assert states["exports"].depth == 0
    assert all(state.heartbeat_age is None for state in states.values())


def test_a_heartbeat_taken_says_the_queue_is_served_until_it_grows_old(broker):
    heartbeat_record(broker, "live")
    states = queue_states(broker)
    assert states["live"].heartbeat_age is not None
    assert 0 <= states["live"].heartbeat_age < 5
    assert not stale(states["live"])
    assert stale(QueueState(0, STALE_AFTER_SECONDS + 1))
    assert stale(QueueState(0, None))  # never taken


def test_a_heartbeat_for_an_unknown_queue_is_refused(broker):
    with pytest.raises(ValueError, match="unknown queue"):
        heartbeat_record(broker, "nowhere")


def test_the_heartbeat_job_records_its_queue(broker, settings):
    from worker.jobs import heartbeat

    settings.CELERY_BROKER_URL = broker
    heartbeat("exports")
    assert queue_states(broker)["exports"].heartbeat_age is not None


@pytest.mark.django_db
def test_readiness_names_each_queue_s_depth_and_worker_and_a_stale_one_degrades(
    client, broker, readiness_patient
):
    server = redis.Redis.from_url(broker)
    for queue in QUEUES:
        heartbeat_record(broker, queue)
    server.lpush("ingest", "x")
    with broker_at(broker):
        answer = client.get("/health/ready").json()
        assert answer["status"] == "ok"
        assert answer["parts"]["broker"] == "ok"
        assert answer["queues"]["ingest"] == {"depth": 1, "worker": "ok"}
        # No worker took the exports' heartbeat for too long: degraded, and the queue named.
        server.set("crowd:worker-heartbeat:exports", repr(time.time() - STALE_AFTER_SECONDS - 5))
        server.delete("crowd:worker-heartbeat:live")
        health._answer = None
        answer = client.get("/health/ready").json()
    assert answer["status"] == "degraded"
    assert answer["queues"]["exports"]["worker"] == "stale"
    assert answer["queues"]["live"]["worker"] == "unknown"  # never recorded: not a fault yet
    assert answer["queues"]["reconcile"]["worker"] == "ok"
    assert "127.0.0.1" not in str(answer)


@pytest.mark.django_db
def test_the_metrics_give_each_queue_s_depth_and_heartbeat_age(client, broker, settings):
    settings.METRICS_TOKEN = "a-metrics-token-for-tests"
    redis.Redis.from_url(broker).lpush("reconcile", "x", "y")
    heartbeat_record(broker, "reconcile")
    with broker_at(broker):
        text = client.get(
            "/metrics", HTTP_AUTHORIZATION="Bearer a-metrics-token-for-tests"
        ).content.decode()
    assert 'crowd_queue_depth{queue="reconcile"} 2.0' in text
    assert 'crowd_queue_depth{queue="exports"} 0.0' in text
    assert 'crowd_queue_heartbeat_age_seconds{queue="reconcile"}' in text
    assert 'crowd_queue_heartbeat_age_seconds{queue="exports"}' not in text  # never taken
