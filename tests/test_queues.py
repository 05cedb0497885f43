"""Jobs go to queues by kind (crowd.queues), each with time limits, and every launcher of a
worker consumes every queue: a queue nobody consumes would hold its jobs for ever."""

from __future__ import annotations

import re
import shlex

from celery import current_app
from django.conf import settings

from crowd import queues
from tasks import jobs
from tasks.jobs import job_send, jobs_send_each
from tests.servers import ROOT

# Declared by the worker (worker/jobs.py): every one of them, whatever tasks.jobs names.
WORKER_JOBS = sorted(name for name in current_app.tasks if name.startswith("worker.jobs."))


def test_every_job_the_worker_runs_has_a_declared_queue():
    assert set(jobs.JOB_NAMES) <= set(WORKER_JOBS)
    for name in WORKER_JOBS:
        assert queues.ROUTES.get(name) in queues.QUEUES, name


def test_jobs_are_published_to_the_queue_of_their_kind(published_jobs):
    job_send(jobs.RECONCILE, 1)
    job_send(jobs.PROGRESS_REFRESH, 1, countdown=1)
    jobs_send_each(jobs.BATCH_FILE_INGEST, [1, 2])
    job_send(jobs.EXPORT_RUN, 1)
    job_send(jobs.SWEEP)
    assert published_jobs == [
        (jobs.RECONCILE, "reconcile"),
        (jobs.PROGRESS_REFRESH, "live"),
        (jobs.BATCH_FILE_INGEST, "ingest"),
        (jobs.BATCH_FILE_INGEST, "ingest"),
        (jobs.EXPORT_RUN, "exports"),
        (jobs.SWEEP, "sweeps"),
    ]


def test_a_fan_out_sends_its_children_to_their_own_queue(published_jobs, project):
    from worker.jobs import progress_refresh_all

    project.status = "active"
    project.save()
    progress_refresh_all()
    assert published_jobs == [(jobs.PROGRESS_REFRESH, "live")]


def test_the_manifest_fetch_another_part_adds_goes_to_ingest():
    assert queues.job_queue("worker.jobs.iiif_manifest_fetch") == queues.INGEST


def test_every_job_has_a_soft_limit_below_its_hard_limit():
    for name in WORKER_JOBS:
        task = current_app.tasks[name]
        soft, hard = task.soft_time_limit or 0, task.time_limit or 0
        assert 0 < soft < hard, name


def test_the_limits_grow_with_the_kind_of_work():
    reconcile, ingest, export = (
        queues.job_time_limits(name)
        for name in (jobs.RECONCILE, jobs.BATCH_FILE_INGEST, jobs.EXPORT_RUN)
    )
    assert reconcile[1] <= 60 <= ingest[0] < export[0]


def test_no_message_is_handed_to_a_second_worker_while_the_first_may_still_run_it():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert max(hard for _, hard in queues.TIME_LIMITS.values()) < visibility


def makefile_worker_queues() -> list[list[str]]:
    found = []
    for line in (ROOT / "Makefile").read_text().splitlines():
        if "bin/celery -A worker worker" in line and not line.lstrip().startswith("#"):
            words = shlex.split(line.replace("& \\", ""))
            assert "-Q" in words, f"a worker of the Makefile names no queue: {line}"
            found.append(words[words.index("-Q") + 1].split(","))
    return found


def test_the_stack_workers_together_consume_every_queue_once():
    consumed = [queue for worker in makefile_worker_queues() for queue in worker]
    assert sorted(consumed) == sorted(queues.QUEUES)


def test_the_test_servers_and_the_benchmarks_start_workers_on_every_queue():
    # They start a worker through crowd.queues.worker_command, or the Makefile's workers
    # (checked above); a Celery command written out by hand would miss the next queue.
    command = queues.worker_command("celery")
    assert command[command.index("-Q") + 1].split(",") == list(queues.QUEUES)
    launchers = [ROOT / "tests" / "servers.py", *sorted((ROOT / "bench").glob("*.py"))]
    for path in launchers:
        text = path.read_text()
        by_hand = re.findall(r'"-A",\s*"worker",\s*"worker"|"-A", "worker", "worker"', text)
        assert not by_hand or "makefile_workers()" in text, path
