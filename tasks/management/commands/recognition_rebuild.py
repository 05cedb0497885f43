"""Write every image's agreed-value tallies again from the field results, then award the badges
they earn.

Run it once after upgrading to a version with recognition (migration 0020): answers given
before it have no tally until then, so no grade, ranking or badge. Safe to run again at any
time; reconciliations and curators' decisions keep tallies up to date afterwards.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Project
from tasks.services.recognition import recognition_rebuild


class Command(BaseCommand):
    help = "Write the recognition tallies again and award badges (of one project, or of all)."

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
        projects = Project.objects.order_by("pk")
        if project:
            projects = projects.filter(slug=project)
            if not projects.exists():
                raise CommandError(f"No project {project!r}.")
        started = time.perf_counter()
        done = sum(recognition_rebuild(project=p, chunk=chunk) for p in projects)
        self.stdout.write(f"{done} images read in {time.perf_counter() - started:.1f} s")
