"""What `manage.py check_integrity` verifies: that the database and the files agree, and that
nothing the jobs should have finished is left waiting.

Each check returns a `Finding`: what was checked, how many problems, and a few examples to
start from. Read-only: it repairs nothing (the sweeps repair what is theirs; the rest is for
the operator, who now knows where to look).

Files are looked for in the media storage, whichever it is (crowd.storage): on this machine's
disk, or with object storage one request per file checked and a listing of the projects' keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, FileField, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from crowd.storage import media_files
from tasks.models import (
    Batch,
    BatchFile,
    BatchFileState,
    BatchState,
    Export,
    ExportState,
    Lease,
    LeaseState,
    Task,
    Transcription,
)

EXAMPLES = 5


@dataclass
class Finding:
    check: str
    problems: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, example: str) -> None:
        self.problems += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


def transcription_counts() -> Finding:
    """Each task's `transcription_count` is the number of its transcriptions that count (not
    voided), in the step it is in: assignment and the redundancy target read the stored
    number."""
    found = Finding("transcription counts")
    counted = (
        Transcription.objects.filter(task=OuterRef("pk"), void__isnull=True, step=OuterRef("step"))
        .order_by()
        .values("task")
        .annotate(n=Count("id"))
        .values("n")
    )
    wrong = (
        Task.objects.annotate(real=Coalesce(Subquery(counted, output_field=IntegerField()), 0))
        .exclude(transcription_count=F("real"))
        .values_list("pk", "transcription_count", "real")
    )
    for pk, stored, real in wrong.iterator():
        found.add(f"task {pk}: counts {stored}, has {real}")
    return found


def batch_files() -> Finding:
    """A file still waiting for ingest has its stored upload; an ingested one has its task."""
    found = Finding("batch files")
    files = media_files()
    waiting = BatchFile.objects.filter(state=BatchFileState.PENDING).exclude(stored="")
    for pk, stored in waiting.values_list("pk", "stored").iterator():
        if not files.exists(stored):
            found.add(f"batch file {pk}: waiting, its upload {stored} is gone")
    lost = BatchFile.objects.filter(state=BatchFileState.OK, task__isnull=True)
    for pk in lost.values_list("pk", flat=True).iterator():
        found.add(f"batch file {pk}: ingested, without its task")
    return found


def task_files() -> Finding:
    """Every image's original, thumbnail and IIIF tiles are stored."""
    found = Finding("task files")
    files = media_files()
    rows = Task.objects.exclude(image="").values_list("pk", "image", "thumbnail", "iiif_path")
    for pk, image, thumbnail, tiles in rows.iterator():
        for kind, relative in (
            ("original", image),
            ("thumbnail", thumbnail),
            ("tiles", f"{tiles}/info.json" if tiles else ""),
        ):
            if relative and not files.exists(relative):
                found.add(f"task {pk}: {kind} {relative} is missing")
    return found


def orphan_files() -> Finding:
    """Files in the projects' media folders that nothing uses: no file field of any row, and
    no image's tile folder (left by an interrupted run, or a deletion that did not reach the
    disk)."""
    found = Finding("orphan files")
    used: set[str] = set(_file_fields_values())
    used.update(tiles for tiles in Task.objects.values_list("iiif_path", flat=True) if tiles)
    for relative, _modified in media_files().listing("projects"):
        parts = relative.split("/")
        if len(parts) >= 5 and parts[2] == "iiif":
            # A tile: used when its image's tile folder is (projects/P/iiif/ab/SHA/...).
            if "/".join(parts[:5]) not in used:
                found.add(relative)
        elif relative not in used:
            found.add(relative)
    return found


def _file_fields_values() -> Iterator[str]:
    """Every media path a file field of any model holds (images, thumbnails, the training
    pages' pictures, and whatever comes next)."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, FileField)]
        for name in names:
            yield from (
                model._default_manager.exclude(**{name: ""}).values_list(name, flat=True).iterator()
            )


def waiting_too_long() -> Finding:
    """Work the jobs should have finished: reconciliations past two sweeps, batches ingesting
    for a day, exports queued or running without a heartbeat for an hour, leases active long
    past their expiry."""
    found = Finding("waiting too long")
    now = timezone.now()
    reconcile_after = timedelta(
        seconds=2 * (settings.SWEEP_RECONCILE_AFTER_SECONDS + settings.SWEEP_SECONDS)
    )
    late = Task.objects.filter(
        reconcile_pending=True, last_transcribed_at__lt=now - reconcile_after
    ).values_list("pk", flat=True)
    for pk in late.iterator():
        found.add(f"task {pk}: reconciliation pending since before {now - reconcile_after:%c}")
    stuck = Batch.objects.filter(
        state__in=[BatchState.READING, BatchState.INGESTING], created_at__lt=now - timedelta(days=1)
    ).values_list("pk", "state")
    for pk, state in stuck.iterator():
        found.add(f"batch {pk}: {state} for more than a day")
    stalled = Export.objects.filter(
        Q(state=ExportState.QUEUED, created_at__lt=now - timedelta(hours=1))
        | Q(state=ExportState.RUNNING, heartbeat_at__lt=now - timedelta(hours=1))
    ).values_list("pk", "state")
    for pk, state in stalled.iterator():
        found.add(f"export {pk}: {state} without progress for an hour")
    expired = Lease.objects.filter(
        state=LeaseState.ACTIVE, expires_at__lt=now - timedelta(seconds=2 * settings.SWEEP_SECONDS)
    ).values_list("pk", flat=True)
    for pk in expired.iterator():
        found.add(f"lease {pk}: active past its expiry")
    return found


CHECKS: tuple[Callable[[], Finding], ...] = (
    transcription_counts,
    batch_files,
    task_files,
    orphan_files,
    waiting_too_long,
)


def integrity_findings() -> list[Finding]:
    return [check() for check in CHECKS]
