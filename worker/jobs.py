"""Celery jobs. Each takes ids, loads fresh state and calls one service; each is idempotent."""

from __future__ import annotations

from datetime import datetime

import kombu.exceptions
import redis
from celery import Task, shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError

from crowd.queue_state import heartbeat_record
from tasks import jobs as names
from tasks.jobs import jobs_send_each
from tasks.models import Project
from tasks.selectors.projects import running_project_ids
from tasks.services.batches import batch_close as close
from tasks.services.batches import batches_resume as resume
from tasks.services.exports import export_run as run
from tasks.services.exports import exports_sweep as sweep_exports
from tasks.services.iiif_import import ManifestOutcome, batch_manifest_read, manifest_retry_wait
from tasks.services.ingest import batch_file_ingest as ingest
from tasks.services.lease_upkeep import lease_abandon, leases_expire
from tasks.services.notification_mail import notification_email_send, notifications_digest_send
from tasks.services.progress import progress_pending_key, project_progress_refresh
from tasks.services.readings import readings_resume, task_image_read
from tasks.services.reconcile import task_reconcile, tasks_reconcile_resend
from tasks.services.reliability import project_reliability_refresh

# Transient: the database restarting or a connection dropped, Redis away (redis-py's errors are
# not the builtin ConnectionError, and kombu wraps a broker that cannot take a message in its own
# OperationalError). Anything else is a bug to see. The periodic jobs have no retries of their
# own: beat runs them again at their next period, and what they missed is still in the database.
TRANSIENT = (
    OperationalError,
    ConnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


@shared_task(
    name=names.PROGRESS_REFRESH,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def progress_refresh(project_id: int) -> None:
    """Recount one project's progress and push a snapshot to its watchers."""
    # Cleared before counting, so a change committed from now on schedules another recount.
    cache.delete(progress_pending_key(project_id))
    if Project.objects.filter(pk=project_id).exists():
        project_progress_refresh(project_id=project_id)


@shared_task(name=names.PROGRESS_REFRESH_ALL, acks_late=True)
def progress_refresh_all() -> None:
    """Periodic: refresh projects that take work, so a lost message never leaves counts stale."""
    jobs_send_each(names.PROGRESS_REFRESH, running_project_ids())


@shared_task(
    name=names.RECONCILE,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=8,
)
def reconcile(task_id: int) -> None:
    """Recompute one task's consensus from all its transcriptions (idempotent)."""
    task_reconcile(task_id=task_id)


@shared_task(name=names.SWEEP, acks_late=True)
def sweep() -> int:
    """Periodic: mark dead leases expired, and re-send reconciliations a lost message left
    pending (the database is the truth, the broker only a messenger)."""
    tasks_reconcile_resend()
    return leases_expire()


@shared_task(name=names.RELIABILITY_REFRESH, acks_late=True, autoretry_for=TRANSIENT, max_retries=3)
def reliability_refresh(project_id: int) -> int:
    return project_reliability_refresh(project_id=project_id)


@shared_task(name=names.RELIABILITY_REFRESH_ALL, acks_late=True)
def reliability_refresh_all() -> None:
    """Periodic: relearn contributor weights in projects that take work."""
    jobs_send_each(names.RELIABILITY_REFRESH, running_project_ids())


@shared_task(name=names.LEASE_ABANDON, acks_late=True, autoretry_for=TRANSIENT, max_retries=3)
def lease_abandon_job(lease_id: int, disconnected_at: str) -> bool:
    """Sent by the socket when a transcription page closes, with a grace-period countdown."""
    return lease_abandon(lease_id=lease_id, disconnected_at=datetime.fromisoformat(disconnected_at))


# --- Batch ingest --------------------------------------------------------------------
# One job per file, so that several workers share a batch; the job that finishes the last file
# sends `batch_close`. Files are claimed by compare-and-set, so a redelivered message is
# harmless; `batches_resume` re-sends what a lost message left pending.


@shared_task(
    name=names.BATCH_FILE_INGEST,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=6,
)
def batch_file_ingest(batch_file_id: int) -> str | None:
    """Verify, tile and open a task for one batch file (idempotent)."""
    return ingest(batch_file_id=batch_file_id)


@shared_task(
    name=names.BATCH_CLOSE,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=6,
)
def batch_close(batch_id: int) -> bool:
    """Close a batch whose files are all done, and tell its watchers (idempotent)."""
    return close(batch_id=batch_id)


@shared_task(name=names.BATCHES_RESUME, acks_late=True)
def batches_resume() -> int:
    """Periodic: re-send the ingest of batch files a lost message left pending, the reading
    of manifests a lost message left waiting, and the machine reading of images likewise."""
    return resume() + readings_resume()


@shared_task(
    name=names.IMAGE_READ,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=120,
    max_retries=6,
)
def image_read(task_id: int) -> str | None:
    """Machine reading (OCR) of one image, stored with its words (idempotent: claimed by
    compare-and-set; reading again replaces the reading)."""
    return task_image_read(task_id=task_id)


@shared_task(
    bind=True,
    name=names.IIIF_MANIFEST_FETCH,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=60,
    # A ceiling for database errors; attempts at the manifest are capped on the batch's row
    # (IIIF_IMPORT_ATTEMPTS), where redelivered and resumed messages count too.
    max_retries=10,
)
def iiif_manifest_fetch(self: Task, batch_id: int) -> str:
    """Read a IIIF import's manifest, add its images and send their ingest, or fail the batch
    with the reason (idempotent: a batch no longer reading is left alone). A transient
    failure is tried again later, waiting longer each time; a job run eagerly inside the
    request that sent it (the embedded default) makes one attempt and does not hold the
    request for more."""
    eager = bool(self.request.is_eager)
    outcome = batch_manifest_read(batch_id=batch_id, may_retry=not eager)
    if outcome == ManifestOutcome.RETRY:
        raise self.retry(countdown=manifest_retry_wait(self.request.retries + 1))
    return str(outcome)


@shared_task(name=names.EXPORT_RUN, acks_late=True)
def export_run(export_id: int) -> None:
    """Write one queued export (claimed by compare-and-set: a second delivery does nothing).

    Not retried automatically: a failed export says why, and the lead asks again."""
    run(export_id=export_id)


@shared_task(name=names.EXPORTS_SWEEP, acks_late=True)
def exports_sweep() -> tuple[int, int]:
    """Periodic: re-send exports a lost message or a dead worker left behind; delete files past
    their keeping time and files no export owns."""
    return sweep_exports()


@shared_task(
    name=names.NOTIFICATION_EMAIL,
    acks_late=True,
    autoretry_for=(*TRANSIENT, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def notification_email(notification_id: int) -> bool:
    """Mail one notification to a person who asked for an e-mail each (idempotent: claimed by
    compare-and-set; a relay that fails is tried again, and the hourly digest job sends what
    is left)."""
    return notification_email_send(notification_id=notification_id)


@shared_task(name=names.NOTIFICATIONS_DIGEST, acks_late=True)
def notifications_digest() -> int:
    """Periodic (hourly): the daily digests that are due, and immediate e-mails a lost message
    left unsent. Never mails a notification twice."""
    return notifications_digest_send()


@shared_task(name=names.HEARTBEAT, acks_late=True)
def heartbeat(queue: str) -> None:
    """Sent by beat to every queue: record that a worker took this queue's jobs now."""
    heartbeat_record(settings.CELERY_BROKER_URL, queue)
