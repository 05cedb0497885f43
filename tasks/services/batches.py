"""Writes about batches: create one from uploads, a zip, a folder or a IIIF manifest; add files;
start, close and withdraw it; tell watchers how far it got.

A batch is created in `receiving`; `batch_start` matches the metadata CSV to its files and, on
commit, sends one ingest job per file (`worker.jobs.batch_file_ingest`). Each job, once its
file is done, closes the batch if no file is left pending (`batch_close`, idempotent), so the
batch ends without a result backend to count a chord. Only leads call these (the views check
Capability.MANAGE).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.models import User
from tasks import batch_messages as codes
from tasks import jobs
from tasks.events import batch_group, event_send, project_group
from tasks.jobs import job_send, jobs_send_each
from tasks.models import (
    AuditKind,
    Batch,
    BatchFile,
    BatchFileState,
    BatchPurpose,
    BatchState,
    Lease,
    LeaseState,
    NotificationKind,
    Project,
    Task,
    TaskState,
)
from tasks.selectors.batches import counts_by_state
from tasks.services.audit import audit_record
from tasks.services.batch_sources import (
    BatchWriter,
    Incoming,
    batch_folder_remove,
    manifest_url_check,
    metadata_csv_parse,
)
from tasks.services.notifications import work_done_notification_create
from tasks.services.progress import project_progress_request

logger = logging.getLogger(__name__)

# Progress events of one batch go out at most about once per this many seconds; the closing
# event always goes.
PROGRESS_EVERY_SECONDS = 1
# A batch with files still pending and no file finished for this long is resumed by the sweep.
RESUME_AFTER = timedelta(minutes=10)
# A pending file is sent again at most this often: a file waiting in a long ingest queue is
# not lost, and re-sending a quiet batch's every file at each sweep only lengthened that queue.
# Longer than an ingest job's hard time limit (crowd.queues).
RESEND_AFTER = timedelta(minutes=30)
# A job's claim on a file lapses after this long (a killed worker), so another may take it.
# Longer than any one image takes (the ingest hard time limit); shorter than the broker's
# visibility timeout.
CLAIM_TIMEOUT = timedelta(minutes=15)
# Ingest jobs one file may take (each claim is one): a file that never finishes (it kills its
# worker, or outlasts the time limit without saying so) fails after this many, and its batch
# closes.
INGEST_MAX_ATTEMPTS = 3
# A batch still reading its manifest this long after its last attempt began (or its creation)
# lost its message; the job's own waits between attempts are far shorter.
MANIFEST_RESUME_AFTER = timedelta(minutes=5)


def batch_create(
    *,
    project: Project,
    actor: User | None,
    name: str = "",
    uploads: Iterable[Incoming] = (),
    metadata_csv: bytes | None = None,
    metadata: dict[str, dict[str, str]] | None = None,
    manifest_url: str = "",
    start: bool = True,
    purpose: str = BatchPurpose.DATA,
) -> Batch:
    """Create a batch from files (uploads, files on disk, zips to unpack) or a IIIF manifest,
    with an optional metadata CSV, and start its ingest on commit (unless `start` is False: the
    batch then waits in `receiving` for `batch_files_add` and `batch_start`).

    A manifest is not fetched here: the batch is created in `reading` and, on commit, the job
    `iiif_manifest_fetch` reads it, adds its images and starts the ingest, or fails the batch
    with the reason (tasks.services.iiif_import). Only what needs no network is checked now.
    A CSV that cannot be used is refused with a ValidationError before anything is stored; a
    bad file only fails itself. `metadata` ({file name: {key: value}}) is the CSV's rows for
    callers that have them already. A `training` batch's images become reference images (known
    answers and practice, out of the real stream) when ingested.
    """
    if purpose not in BatchPurpose.values:
        raise ValidationError({"purpose": [_("Choose images to transcribe or training images.")]})
    uploads = list(uploads)
    if manifest_url and uploads:
        raise ValidationError(
            {"manifest_url": [_("Give either files or a IIIF manifest, not both.")]}
        )
    if start and not uploads and not manifest_url:
        raise ValidationError({"files": [_("Add at least one file, a zip or a IIIF manifest.")]})
    if manifest_url:
        manifest_url = manifest_url_check(manifest_url)
        if not start:
            raise ValidationError(
                {
                    "staged": [
                        _(
                            "A IIIF manifest's batch starts once its manifest is read: it "
                            "cannot be staged."
                        )
                    ]
                }
            )
    rows, notices = metadata_csv_parse(metadata_csv) if metadata_csv is not None else ({}, [])
    for file_name, values in (metadata or {}).items():
        rows[file_name] = {"row": 0, "values": dict(values)}
    folder = f"batches/{project.pk}/{secrets.token_urlsafe(12)}"
    try:
        with transaction.atomic():
            batch = Batch.objects.create(
                project=project,
                name=(name.strip() or _default_name(uploads, manifest_url))[:200],
                created_by=actor,
                purpose=purpose,
                state=BatchState.READING if manifest_url else BatchState.RECEIVING,
                folder=folder,
                source_url=manifest_url,
                metadata_rows=rows,
                notices=notices,
            )
            if manifest_url:
                batch_id = batch.pk
                transaction.on_commit(
                    lambda: job_send(jobs.IIIF_MANIFEST_FETCH, batch_id), robust=True
                )
                batch_progress_send_on_commit(batch_id)
            else:
                writer = BatchWriter(batch)
                for incoming in uploads:
                    writer.add(incoming)
                if start:
                    batch_start(batch_id=batch.pk)
    except BaseException:
        batch_folder_remove(folder)
        raise
    return Batch.objects.get(pk=batch.pk)


def _default_name(uploads: list[Incoming], manifest_url: str) -> str:
    if manifest_url:
        return manifest_url
    if len(uploads) == 1:
        return uploads[0].name
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    return _("Upload of %(date)s") % {"date": stamp}


@transaction.atomic
def batch_files_add(*, batch_id: int, uploads: Iterable[Incoming]) -> list[BatchFile]:
    """Add files to a batch still receiving them (the upload page sends them one by one).
    Holds the batch row lock, so concurrent uploads get distinct positions."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.state != BatchState.RECEIVING:
        raise ValidationError(_("This batch no longer takes files: it has started."))
    writer = BatchWriter(batch)
    added: list[BatchFile] = []
    for incoming in uploads:
        added.extend(writer.add(incoming))
    return added


