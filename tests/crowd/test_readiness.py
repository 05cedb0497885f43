"""Readiness answers within its budget whatever Redis does: a Redis that accepts connections and
never answers (hung, or blackholed behind something that accepts) makes the platform degraded,
and the answer does not wait for it. Each Redis server is pinged once per check, and a check
serves the probes of the next moments."""

from __future__ import annotations

import json
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
        "parts": {
            "database": "ok",
            "cache": "down",
            "channel_layer": "down",
            "broker": "down",
            "media_storage": "ok",
            "exports_storage": "ok",
        },
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


def test_the_probes_answer_under_the_names_orchestrators_ask_for_too(client, db, readiness_patient):
    assert client.get("/healthz").json() == client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["parts"]["database"] == "ok"
    assert ready.json() == client.get("/health/ready").json()


def test_a_media_folder_that_cannot_be_made_makes_the_platform_degraded_and_is_named(
    client, db, settings, tmp_path, readiness_patient
):
    """A folder not there yet is fine (the first file saved makes it); one that cannot be, here
    under a file where a folder should be, is down."""
    (tmp_path / "mount").write_text("not a folder")
    settings.MEDIA_ROOT = str(tmp_path / "mount" / "media")
    settings.EXPORT_ROOT = str(tmp_path / "not-yet" / "exports")
    answer = client.get("/health/ready").json()
    assert answer["parts"]["media_storage"] == "down"
    assert answer["parts"]["exports_storage"] == "ok"
    assert answer["status"] == "degraded"
    assert str(tmp_path) not in json.dumps(answer)  # parts are named, never their addresses

    health._answer = None
    (tmp_path / "mount").unlink()
    answer = client.get("/health/ready").json()
    assert answer["parts"]["media_storage"] == "ok"


def test_a_bucket_that_does_not_answer_makes_the_platform_degraded_within_the_budget(
    client, db, settings
):
    """A storage server that refuses connections: the check gives up at once, no retry."""
    options = {
        "endpoint_url": "http://127.0.0.1:9",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "us-east-1",
        "bucket_name": "herbarium-media",
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "crowd.storage.MediaObjectStorage", "OPTIONS": options},
        "exports": {
            "BACKEND": "crowd.storage.ObjectStorage",
            "OPTIONS": {**options, "location": "exports"},
        },
    }
    answer = client.get("/health/ready").json()
    assert answer["parts"]["media_storage"] == "down"
    assert answer["parts"]["exports_storage"] == "down"
    assert answer["status"] == "degraded"


def test_a_bucket_is_asked_by_one_client_kept_per_server_and_keys(settings):
    """Making an S3 client reads botocore's description of the service, a good part of the
    probe's budget on a busy machine: each check of a bucket reuses the one made first, and other
    keys get a client of their own."""
    options = {
        "endpoint_url": "http://127.0.0.1:9",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "us-east-1",
        "bucket_name": "kept-client",
    }
    backend = "crowd.storage.MediaObjectStorage"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend, "OPTIONS": options}}
    first = health._s3_client("default")
    assert health._s3_client("default") is first
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": backend, "OPTIONS": {**options, "secret_key": "another"}},
    }
    assert health._s3_client("default") is not first
