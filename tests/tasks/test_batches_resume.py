"""The sweep that resumes batches: it re-sends a pending file only once in a while, gives up on
a file after a few attempts with the reason, and the batch then closes; an ingest that runs out
of time fails its file with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from tasks import jobs
from tasks.batch_messages import batch_file_error_text
from tasks.models import Batch, BatchFile, Task
from tasks.services.batches import INGEST_MAX_ATTEMPTS, RESEND_AFTER, batch_start, batches_resume
from tasks.services.ingest import batch_file_ingest
from tests.images import jpeg
from tests.tasks.uploads import stored_batch

IMAGES = [("a.jpg", jpeg(1)), ("b.jpg", jpeg(2))]


def quiet_batch(project, lead, *, minutes: int = 20) -> Batch:
    """A batch whose jobs were sent `minutes` ago and never ran (lost, or still queued)."""
    batch = stored_batch(project, lead, IMAGES)
    batch_start(batch_id=batch.pk)
    assert all(BatchFile.objects.filter(batch=batch).values_list("sent_at", flat=True))
    long_ago = timezone.now() - timedelta(minutes=minutes)
    Batch.objects.filter(pk=batch.pk).update(started_at=long_ago)
    BatchFile.objects.filter(batch=batch).update(sent_at=long_ago)
    return batch


def ingests(published):
    return [sent for sent in published if sent[0] == jobs.BATCH_FILE_INGEST]


def test_a_quiet_batchs_files_are_sent_again_once_not_at_every_sweep(project, lead, published_jobs):
    quiet_batch(project, lead, minutes=int(RESEND_AFTER.total_seconds() // 60) + 5)
    published_jobs.clear()
    assert batches_resume() == 2
    assert batches_resume() == 0
    assert len(ingests(published_jobs)) == 2


def test_files_sent_recently_are_not_sent_again_even_in_a_quiet_batch(
    project, lead, published_jobs
):
    batch = quiet_batch(project, lead)
    BatchFile.objects.filter(batch=batch).update(sent_at=timezone.now() - timedelta(minutes=5))
    published_jobs.clear()
    assert batches_resume() == 0
    assert ingests(published_jobs) == []


def test_each_ingest_job_that_claims_a_file_counts_one_attempt(project, lead):
    batch = stored_batch(project, lead, IMAGES[:1])
    batch_start(batch_id=batch.pk, send=False)
    record = BatchFile.objects.get(batch=batch)
    assert batch_file_ingest(batch_file_id=record.pk) == "ok"
    assert batch_file_ingest(batch_file_id=record.pk) is None  # done: no claim, no attempt
    assert BatchFile.objects.get(pk=record.pk).attempts == 1


def test_a_file_no_attempt_finished_fails_with_the_count_and_the_batch_closes(
    project, lead, committed
):
    batch = quiet_batch(project, lead, minutes=60)
    first, second = BatchFile.objects.filter(batch=batch).order_by("position")
    # Its jobs claimed it and died (a killed worker leaves the claim behind) as many times as
    # allowed; a job sent now would not take it again.
    BatchFile.objects.filter(pk=first.pk).update(
        attempts=INGEST_MAX_ATTEMPTS,
        claimed_at=timezone.now() - RESEND_AFTER - timedelta(minutes=1),
    )
    assert batch_file_ingest(batch_file_id=first.pk) is None
    with committed():
        batches_resume()  # re-sends the other file, which is ingested (eagerly here)
    first.refresh_from_db()
    assert (first.state, first.error_code) == ("failed", "too_many_attempts")
    assert batch_file_error_text(first.error_code, first.error_params) == (
        f"Not ingested: tried {INGEST_MAX_ATTEMPTS} times, and no attempt finished (each was "
        "stopped, or lost its worker, before the end)."
    )
    assert BatchFile.objects.get(pk=second.pk).state == "ok"
    batch.refresh_from_db()
    assert (batch.state, batch.files_ok, batch.files_failed) == ("done", 1, 1)


def test_an_ingest_past_its_soft_time_limit_fails_its_file_with_the_reason(
    project, lead, monkeypatch, committed
):
    batch = stored_batch(project, lead, IMAGES)
    batch_start(batch_id=batch.pk, send=False)
    slow, other = BatchFile.objects.filter(batch=batch).order_by("position")

    def out_of_time(*args, **kwargs):
        raise SoftTimeLimitExceeded  # what Celery raises in the job at its soft limit

    monkeypatch.setattr("tasks.services.ingest.image_ingest", out_of_time)
    assert batch_file_ingest(batch_file_id=slow.pk) == "failed"
    monkeypatch.undo()
    slow.refresh_from_db()
    assert batch_file_error_text(slow.error_code, slow.error_params) == (
        "Stopped after 10 minutes, the longest one image may take: a very slow image server, "
        "or an image too large to process in time."
    )
    with committed():
        assert batch_file_ingest(batch_file_id=other.pk) == "ok"
    assert Task.objects.count() == 1
    assert Batch.objects.get(pk=batch.pk).state == "done"


def test_a_database_error_does_not_count_as_an_attempt(project, lead, monkeypatch):
    from django.db import OperationalError

    batch = stored_batch(project, lead, IMAGES[:1])
    batch_start(batch_id=batch.pk, send=False)
    record = BatchFile.objects.get(batch=batch)

    def database_restarting(*args, **kwargs):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr("tasks.services.ingest.image_ingest", database_restarting)
    for _ in range(INGEST_MAX_ATTEMPTS + 1):  # the job retries transient errors
        with pytest.raises(OperationalError):
            batch_file_ingest(batch_file_id=record.pk)
    monkeypatch.undo()
    assert BatchFile.objects.get(pk=record.pk).attempts == 0
    assert batch_file_ingest(batch_file_id=record.pk) == "ok"


@pytest.mark.django_db(transaction=True)
def test_files_the_broker_refused_are_sent_by_the_next_resume_not_half_an_hour_later(
    project, lead, published_jobs
):
    from tests.redis_away import broker_at, closed_redis_url

    batch = stored_batch(project, lead, IMAGES)
    with broker_at(closed_redis_url()):
        batch_start(batch_id=batch.pk)  # committed at once: the send after commit is refused
    assert list(BatchFile.objects.filter(batch=batch).values_list("sent_at", flat=True)) == [
        None,
        None,
    ]
    Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now() - timedelta(minutes=20))
    published_jobs.clear()
    assert batches_resume() == 2
    assert len(ingests(published_jobs)) == 2
