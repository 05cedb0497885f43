"""`manage.py check_integrity`: do the database and the files agree, and is anything left
waiting that the jobs should have finished? Exit status 1 when a check finds a problem (for
cron and CI); `--json` for a machine."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from tasks.selectors.integrity import integrity_findings


class Command(BaseCommand):
    help = (
        "Check that counts match, every image's files exist, no file is orphaned and nothing "
        "waits too long. Exit status 1 when a problem is found."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON object on stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        findings = integrity_findings()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not any(f.problems for f in findings),
                        "checks": [
                            {"check": f.check, "problems": f.problems, "examples": f.examples}
                            for f in findings
                        ],
                    }
                )
            )
        else:
            for finding in findings:
                if not finding.problems:
                    self.stdout.write(f"ok       {finding.check}")
                    continue
                self.stdout.write(f"PROBLEM  {finding.check}: {finding.problems}")
                for example in finding.examples:
                    self.stdout.write(f"           {example}")
        if any(f.problems for f in findings):
            raise SystemExit(1)
