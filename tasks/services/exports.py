"""Writes about exports: request one, run it (the job), expire old files.

An export is requested by a lead (`export_request`), which creates the row and, on commit,
sends `worker.jobs.export_run`. The job claims the row by compare-and-set (queued -> running),
streams the project through the format's writer into a temporary file, and renames it into
place when complete: a download never sees half a file. Progress goes to the project's leads
over WebSockets at most once a second. A job lost with its worker is re-sent by the sweep
(`exports_sweep`), which also deletes files older than EXPORT_KEEP_DAYS.

Files go to the `exports` storage (crowd.storage): under EXPORT_ROOT, or with object storage
uploaded whole from the temporary file once written, under a name of the run's own.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crowd.errors import DomainError
from crowd.models import User
from crowd.storage import Files, LocalFiles, export_files
from tasks import jobs
from tasks.events import event_send, leads_group
from tasks.jobs import job_send
from tasks.models import Export, ExportState, NotificationKind, Project
from tasks.roles import project_transcriptions_public
from tasks.selectors.exports import export_dataset, export_records
from tasks.services.notifications import work_done_notification_create
from worker.exports import FORMATS, ExportFormat, counting

logger = logging.getLogger(__name__)

PROGRESS_EVERY_SECONDS = 1.0
# A running export whose progress has not moved for this long lost its worker.
STALLED_AFTER = timedelta(minutes=15)
# A queued export no worker took for this long lost its message.
QUEUED_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
# Stored as the error of an export the sweep gave up on; worded when displayed.
STALLED = "stalled"
ACTIVE = (ExportState.QUEUED, ExportState.RUNNING)


def export_format_check(project: Project, code: str) -> ExportFormat:
    """The format, if this project's template can be written in it; else a precise error."""
    found = FORMATS.get(code)
    if found is None:
        raise ValidationError(
            {
                "format": _("Unknown format %(format)s. Choose one of: %(choices)s.")
                % {"format": code, "choices": ", ".join(FORMATS)}
            }
        )
    if found.standard and not any(
        spec.mapping.get(found.standard) for spec in project.template.specs
    ):
        standard = {"dwc": "Darwin Core", "csl": "CSL"}[found.standard]
        raise ValidationError(
            {
                "format": _(
                    "No field of this project's template maps to %(standard)s: give fields a "
                    "“%(key)s” mapping to export in this format."
                )
                % {"standard": standard, "key": found.standard}
            }
        )
    return found


def export_request(
    *,
    project: Project,
    actor: User | None,
    format: str,
    base_url: str,
    public: bool | None = None,
) -> Export:
    """Queue an export (leads only: the view checks Capability.MANAGE).

    `public` makes it for everyone who may download the open data: settled images only, raw
    transcriptions only when `project_transcriptions_public`; by default it is, when the data is
    open. Asking again for a format that is already queued or running returns that export
    instead of starting a second one (a double click, two leads at once)."""
    export_format_check(project, format)
    raw_only = format == "raw-csv"
    if public is None:
        public = project.data_open and (not raw_only or project_transcriptions_public(project))
    if public and raw_only and not project_transcriptions_public(project):
        raise ValidationError(
            {
                "format": _(
                    "Raw transcriptions go to everyone only once the project is finished and "
                    "its leads opened them: ask for this format for the leads only."
                )
            }
        )
    with transaction.atomic():
        # Taking the project row makes two simultaneous requests take turns.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        running = Export.objects.filter(
            project=project, format=format, public=public, state__in=ACTIVE
        ).first()
        if running is not None:
            return running
        export = Export.objects.create(
            project=project,
            format=format,
            public=public,
            requested_by=actor,
            base_url=base_url.rstrip("/"),
        )
        transaction.on_commit(lambda: _job_send(export.pk), robust=True)
        transaction.on_commit(lambda: export_event_send(export), robust=True)
    return export


def _job_send(export_id: int) -> None:
    job_send(jobs.EXPORT_RUN, export_id)


def export_write(
    *,
    project: Project,
    format: str,
    out: IO[bytes],
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
    public: bool = False,
) -> tuple[int, int]:
    """Write the whole export to `out`; return (tasks read, records written).

    `progress(done, total)` is called as tasks are read. Used by the job and by
    `manage.py export_project`."""
    found = export_format_check(project, format)
    dataset = export_dataset(project, base_url=base_url, settled_only=public)
    raw = not public or project_transcriptions_public(project)
    records = export_records(
        project,
        base_url=base_url,
        settled_only=public,
        transcriptions=found.transcriptions and raw,
        by_batch=found.by_batch,
        # The alternatives name who gave each answer: raw answers too.
        provenance=format == "jsonl" and raw,
    )
    seen = [0]

    def counted(done: int) -> None:
        seen[0] = done
        if progress is not None:
            progress(done, dataset.tasks)

    written = found.writer(out, dataset, counting(records, counted))
    return seen[0], written


