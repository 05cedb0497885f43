"""The transcription page's preview reads the shared table as the engine does.

Runs readings.test.mjs (and preview.test.mjs, the preview's conversions) with Node's own test runner (no npm package needed), so that `make test`
fails when parse.js and the Python readers part ways. Without Node the test skips with the
reason, or fails when CROWD_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.servers import missing

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def test_the_preview_reads_every_entry_of_the_table_as_the_engine_does():
    node = shutil.which("node")
    if node is None:
        missing("Node.js is not installed: the preview's readers were not checked")
        return
    run = subprocess.run(
        [
            node,
            "--test",
            "--test-reporter=tap",
            str(HERE / "readings.test.mjs"),
            str(HERE / "preview.test.mjs"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    failures = [line for line in run.stdout.splitlines() if line.startswith("not ok")]
    assert run.returncode == 0, "\n".join(failures) or run.stdout + run.stderr
    assert "# fail 0" in run.stdout
    assert "# pass 0" not in run.stdout  # the table was read: an empty run proves nothing
