"""The template builder's model (static/js/builder/model.js): moving, copying and retyping
fields, keys that follow labels, options pasted as lines, what the preview can draw, and where
the server's messages go.

Runs model.test.mjs with Node's own test runner (no npm package needed). Without Node the test
skips with the reason, or fails when CROWD_REQUIRE_SERVICES=1 (as in CI).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.servers import missing

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def test_the_builders_model_keeps_templates_as_the_server_reads_them():
    node = shutil.which("node")
    if node is None:
        missing("Node.js is not installed: the template builder's model was not checked")
        return
    run = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(HERE / "model.test.mjs")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    failures = [line for line in run.stdout.splitlines() if line.startswith("not ok")]
    assert run.returncode == 0, "\n".join(failures) or run.stdout + run.stderr
    assert "# fail 0" in run.stdout
    assert "# pass 0" not in run.stdout
