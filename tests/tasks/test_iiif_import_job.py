"""IIIF imports: the request creates the batch and a job reads the manifest.

The request checks only what needs no network and answers 202 with the batch `reading`; the
job fetches the manifest, adds the files and starts the ingest, or fails the batch with a
precise reason the API and the upload page show. Transient failures are tried again, up to
IIIF_IMPORT_ATTEMPTS, and the periodic resume re-sends what a lost message left waiting.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone
from django.utils.translation import override

from tasks import jobs
from tasks.events import batch_group
from tasks.models import Batch, BatchFile
from tasks.selectors.batches import batch_source_error
from tasks.services.batches import batch_withdraw, batches_resume
from tasks.services.iiif_import import ManifestOutcome, batch_manifest_read, manifest_retry_wait
from tests.iiif_server import SlowServer, http_server, manifest_v3
from tests.images import jpeg
from tests.tasks.test_progress import receive_or_none
from tests.tasks.uploads import batch_status, post_batch
from worker.jobs import iiif_manifest_fetch

Routes = dict[str, tuple[int, bytes, dict[str, str]]]


@pytest.fixture
def private_allowed(settings):
    settings.IIIF_IMPORT_ALLOW_PRIVATE = True


def manifest_routes(base: str, count: int = 2) -> Routes:
    routes: Routes = {f"/{i}.jpg": (200, jpeg(i), {}) for i in range(count)}
    images = [(f"Sheet {i}", f"{base}/{i}.jpg", None) for i in range(count)]
    routes["/manifest.json"] = (200, json.dumps(manifest_v3(base, images)).encode(), {})
    return routes


def reading_batch(api, lead, project, url: str, django_capture_on_commit_callbacks) -> Batch:
    """A batch asked for over the API whose job has not run (its message is held back)."""
    api.force_authenticate(lead)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            f"/api/projects/{project.slug}/batches/", {"manifest_url": url}, format="json"
        )
    assert response.status_code == 202, response.content
    return Batch.objects.get(pk=response.json()["id"])


def failed_with(api, batch_id: int) -> tuple[str, str]:
    body = batch_status(api, batch_id)
    assert body["state"] == "failed", body
    return body["error_code"], body["error"]


# --- The request --------------------------------------------------------------------------


def test_the_request_answers_202_with_the_batch_reading_and_fetches_nothing_until_the_job_runs(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    # A server that would hold a request for a minute: the request does not wait on it.
    with SlowServer("headers") as server:
        batch = reading_batch(
            api, lead, project, f"{server.base}/manifest.json", django_capture_on_commit_callbacks
        )
        assert server.requests == 0
    body = batch_status(api, batch.pk)
    assert body["state"] == "reading"
    assert body["state_label"] == "Reading the manifest"
    assert body["counts"]["total"] == 0
    assert body["error"] == ""


def test_the_job_sent_on_commit_reads_the_manifest_and_ingests_its_images(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    routes: Routes = {}
    with http_server(routes) as base:
        routes.update(manifest_routes(base))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            api.force_authenticate(lead)
            response = api.post(
                f"/api/projects/{project.slug}/batches/",
                {"manifest_url": f"{base}/manifest.json"},
                format="json",
            )
        assert response.json()["state"] == "reading"
        with django_capture_on_commit_callbacks(execute=True):
            for callback in callbacks:
                callback()
        body = batch_status(api, response.json()["id"])
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 2


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/manifest.json", "http or https"),
        ("https://example.org/a manifest.json", "valid URL"),
        ("https://example.org/" + "m" * 2000, "2000"),
    ],
)
def test_an_address_that_cannot_be_a_manifest_is_refused_by_the_request(
    api, project, lead, committed, url, message
):
    response = post_batch(api, lead, project, committed, manifest_url=url)
    assert response.status_code == 400
    assert message in " ".join(response.json()["error"]["fields"]["manifest_url"])
    assert not Batch.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a\tb.json",
        "https://example.org:99999/m.json",
        "https:///m",
        "https://example.org/\u202egnp.json",  # a right-to-left override hides the real name
        "https://example.org/m\x7f.json",
    ],
)
def test_the_service_refuses_what_the_api_field_may_let_through(url):
    # Callers other than the API (commands, scripts) meet the same check.
    from django.core.exceptions import ValidationError

    from tasks.services.batch_sources import manifest_url_check

    with pytest.raises(ValidationError) as refused:
        manifest_url_check(url)
    assert "manifest_url" in refused.value.message_dict


def test_a_manifest_batch_cannot_be_staged(api, project, lead, committed):
    response = post_batch(
        api, lead, project, committed, manifest_url="https://example.org/m.json", staged="true"
    )
    assert response.status_code == 400
    assert "staged" in response.json()["error"]["fields"]
    assert not Batch.objects.exists()


# --- Each reason a manifest cannot be read ---------------------------------------------------


def test_a_manifest_that_is_not_there_fails_the_batch_as_not_found(
    api, project, lead, committed, private_allowed
):
    with http_server({}) as base:
        body = post_batch(api, lead, project, committed, manifest_url=f"{base}/m.json").json()
    code, error = failed_with(api, body["id"])
    assert code == "manifest_not_found"
    assert error == f"No manifest at {base}/m.json: the server answered HTTP 404 (not found)."
    with override("fr"):
        french = batch_source_error(Batch.objects.get(pk=body["id"]))
    assert french.startswith(f"Aucun manifeste à l’adresse {base}/m.json")


def test_a_document_that_is_not_a_manifest_fails_the_batch_saying_why(
    api, project, lead, committed, private_allowed
):
    routes: Routes = {"/m": (200, b"<html>", {}), "/c": (200, b'{"type": "Collection"}', {})}
    with http_server(routes) as base:
        html = post_batch(api, lead, project, committed, manifest_url=f"{base}/m").json()
        collection = post_batch(api, lead, project, committed, manifest_url=f"{base}/c").json()
    code, error = failed_with(api, html["id"])
    assert code == "manifest_invalid"
    assert "not JSON" in error
    code, error = failed_with(api, collection["id"])
    assert code == "manifest_invalid"
    assert "'Collection', not a Manifest" in error


def test_a_manifest_on_a_private_address_fails_the_batch_unless_allowed(
    api, project, lead, committed, settings
):
    settings.IIIF_IMPORT_ALLOW_PRIVATE = False
    response = post_batch(
        api, lead, project, committed, manifest_url="http://127.0.0.1:9/manifest.json"
    )
    assert response.status_code == 202
    code, error = failed_with(api, response.json()["id"])
    assert code == "manifest_refused"
    assert "127.0.0.1 is a private, local or reserved address" in error
    assert not BatchFile.objects.exists()


def test_a_manifest_larger_than_its_cap_fails_the_batch_as_too_large(
    api, project, lead, committed, private_allowed
):
    routes: Routes = {"/m": (200, b" " * (20 * 1024**2 + 1), {})}
    with http_server(routes) as base:
        body = post_batch(api, lead, project, committed, manifest_url=f"{base}/m").json()
    code, error = failed_with(api, body["id"])
    assert code == "manifest_refused"
    assert "the manifest is larger than the limit of 20.0" in error


def test_a_manifest_server_that_trickles_fails_the_batch_at_the_deadline(
    api, project, lead, committed, private_allowed, settings
):
    settings.IIIF_IMPORT_TIMEOUT = 2
    with SlowServer("headers") as server:
        body = post_batch(
            api, lead, project, committed, manifest_url=f"{server.base}/manifest.json"
        ).json()
        assert not server.finished.is_set()
    code, error = failed_with(api, body["id"])
    assert code == "manifest_deadline"
    assert "did not send the manifest within 2 seconds (IIIF_IMPORT_TIMEOUT)" in error


def test_watchers_of_the_batch_hear_that_its_manifest_failed(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    with http_server({}) as base:
        batch = reading_batch(
            api, lead, project, f"{base}/m.json", django_capture_on_commit_callbacks
        )
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(batch_group(batch.pk), channel)
        with django_capture_on_commit_callbacks(execute=True):
            assert batch_manifest_read(batch_id=batch.pk) == ManifestOutcome.FAILED
    event = json.loads(receive_or_none(layer, channel)["text"])
    assert event["type"] == "batch.progress"
    assert event["state"] == "failed"
    assert event["finished"] is True


# --- Retries, the cap, the resume ------------------------------------------------------------


def test_a_transient_failure_is_tried_again_and_the_next_attempt_reads_the_manifest(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    routes: Routes = {"/manifest.json": (503, b"busy", {})}
    with http_server(routes) as base:
        batch = reading_batch(
            api, lead, project, f"{base}/manifest.json", django_capture_on_commit_callbacks
        )
        assert batch_manifest_read(batch_id=batch.pk) == ManifestOutcome.RETRY
        batch.refresh_from_db()
        assert (batch.state, batch.source_attempts) == ("reading", 1)
        routes.update(manifest_routes(base))
        with django_capture_on_commit_callbacks(execute=True):
            assert batch_manifest_read(batch_id=batch.pk) == ManifestOutcome.READ
        body = batch_status(api, batch.pk)
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 2


def test_the_waits_between_attempts_grow_and_stay_under_the_resume(settings):
    waits = [manifest_retry_wait(attempt) for attempt in range(1, 6)]
    assert waits == sorted(waits)
    assert waits[0] < waits[1]
    assert max(waits) * 2 < 5 * 60


def test_after_the_last_attempt_a_transient_failure_fails_the_batch_with_its_reason(
    api, project, lead, private_allowed, settings, django_capture_on_commit_callbacks
):
    settings.IIIF_IMPORT_ATTEMPTS = 2
    with http_server({"/m": (503, b"busy", {})}) as base:
        batch = reading_batch(api, lead, project, f"{base}/m", django_capture_on_commit_callbacks)
        assert batch_manifest_read(batch_id=batch.pk) == ManifestOutcome.RETRY
        assert batch_manifest_read(batch_id=batch.pk) == ManifestOutcome.FAILED
    code, error = failed_with(api, batch.pk)
    assert code == "manifest_http"
    assert "HTTP 503" in error


def test_a_job_run_inside_the_request_makes_one_attempt_only(
    api, project, lead, committed, private_allowed
):
    # The embedded default runs jobs eagerly, after the commit of the request that sent them:
    # no retry may hold that request longer.
    with http_server({"/m": (503, b"busy", {})}) as base:
        body = post_batch(api, lead, project, committed, manifest_url=f"{base}/m").json()
    assert failed_with(api, body["id"])[0] == "manifest_http"
    assert Batch.objects.get(pk=body["id"]).source_attempts == 1


def test_the_resume_re_sends_a_manifest_whose_message_was_lost(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    routes: Routes = {}
    with http_server(routes) as base:
        routes.update(manifest_routes(base))
        lost = reading_batch(
            api, lead, project, f"{base}/manifest.json", django_capture_on_commit_callbacks
        )
        recent = reading_batch(
            api, lead, project, f"{base}/manifest.json", django_capture_on_commit_callbacks
        )
        Batch.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=6))
        with django_capture_on_commit_callbacks(execute=True):
            assert batches_resume() == 1
        assert batch_status(api, lost.pk)["state"] == "done"
    # A batch whose job may still be on its way is left to it.
    assert batch_status(api, recent.pk)["state"] == "reading"


def test_the_resume_sends_a_waiting_manifest_once_per_period_not_at_every_sweep(
    api, project, lead, django_capture_on_commit_callbacks, published_jobs
):
    # Copies piling up behind a long ingest queue would spend the attempts in a row.
    batch = reading_batch(
        api, lead, project, "http://127.0.0.1:9/m.json", django_capture_on_commit_callbacks
    )
    Batch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    published_jobs.clear()
    assert batches_resume() == 1
    assert batches_resume() == 0
    assert [name for name, _queue in published_jobs] == [jobs.IIIF_MANIFEST_FETCH]


def test_the_resume_gives_up_once_the_attempts_are_used_up(
    api, project, lead, private_allowed, settings, django_capture_on_commit_callbacks
):
    # Every attempt so far ended without a word (a worker killed while it fetched).
    settings.IIIF_IMPORT_ATTEMPTS = 3
    batch = reading_batch(
        api, lead, project, "http://127.0.0.1:9/m.json", django_capture_on_commit_callbacks
    )
    Batch.objects.filter(pk=batch.pk).update(
        source_attempts=3, source_tried_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert batches_resume() == 1
    code, error = failed_with(api, batch.pk)
    assert code == "manifest_gave_up"
    assert "3 attempts" in error


def test_a_withdrawn_batch_is_not_read_and_a_second_delivery_adds_nothing(
    api, project, lead, private_allowed, django_capture_on_commit_callbacks
):
    routes: Routes = {}
    with http_server(routes) as base:
        routes.update(manifest_routes(base))
        withdrawn = reading_batch(
            api, lead, project, f"{base}/manifest.json", django_capture_on_commit_callbacks
        )
        batch_withdraw(batch_id=withdrawn.pk, actor=lead)
        assert iiif_manifest_fetch.apply(args=(withdrawn.pk,)).get() == "skipped"
        assert not BatchFile.objects.filter(batch=withdrawn).exists()
        twice = reading_batch(
            api, lead, project, f"{base}/manifest.json", django_capture_on_commit_callbacks
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert iiif_manifest_fetch.apply(args=(twice.pk,)).get() == "read"
            assert iiif_manifest_fetch.apply(args=(twice.pk,)).get() == "skipped"
    assert BatchFile.objects.filter(batch=twice).count() == 2


def test_an_image_whose_server_trickles_fails_alone_at_its_deadline(
    api, project, lead, committed, private_allowed, settings
):
    settings.IIIF_IMPORT_IMAGE_TIMEOUT = 1
    routes: Routes = {}
    with http_server(routes) as base, SlowServer("body") as slow:
        images = [("Fast", f"{base}/0.jpg", None), ("Slow", f"{slow.base}/slow.jpg", None)]
        routes["/0.jpg"] = (200, jpeg(0), {})
        routes["/m"] = (200, json.dumps(manifest_v3(base, images)).encode(), {})
        body = post_batch(api, lead, project, committed, manifest_url=f"{base}/m").json()
        assert not slow.finished.is_set()
    body = batch_status(api, body["id"])
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 1
    [failure] = body["failed"]
    assert failure["code"] == "fetch_deadline"
    assert "within 1 seconds (IIIF_IMPORT_IMAGE_TIMEOUT)" in failure["error"]


def test_the_upload_page_lists_a_failed_import_with_its_reason(
    client, api, project, lead, committed, private_allowed
):
    with http_server({}) as base:
        post_batch(api, lead, project, committed, manifest_url=f"{base}/m.json")
    client.force_login(lead)
    page = client.get(f"/projects/{project.slug}/batches/").content.decode()
    assert "data-batch-row-error" in page
    assert f"Aucun manifeste à l’adresse {base}/m.json" in page  # the page speaks French first
