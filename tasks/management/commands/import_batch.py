"""Import a file, a folder or a zip of images into a project as one batch."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Batch, BatchPurpose, BatchState, Project
from tasks.selectors.batches import batch_summary
from tasks.services.batch_sources import Incoming, folder_walk
from tasks.services.batches import batch_create

FINISHED = (BatchState.DONE, BatchState.FAILED, BatchState.WITHDRAWN)


class Command(BaseCommand):
    help = (
        "Import images into a project as one batch: a file, a folder (walked, hidden files left "
        "out) or a zip; with --wait, wait for the ingest to end; with --json, print "
        '{"batch": ID, "ok": N, "duplicates": N, "failed": [{"file": NAME, "error": TEXT}]}.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("source", type=Path, help="An image, a folder of images or a zip.")
        parser.add_argument("--metadata", type=Path, help="A CSV of per-image metadata.")
        parser.add_argument("--name", default="", help="The batch's name (default: the source's).")
        parser.add_argument("--wait", action="store_true", help="Wait until the ingest ends.")
        parser.add_argument("--timeout", type=float, default=3600, help="Seconds --wait waits.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--training",
            action="store_true",
            help="Training images: kept out of the real stream until given known answers.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project {options['project']!r}.")
        source: Path = options["source"]
        if not source.exists():
            raise CommandError(f"{source} does not exist.")
        metadata = None
        if options["metadata"] is not None:
            try:
                metadata = options["metadata"].read_bytes()
            except OSError as error:
                raise CommandError(f"Cannot read {options['metadata']}: {error}") from None
        try:
            batch = batch_create(
                project=project,
                actor=None,
                name=options["name"] or source.name,
                uploads=_incoming(source),
                metadata_csv=metadata,
                purpose=BatchPurpose.TRAINING if options["training"] else BatchPurpose.DATA,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if options["wait"]:
            batch = _wait(batch, timeout=options["timeout"])
        summary = batch_summary(batch)
        if options["json"]:
            result = {
                "batch": batch.pk,
                "state": batch.state,
                "ok": summary["counts"]["ok"],
                "duplicates": summary["counts"]["duplicate"],
                "failed": [{"file": f["file"], "error": f["error"]} for f in summary["failed"]],
            }
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            return
        counts = summary["counts"]
        self.stdout.write(
            f"batch {batch.pk} ({summary['state_label']}): {counts['total']} files, "
            f"{counts['ok']} ingested, {counts['duplicate']} duplicates, "
            f"{counts['failed']} failed, {counts['pending']} pending"
        )
        for failure in summary["failed"]:
            self.stdout.write(f"  {failure['file']}: {failure['error']}")
        for notice in summary["notices"]:
            self.stdout.write(f"  {notice}")


def _incoming(source: Path) -> list[Incoming]:
    if source.is_dir():
        found = []
        for name, path in folder_walk(source):
            if path is None:
                found.append(Incoming(name=name, size=0, path=None))
            else:
                found.append(Incoming.from_path(path, name))
        return found
    return [Incoming.from_path(source)]


def _wait(batch: Batch, *, timeout: float) -> Batch:
    deadline = time.monotonic() + timeout
    while batch.state not in FINISHED:
        if time.monotonic() > deadline:
            raise CommandError(f"Batch {batch.pk} is still {batch.state} after {timeout:.0f} s.")
        time.sleep(0.5)
        batch.refresh_from_db()
    return batch
