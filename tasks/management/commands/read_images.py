"""Machine reading (OCR) of images already ingested: those of projects that turned it on after
their images came, or whose reading failed (the engine was missing, say).

New images are read as they are ingested; this command is for the others. By default it sends
one job per image to the workers (the `ocr` queue); `--here` reads them in this process.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Project
from tasks.services.readings import project_readings_read_here, project_readings_request


class Command(BaseCommand):
    help = (
        "Read images already ingested with the OCR engine: those never read or whose reading "
        "failed, in projects with machine reading (or the projects named)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "projects",
            nargs="*",
            help="Projects' slugs (default: every project with machine reading on).",
        )
        parser.add_argument(
            "--again", action="store_true", help="Read every image again, also those read."
        )
        parser.add_argument(
            "--here", action="store_true", help="Read in this process instead of the workers."
        )

    def handle(
        self, *args: Any, projects: list[str], again: bool, here: bool, **options: Any
    ) -> None:
        if projects:
            found = {project.slug: project for project in Project.objects.filter(slug__in=projects)}
            missing = [slug for slug in projects if slug not in found]
            if missing:
                raise CommandError(f"No project {', '.join(map(repr, missing))}.")
            chosen = [found[slug] for slug in projects]
        else:
            chosen = list(
                Project.objects.filter(machine_reading=True, archived_at__isnull=True).order_by(
                    "pk"
                )
            )
        for project in chosen:
            if not project.machine_reading:
                self.stderr.write(
                    f"{project.slug}: machine reading is off in its settings; reading anyway."
                )
            if here:
                read = project_readings_read_here(project=project, again=again)
                self.stdout.write(
                    f"{project.slug}: {read.done} images read, {read.failed} failed "
                    f"({read.seconds:.1f} s)"
                )
            else:
                requested = project_readings_request(project=project, again=again)
                self.stdout.write(f"{project.slug}: {len(requested.task_ids)} images sent to read")
