"""IIIF imports: a batch made from a manifest's address, the manifest read by a job.

The request that asks for an import checks only what needs no network
(`batch_sources.manifest_url_check`) and creates the batch in `reading` (`batch_create`); the
job `worker.jobs.iiif_manifest_fetch` calls
`batch_manifest_read`, which fetches the manifest outside any transaction (within
IIIF_IMPORT_TIMEOUT in all), adds a file per image and starts the ingest, or records why the
manifest cannot be read. A web process never waits on a remote server.

Transient failures (no answer in time, a connection refused or reset, a name that does not
resolve, HTTP 5xx and 429) are tried again by the job with a growing wait; everything else is
final at once. IIIF_IMPORT_ATTEMPTS caps the attempts of a batch, counted on its row so that
redelivered and resumed messages count too; `batches_resume` re-sends batches a lost message
left waiting.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tasks import batch_messages as codes
from tasks.models import Batch, BatchState
from tasks.services.batch_sources import BatchWriter
from tasks.services.batches import batch_progress_send_on_commit, batch_start
from worker.fetch import FetchError
from worker.iiif_import import (
    MANIFEST_MAX_BYTES,
    ManifestError,
    ManifestImage,
    manifest_images,
    url_fetch_json,
)

logger = logging.getLogger(__name__)

# The job's waits between attempts stay well under batches_resume's MANIFEST_RESUME_AFTER.
RETRY_WAIT_FIRST = 5  # seconds before the second attempt; each next wait is three times longer
RETRY_WAIT_MAX = 120


class ManifestOutcome(StrEnum):
    READ = "read"  # the files are added and their ingest sent
    FAILED = "failed"  # the batch failed, with the reason on it
    RETRY = "retry"  # a transient failure: the job tries again later
    SKIPPED = "skipped"  # not reading any more (read by another delivery, withdrawn)


def manifest_retry_wait(attempt: int) -> int:
    """Seconds the job waits after its `attempt`-th failed attempt (1, 2, …)."""
    return int(min(RETRY_WAIT_FIRST * 3 ** (attempt - 1), RETRY_WAIT_MAX))


def batch_manifest_read(*, batch_id: int, may_retry: bool = True) -> ManifestOutcome:
    """Read the manifest of a batch in `reading`, then add its images as files and start the
    ingest (in one transaction holding the batch row, which must still be `reading`).

    Called by the job only. Idempotent: a batch that is no longer reading is left alone, and
    two deliveries reading at once add the files once. The fetch holds no transaction. RETRY
    when the failure is transient, attempts remain and `may_retry` (False for a job run
    inside the request that sent it, the embedded default: that one attempt is final).
    """
    claimed = Batch.objects.filter(pk=batch_id, state=BatchState.READING).update(
        source_attempts=F("source_attempts") + 1, source_tried_at=timezone.now()
    )
    if not claimed:
        return ManifestOutcome.SKIPPED
    batch = Batch.objects.get(pk=batch_id)
    attempts = batch.source_attempts
    if attempts > settings.IIIF_IMPORT_ATTEMPTS:
        # Earlier attempts ended without a word (a worker killed mid-fetch, then resumed).
        return _failed(batch_id, codes.MANIFEST_GAVE_UP, {"attempts": attempts - 1})
    try:
        document = url_fetch_json(
            batch.source_url,
            deadline=settings.IIIF_IMPORT_TIMEOUT,
            allow_private=settings.IIIF_IMPORT_ALLOW_PRIVATE,
        )
        images = manifest_images(document, limit=settings.IIIF_IMPORT_MAX_CANVASES)
    except FetchError as error:
        code, params, transient = _fetch_failure(error)
        if transient and may_retry and attempts < settings.IIIF_IMPORT_ATTEMPTS:
            logger.info("batch %s: manifest attempt %s failed: %s", batch_id, attempts, error)
            return ManifestOutcome.RETRY
        return _failed(batch_id, code, params)
    except ManifestError as error:
        return _failed(batch_id, codes.MANIFEST_INVALID, {"detail": str(error)})
    return _files_add(batch_id, images)


@transaction.atomic
def _files_add(batch_id: int, images: list[ManifestImage]) -> ManifestOutcome:
    batch = Batch.objects.select_for_update().get(pk=batch_id)
    if batch.state != BatchState.READING:
        return ManifestOutcome.SKIPPED
    batch.state = BatchState.RECEIVING
    batch.save(update_fields=["state"])
    writer = BatchWriter(batch)
    for image in images:
        writer.add_remote(name=image.name, url=image.url, metadata=image.metadata)
    batch_start(batch_id=batch.pk)
    return ManifestOutcome.READ


def _failed(batch_id: int, code: str, params: dict[str, Any]) -> ManifestOutcome:
    with transaction.atomic():
        failed = Batch.objects.filter(pk=batch_id, state=BatchState.READING).update(
            state=BatchState.FAILED,
            finished_at=timezone.now(),
            source_error_code=code,
            source_error_params=params,
        )
        if not failed:
            return ManifestOutcome.SKIPPED
        batch_progress_send_on_commit(batch_id)
    logger.info("batch %s: the manifest cannot be read: %s %s", batch_id, code, params)
    return ManifestOutcome.FAILED


def _fetch_failure(error: FetchError) -> tuple[str, dict[str, Any], bool]:
    """The failure's code and parameters, and whether trying again may help."""
    url = error.url
    if error.reason == "deadline":
        return codes.MANIFEST_DEADLINE, {"url": url, "seconds": settings.IIIF_IMPORT_TIMEOUT}, True
    if error.reason == "unresolved":
        # Also what a resolver that is briefly down answers.
        return (
            codes.MANIFEST_REFUSED,
            {"url": url, "reason": "unresolved", "host": error.host},
            True,
        )
    if error.refused:
        params: dict[str, Any] = {"url": url, "reason": error.reason, "host": error.host}
        if error.reason == "too_large":
            params["limit"] = MANIFEST_MAX_BYTES
        return codes.MANIFEST_REFUSED, params, False
    if error.status in (404, 410):
        return codes.MANIFEST_NOT_FOUND, {"url": url, "status": error.status}, False
    if error.status is not None:
        transient = error.status >= 500 or error.status == 429
        return codes.MANIFEST_HTTP, {"url": url, "detail": error.detail}, transient
    return codes.MANIFEST_UNREACHABLE, {"url": url, "detail": error.detail}, True
