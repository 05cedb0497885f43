"""Queue benchmark: the reconciliation backlog and the dashboards' lag under load, on the full
stack as `make stack` runs it.

    python bench/queues.py                     # 20 clients for 60 s, redundancy 3
    python bench/queues.py --clients 10 --seconds 20

How it measures:

- the stack is `make stack`'s: two Uvicorn processes, the Celery workers exactly as the
  Makefile starts them (its `celery -A worker worker` lines: queues, concurrency), and beat;
  PostgreSQL (BENCH_DATABASE_URL, recreated) and Redis (BENCH_REDIS_URL, flushed), DEBUG off;
- a project with redundancy 3 (depth first, so contributors meet on the same images) and
  5,000 open images; --clients contributors loop next-task -> submit over HTTP for --seconds;
- backlog: every second, the messages waiting in each queue's Redis list (LRANGE), counted by
  job; the figure is the reconciliations waiting, whatever queue they wait in (before queues by
  kind, all jobs waited in Celery's one default queue, `celery`);
- dashboard lag: a WebSocket watches the project as a dashboard does. For each acknowledged
  submission, the k-th, the time from its response to the first `snapshot` received after it
  that counts at least k transcriptions (every acknowledged one is committed: a snapshot
  counting k or more was counted after them);
- jobs run: from the workers' logs (one "succeeded" line per job), per job name: how many
  reconciliations ran per transcription.

Needs PostgreSQL and Redis as bench/assign.py. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, cast

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import assign

PORT = 8951
# The Makefile's UVICORN_FLAGS (tests/test_server_flags.py checks they agree).
SERVER_FLAGS = ["--ws", "wsproto", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]
RECONCILE_JOB = "worker.jobs.reconcile"


def makefile_workers() -> list[list[str]]:
    """The arguments of each `celery -A worker worker` line of `make stack`."""
    found = []
    for line in (assign.ROOT / "Makefile").read_text().splitlines():
        if "bin/celery -A worker worker" in line and not line.lstrip().startswith("#"):
            words = shlex.split(line.replace("& \\", ""))
            found.append(words[words.index("worker", words.index("-A") + 2) + 1 :])
    return found


def worker_queues(arguments: list[str]) -> list[str]:
    if "-Q" in arguments:
        return arguments[arguments.index("-Q") + 1].split(",")
    # A worker without -Q consumes the declared queues, or Celery's default one.
    try:
        from django.conf import settings

        return [queue.name for queue in settings.CELERY_TASK_QUEUES]
    except AttributeError:
        return ["celery"]


def prepare(tasks: int, users: int) -> tuple[str, list[str]]:
    from crowd.services import token_create
    from tasks.models import Membership, Project, Template
    from tasks.presets import PRESETS

    project = Project.objects.create(
        slug="queues-bench",
        title_fr="Files",
        title_en="Queues",
        status="active",
        review_state="approved",
        redundancy_min=3,
        redundancy_max=3,
        assignment_order="depth",
    )
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    assign.tasks_load(project.pk, tasks)
    people = assign.users_make(users)
    Membership.objects.bulk_create([Membership(project=project, user=user) for user in people])
    return project.slug, [token_create(user=user)[1] for user in people]


class Sampler(threading.Thread):
    """Every second: the reconciliations waiting in the broker, across the queues."""

    def __init__(self, queues: list[str]) -> None:
        super().__init__(daemon=True)
        import redis

        self.client = redis.Redis.from_url(assign.REDIS_URL)
        self.queues = queues
        self.samples: list[tuple[float, int, int]] = []  # (time, reconciliations, all jobs)
        self.running = True

    def run(self) -> None:
        while self.running:
            waiting: Counter[str] = Counter()
            for queue in self.queues:
                for raw in cast(list[bytes], self.client.lrange(queue, 0, -1)):
                    waiting[json.loads(raw)["headers"]["task"]] += 1
            self.samples.append((time.time(), waiting[RECONCILE_JOB], sum(waiting.values())))
            time.sleep(1)


async def watch(url: str, origin: str, snapshots: list[tuple[float, int]], stop: asyncio.Event):
    async with websockets.connect(url, additional_headers={"Origin": origin}) as socket:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            event = json.loads(raw)
            if event.get("type") == "snapshot":
                snapshots.append((time.time(), int(event["progress"].get("transcriptions", 0))))


async def contribute(
    base_url: str, slug: str, tokens: list[str], seconds: float, acks: list[float]
) -> int:
    """Each client loops next-task -> submit; `acks` gets the time of each 201, in order."""
    deadline = time.monotonic() + seconds
    errors = 0

    async def client(token: str) -> None:
        nonlocal errors
        headers = {"Authorization": f"Token {token}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
            n = 0
            while time.monotonic() < deadline:
                response = await http.post(f"/api/projects/{slug}/next-task/")
                if response.status_code != 200:
                    errors += 1
                    await asyncio.sleep(0.2)
                    continue
                body = response.json()
                n += 1
                submitted = await http.post(
                    f"/api/tasks/{body['task']['id']}/transcriptions/",
                    json={
                        "lease": body["lease"]["id"],
                        "values": {"scientificName": "Quercus ilex L."},
                        "idempotency_key": f"{token[:8]}-{n}",
                    },
                )
                if submitted.status_code == 201:
                    acks.append(time.time())
                else:
                    errors += 1

    await asyncio.gather(*(client(token) for token in tokens))
    return errors


async def load(
    args: argparse.Namespace, slug: str, tokens: list[str], sampler: Sampler
) -> dict[str, Any]:
    base = f"http://127.0.0.1:{PORT}"
    snapshots: list[tuple[float, int]] = []
    acks: list[float] = []
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch(f"ws://127.0.0.1:{PORT}/ws/projects/{slug}/", base, snapshots, stop))  # fmt: skip
    await asyncio.sleep(2)
    errors = await contribute(base, slug, tokens, args.seconds, acks)
    ended = time.time()
    # Until the last acknowledged one is counted and no reconciliation waits, or --settle s.
    while time.time() - ended < args.settle and (
        not snapshots
        or snapshots[-1][1] < len(acks)
        or not sampler.samples
        or sampler.samples[-1][0] < ended
        or sampler.samples[-1][1] > 0
    ):
        await asyncio.sleep(0.5)
    stop.set()
    await watcher
    return {"acks": acks, "snapshots": snapshots, "errors": errors, "ended": ended}


def lags(acks: list[float], snapshots: list[tuple[float, int]]) -> tuple[list[float], int]:
    """Each acknowledged submission's wait for a snapshot that counts it; and how many were
    never counted by a snapshot received."""
    found: list[float] = []
    missing = 0
    start = 0
    for k, acked in enumerate(acks, start=1):
        while start < len(snapshots) and snapshots[start][0] < acked:
            start += 1
        lag = next((at - acked for at, count in snapshots[start:] if count >= k), None)
        if lag is None:
            missing += 1
        else:
            found.append(lag)
    return sorted(found), missing


def jobs_run(logs: Path) -> Counter[str]:
    ran: Counter[str] = Counter()
    for log in logs.glob("worker-*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if " succeeded in " in line and "Task worker.jobs." in line:
                ran[line.split("Task ", 1)[1].split("[", 1)[0]] += 1
    return ran


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--settle", type=float, default=60, help="seconds to wait for the last snapshot"
    )
    args = parser.parse_args()
    assign.database_recreate()
    import redis

    redis.Redis.from_url(assign.REDIS_URL).flushdb()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=assign.ROOT,
        env=assign.env(),
        check=True,
    )
    assign.django_setup()
    slug, tokens = prepare(tasks=5000, users=args.clients)
    env = {
        **assign.env(),
        "DEBUG": "0",
        "SECRET_KEY": "queues-benchmark-secret-key-not-used-anywhere-else-0123456789",
        "EXPORT_PSEUDONYM_KEY": "queues-benchmark-pseudonym-key-not-used-anywhere-else",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "INFO",
    }
    logs = Path(tempfile.mkdtemp(prefix="crowd-bench-queues-"))
    workers = makefile_workers()
    queues = sorted({queue for arguments in workers for queue in worker_queues(arguments)})
    processes = [
        subprocess.Popen(
            [str(assign.BIN / "uvicorn"), "crowd.asgi:application", "--port", str(PORT),
             "--log-level", "warning", "--no-access-log", *SERVER_FLAGS, "--workers", "2"],
            cwd=assign.ROOT, env=env,
        ),
        subprocess.Popen(
            [str(assign.BIN / "celery"), "-A", "worker", "beat", "--loglevel=WARNING",
             f"--schedule={logs / 'beat-schedule'}"],
            cwd=assign.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
    ]  # fmt: skip
    for n, arguments in enumerate(workers):
        arguments = [a for a in arguments if not a.startswith("--loglevel")]
        with open(logs / f"worker-{n}.log", "wb") as log:
            processes.append(
                subprocess.Popen(
                    [str(assign.BIN / "celery"), "-A", "worker", "worker", *arguments,
                     "--loglevel=INFO", "-n", f"bench{n}@%h"],
                    cwd=assign.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                )
            )  # fmt: skip
    sampler = Sampler(queues)
    try:
        for _ in range(150):
            try:
                httpx.get(f"http://127.0.0.1:{PORT}/api/projects/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(3)  # every server process and worker up
        sampler.start()
        result = asyncio.run(load(args, slug, tokens, sampler))
        time.sleep(2)
        sampler.running = False
        sampler.join()
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait()
    acks, snapshots = result["acks"], result["snapshots"]
    during = [s for s in sampler.samples if s[0] <= result["ended"]]
    drained = next(
        (at - result["ended"] for at, waiting, _ in sampler.samples if at > result["ended"] and waiting == 0),
        None,
    )  # fmt: skip
    found, missing = lags(acks, snapshots)
    ran = jobs_run(logs)
    print(
        "stack: 2 server processes, workers as `make stack`: "
        + "; ".join(" ".join(arguments) for arguments in workers)
    )
    print(
        f"load: {args.clients} clients, {args.seconds:.0f} s, redundancy 3: {len(acks)} "
        f"transcriptions acknowledged ({len(acks) / args.seconds:.1f}/s), {result['errors']} "
        "other answers"
    )
    if during:
        waiting = [s[1] for s in during]
        print(
            f"reconciliations waiting in the broker during the load: max {max(waiting)}, "
            f"median {statistics.median(waiting):.0f}, at the end {waiting[-1]}; all jobs "
            f"waiting max {max(s[2] for s in during)}; drained "
            + (f"{drained:.0f} s after the load" if drained is not None else "not within the settle time")
        )  # fmt: skip
    if found:
        p50 = statistics.median(found)
        p95 = found[int(len(found) * 0.95) - 1]
        print(
            f"dashboard lag, response -> snapshot counting it: p50 {p50:.2f} s, p95 {p95:.2f} s, "
            f"max {found[-1]:.2f} s; {missing} never counted by a snapshot received; "
            f"{len(snapshots)} snapshots"
        )
    print(
        f"jobs run: {ran[RECONCILE_JOB]} reconciliations for {len(acks)} transcriptions "
        f"({ran[RECONCILE_JOB] / max(1, len(acks)):.2f} each); "
        + ", ".join(f"{name.rsplit('.', 1)[1]} {count}" for name, count in ran.most_common())
    )
    print(f"worker logs: {logs}")


if __name__ == "__main__":
    main()
