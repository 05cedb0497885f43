"""Machine reading (OCR) of images: requested when a task opens, read by the `image_read` job,
stored as one row per image (tasks.models.readings).

Never in the way of the image: the reading is requested on commit of the transaction that
opens the task, so the image is available before the engine starts, and whatever happens to
the reading (the engine missing, a timeout, an unreadable file, languages this machine lacks)
is recorded on the reading with its reason; the task is never touched.

Idempotent: reading an image again replaces its reading. A job claims the row with a
compare-and-set (pending, or running with a claim older than CLAIM_TIMEOUT: a dead worker),
so two deliveries of one message never read it twice at once; `readings_resume` (with the
periodic `batches_resume`) re-sends what a lost message left pending.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from crowd.storage import media_files
from tasks import jobs
from tasks.jobs import job_send, jobs_send_each
from tasks.models import ImageReading, Project, ReadingStatus, Task, TaskState
from tasks.services.reconcile import reconcile_in_flight, task_reconcile_request
from tasks.services.search import task_document_refresh
from worker.ocr import ENGINE, OcrFailed, Reading, Word, image_read, reading_lines

logger = logging.getLogger(__name__)

# A claim older than this is a dead worker's: any job may take the reading over. Above the
# OCR queue's hard time limit (crowd.queues), so that a live job is never doubled.
CLAIM_TIMEOUT = timedelta(minutes=10)
# A pending reading not claimed for this long was lost with its message: the sweep re-sends it.
RESEND_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3
# Reasons recorded by the platform itself (the engine's are worker.ocr's codes).
IMAGE_MISSING = "image_missing"
TIME_LIMIT = "time_limit"
INTERNAL = "internal"
TOO_MANY_ATTEMPTS = "attempts"
# Words read with less confidence than this are shown in the layer but kept out of the text
# that search and the machine's vote read: on printed labels they are specks and rules.
TEXT_MIN_CONFIDENCE = 40.0

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)


def task_reading_request(*, task: Task) -> None:
    """Ask for the machine reading of a task's image, in the caller's transaction (the one
    that opens the task): the job is sent once it commits. Does nothing in projects without
    machine reading, or for a task already read or waiting."""
    if not task.project.machine_reading:
        return
    _, created = ImageReading.objects.get_or_create(
        task=task, defaults={"project_id": task.project_id}
    )
    if created:
        transaction.on_commit(lambda: _send([task.pk]), robust=True)


@dataclass(frozen=True)
class Requested:
    task_ids: list[int]


def project_readings_request(
    *, project: Project, again: bool = False, send: bool = True, withdrawn: bool = False
) -> Requested:
    """Ask for the reading of a project's images already ingested (`manage.py read_images`):
    those never read, those whose reading failed, and all of them with `again`. Withdrawn
    images only with `withdrawn`. Sends one job per image on commit unless `send` is False
    (the caller reads them in its own process, with `task_image_read`)."""
    tasks = Task.objects.filter(project=project).exclude(image="")
    if not withdrawn:
        tasks = tasks.exclude(state=TaskState.WITHDRAWN)
    if not again:
        tasks = tasks.exclude(
            reading__status__in=[ReadingStatus.DONE, ReadingStatus.PENDING, ReadingStatus.RUNNING]
        )
    task_ids = list(tasks.order_by("pk").values_list("pk", flat=True))
    with transaction.atomic():
        existing = set(
            ImageReading.objects.filter(task_id__in=task_ids).values_list("task_id", flat=True)
        )
        ImageReading.objects.bulk_create(
            [
                ImageReading(task_id=task_id, project_id=project.pk)
                for task_id in task_ids
                if task_id not in existing
            ],
            batch_size=1000,
        )
        # Running readings are left to the job that has them (its result stands).
        ImageReading.objects.filter(task_id__in=existing).exclude(
            status=ReadingStatus.RUNNING
        ).update(status=ReadingStatus.PENDING, attempts=0, claimed_at=None)
        if send and task_ids:
            transaction.on_commit(lambda: _send(task_ids), robust=True)
    return Requested(task_ids=task_ids)


def task_image_read(*, task_id: int) -> str | None:
    """Read one image and store its reading; returns the reading's status, or None when it
    was not waiting (read already, or another job has it). Called by the `image_read` job and
    by commands that read in their own process. Transient database errors are raised for the
    job to retry, the claim released; anything else is recorded on the reading."""
    now = timezone.now()
    claimed = (
        ImageReading.objects.filter(task_id=task_id)
        .filter(
            Q(status=ReadingStatus.PENDING)
            | Q(status=ReadingStatus.RUNNING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .update(status=ReadingStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    record = ImageReading.objects.select_related("task__project").get(task_id=task_id)
    if record.attempts > MAX_ATTEMPTS:
        return _failed(record, now, TOO_MANY_ATTEMPTS, str(MAX_ATTEMPTS))
    try:
        return _read(record, now)
    except TRANSIENT_ERRORS:
        ImageReading.objects.filter(task_id=task_id, claimed_at=now).update(
            status=ReadingStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1
        )
        raise
    except SoftTimeLimitExceeded:
        logger.warning("machine reading of task %s ran out of time", task_id)
        return _failed(record, now, TIME_LIMIT)
    except Exception as error:
        logger.exception("machine reading of task %s failed", task_id)
        return _failed(record, now, INTERNAL, type(error).__name__)


def _read(record: ImageReading, claimed_at: datetime) -> str:
    task = record.task
    languages = [code for code in task.project.machine_languages.split("+") if code]
    name = task.image.name
    if not name:
        return _failed(record, claimed_at, IMAGE_MISSING)
    with media_files().local_copy(name) as path:
        if path is None:
            return _failed(record, claimed_at, IMAGE_MISSING)
        try:
            reading = image_read(
                path,
                languages=languages,
                timeout=settings.OCR_TIMEOUT,
                max_pixels=settings.OCR_MAX_PIXELS,
            )
        except OcrFailed as failed:
            return _failed(record, claimed_at, failed.code, failed.detail, languages=languages)
    return _stored(record, claimed_at, reading)


def reading_text(words: Iterable[dict[str, Any]]) -> str:
    """The stored words' text, one line per line, without the words read with little
    confidence."""
    kept = [
        Word.from_data(word) for word in words if float(word.get("c", 0.0)) >= TEXT_MIN_CONFIDENCE
    ]
    return "\n".join(reading_lines(kept))


def _stored(record: ImageReading, claimed_at: datetime, reading: Reading) -> str:
    words = [word.as_data() for word in reading.words]
    with transaction.atomic():
        # The task's row lock, as every writer of its search document holds it.
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("project")
            .get(pk=record.task_id)
        )
        updated = ImageReading.objects.filter(
            task_id=record.task_id, status=ReadingStatus.RUNNING, claimed_at=claimed_at
        ).update(
            status=ReadingStatus.DONE,
            engine=ENGINE,
            engine_version=reading.version[:40],
            languages="+".join(reading.languages)[:100],
            languages_missing="+".join(reading.missing)[:100],
            scale=round(reading.scale, 4),
            duration_ms=int(reading.seconds * 1000),
            error_code="",
            error_detail="",
            words=words,
            text=reading_text(words),
            read_at=timezone.now(),
            claimed_at=None,
        )
        if not updated:
            # Taken over after our claim lapsed: the other job's reading stands.
            return ReadingStatus.RUNNING
        task_document_refresh(task=task)
        if task.project.machine_vote and task.transcription_count and not task.reconcile_pending:
            # The machine's vote may settle what the volunteers left open.
            in_flight = reconcile_in_flight(task)
            Task.objects.filter(pk=task.pk).update(reconcile_pending=True)
            task_reconcile_request(task_id=task.pk, in_flight=in_flight)
    return ReadingStatus.DONE


def _failed(
    record: ImageReading,
    claimed_at: datetime,
    code: str,
    detail: str = "",
    *,
    languages: list[str] | None = None,
) -> str:
    ImageReading.objects.filter(task_id=record.task_id, claimed_at=claimed_at).update(
        status=ReadingStatus.FAILED,
        engine=ENGINE,
        languages="+".join(languages or [])[:100],
        error_code=code[:40],
        error_detail=detail[:500],
        words=[],
        text="",
        read_at=timezone.now(),
        claimed_at=None,
    )
    return ReadingStatus.FAILED


def readings_resume() -> int:
    """Sweep: re-send the readings a lost message left pending (or a dead worker left
    running). Returns how many were sent."""
    now = timezone.now()
    lost = ImageReading.objects.filter(
        Q(status=ReadingStatus.PENDING)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        | Q(status=ReadingStatus.RUNNING, claimed_at__lt=now - CLAIM_TIMEOUT)
    ).filter(Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
    task_ids = list(lost.order_by("pk").values_list("task_id", flat=True)[:1000])
    _send(task_ids)
    return len(task_ids)


def _send(task_ids: list[int]) -> None:
    """Send the jobs, and note when: a reading waiting in a long queue is not re-sent by every
    sweep. A send the broker refuses leaves the reading pending, for the sweep."""
    if not task_ids:
        return
    sent = (
        job_send(jobs.IMAGE_READ, task_ids[0])
        if len(task_ids) == 1
        else jobs_send_each(jobs.IMAGE_READ, task_ids)
    )
    if sent:
        ImageReading.objects.filter(task_id__in=task_ids, status=ReadingStatus.PENDING).update(
            sent_at=timezone.now()
        )


@dataclass(frozen=True)
class ReadHere:
    done: int
    failed: int
    seconds: float


def project_readings_read_here(*, project: Project, again: bool = False) -> ReadHere:
    """Read a project's images that wait for their reading (and those never read), in this
    process, one after the other, with the very service the jobs call: `seed_demo` and
    `read_images --here` are done when it returns. A job that meanwhile took an image is left
    to it."""
    started = time.monotonic()
    project_readings_request(project=project, again=again, send=False)
    waiting = ImageReading.objects.filter(project=project, status=ReadingStatus.PENDING)
    done = failed = 0
    for task_id in list(waiting.order_by("pk").values_list("task_id", flat=True)):
        status = task_image_read(task_id=task_id)
        done += status == ReadingStatus.DONE
        failed += status == ReadingStatus.FAILED
    return ReadHere(done=done, failed=failed, seconds=round(time.monotonic() - started, 1))
