"""Redis is not needed to accept work: the cache, the broker and the channel layer at a port
nothing listens on, and the platform answers as usual."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from crowd import cache as fail_soft
from crowd.ratelimit import limit_count
from tasks.consumers import CLOSE_TRY_AGAIN
from tasks.models import Task, Transcription
from tasks.routing import websocket_urlpatterns
from tasks.services.reconcile import tasks_reconcile_pending
from tests.factories import PASSWORD, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client
from tests.redis_away import (
    HangingUpListener,
    broker_at,
    closed_redis_url,
    redis_cache_at,
    redis_layer_at,
)
from worker.jobs import sweep


@pytest.fixture
def cache_away(settings):
    settings.CACHES = redis_cache_at(closed_redis_url())


@pytest.fixture
def broker_away(settings):
    with broker_at(closed_redis_url()):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        yield


def _warned(caplog, text: str) -> bool:
    return any(r.levelno == logging.WARNING and text in r.getMessage() for r in caplog.records)


def test_the_throttled_api_answers_as_usual_and_a_warning_is_logged_when_the_cache_is_away(
    db, cache_away, caplog
):
    ProjectFactory()
    with caplog.at_level(logging.WARNING, logger="crowd.cache"):
        for _ in range(3):
            assert api_client().get("/api/projects/").status_code == 200
            assert api_client(UserFactory()).get("/api/me/").status_code == 200
    assert _warned(caplog, "Redis cache unreachable")
    # Rate-limited: one warning for the outage, not one per request.
    assert sum("Redis cache unreachable" in r.getMessage() for r in caplog.records) == 1


def test_rate_limits_keep_counting_in_the_process_while_the_cache_is_away(cache_away):
    counts = [limit_count("someone", window_seconds=60) for _ in range(3)]
    assert counts == [1, 2, 3]


def test_signing_in_and_staying_signed_in_need_no_cache(db, cache_away):
    user = UserFactory()
    browser = page_client()
    response = browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert browser.get("/api/me/").json()["username"] == user.username
    wrong = page_client().post("/accounts/login/", {"username": user.username, "password": "no"})
    assert wrong.status_code == 200  # the form again, with its error: no 500


def test_after_a_failure_the_breaker_serves_from_memory_without_trying_redis(settings):
    listener = HangingUpListener()
    try:
        settings.CACHES = redis_cache_at(listener.url)
        assert cache.get("key") is None
        tried = listener.accepted
        assert tried >= 1
        cache.set("key", "kept in memory")
        assert cache.get("key") == "kept in memory"
        assert listener.accepted == tried  # the breaker is open: Redis was not asked
        # Once the breaker's moment has passed, Redis is asked again.
        fail_soft._breaker(listener.url).open_until = 0.0
        cache.get("key")
        assert listener.accepted > tried
        assert fail_soft.cache_degraded()
    finally:
        listener.stop()


@pytest.mark.django_db(transaction=True)
def test_next_task_and_a_submission_answer_with_the_broker_away_and_the_sweep_reconciles_later(
    settings, caplog
):
    project = ProjectFactory()
    task = TaskFactory(project=project)
    api = api_client(UserFactory())
    with caplog.at_level(logging.WARNING, logger="tasks.jobs"), broker_at(closed_redis_url()):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        granted = api.post(f"/api/projects/{project.slug}/next-task/")
        assert granted.status_code == 200, granted.content
        lease = granted.json()["lease"]["id"]
        response = api.post(
            f"/api/tasks/{task.pk}/transcriptions/",
            {
                "lease": lease,
                "values": {"scientificName": "Quercus ilex L."},
                "markers": {},
                "idempotency_key": "k1",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
    assert _warned(caplog, "broker unreachable")
    assert Transcription.objects.filter(task=task).count() == 1
    task.refresh_from_db()
    assert task.reconcile_pending
    assert task.reconciled_at is None

    # The broker is back (jobs run eagerly again); a minute on, the periodic sweep finds it.
    Task.objects.filter(pk=task.pk).update(
        last_transcribed_at=timezone.now() - timedelta(minutes=2)
    )
    assert task.pk in tasks_reconcile_pending()
    sweep()
    task.refresh_from_db()
    assert not task.reconcile_pending
    assert task.reconciled_at is not None


def _answer(api, project, task, key: str):
    lease = api.post(f"/api/projects/{project.slug}/next-task/").json()["lease"]["id"]
    return api.post(
        f"/api/tasks/{task.pk}/transcriptions/",
        {
            "lease": lease,
            "values": {"scientificName": "Quercus ilex L."},
            "markers": {},
            "idempotency_key": key,
        },
        format="json",
    )


@pytest.mark.django_db(transaction=True)
def test_an_answer_after_a_send_the_broker_refused_sends_the_reconciliation_at_once(settings):
    # Coalescing must not wait for the sweep when the job it would wait for was never sent.
    project = ProjectFactory(redundancy_min=3, redundancy_max=3)
    task = TaskFactory(project=project, target=3)
    with broker_at(closed_redis_url()):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        assert _answer(api_client(UserFactory()), project, task, "k1").status_code == 201
    task.refresh_from_db()
    assert task.reconcile_pending
    assert task.reconcile_sent_at is None  # the refused send is not counted as on its way
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert _answer(api_client(UserFactory()), project, task, "k2").status_code == 201
    task.refresh_from_db()
    assert not task.reconcile_pending
    assert task.reconciled_at is not None


def test_readiness_is_ok_on_the_embedded_parts_and_liveness_answers(client, db, readiness_patient):
    assert client.get("/health/live").json() == {"status": "ok"}
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "parts": {
            "database": "ok",
            "cache": "embedded",
            "channel_layer": "embedded",
            "broker": "embedded",
            "media_storage": "ok",
            "exports_storage": "ok",
        },
    }


def test_readiness_is_degraded_not_down_with_redis_away_and_names_no_address(
    client, db, settings, broker_away, readiness_patient
):
    url = closed_redis_url()
    settings.CACHES = redis_cache_at(url)
    settings.CHANNEL_LAYERS = redis_layer_at(url)
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
    assert b"127.0.0.1" not in response.content
    assert b"redis" not in response.content


def test_the_health_endpoints_answer_over_plain_http_even_when_pages_redirect_to_https(
    client, db, settings, readiness_patient
):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_a_socket_closes_with_try_again_later_when_the_channel_layer_is_away(settings):
    settings.CHANNEL_LAYERS = redis_layer_at(closed_redis_url())
    project = await sync_to_async(ProjectFactory)()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        f"/ws/projects/{project.slug}/",
        headers=[(b"accept-language", b"en")],
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected  # accepted, so the browser sees the close code, not a failed handshake
    closing = await communicator.receive_output(timeout=10)
    assert closing["type"] == "websocket.close"
    assert closing["code"] == CLOSE_TRY_AGAIN == 1013
    assert "reconnecting" in closing["reason"]
    await communicator.wait()
    # The factory's connection lives in asgiref's thread, which the refused consumer never used
    # to close it: left open, it kept the test database from being dropped at the run's end.
    await sync_to_async(connections.close_all)()
