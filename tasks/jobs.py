"""The background jobs the domain asks for, sent by name.

Services never import the worker that runs a job (`worker.jobs` imports the services, not the
other way round): both sides name a job with the constants below. Every Django process has the
jobs registered (`WorkerConfig.ready` imports `worker.jobs`), so in the embedded default a job
sent from here still runs eagerly after the commit, as the real worker would run it.

Sending never fails the caller. Jobs are sent once a write has committed, and the broker (Redis)
is only a messenger: when it cannot take a message, the loss is logged and the database still
says what is left to do, so a periodic job sends it later:

- reconciliation: `Task.reconcile_pending` stays true until the task is reconciled, and the
  `sweep` job (every minute) re-sends the reconciliation of tasks pending for over a minute;
- progress recounts: `progress_refresh_all` (every minute) recounts every running project;
- batch ingest and closing: files stay pending and `batches_resume` (every 5 minutes) re-sends
  them, or closes a batch with nothing left pending;
- machine readings: a reading stays pending and `batches_resume` re-sends it;
- exports: a queued export stays queued and `exports_sweep` (every 5 minutes) re-sends it;
- lease abandon (a page closed): the lease simply runs to its expiry, and `sweep` expires it;
- reliability refreshes: `reliability_refresh_all` (every hour);
- a notification's e-mail: `notifications_digest` (every hour) mails those left unsent.

After a failure, sends are skipped for BROKER_BREAKER_SECONDS: a broker that is away costs one
attempt per process in that time, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

import redis
from celery import current_app, group
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

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
IMAGE_READ = "worker.jobs.image_read"
EXPORT_RUN = "worker.jobs.export_run"
EXPORTS_SWEEP = "worker.jobs.exports_sweep"
NOTIFICATION_EMAIL = "worker.jobs.notification_email"
NOTIFICATIONS_DIGEST = "worker.jobs.notifications_digest"
# Sent by beat to every queue: the worker that takes it says the queue is served.
HEARTBEAT = "worker.jobs.heartbeat"

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
        IMAGE_READ,
        EXPORT_RUN,
        EXPORTS_SWEEP,
        NOTIFICATION_EMAIL,
        NOTIFICATIONS_DIGEST,
        HEARTBEAT,
    }
)


# What a broker that is away raises: kombu wraps most connection errors in OperationalError;
# redis-py's own errors and socket errors may pass through unwrapped.
BROKER_ERRORS = (OperationalError, redis.exceptions.RedisError, OSError)
BROKER_BREAKER_SECONDS = 2.0
WARNING_EVERY_SECONDS = 60.0


class _BrokerBreaker:
    def __init__(self) -> None:
        self.open_until = 0.0
        self.warned_at = 0.0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, what: str, error: BaseException) -> None:
        now = time.monotonic()
        with self.lock:
            self.open_until = now + BROKER_BREAKER_SECONDS
            warn = self.warned_at == 0.0 or now - self.warned_at >= WARNING_EVERY_SECONDS
            if warn:
                self.warned_at = now
        if warn:
            logger.warning(
                "broker unreachable (%s): %s not sent; the periodic sweeps will send what is "
                "left to do",
                error,
                what,
            )
        else:
            logger.info("broker unreachable: %s not sent", what)


_breaker = _BrokerBreaker()


def broker_degraded() -> bool:
    """Whether this process failed to reach the broker a moment ago."""
    return _breaker.is_open()


def _publish(what: str, send: Any) -> bool:
    # Eager jobs run here and now: their errors are the job's, and tests must see them.
    if current_app.conf.task_always_eager:
        send()
        return True
    if _breaker.is_open():
        logger.info("broker unreachable a moment ago: %s not sent", what)
        return False
    try:
        send()
    except BROKER_ERRORS as error:
        _breaker.trip(what, error)
        return False
    return True


def job_send(name: str, *args: Any, countdown: float | None = None) -> bool:
    """Send one job now (call it from `transaction.on_commit`: nobody hears of rows a
    rollback takes back). `countdown` delays it on a real worker; eager jobs run at once.

    Never raises for a broker that is away: the loss is logged and False returned, and the
    job's periodic repair (see the module's docstring) sends it later."""
    signature = current_app.signature(name, args=args)
    if countdown is None:
        return _publish(f"{name}{list(args)}", lambda: signature.apply_async())
    return _publish(f"{name}{list(args)}", lambda: signature.apply_async(countdown=countdown))


def jobs_send_each(name: str, ids: Iterable[int]) -> bool:
    """Send one job per id, in one round trip to the broker. Never raises for a broker that is
    away (as `job_send`)."""
    ids = list(ids)
    if not ids:
        return True
    return _publish(
        f"{name} x{len(ids)}",
        lambda: group(current_app.signature(name, args=(one,)) for one in ids).apply_async(),
    )