@transaction.atomic
def batch_start(*, batch_id: int, send: bool = True) -> Batch:
    """Match the metadata CSV to the files, then ingest them: one job per file, sent on commit
    (unless `send` is False: the caller then calls `batch_ingest_here`). Idempotent: a batch
    that has started already is returned as it is."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.state != BatchState.RECEIVING:
        return batch
    pending = list(batch.files.filter(state=BatchFileState.PENDING).order_by("position"))
    if batch.metadata_rows:
        batch.notices = [*batch.notices, *_metadata_match(batch.metadata_rows, pending)]
        BatchFile.objects.bulk_update(pending, ["metadata"])
    counts = batch_counts(batch.pk)
    batch.state = BatchState.INGESTING
    batch.started_at = timezone.now()
    batch.metadata_rows = {}
    # Files refused while stored count from the start; the others as each is done.
    batch.files_total = counts["total"]
    batch.files_failed = counts[BatchFileState.FAILED]
    batch.save(
        update_fields=[
            "state",
            "started_at",
            "notices",
            "metadata_rows",
            "files_total",
            "files_failed",
        ]
    )
    ids = [record.pk for record in pending]
    if send:
        sent_at = batch.started_at
        BatchFile.objects.filter(pk__in=ids).update(sent_at=sent_at)
        transaction.on_commit(lambda: _ingest_send(batch.pk, ids, sent_at=sent_at), robust=True)
    batch_progress_send_on_commit(batch.pk)
    return batch


def _metadata_match(
    rows: dict[str, dict[str, Any]], files: list[BatchFile]
) -> list[dict[str, Any]]:
    """Give each file its CSV row (by its name, else its name without folders, else the same
    ignoring case) and report rows and files left without a partner."""
    by_lower = {name.lower(): name for name in rows}
    used: set[str] = set()
    without: list[str] = []
    for record in files:
        base = record.name.replace("\\", "/").rsplit("/", 1)[-1]
        key = next(
            (
                candidate
                for candidate in (record.name, base, by_lower.get(base.lower(), ""))
                if candidate in rows
            ),
            None,
        )
        if key is None:
            without.append(record.name)
            continue
        used.add(key)
        record.metadata = {**record.metadata, **rows[key]["values"]}
    notices = []
    unknown = [name for name in rows if name not in used]
    if unknown:
        notices.append(_names_notice(codes.CSV_UNKNOWN_FILE, unknown))
    if without:
        notices.append(_names_notice(codes.CSV_NO_ROW, without))
    return notices


def _names_notice(code: str, names: list[str]) -> dict[str, Any]:
    return {"code": code, "params": {"names": names[: codes.NAMES_LISTED], "count": len(names)}}


def _ingest_send(batch_id: int, ids: list[int], *, sent_at: datetime | None = None) -> None:
    if not ids:
        job_send(jobs.BATCH_CLOSE, batch_id)
    elif not jobs_send_each(jobs.BATCH_FILE_INGEST, ids) and sent_at is not None:
        # Refused by the broker: not on their way, so the resume sends them at its next run
        # instead of RESEND_AFTER later (compare-and-set: a newer send keeps its mark).
        BatchFile.objects.filter(pk__in=ids, sent_at=sent_at).update(sent_at=None)


def batch_file_finished_on_commit(batch_id: int) -> None:
    """After a file's fate is committed: close the batch if it was the last one (checked after
    commit, so that of two last files finishing together at least one sees both done), else
    tell watchers, coalesced."""

    def after() -> None:
        if not BatchFile.objects.filter(batch_id=batch_id, state=BatchFileState.PENDING).exists():
            job_send(jobs.BATCH_CLOSE, batch_id)
        elif cache.add(f"batch-progress:{batch_id}", True, timeout=PROGRESS_EVERY_SECONDS):
            batch_progress_send(batch_id)

    transaction.on_commit(after, robust=True)


def batch_close(*, batch_id: int) -> bool:
    """End an ingesting batch whose files are all done: `done`, or `failed` when none became
    or matched a task. Idempotent (compare-and-set); True when this call closed it."""
    counts = batch_counts(batch_id)
    if counts["pending"]:
        return False
    failed = [
        {"file": name, "code": code, "params": params}
        for name, code, params in BatchFile.objects.filter(
            batch_id=batch_id, state=BatchFileState.FAILED
        )
        .order_by("position")
        .values_list("name", "error_code", "error_params")
    ]
    good = counts["ok"] + counts["duplicate"]
    with transaction.atomic():
        closed = Batch.objects.filter(pk=batch_id, state=BatchState.INGESTING).update(
            state=BatchState.DONE if good else BatchState.FAILED,
            finished_at=timezone.now(),
            files_total=counts["total"],
            files_ok=counts["ok"],
            files_duplicate=counts["duplicate"],
            files_failed=counts["failed"],
            errors=failed,
        )
        if not closed:
            return False
        batch = Batch.objects.get(pk=batch_id)
        project_progress_request(project_id=batch.project_id)
        batch_progress_send_on_commit(batch_id)
        work_done_notification_create(
            kind=NotificationKind.INGEST_DONE,
            recipient_id=batch.created_by_id,
            project_id=batch.project_id,
            payload={
                "batch": batch.pk,
                "state": batch.state,
                "ok": counts["ok"] + counts["duplicate"],
                "failed": counts["failed"],
            },
        )
    _folder_remove(batch)
    return True


def batch_counts(batch_id: int) -> dict[str, int]:
    """Files of a batch by state, with `total` and `done` (one indexed GROUP BY)."""
    by_state = dict(
        BatchFile.objects.filter(batch_id=batch_id)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return counts_by_state(by_state)


def batch_progress_payload(batch: Batch) -> dict[str, Any]:
    """The batch's live counters, as the project dashboard and the upload page read them."""
    done = batch.files_ok + batch.files_duplicate + batch.files_failed
    return {
        "batch": batch.pk,
        "state": batch.state,
        "files_total": batch.files_total,
        "files_ok": batch.files_ok,
        "files_duplicate": batch.files_duplicate,
        "files_failed": batch.files_failed,
        "files_done": done,
        "finished": batch.state in (BatchState.DONE, BatchState.FAILED, BatchState.WITHDRAWN),
    }


