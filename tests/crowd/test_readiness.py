"""Readiness answers within its budget whatever Redis does: a Redis that accepts connections and
never answers (hung, or blackholed behind something that accepts) makes the platform degraded,
and the answer does not wait for it. Each Redis server is pinged once per check, and a check
serves the probes of the next moments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crowd import health
from tests.redis_away import HungListener, broker_at, redis_cache_at, redis_layer_at

# Far below the listener's 30 s hold: a check that waited for the listener would fail here.
pytestmark = pytest.mark.timeout(20)


@pytest.fixture(autouse=True)
def no_earlier_answer() -> Iterator[None]:
    health._answer = None
    yield
    health._answer = None


@pytest.fixture
def hung(settings) -> Iterator[HungListener]:
    """The cache, the channel layer and the broker on one hung Redis, each on its own database
    number (as a deployment sharing one server does)."""
    listener = HungListener()
    settings.CACHES = redis_cache_at(listener.url(0))
    settings.CHANNEL_LAYERS = redis_layer_at(listener.url(1))
    with broker_at(listener.url(2)):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        yield listener
    listener.stop()


def _checks_finished() -> None:
    """Wait for the pings of earlier checks, which outlive the answer when a part hangs."""
    for future in list(health._running.values()):
        future.result(timeout=15)


def test_readiness_is_degraded_at_once_when_redis_accepts_and_never_answers(client, db, hung):
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "parts": {"database": "ok", "cache": "down", "channel_layer": "down", "broker": "down"},
    }
    # The listener got the ping and still held the connection when the answer came.
    assert hung.connections() >= 1
    assert hung.hung_up == 0
    assert b"127.0.0.1" not in response.content


def test_parts_on_one_redis_server_are_pinged_once_per_check(client, db, hung):
    client.get("/health/ready")
    _checks_finished()

    assert hung.connections() == 1


def test_a_check_serves_the_probes_that_follow_it_then_a_new_check_runs(
    client, db, hung, monkeypatch
):
    monkeypatch.setattr(health, "CACHE_SECONDS", 3600.0)
    first = client.get("/health/ready").json()
    second = client.get("/health/ready").json()
    _checks_finished()
    assert second == first
    assert hung.connections() == 1

    monkeypatch.setattr(health, "CACHE_SECONDS", 0.0)
    client.get("/health/ready")
    _checks_finished()
    assert hung.connections() == 2


def test_a_ping_still_hanging_from_an_earlier_check_is_not_started_again(
    client, db, hung, monkeypatch
):
    # A ping that outlives the budget, as one to a server that is slow to time out would.
    monkeypatch.setattr(health, "PING_TIMEOUT_SECONDS", 5.0)
    monkeypatch.setattr(health, "CACHE_SECONDS", 0.0)
    first = client.get("/health/ready")
    second = client.get("/health/ready")

    assert first.json()["status"] == second.json()["status"] == "degraded"
    assert hung.connections() == 1
    _checks_finished()


def test_the_probes_answer_under_the_names_orchestrators_ask_for_too(client, db):
    assert client.get("/healthz").json() == client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["parts"]["database"] == "ok"
    assert ready.json() == client.get("/health/ready").json()
