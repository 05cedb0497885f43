"""Export a project's data in one standard to a file (or to standard output with `-o -`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Project
from tasks.services.exports import export_write
from worker.exports import FORMATS


class Command(BaseCommand):
    help = (
        "Export a project: csv and raw-csv (zips with a datapackage.json), jsonl (gzipped), "
        "dwca (Darwin Core Archive), csl-json, bibtex, iiif (zip of IIIF Presentation 3 "
        "manifests). Streams: memory does not grow with the number of tasks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The project's slug.")
        parser.add_argument("--format", "-f", required=True, choices=sorted(FORMATS))
        parser.add_argument(
            "--output", "-o", required=True, help="The file to write, or - for standard output."
        )
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="Scheme and host that links in the export start with (default: SITE_URL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project = Project.objects.select_related("template").filter(slug=options["project"]).first()
        if project is None:
            raise CommandError(f"No project {options['project']!r}.")
        output = options["output"]
        verbose = options["verbosity"] > 1

        def progress(done: int, total: int) -> None:
            if verbose and done % 10_000 == 0:
                self.stderr.write(f"{done}/{total} tasks")

        try:
            if output == "-":
                done, written = export_write(
                    project=project,
                    format=options["format"],
                    out=sys.stdout.buffer,
                    base_url=options["base_url"],
                    progress=progress,
                )
                return
            target = Path(output)
            partial = target.with_name(target.name + ".part")
            try:
                with open(partial, "wb") as out:
                    done, written = export_write(
                        project=project,
                        format=options["format"],
                        out=out,
                        base_url=options["base_url"],
                        progress=progress,
                    )
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stderr.write(f"{done} tasks read, {written} records written to {output}")