def batch_progress_send(batch_id: int) -> None:
    """Send the batch's counts as a `batch.progress` event to the batch's and its project's
    watchers. Counts only: file names and reasons are read through the API, by leads."""
    batch = Batch.objects.filter(pk=batch_id).first()
    if batch is None:
        return
    payload = batch_progress_payload(batch)
    event_send(batch_group(batch_id), "batch.progress", payload)
    event_send(project_group(batch.project_id), "batch.progress", payload)


def batch_progress_send_on_commit(batch_id: int) -> None:
    transaction.on_commit(lambda: batch_progress_send(batch_id), robust=True)


@transaction.atomic
def batch_withdraw(*, batch_id: int, actor: User | None) -> Batch:
    """Take a batch's tasks out of the queue: tasks not yet finished become `withdrawn` (their
    transcriptions are kept, their live leases end), files not yet ingested are not. Finished
    tasks (complete, disputed, resolved) stay as they are. Idempotent."""
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.state == BatchState.WITHDRAWN:
        return batch
    now = timezone.now()
    open_states = [TaskState.PENDING, TaskState.OPEN, TaskState.NEEDS_MORE]
    task_ids = list(
        Task.objects.filter(batch=batch, state__in=open_states).values_list("pk", flat=True)
    )
    # Tasks before their leases: the order submissions and heartbeats lock them in.
    withdrawn = Task.objects.filter(pk__in=task_ids, state__in=open_states).update(
        state=TaskState.WITHDRAWN
    )
    Lease.objects.filter(task_id__in=task_ids, state=LeaseState.ACTIVE).update(
        state=LeaseState.EXPIRED, ended_at=now
    )
    BatchFile.objects.filter(batch=batch, state=BatchFileState.PENDING).update(
        state=BatchFileState.WITHDRAWN,
        error_code=codes.WITHDRAWN,
        finished_at=now,
    )
    batch.state = BatchState.WITHDRAWN
    batch.finished_at = batch.finished_at or now
    batch.save(update_fields=["state", "finished_at"])
    audit_record(
        project=batch.project_id,
        kind=AuditKind.BATCH_WITHDRAWN,
        actor=actor,
        batch=batch,
        details={"tasks": withdrawn},
    )
    logger.info(
        "batch %s withdrawn by %s: %s tasks", batch.pk, actor.pk if actor else None, withdrawn
    )
    project_progress_request(project_id=batch.project_id)
    batch_progress_send_on_commit(batch.pk)
    transaction.on_commit(lambda: _folder_remove(batch))
    return batch


