"""Jobs by name and outcome, and how long they ran (`crowd.metrics`), from Celery's signals: in
a worker process and, in the embedded default, in the web process that runs jobs eagerly."""

from __future__ import annotations

import time
from typing import Any

from celery.signals import task_postrun, task_prerun

from crowd.metrics import JOB_SECONDS, JOBS

# Start times by job id, in this process (a job runs in one process from start to end).
_started: dict[str, float] = {}


@task_prerun.connect
def _job_started(task_id: str | None = None, **_: Any) -> None:
    if task_id is not None:
        _started[task_id] = time.perf_counter()


@task_postrun.connect
def _job_ended(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    name = str(getattr(task, "name", "unknown"))
    started = _started.pop(task_id, None) if task_id is not None else None
    if started is not None:
        JOB_SECONDS.labels(name).observe(time.perf_counter() - started)
    JOBS.labels(name, (state or "unknown").lower()).inc()
