"""Ingest one file of a batch: fetch it (IIIF import), hash it, dedupe it within the project,
make its tiles and thumbnail, keep its original, open its task.

Derivatives are named by the SHA-256 of the file as uploaded, per project:

    projects/<id>/originals/<h[:2]>/<h><ext>     the file as uploaded; <ext> from its decoded format
    projects/<id>/iiif/<h[:2]>/<h>/              IIIF level-0 tiles and info.json
    projects/<id>/thumbnails/<h[:2]>/<h>.jpg

Each appears whole or not at all (staged, then renamed), and the task opens in the same
transaction that marks the file done, so a task never exists without all its files. Running
this again finds the file done and does nothing; a run killed half-way is redone, reusing
whatever complete derivative it finds.

With object storage (MEDIA_STORAGE=s3) the waiting upload is copied to a temporary folder of
this machine, the imaging engine writes the tiles and the thumbnail in another, and they are
uploaded before the task opens: the tiles first, their info.json last (its presence says the
tile set is complete, and a run done again does not upload it twice), then the thumbnail and
the original.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from crowd.metrics import IMAGES_INGESTED
from crowd.queues import job_time_limits
from crowd.storage import Files, LocalFiles, ObjectFiles, media_files
from tasks import batch_messages as codes
from tasks import jobs
from tasks.models import (
    Batch,
    BatchFile,
    BatchFileState,
    BatchPurpose,
    BatchState,
    Task,
    TaskState,
)
from tasks.services.batch_priority import batch_priority_follow
from tasks.services.batch_sources import lead_stored_bytes, stored_as_image
from tasks.services.batches import (
    CLAIM_TIMEOUT,
    INGEST_MAX_ATTEMPTS,
    batch_close,
    batch_file_finished_on_commit,
)
from tasks.services.progress import project_progress_request
from tasks.services.readings import task_reading_request
from tasks.services.reconcile import reconcile_in_flight, task_reconcile_request
from tasks.services.search import task_document_refresh
from worker.fetch import FetchError, url_fetch
from worker.imaging.formats import format_extension
from worker.imaging.iiif import INFO_JSON
from worker.imaging.ingest import ImageRejected, Ingested, file_sha256, image_ingest

logger = logging.getLogger(__name__)

# Errors worth trying again later (the job retries them); anything else fails the file.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError)


@dataclass(frozen=True)
class Derivatives:
    """Media-relative paths of one image's files in a project."""

    original: str
    tiles: str
    thumbnail: str

    @classmethod
    def of(cls, *, project_id: int, sha256: str, image_format: str = "") -> Derivatives:
        """`image_format` is Pillow's name of the decoded format: the original's extension, and
        so its served type, never comes from the name the file was uploaded under."""
        shard = f"{sha256[:2]}/{sha256}"
        return cls(
            original=f"projects/{project_id}/originals/{shard}{format_extension(image_format)}",
            tiles=f"projects/{project_id}/iiif/{shard}",
            thumbnail=f"projects/{project_id}/thumbnails/{shard}.jpg",
        )

    def discard(self) -> None:
        files = media_files()
        files.delete_folder(self.tiles)
        files.delete(self.thumbnail)
        files.delete(self.original)


@dataclass(frozen=True)
class _Place:
    """Where the imaging engine writes an image's tiles and thumbnail."""

    tiles: Path
    thumbnail: Path


@contextmanager
def _place(files: Files, made: Derivatives) -> Iterator[_Place]:
    """On this machine's disk, their very places; with object storage, a temporary folder
    (uploaded by `_kept`)."""
    if isinstance(files, LocalFiles):
        yield _Place(tiles=files.path(made.tiles), thumbnail=files.path(made.thumbnail))
        return
    with tempfile.TemporaryDirectory(prefix="crowd-ingest-") as folder:
        yield _Place(tiles=Path(folder) / "tiles", thumbnail=Path(folder) / "thumbnail.jpg")


def _kept(files: Files, source: Path, made: Derivatives, place: _Place) -> None:
    """Keep the original beside the derivatives; with object storage, upload all three."""
    if isinstance(files, LocalFiles):
        _original_keep(source, files.path(made.original))
        return
    assert isinstance(files, ObjectFiles)
    if not files.exists(f"{made.tiles}/{INFO_JSON}"):
        files.upload_folder(made.tiles, place.tiles, last=INFO_JSON)
    files.upload(made.thumbnail, place.thumbnail)
    if not files.exists(made.original):
        files.upload(made.original, source)