def batches_resume() -> int:
    """Sweep: re-send the manifest job of IIIF imports still reading (`batches_manifest_resume`);
    in batches where no file finished for RESUME_AFTER, re-send the ingest of pending files
    nobody works on that were not sent for RESEND_AFTER (a lost message), fail those that had
    INGEST_MAX_ATTEMPTS already, and close batches with nothing left pending. Returns how many
    files and manifests were re-sent; sending one twice is harmless (jobs claim files, and a
    manifest is added once, under the batch row's lock)."""
    now = timezone.now()
    stale = now - RESUME_AFTER
    resent = batches_manifest_resume()
    for batch in Batch.objects.filter(state=BatchState.INGESTING, started_at__lt=stale):
        files = BatchFile.objects.filter(batch=batch)
        last = files.aggregate(last=Max("finished_at"))["last"]
        if last is not None and last > stale:
            continue
        # Nobody works on them: never claimed, or a claim that lapsed (a job can take it over).
        idle = files.filter(state=BatchFileState.PENDING).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        # Given up once its last attempt is surely over (a claim older than any hard limit).
        spent = files.filter(state=BatchFileState.PENDING, attempts__gte=INGEST_MAX_ATTEMPTS)
        _files_give_up(
            batch.pk,
            spent.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - RESEND_AFTER)),
            now,
        )
        pending = list(
            idle.filter(attempts__lt=INGEST_MAX_ATTEMPTS)
            .filter(Q(sent_at__isnull=True) | Q(sent_at__lt=now - RESEND_AFTER))
            .values_list("pk", flat=True)
        )
        if pending:
            BatchFile.objects.filter(pk__in=pending).update(sent_at=now)
            _ingest_send(batch.pk, pending, sent_at=now)
            resent += len(pending)
        elif not files.filter(state=BatchFileState.PENDING).exists():
            job_send(jobs.BATCH_CLOSE, batch.pk)
    return resent


