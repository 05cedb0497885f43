"""`make run` is quiet: the jobs run in the process say nothing when all goes well, no harmless
warning looks like an error, and the address and the demo accounts come last."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.crowd.test_config import ROOT, run_django

LEVEL = "import logging; print(logging.getLogger('celery.app.trace').getEffectiveLevel())"


@pytest.mark.parametrize(
    ("environment", "level"),
    [
        ({}, "30"),  # embedded: jobs run in the process, only their warnings are logged
        ({"REDIS_URL": "redis://127.0.0.1:6379/9"}, "20"),  # workers: LOG_LEVEL, INFO
        ({"JOB_LOG_LEVEL": "INFO"}, "20"),
    ],
)
def test_jobs_run_without_a_broker_log_only_warnings_unless_asked(environment, level):
    result = run_django(LEVEL, **environment)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == level


def test_the_embedded_broker_names_a_host_so_kombu_does_not_warn():
    code = (
        "from django.conf import settings; from kombu import Connection; "
        "Connection(settings.CELERY_BROKER_URL).connect()"
    )
    result = run_django(code)
    assert result.returncode == 0, result.stderr
    assert "No hostname was supplied" not in result.stderr


def test_make_run_prints_the_address_last_and_serves_quietly():
    # Under `make test` the outer make's flags reach this one (it would print the directories it
    # enters): none of them, and no directory lines.
    plan = [
        line
        for line in subprocess.run(
            ["make", "--no-print-directory", "--dry-run", "--always-make", "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "MAKEFLAGS": "", "MAKELEVEL": ""},
        ).stdout.splitlines()
        if not line.startswith("make[")
    ]
    serve = plan[-1]
    assert "uvicorn" in serve
    assert "--log-level warning" in serve
    assert "--lifespan off" in serve
    # The demo's output (ending with its accounts) comes before the address, nothing after.
    assert "seed_demo" in plan[-3]
    assert plan[-2].startswith('echo "Serving on http://')
    assert "--verbosity 0" in next(line for line in plan if "migrate" in line)