def export_path(export: Export) -> Path:
    """The export's file on this machine's disk (MEDIA_STORAGE=local)."""
    return Path(settings.EXPORT_ROOT) / export.path


def export_filename(export: Export) -> str:
    stamp = (export.finished_at or export.created_at).strftime("%Y%m%d-%H%M")
    return f"{export.project.slug}-{stamp}.{FORMATS[export.format].extension}"


class ExportNotReady(DomainError):
    """The export's file is asked for before the export is done."""

    status_code = 409
    code = "conflict"


class Superseded(Exception):
    """This run no longer owns its export: the sweep gave it to another run."""


def export_run(*, export_id: int) -> None:
    """Run one queued export.

    Idempotent: a second delivery finds it claimed and does nothing. Each run claims the export
    with a fresh token and writes only while it still owns it, into its own partial file: if
    the sweep re-sends an export whose worker was only slow, the old run stops at its next
    write and the new one's file is the one published."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = Export.objects.filter(pk=export_id, state=ExportState.QUEUED).update(
        state=ExportState.RUNNING,
        attempt=token,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        done=0,
        error="",
    )
    if not claimed:
        return
    mine = Export.objects.filter(pk=export_id, state=ExportState.RUNNING, attempt=token)
    export = (
        Export.objects.select_related("project", "project__template").filter(pk=export_id).first()
    )
    if export is None:  # the project was deleted meanwhile
        return
    target = _Target.of(
        export_files(),
        folder=str(export.project_id),
        base=f"{export.pk}-{FORMATS[export.format].extension}",
        token=token,
    )
    last = [0.0]

    def progress(done: int, total: int) -> None:
        moment = time.monotonic()
        if moment - last[0] < PROGRESS_EVERY_SECONDS:
            return
        last[0] = moment
        if not mine.update(done=done, total=total, heartbeat_at=timezone.now()):
            raise Superseded
        export.done, export.total = done, total
        export_event_send(export)

    try:
        target.partial.parent.mkdir(parents=True, exist_ok=True)
        with open(target.partial, "wb") as out:
            done, written = export_write(
                project=export.project,
                format=export.format,
                out=out,
                base_url=export.base_url,
                progress=progress,
                public=export.public,
            )
            out.flush()
            os.fsync(out.fileno())
        size = target.partial.stat().st_size
        target.upload()
        with transaction.atomic():
            # Published only by the run that still owns the export, under its row lock.
            if not mine.select_for_update().exists():
                raise Superseded
            target.publish()
            mine.update(
                state=ExportState.DONE,
                finished_at=timezone.now(),
                done=done,
                total=max(done, export.total),
                records=written,
                path=target.name,
                size=size,
            )
    except Superseded:
        target.discard()
        logger.warning("export %s: run %s superseded by a newer run", export_id, token)
        return
    except Exception as error:
        target.discard()
        logger.exception("export %s failed", export_id)
        mine.update(
            state=ExportState.FAILED, finished_at=timezone.now(), error=failure_reason(error)
        )
        _event_after(export_id)
        _notify_requester(export, ExportState.FAILED)
        return
    _event_after(export_id)
    _notify_requester(export, ExportState.DONE)


def _notify_requester(export: Export, state: str) -> None:
    work_done_notification_create(
        kind=NotificationKind.EXPORT_DONE,
        recipient_id=export.requested_by_id,
        project_id=export.project_id,
        payload={"export": export.pk, "format": export.format, "state": state},
    )


@dataclass
class _Target:
    """Where one run writes its export: a partial file of this machine, published as `name`
    (relative to the exports storage) once complete."""

    files: Files
    name: str
    partial: Path
    uploaded: bool = False

    @classmethod
    def of(cls, files: Files, *, folder: str, base: str, token: str) -> _Target:
        if isinstance(files, LocalFiles):
            final = files.path(f"{folder}/{base}")
            return cls(files, f"{folder}/{base}", final.with_name(f"{final.name}.{token}.part"))
        # In the bucket under the run's own name: a superseded run that uploads late never
        # replaces the file the run that owns the export published.
        partial = Path(tempfile.gettempdir()) / f"crowd-export-{token}.part"
        return cls(files, f"{folder}/{token[:16]}-{base}", partial)

    def upload(self) -> None:
        """With object storage, store the file (before the row lock: it may take a while)."""
        if not self.files.local:
            self.files.upload(self.name, self.partial, move=True)
            self.uploaded = True

    def publish(self) -> None:
        """On this machine's disk, rename the partial file into place."""
        if isinstance(self.files, LocalFiles):
            os.replace(self.partial, self.files.path(self.name))

    def discard(self) -> None:
        self.partial.unlink(missing_ok=True)
        if self.uploaded:
            self.files.delete(self.name)