def batch_file_ingest(*, batch_file_id: int) -> str | None:
    """Ingest one batch file; returns its final state, or None when another job has it or it
    was done already. Called by the `batch_file_ingest` job (any worker, any number of times).

    Claims the file with a compare-and-set, so two deliveries of one message do not work on it
    at once. Transient errors (the database) are raised for the job to retry, after releasing
    the claim; any other error fails this file alone, with its reason.
    """
    now = timezone.now()
    claimed = (
        BatchFile.objects.filter(pk=batch_file_id, state=BatchFileState.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        # Past its attempts, the sweep fails it with the reason (batches_resume).
        .filter(attempts__lt=INGEST_MAX_ATTEMPTS)
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    record = BatchFile.objects.select_related("batch__project").get(pk=batch_file_id)
    try:
        state = _ingest(record)
    except TRANSIENT_ERRORS:
        # Not the file's fault (the database restarting): the job's retry is not one more try.
        BatchFile.objects.filter(pk=record.pk, claimed_at=now).update(
            claimed_at=None, attempts=F("attempts") - 1
        )
        raise
    except SoftTimeLimitExceeded:
        # The job's soft time limit: say so on the file, before the hard limit kills the job.
        soft, _hard = job_time_limits(jobs.BATCH_FILE_INGEST)
        logger.warning("ingest of batch file %s (%s) ran out of time", record.pk, record.name)
        state = _finish(record, BatchFileState.FAILED, codes.TIME_LIMIT, {"minutes": soft // 60})
    except Exception:
        logger.exception("ingest of batch file %s (%s) failed", record.pk, record.name)
        state = _finish(record, BatchFileState.FAILED, codes.INTERNAL)
    return state


def _ingest(record: BatchFile) -> str:
    batch = record.batch
    if batch.state == BatchState.WITHDRAWN:
        return _finish(record, BatchFileState.WITHDRAWN, codes.WITHDRAWN)
    if record.source_url and not record.stored:
        failed = _fetch(record, batch)
        if failed is not None:
            return failed
    if not record.stored:
        return _finish(record, BatchFileState.FAILED, codes.MISSING)
    files = media_files()
    with files.local_copy(record.stored) as source:
        if source is None:
            return _finish(record, BatchFileState.FAILED, codes.MISSING)
        return _ingest_file(record, source, files)


def _ingest_file(record: BatchFile, source: Path, files: Files) -> str:
    batch = record.batch
    sha256 = file_sha256(source)
    project = batch.project
    existing = Task.objects.filter(project=project, content_hash=sha256).first()
    if existing is not None and existing.state == TaskState.WITHDRAWN:
        return _reinstate(record, existing)
    if existing is not None:
        return _duplicate(record, existing)
    made = Derivatives.of(project_id=project.pk, sha256=sha256)
    with _place(files, made) as place:
        try:
            image = image_ingest(
                source,
                tiles_folder=place.tiles,
                thumbnail_path=place.thumbnail,
                base_id=f"{settings.MEDIA_URL}{made.tiles}",
                max_pixels=settings.IMAGE_MAX_PIXELS,
            )
        except ImageRejected as rejected:
            return _finish(record, BatchFileState.FAILED, rejected.code, rejected.params)
        except BaseException:
            _discard_unless_owned(made, project.pk, sha256)
            raise
        made = Derivatives.of(project_id=project.pk, sha256=sha256, image_format=image.format)
        try:
            _kept(files, source, made, place)
            state = _task_open(record, made, image, sha256)
        except BaseException:
            _discard_unless_owned(made, project.pk, sha256)
            raise
    if state == BatchFileState.WITHDRAWN:  # withdrawn meanwhile: the task was rolled back
        _discard_unless_owned(made, project.pk, sha256)
        return state
    _stored_remove(record)
    if state == BatchFileState.OK:
        IMAGES_INGESTED.inc()
    return state


def _task_open(record: BatchFile, made: Derivatives, image: Ingested, sha256: str) -> str:
    """Open the image's task and mark its file done, in one transaction; the file's state."""
    batch = record.batch
    project = batch.project
    task = Task(
        project=project,
        batch=batch,
        # A training batch's images wait for their known answers, out of the real stream.
        state=TaskState.REFERENCE if batch.purpose == BatchPurpose.TRAINING else TaskState.OPEN,
        target=project.redundancy_min,
        original_name=record.name[:255],
        image_width=image.width,
        image_height=image.height,
        content_hash=sha256,
        metadata=record.metadata,
        iiif_path=made.tiles,
    )
    task.image.name = made.original
    task.thumbnail.name = made.thumbnail
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    task.save()
            except IntegrityError:
                # The same image, opened meanwhile by another job (same batch or another):
                # theirs stands, and shares these very files.
                existing = Task.objects.get(project=project, content_hash=sha256)
                return _duplicate(record, existing)
            if not _done(record, BatchFileState.OK, task=task):
                raise _Superseded
            task_document_refresh(task=task, transcriptions=[], results=[])
            project_progress_request(project_id=project.pk)
            # Sent on commit, once the image is available: reading never delays it.
            task_reading_request(task=task)
    except _Superseded:
        return BatchFileState.WITHDRAWN
    return BatchFileState.OK


# The batch's live counters (exact counts are taken again when it closes).
_COUNTERS: dict[str, str] = {
    BatchFileState.OK: "files_ok",
    BatchFileState.DUPLICATE: "files_duplicate",
    BatchFileState.FAILED: "files_failed",
}


class _Superseded(Exception):
    """The file left `pending` while we worked on it (its batch was withdrawn)."""


def _fetch(record: BatchFile, batch: Batch) -> str | None:
    """Download a IIIF image into the batch's folder; the failed state if it cannot be.
    Stored, like an upload, under the extension of the format it holds (not of its label)."""
    destination = Path(settings.MEDIA_ROOT) / f"{batch.folder}/{record.position:06d}"
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(".part")
    try:
        size = url_fetch(
            record.source_url,
            partial,
            max_bytes=settings.UPLOAD_MAX_FILE_BYTES,
            deadline=settings.IIIF_IMPORT_IMAGE_TIMEOUT,
            allow_private=settings.IIIF_IMPORT_ALLOW_PRIVATE,
        )
    except FetchError as error:
        partial.unlink(missing_ok=True)
        if error.refused:
            params: dict[str, Any] = {"url": error.url, "reason": error.reason, "host": error.host}
            if error.reason == "too_large":
                params["limit"] = settings.UPLOAD_MAX_FILE_BYTES
            return _finish(record, BatchFileState.FAILED, codes.FETCH_REFUSED, params)
        if error.reason == "deadline":
            params = {"url": error.url, "seconds": settings.IIIF_IMPORT_IMAGE_TIMEOUT}
            return _finish(record, BatchFileState.FAILED, codes.FETCH_DEADLINE, params)
        return _finish(
            record,
            BatchFileState.FAILED,
            codes.FETCH_FAILED,
            {"url": error.url, "detail": error.detail},
        )
    refused = _fetched_past_a_limit(batch, size)
    if refused is not None:
        partial.unlink(missing_ok=True)
        return _finish(record, BatchFileState.FAILED, refused[0], refused[1])
    os.replace(partial, destination)
    named = stored_as_image(destination)
    relative = f"{batch.folder}/{named.name}"
    # With object storage, waiting files are kept there too (any worker may ingest it).
    media_files().upload(relative, named, move=True)
    BatchFile.objects.filter(pk=record.pk).update(stored=relative, size=size)
    record.stored, record.size = relative, size
    return None


def _fetched_past_a_limit(batch: Batch, size: int) -> tuple[str, dict[str, Any]] | None:
    """The limits an upload meets when it is written, met by a IIIF image once its size is
    known: the batch's bytes and the lead's stored bytes. Files fetched at the same moment
    by two workers may each pass alone (a few files past the limit at most)."""
    kept = BatchFile.objects.filter(batch=batch).exclude(
        state__in=[BatchFileState.FAILED, BatchFileState.WITHDRAWN]
    )
    in_batch = int(kept.aggregate(size=Sum("size"))["size"] or 0)
    if in_batch + size > settings.UPLOAD_MAX_BATCH_BYTES:
        return codes.BATCH_FULL, {"limit": settings.UPLOAD_MAX_BATCH_BYTES}
    lead_bytes = lead_stored_bytes(batch)
    if lead_bytes is not None and lead_bytes + size > settings.LEAD_MAX_STORED_BYTES:
        return codes.LEAD_STORAGE_FULL, {"limit": settings.LEAD_MAX_STORED_BYTES}
    return None


def _original_keep(source: Path, destination: Path) -> None:
    """Keep the file as uploaded: a hard link (no copy) where the filesystem allows it."""
    if destination.exists():
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        try:
            os.link(source, staging)
        except OSError:
            shutil.copyfile(source, staging)
        os.replace(staging, destination)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def _reinstate(record: BatchFile, withdrawn: Task) -> str:
    """The image of a withdrawn task uploaded again: the task comes back (its transcriptions
    were kept) in the new batch, with the new metadata, instead of being reported a duplicate."""
    try:
        with transaction.atomic():
            # Under the task row lock, as submissions: a job queued and not started yet will
            # reconcile the reinstated task (tasks.services.reconcile.task_reconcile_request).
            locked = Task.objects.select_for_update().filter(pk=withdrawn.pk).first()
            in_flight = locked is not None and reconcile_in_flight(locked)
            reopened = Task.objects.filter(pk=withdrawn.pk, state=TaskState.WITHDRAWN).update(
                state=TaskState.OPEN,
                batch=record.batch,
                metadata={**withdrawn.metadata, **record.metadata},
                # Reconciliation puts a task that already has transcriptions in its right state.
                reconcile_pending=withdrawn.transcription_count > 0,
            )
            if not reopened or not _done(record, BatchFileState.OK, task=withdrawn):
                raise _Superseded
            # Its new metadata is searchable; its answers and values stay in the document.
            task_document_refresh(task=Task.objects.get(pk=withdrawn.pk))
            project_progress_request(project_id=withdrawn.project_id)
    except _Superseded:
        # Reinstated meanwhile by another upload, or this file was settled already.
        return _duplicate(record, withdrawn)
    if withdrawn.transcription_count:
        task_reconcile_request(task_id=withdrawn.pk, in_flight=in_flight)
    _stored_remove(record)
    return BatchFileState.OK


def _duplicate(record: BatchFile, existing: Task) -> str:
    params = {"task": existing.pk, "name": existing.original_name}
    state = _finish(record, BatchFileState.DUPLICATE, codes.DUPLICATE, params, task=existing)
    return state


def _done(
    record: BatchFile,
    state: str,
    code: str = "",
    params: dict[str, Any] | None = None,
    *,
    task: Task | None = None,
) -> bool:
    """Record the file's fate, if it is still pending (compare-and-set). Locks the batch, then
    the file: the order withdrawal takes them in."""
    Batch.objects.select_for_update().filter(pk=record.batch_id).values_list(
        "pk", flat=True
    ).first()
    updated = BatchFile.objects.filter(pk=record.pk, state=BatchFileState.PENDING).update(
        state=state,
        error_code=code,
        error_params=params or {},
        task=task,
        finished_at=timezone.now(),
        claimed_at=None,
    )
    if updated and task is not None and state == BatchFileState.OK:
        # Opened (or reinstated) in this batch: it is served with the batch's priority, read
        # under the batch's lock taken above.
        batch_priority_follow(task_id=task.pk, batch_id=record.batch_id)
    if updated:
        counter = _COUNTERS.get(state)
        if counter:
            Batch.objects.filter(pk=record.batch_id).update(**{counter: F(counter) + 1})
        batch_file_finished_on_commit(record.batch_id)
    return bool(updated)


def _finish(
    record: BatchFile,
    state: str,
    code: str = "",
    params: dict[str, Any] | None = None,
    *,
    task: Task | None = None,
) -> str:
    """Record a file's fate that opens no task, and drop its stored copy."""
    with transaction.atomic():
        _done(record, state, code, params, task=task)
    _stored_remove(record)
    return state


def _stored_remove(record: BatchFile) -> None:
    if record.stored:
        media_files().delete(record.stored)
        BatchFile.objects.filter(pk=record.pk).exclude(state=BatchFileState.PENDING).update(
            stored=""
        )


def _discard_unless_owned(made: Derivatives, project_id: int, sha256: str) -> None:
    """Remove derivatives this run made, unless a task (opened by another job) uses them."""
    if not Task.objects.filter(project_id=project_id, content_hash=sha256).exists():
        made.discard()


def batch_ingest_here(*, batch_id: int) -> Batch:
    """Ingest a started batch's pending files in this process, one after the other, with the
    very service the jobs call, then close it (seed_demo: the demo is ready when it returns)."""
    pending = BatchFile.objects.filter(batch_id=batch_id, state=BatchFileState.PENDING)
    for file_id in pending.order_by("position").values_list("pk", flat=True):
        batch_file_ingest(batch_file_id=file_id)
    batch_close(batch_id=batch_id)
    return Batch.objects.get(pk=batch_id)
