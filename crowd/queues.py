"""Celery queues by kind of job: their names, which job goes where, and how long each may run.

One place for all three: the settings build Celery's routes and time limits from it, and every
launcher of a worker (`make stack`, the test tiers' servers, the benchmarks) reads the queue
names here, so that no queue is left without a worker. Jobs are named as in `tasks.jobs`
(strings here: the settings may not import the domain).

Why queues by kind: on one queue, a burst of reconciliations made the live progress recounts
wait behind them (dashboards froze for tens of seconds), and a slow image server or a long
export held the worker that reconciliations needed. A fan-out job's children go where their
own name routes them (the sweep's reconciliations to `reconcile`, `progress_refresh_all`'s
recounts to `live`, `batches_resume`'s ingests to `ingest`, `exports_sweep`'s exports to
`exports`): routing is by job name, wherever the job is sent from.
"""

from __future__ import annotations

from typing import Any

# What contributors wait for: a submission's reconciliation decides what next-task hands out,
# and an abandoned lease gives its image back to the queue (both take milliseconds).
RECONCILE = "reconcile"
# Progress recounts that dashboards show live.
LIVE = "live"
# Batch files (download, verify, tile) and the jobs around them: minutes per file.
INGEST = "ingest"
# Machine reading (OCR) of new images, seconds each: apart from ingest, so that reading never
# delays an image becoming available, and a backlog of readings never holds new batches.
OCR = "ocr"
# Export files: minutes to tens of minutes for a large project.
EXPORTS = "exports"
# Periodic jobs sent by beat, and the hourly reliability relearning.
SWEEPS = "sweeps"

QUEUES: tuple[str, ...] = (RECONCILE, LIVE, INGEST, OCR, EXPORTS, SWEEPS)

ROUTES: dict[str, str] = {
    "worker.jobs.reconcile": RECONCILE,
    "worker.jobs.lease_abandon": RECONCILE,
    "worker.jobs.progress_refresh": LIVE,
    "worker.jobs.batch_file_ingest": INGEST,
    "worker.jobs.batch_close": INGEST,
    "worker.jobs.iiif_manifest_fetch": INGEST,
    "worker.jobs.image_read": OCR,
    "worker.jobs.export_run": EXPORTS,
    "worker.jobs.sweep": SWEEPS,
    "worker.jobs.progress_refresh_all": SWEEPS,
    "worker.jobs.reliability_refresh_all": SWEEPS,
    "worker.jobs.reliability_refresh": SWEEPS,
    "worker.jobs.batches_resume": SWEEPS,
    "worker.jobs.exports_sweep": SWEEPS,
    # Mail: seconds each (EMAIL_TIMEOUT bounds a wait on the relay), a few an hour per person.
    "worker.jobs.notification_email": SWEEPS,
    "worker.jobs.notifications_digest": SWEEPS,
    # Beat sends one to every queue (crowd.queue_state); sent without a queue, to the sweeps'.
    "worker.jobs.heartbeat": SWEEPS,
}

# (soft, hard) time limits in seconds, per queue. At the soft limit the job is interrupted
# (SoftTimeLimitExceeded) and may record why; at the hard limit its process is killed and
# replaced. Each is far above what the job takes (a reconciliation ~10 ms, an image of 100
# megapixels ~10 s, a IIIF download at most 10 x IIIF_IMPORT_TIMEOUT = 300 s by default, an
# export of a million tasks ~7 min, a machine reading a few seconds), and every hard limit stays below the broker's visibility
# timeout (crowd.settings), so that a message is never handed to a second worker while the
# first may still run it.
TIME_LIMITS: dict[str, tuple[int, int]] = {
    RECONCILE: (30, 60),
    LIVE: (30, 60),
    INGEST: (10 * 60, 12 * 60),
    # Above OCR_TIMEOUT (at most 4 minutes), which stops the engine itself first.
    OCR: (5 * 60, 6 * 60),
    EXPORTS: (40 * 60, 45 * 60),
    SWEEPS: (5 * 60, 6 * 60),
}


def job_queue(name: str) -> str:
    """The queue a job is sent to; jobs without a route go to the sweeps' queue, which every
    deployment consumes."""
    return ROUTES.get(name, SWEEPS)


def job_time_limits(name: str) -> tuple[int, int]:
    """The job's (soft, hard) time limits in seconds."""
    return TIME_LIMITS[job_queue(name)]


def celery_routes() -> dict[str, dict[str, str]]:
    return {name: {"queue": queue} for name, queue in ROUTES.items()}


def celery_annotations() -> dict[str, dict[str, Any]]:
    annotations: dict[str, dict[str, Any]] = {}
    for name in ROUTES:
        soft, hard = job_time_limits(name)
        annotations[name] = {"soft_time_limit": soft, "time_limit": hard}
    return annotations


def worker_queues_argument() -> str:
    """`-Q` for a worker that consumes every queue (the test tiers, the benchmarks)."""
    return ",".join(QUEUES)


def worker_command(
    celery: str, *, loglevel: str = "INFO", extra: tuple[str, ...] = ()
) -> list[str]:
    """One Celery worker on every queue, in a single process (`--pool=solo`, without the time
    limits, which need the prefork pool): how the test tiers and the benchmarks start theirs.
    `celery` is the path of the celery command."""
    return [
        celery,
        "-A",
        "worker",
        "worker",
        "--pool=solo",
        "-Q",
        worker_queues_argument(),
        f"--loglevel={loglevel}",
        *extra,
    ]
