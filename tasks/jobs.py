"""The background jobs the domain asks for, sent by name.

Services never import the worker that runs a job (`worker.jobs` imports the services, not the
other way round): both sides name a job with the constants below. Every Django process has the
jobs registered (`WorkerConfig.ready` imports `worker.jobs`), so in the embedded default a job
sent from here still runs eagerly after the commit, as the real worker would run it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery import current_app, group

PROGRESS_REFRESH = "worker.jobs.progress_refresh"
PROGRESS_REFRESH_ALL = "worker.jobs.progress_refresh_all"
RECONCILE = "worker.jobs.reconcile"
SWEEP = "worker.jobs.sweep"
RELIABILITY_REFRESH = "worker.jobs.reliability_refresh"
RELIABILITY_REFRESH_ALL = "worker.jobs.reliability_refresh_all"
LEASE_ABANDON = "worker.jobs.lease_abandon"
BATCH_FILE_INGEST = "worker.jobs.batch_file_ingest"
BATCH_CLOSE = "worker.jobs.batch_close"
BATCHES_RESUME = "worker.jobs.batches_resume"
IIIF_MANIFEST_FETCH = "worker.jobs.iiif_manifest_fetch"
EXPORT_RUN = "worker.jobs.export_run"
EXPORTS_SWEEP = "worker.jobs.exports_sweep"

JOB_NAMES = frozenset(
    {
        PROGRESS_REFRESH,
        PROGRESS_REFRESH_ALL,
        RECONCILE,
        SWEEP,
        RELIABILITY_REFRESH,
        RELIABILITY_REFRESH_ALL,
        LEASE_ABANDON,
        BATCH_FILE_INGEST,
        BATCH_CLOSE,
        BATCHES_RESUME,
        IIIF_MANIFEST_FETCH,
        EXPORT_RUN,
        EXPORTS_SWEEP,
    }
)


def job_send(name: str, *args: Any, countdown: float | None = None) -> None:
    """Send one job now (call it from `transaction.on_commit`: nobody hears of rows a
    rollback takes back). `countdown` delays it on a real worker; eager jobs run at once."""
    signature = current_app.signature(name, args=args)
    if countdown is None:
        signature.apply_async()
    else:
        signature.apply_async(countdown=countdown)


def jobs_send_each(name: str, ids: Iterable[int]) -> None:
    """Send one job per id, in one round trip to the broker."""
    group(current_app.signature(name, args=(one,)) for one in ids).apply_async()