@transaction.atomic
def _files_give_up(batch_id: int, files: QuerySet[BatchFile], now: datetime) -> None:
    """Fail the pending files no attempt could finish, each with the reason; the batch closes
    when nothing is left pending. Locks the batch, then the files, as ingest does."""
    Batch.objects.select_for_update().filter(pk=batch_id).values_list("pk", flat=True).first()
    failed = files.update(
        state=BatchFileState.FAILED,
        error_code=codes.TOO_MANY_ATTEMPTS,
        error_params={"attempts": INGEST_MAX_ATTEMPTS},
        finished_at=now,
        claimed_at=None,
    )
    if failed:
        logger.warning("batch %s: %s files failed after %s attempts", batch_id, failed, INGEST_MAX_ATTEMPTS)  # fmt: skip
        Batch.objects.filter(pk=batch_id).update(files_failed=F("files_failed") + failed)
        batch_progress_send_on_commit(batch_id)


def batches_manifest_resume() -> int:
    """Sweep: re-send the manifest job of batches still `reading` whose last attempt began
    (or which were created, if none did) MANIFEST_RESUME_AFTER ago: a lost message or a
    killed worker. Each re-send counts toward the cap on attempts (IIIF_IMPORT_ATTEMPTS). Returns how many
    were re-sent."""
    now = timezone.now()
    stale = now - MANIFEST_RESUME_AFTER
    waiting = Batch.objects.filter(state=BatchState.READING).filter(
        Q(source_tried_at__lt=stale) | Q(source_tried_at__isnull=True, created_at__lt=stale)
    )
    resent = 0
    for batch_id in list(waiting.values_list("pk", flat=True)):
        # Compare-and-set, stamped as an attempt begun: a job still waiting in a long ingest
        # queue is sent once per MANIFEST_RESUME_AFTER, not at every sweep, so the copies do not
        # spend the attempts in a row when they finally run.
        if waiting.filter(pk=batch_id).update(source_tried_at=now):
            job_send(jobs.IIIF_MANIFEST_FETCH, batch_id)
            resent += 1
    return resent


def _folder_remove(batch: Batch) -> None:
    """Remove what is left of the batch's uploads (ingested files were moved or linked away)."""
    batch_folder_remove(batch.folder)