def failure_reason(error: BaseException) -> str:
    """What the lead reads of a failure: the cause, never a server path."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)[:500]
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:500]
    return (type(error).__name__ + (f": {error}" if str(error) else ""))[:500]


def export_error_text(export: Export) -> str:
    """The failure as the reader's language says it."""
    if not export.error:
        return ""
    reason = export.error
    if reason == STALLED:
        reason = ngettext(
            "it stopped %(count)s time without finishing",
            "it stopped %(count)s times without finishing",
            export.attempts,
        ) % {"count": export.attempts}
    return _("The export failed: %(reason)s") % {"reason": reason}


def _event_after(export_id: int) -> None:
    export = Export.objects.filter(pk=export_id).first()
    if export is not None:
        export_event_send(export)


def export_payload(export: Export) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "id": export.pk,
        "format": export.format,
        "state": export.state,
        "done": export.done,
        "total": export.total,
        "percent": export.percent,
        "records": export.records,
        "size": export.size,
        "error": export_error_text(export),
        "download": None,
    }
    if export.state == ExportState.DONE:
        payload["download"] = reverse("api-export-download", args=[export.pk])
    return payload


def export_event_send(export: Export) -> None:
    event_send(leads_group(export.project_id), "export", export_payload(export))


def exports_sweep(*, now: Any = None) -> tuple[int, int]:
    """Periodic: re-send exports a lost message or a dead worker left behind, delete files past
    their keeping time, and files no export owns any more. Returns (re-sent, expired).

    An export re-sent MAX_ATTEMPTS times fails instead (it may be what kills its worker)."""
    now = now or timezone.now()
    resent = 0
    lost = Export.objects.filter(
        Q(state=ExportState.RUNNING, heartbeat_at__lt=now - STALLED_AFTER)
        | Q(state=ExportState.QUEUED, heartbeat_at__isnull=True, created_at__lt=now - QUEUED_AFTER)
        | Q(state=ExportState.QUEUED, heartbeat_at__lt=now - QUEUED_AFTER)
    )
    for pk, state, attempts in lost.values_list("pk", "state", "attempts"):
        if attempts >= MAX_ATTEMPTS:
            Export.objects.filter(pk=pk, state=state).update(
                state=ExportState.FAILED,
                finished_at=now,
                error=STALLED,
            )
            continue
        # A new heartbeat marks when it was re-queued, so a queued export is re-sent once per
        # QUEUED_AFTER, not at every sweep.
        if Export.objects.filter(pk=pk, state=state).update(
            state=ExportState.QUEUED, heartbeat_at=now
        ):
            _job_send(pk)
            resent += 1
    old = Export.objects.filter(
        state=ExportState.DONE, finished_at__lt=now - timedelta(days=settings.EXPORT_KEEP_DAYS)
    )
    expired = 0
    files = export_files()
    for export in old:
        if export.path:
            files.delete(export.path)
        expired += Export.objects.filter(pk=export.pk, state=ExportState.DONE).update(
            state=ExportState.EXPIRED, path=""
        )
    _orphans_delete(now)
    return resent, expired


def _orphans_delete(now: Any) -> None:
    """Files of deleted projects, of exports no longer ready, and partial files of dead runs."""
    files = export_files()
    ready = set(
        Export.objects.filter(state=ExportState.DONE)
        .exclude(path="")
        .values_list("path", flat=True)
    )
    running = set(
        Export.objects.filter(state=ExportState.RUNNING).values_list("attempt", flat=True)
    )
    projects = set(Project.objects.values_list("pk", flat=True))
    cutoff = (now - STALLED_AFTER).timestamp()
    gone: set[str] = set()
    for name, modified in files.listing(""):
        folder, _, file_name = name.partition("/")
        if not folder.isdigit() or not file_name or "/" in file_name:
            continue
        if int(folder) not in projects:
            gone.add(folder)
        elif file_name.endswith(".part"):
            owner = file_name.rsplit(".", 2)[-2]
            if owner not in running and modified < cutoff:
                files.delete(name)
        elif name not in ready and modified < cutoff:
            files.delete(name)
    for folder in gone:
        files.delete_folder(folder)
