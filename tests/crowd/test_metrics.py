"""`/metrics`: off without a token, refused without the right one; request latency by view,
jobs by name and outcome, open sockets, images ingested and the reconciliation lag."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from celery import current_app
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from prometheus_client import REGISTRY

from crowd import metrics
from tasks import jobs
from tasks.models import BatchFile, Task
from tasks.routing import websocket_urlpatterns
from tasks.services.batches import batch_start
from tasks.services.ingest import batch_file_ingest
from tests.factories import ProjectFactory, TaskFactory
from tests.images import jpeg
from tests.tasks.uploads import stored_batch

TOKEN = "a-metrics-token-for-tests"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_off_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer wrong-token-of-some-length", f"Token {TOKEN}", f"Bearer {TOKEN}x"],
)
def test_metrics_need_the_operator_s_token(client, metrics_on, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"crowd_" not in response.content


def test_a_short_token_stops_start_up():
    from tests.crowd.test_config import run_django

    result = run_django("print(1)", METRICS_TOKEN="short")
    assert result.returncode != 0
    assert "METRICS_TOKEN" in result.stderr


@pytest.mark.django_db
def test_requests_are_timed_by_the_view_that_answered(client, metrics_on):
    before = sample(
        "crowd_http_request_duration_seconds_count", view="home", method="GET", status="2xx"
    )
    missing = sample(
        "crowd_http_request_duration_seconds_count", view="unmatched", method="GET", status="4xx"
    )
    assert client.get("/").status_code == 200
    client.get("/no/such/page/")
    client.generic("BREW", "/")
    text = scrape(client)
    labels = 'method="GET",status="2xx",view="home"'
    assert f"crowd_http_request_duration_seconds_count{{{labels}}}" in text
    assert (
        sample("crowd_http_request_duration_seconds_count", view="home", method="GET", status="2xx")
        == before + 1
    )
    assert (
        sample(
            "crowd_http_request_duration_seconds_count",
            view="unmatched",
            method="GET",
            status="4xx",
        )
        == missing + 1
    )
    # An unknown method is one label, not one per name a client makes up.
    assert 'method="BREW"' not in text
    assert 'method="other"' in text


@pytest.mark.django_db
def test_jobs_are_counted_by_name_and_outcome(metrics_on):
    project = ProjectFactory()
    ok = sample("crowd_jobs_total", job=jobs.PROGRESS_REFRESH, outcome="success")
    timed = sample("crowd_job_duration_seconds_count", job=jobs.PROGRESS_REFRESH)
    current_app.tasks[jobs.PROGRESS_REFRESH].apply(args=(project.pk,))
    assert sample("crowd_jobs_total", job=jobs.PROGRESS_REFRESH, outcome="success") == ok + 1
    assert sample("crowd_job_duration_seconds_count", job=jobs.PROGRESS_REFRESH) == timed + 1
    failed = sample("crowd_jobs_total", job=jobs.RECONCILE, outcome="failure")
    current_app.tasks[jobs.RECONCILE].apply(args=("not an id",), throw=False)
    assert sample("crowd_jobs_total", job=jobs.RECONCILE, outcome="failure") == failed + 1


@pytest.mark.django_db
def test_the_reconciliation_lag_is_the_oldest_pending_answer_s_age(client, metrics_on):
    text = scrape(client)
    assert "crowd_reconcile_pending 0.0" in text
    assert "crowd_reconcile_lag_seconds 0.0" in text
    project = ProjectFactory()
    TaskFactory(
        project=project,
        reconcile_pending=True,
        last_transcribed_at=timezone.now() - timedelta(seconds=300),
    )
    TaskFactory(project=project, reconcile_pending=True, last_transcribed_at=timezone.now())
    TaskFactory(
        project=project,
        reconcile_pending=False,
        last_transcribed_at=timezone.now() - timedelta(days=3),
    )
    lines = dict(
        line.rsplit(" ", 1) for line in scrape(client).splitlines() if line.startswith("crowd_rec")
    )
    assert float(lines["crowd_reconcile_pending"]) == 2
    assert 300 <= float(lines["crowd_reconcile_lag_seconds"]) < 3600


@pytest.mark.django_db(transaction=True)
async def test_open_sockets_are_counted_while_open():
    project = await sync_to_async(ProjectFactory)()
    before = sample("crowd_websockets_open")
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/projects/{project.slug}/"
    )
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=10))["type"] == "snapshot"
    assert sample("crowd_websockets_open") == before + 1
    await communicator.disconnect()
    assert sample("crowd_websockets_open") == before
    # A socket refused (no such project) was never open.
    refused = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/projects/nowhere/")
    refused.scope["user"] = AnonymousUser()
    await refused.connect()
    await refused.disconnect()
    assert sample("crowd_websockets_open") == before


@pytest.mark.django_db
def test_images_made_available_are_counted_once(project, lead):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1))])
    batch_start(batch_id=batch.pk, send=False)
    record = BatchFile.objects.get(batch=batch)
    before = sample("crowd_images_ingested_total")
    assert batch_file_ingest(batch_file_id=record.pk) == "ok"
    assert batch_file_ingest(batch_file_id=record.pk) is None  # again: nothing new
    assert sample("crowd_images_ingested_total") == before + 1
    assert Task.objects.count() == 1


def test_a_dead_process_s_open_sockets_are_forgotten_and_its_counters_kept(tmp_path):
    """A web process that died with sockets open (restarted after a crash) leaves its files in
    the shared folder: without forgetting them, the machine would count its sockets open
    forever."""
    script = (
        "from crowd import metrics\n"
        "metrics.SOCKETS.inc(3)\n"
        "metrics.JOBS.labels(job='j', outcome='ok').inc()\n"
    )
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "crowd.settings",
    }
    dead = subprocess.run([sys.executable, "-c", script], env=env, check=True)
    assert dead.returncode == 0
    live_files = sorted(path.name for path in tmp_path.glob("gauge_live*_*.db"))
    assert len(live_files) == 1
    dead_pid = int(live_files[0].rpartition("_")[2].removesuffix(".db"))
    # A live process's gauge (this one's pid, written as the library names it) stays.
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(
        (tmp_path / live_files[0]).read_bytes()
    )

    assert metrics.dead_processes_forget(str(tmp_path)) == [dead_pid]

    assert sorted(path.name for path in tmp_path.glob("gauge_live*_*.db")) == [
        f"gauge_livesum_{os.getpid()}.db"
    ]
    assert list(tmp_path.glob("counter_*.db")), "the dead process's counts are kept"
    assert metrics.dead_processes_forget(str(tmp_path)) == []
