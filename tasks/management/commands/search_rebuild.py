"""Write the results search's documents again, and each image's agreement, from the data.

Run it once after upgrading to a version with the results search (migration 0017): images
already there have no document until then. Safe to run again at any time; the services keep
documents up to date afterwards.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Project
from tasks.services.search import documents_rebuild


class Command(BaseCommand):
    help = "Write the results search's documents again (of one project, or of all)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", nargs="?", help="A project's slug (default: every project).")
        parser.add_argument(
            "--chunk", type=int, default=500, help="Images written per round (default 500)."
        )

    def handle(
        self, *args: Any, project: str | None = None, chunk: int = 500, **options: Any
    ) -> None:
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        project_id = None
        if project:
            project_id = Project.objects.filter(slug=project).values_list("pk", flat=True).first()
            if project_id is None:
                raise CommandError(f"No project {project!r}.")
        started = time.perf_counter()
        done = documents_rebuild(project_id=project_id, chunk=chunk)
        self.stdout.write(f"{done} images written in {time.perf_counter() - started:.1f} s")
