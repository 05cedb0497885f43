"""Delete an archived project and everything in it, for good, after writing an export of it.

The only way data leaves the platform: deleting in the admin or the API archives. The export
is written (and complete) before anything is deleted; without it nothing is.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.models import Project
from tasks.services.exports import export_write
from tasks.services.moderation import project_purge
from worker.exports import FORMATS


class Command(BaseCommand):
    help = (
        "Delete an archived project for good. Writes an export first (--export, JSON Lines by "
        "default: every task, value and transcription) and refuses to delete without it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="The archived project's slug.")
        parser.add_argument(
            "--export",
            "-o",
            dest="export",
            help="The file the export is written to before deletion (required; must not exist).",
        )
        parser.add_argument("--format", "-f", default="jsonl", choices=sorted(FORMATS))
        parser.add_argument("--base-url", default=settings.SITE_URL)

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["project"]
        project = Project.objects.select_related("template").filter(slug=slug).first()
        if project is None:
            raise CommandError(f"No project {slug!r}.")
        if not project.archived:
            raise CommandError(
                f"Project {slug!r} is not archived. Archive it first (delete it in the admin); "
                "a purge only removes archived projects."
            )
        if not options["export"]:
            raise CommandError("Refusing to purge without an export: give --export FILE.")
        target = Path(options["export"])
        if target.exists():
            raise CommandError(f"{target} already exists: give a new file for the export.")
        done = self._export(project=project, target=target, options=options)
        transcriptions = project_purge(project=project)
        self.stderr.write(
            f"Exported {done} tasks to {target}; deleted project {slug!r} "
            f"and its {transcriptions} transcriptions."
        )

    def _export(self, *, project: Project, target: Path, options: dict[str, Any]) -> int:
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as out:
                done, _written = export_write(
                    project=project,
                    format=options["format"],
                    out=out,
                    base_url=options["base_url"],
                )
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except ValidationError as error:
            raise CommandError(
                "Export failed, nothing deleted: " + " ".join(error.messages)
            ) from None
        except OSError as error:
            raise CommandError(f"Cannot write {target}, nothing deleted: {error}") from None
        finally:
            partial.unlink(missing_ok=True)
        return done
