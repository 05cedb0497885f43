"""Assignment benchmark: next-task latency at 10k, 100k and 1M open tasks, and full
next-task -> submit cycles over HTTP with concurrent clients against the real ASGI server.

    python bench/assign.py                      # 10k, 100k, 1M; 32 clients for 20 s
    python bench/assign.py --sizes 10000 --seconds 5

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crowd_bench,
recreated) and Redis for the HTTP part (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13).
Prints figures; asserts nothing.

After the HTTP cycles it prints:
- the images whose reconciliation the worker had not done when the clients stopped, the time it
  took to finish them, and the rate counted with that time: every answer reconciled;
- the CPU per cycle of each process that took part: the ASGI server's processes, the Celery
  worker, this load generator, the PostgreSQL backends serving this benchmark's database (not
  those of other databases on the same server), and Redis (the whole server: it may serve others);
- the SQL statements of one cycle, counted in this process on the same endpoints (Django's
  test client, token authentication, BEGIN and COMMIT included);
- the same cycle written as bare SQL (`pgbench`, 32 clients, the same database, the same project
  and volunteers: the task locked with `FOR UPDATE SKIP LOCKED`, a lease, a transcription, the
  lease ended and the count raised), and the ratio of the HTTP rate to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crowd_bench"
)
DATABASE = urlsplit(DATABASE_URL).path.lstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "bench-password-1898"
ORDER = os.environ.get("BENCH_ORDER", "depth")


def database_recreate() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def env() -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL, "DEBUG": "1", "LOG_LEVEL": "WARNING",
            "API_THROTTLE_USER": "100000/minute", "MEDIA_ROOT": "/tmp/crowd-bench-media", "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
            # Throughput, not the open crowd's guards: the simulated volunteers are known ones.
            "API_THROTTLE_NEXT_TASK": "100000/minute", "API_THROTTLE_SUBMIT": "100000/minute",
            "EMAIL_VERIFICATION_REQUIRED": "0", "TRUST_MIN_COMPARISONS": "0"}  # fmt: skip


def django_setup() -> None:
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tasks_load(project_id: int, count: int) -> None:
    """COPY `count` open tasks into the project: the fastest way to a million rows."""
    import random

    from django.db import connection

    rng = random.Random(count)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY tasks_task (project_id, state, priority, target, transcription_count, shuffle_key, original_name, "
            "image, thumbnail, iiif_path, content_hash, metadata, created_at, updated_at, reconcile_pending) "
            "FROM STDIN"
        ) as copy,
    ):
        for n in range(count):
            copy.write_row(
                (
                    project_id,
                    "open",
                    0,
                    3,
                    0,
                    rng.random(),
                    f"sheet-{n}.jpg",
                    "",
                    "",
                    "",
                    "",
                    "{}",
                    "now",
                    "now",
                    False,
                )
            )
    with connection.cursor() as cursor:
        # Vacuumed too: otherwise autovacuum walks the new rows during the HTTP run, and its
        # CPU is counted with the benchmark database's.
        cursor.execute("VACUUM ANALYZE tasks_task")


def users_make(count: int) -> list:
    from django.contrib.auth.hashers import make_password

    from crowd.models import User

    hashed = make_password(PASSWORD)
    existing = User.objects.count()
    User.objects.bulk_create(
        [User(username=f"bench{existing + i}", password=hashed) for i in range(count)],
        batch_size=1000,
    )
    return list(User.objects.order_by("-id")[:count])


def leases_history(project_id: int, people: int = 500) -> None:
    """A platform with open images has served leases before: one ended lease per image, by one
    of `people` volunteers who passed it, written as history, then the table analysed as
    autovacuum would have. On an empty, never analysed table the planner plans next-task for a
    table of one page, reads every lease for each image it passes, and keeps that plan while
    the timed calls fill the table: a figure of the benchmark's start, not of a platform."""
    from django.db import connection

    users = users_make(people)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tasks_lease (task_id, user_id, state, kind, step, created_at,"
            " expires_at, ended_at, skip_reason, skip_note)"
            " SELECT t.id, (%s::bigint[])[1 + t.id %% %s], 'released', 'data', 'label', now(),"
            " now(), now(), 'other', '' FROM tasks_task t WHERE t.project_id = %s",
            [[user.pk for user in users], people, project_id],
        )
        cursor.execute("ANALYZE tasks_lease")


def latency_at(size: int, calls: int) -> dict[str, tuple[float, float]]:
    """p50 and p99 in ms of next-task's service at `size` open tasks: the one the API runs
    (`next_task_grant`, its direct statements on PostgreSQL) and the ORM's `lease_grant` it
    stands beside, called in turns in the same run (each by its own volunteers)."""
    from tasks.models import Membership, Project, Template
    from tasks.presets import PRESETS
    from tasks.services.leases import lease_grant

    try:
        from tasks.services.assignment import next_task_grant
    except ImportError:  # the code before the direct statements, for a comparison run
        next_task_grant = None  # type: ignore[assignment]

    project = Project.objects.create(
        slug=f"bench-{size}", title_fr="Banc", title_en="Bench", status="active"
    )
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    tasks_load(project.pk, size)
    users = users_make(2 * calls)
    Membership.objects.bulk_create([Membership(project=project, user=u) for u in users[:1]])
    services: dict[str, Callable[[Any], object]] = {
        "ORM": lambda user: lease_grant(project=project, user=user)
    }
    if next_task_grant is not None:
        services["direct"] = lambda user: next_task_grant(slug=project.slug, user=user)
    timings: dict[str, list[float]] = {name: [] for name in services}
    leases_history(project.pk)
    for n, user in enumerate(users):
        name = "direct" if n % 2 == 0 and "direct" in services else "ORM"
        started = time.perf_counter()
        services[name](user)
        if n >= 40:  # the first ones warm caches and plans
            timings[name].append((time.perf_counter() - started) * 1000)
    figures = {}
    for name, spent in timings.items():
        spent.sort()
        figures[name] = statistics.median(spent), spent[int(len(spent) * 0.99) - 1]
    return figures


BARE_CYCLE = """\\set uid :first_user + :client_id
BEGIN;
SELECT t.id AS task FROM tasks_task t WHERE t.project_id = :project
  AND t.state IN ('open', 'needs_more') AND t.transcription_count + (SELECT COUNT(*)
    FROM tasks_lease v WHERE v.task_id = t.id AND v.state = 'active' AND v.expires_at > now())
    < t.target
  AND NOT EXISTS (SELECT 1 FROM tasks_transcription x WHERE x.task_id = t.id AND x.user_id = :uid)
  ORDER BY t.priority DESC, t.transcription_count DESC, t.id LIMIT 1 FOR UPDATE SKIP LOCKED \\gset
INSERT INTO tasks_lease (task_id, user_id, state, kind, created_at, expires_at, ended_at,
  skip_reason, skip_note) VALUES (:task, :uid, 'active', 'data', now(),
  now() + interval '30 minutes', NULL, '', '') RETURNING id AS lease \\gset
END;
BEGIN;
SELECT id FROM tasks_task WHERE id = :task FOR UPDATE;
INSERT INTO tasks_transcription (project_id, task_id, user_id, lease_id, "values", markers,
  idempotency_key, template_version, created_at, void_id, machine_fields, georeference)
  VALUES (:project, :task, :uid, :lease,
  '{"scientificName": "Quercus ilex L.", "minimumElevationInMeters": "650 m"}', '{}',
  'bare-' || :lease, 1, now(), NULL, '[]', '{}');
UPDATE tasks_lease SET state = 'submitted', ended_at = now() WHERE id = :lease;
UPDATE tasks_task SET transcription_count = transcription_count + 1, reconcile_pending = true
  WHERE id = :task;
END;
"""


def bare_sql_cycles(slug: str, clients: int, seconds: float) -> float | None:
    """Cycles per second of the same lease -> transcription cycle written as bare SQL, run by
    pgbench on the same database; None without pgbench."""
    import shutil
    import tempfile

    from crowd.models import User
    from tasks.models import Project

    pgbench = shutil.which("pgbench")
    if pgbench is None:
        print("bare SQL cycle: pgbench not found, skipped")
        return None
    project = Project.objects.get(slug=slug)
    # Volunteers of their own (client_id counts from 0): none has answered this project yet.
    users_make(clients)
    first = User.objects.order_by("-id").values_list("id", flat=True)[clients - 1]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(BARE_CYCLE)
        script.flush()
        url = DATABASE_URL.replace("postgres://", "postgresql://", 1)
        done = subprocess.run(
            [pgbench, "-n", "-c", str(clients), "-j", "2", "-T", str(int(seconds)), "-f", script.name,
             "-D", f"project={project.pk}", "-D", f"first_user={first}", url],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    rate = next(
        (float(line.split("=")[1].split()[0]) for line in done.stdout.splitlines()
         if line.startswith("tps")),
        None,
    )  # fmt: skip
    if rate is None:
        print(f"bare SQL cycle: pgbench failed: {done.stderr.strip()[-300:]}")
    return rate


def statements_per_cycle(slug: str, cycles: int = 20) -> tuple[float, float]:
    """Statements sent to the database by next-task and by submit, counted in this process
    through the same views (token authentication, BEGIN and COMMIT included), averaged."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from crowd.services import token_create

    user = users_make(1)[0]
    http = Client(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[1]}", HTTP_HOST="127.0.0.1")
    counts = [0, 0]
    for n in range(cycles):
        # With DEBUG on, every statement of the run so far is in the log, which holds 9,000.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as asked:
            body = http.post(f"/api/projects/{slug}/next-task/").json()
        counts[0] += len(asked.captured_queries)
        with CaptureQueriesContext(connection) as sent:
            http.post(
                f"/api/tasks/{body['task']['id']}/transcriptions/",
                {"lease": body["lease"]["id"], "values": {"scientificName": "Quercus ilex L."},
                 "idempotency_key": f"count-{n}"},
                content_type="application/json",
            )  # fmt: skip
        counts[1] += len(sent.captured_queries)
    return counts[0] / cycles, counts[1] / cycles


def http_benchmark(
    slug: str, clients: int, seconds: float, workers: int, layout: str = "single"
) -> None:
    from bench.cycle_load import cpu_by_role, http_cycles
    from crowd.queues import worker_command
    from crowd.services import token_create

    users = users_make(clients)
    tokens = [token_create(user=user)[1] for user in users]
    port = 8931
    # The server and the worker run as in production (DEBUG off: Django then keeps no log of
    # every statement); this process keeps DEBUG on to count statements.
    served = {
        **env(),
        "DEBUG": "0",
        "SECRET_KEY": "assign-benchmark-secret-key-not-used-anywhere-else-0123456789",
        "EXPORT_PSEUDONYM_KEY": "assign-benchmark-pseudonym-key-not-used-anywhere-else",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
    }
    server = subprocess.Popen(
        [str(BIN / "uvicorn"), "crowd.asgi:application", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=served,
    )  # fmt: skip
    # The Celery worker reconciles each submission; it shares the 2 cores with the server, the
    # database and this load generator. BENCH_NO_WORKER=1 measures the HTTP path alone.
    celery = str(BIN / "celery")
    if layout == "production":
        commands = deployed_workers(celery)
    else:  # one worker on every queue in one process, as `make stack` and the test tiers
        commands = [worker_command(celery, loglevel="WARNING")]
    if os.environ.get("BENCH_NO_WORKER"):
        commands = [["true"]]
    started = [subprocess.Popen(command, cwd=ROOT, env=served) for command in commands]
    worker = started[0]
    base_url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"{base_url}/api/projects/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        pids = {"server": [server.pid], "worker": [one.pid for one in started]}
        # Every server process and the worker import their views and jobs on their first
        # requests: a few seconds of cycles first, their reconciliations done, so that the
        # figures are the steady state's.
        asyncio.run(http_cycles(base_url, slug, tokens, 3, "warm"))
        backlog_drain(slug, worker)
        before = cpu_by_role(pids, DATABASE)
        done, errors = asyncio.run(http_cycles(base_url, slug, tokens, seconds))
        after = cpu_by_role(pids, DATABASE)
        backlog = backlog_count(slug)
        drain = backlog_drain(slug, worker)
        drained = cpu_by_role(pids, DATABASE)
    finally:
        server.terminate()
        for one in started:
            one.terminate()
        server.wait()
        for one in started:
            one.wait()
    print(
        f"http: {clients} clients, {workers} server processes, {layout} worker layout, "
        f"{seconds:.0f} s, load average "
        f"{os.getloadavg()[0]:.1f}: "
        f"{done / seconds:.0f} next-task -> submit cycles/s ({errors} errors)"
    )
    if done:
        spent = {
            role: (after.get(role, 0.0) - before.get(role, 0.0)) * 1000 / done for role in after
        }
        print(
            "CPU per cycle during the run: "
            + ", ".join(f"{role} {ms:.1f} ms" for role, ms in sorted(spent.items()))
        )
        # The worker may fall behind: the answers it had not reconciled when the clients
        # stopped are work of the run too, done after it.
        print(
            f"reconciliations left when the clients stopped: {backlog} images, done "
            f"{drain:.1f} s later; counted with them, {done / (seconds + drain):.0f} cycles/s"
        )
        total = {
            role: (drained.get(role, 0.0) - before.get(role, 0.0)) * 1000 / done for role in drained
        }
        print(
            f"CPU per cycle, the reconciliations left included: {sum(total.values()):.1f} ms: "
            + ", ".join(f"{role} {ms:.1f} ms" for role, ms in sorted(total.items()))
        )
    if not done:
        return
    asked, sent = statements_per_cycle(slug)
    print(
        f"SQL statements per cycle: {asked + sent:.1f} (next-task {asked:.1f}, submit {sent:.1f}; "
        "BEGIN and COMMIT included)"
    )
    bare = bare_sql_cycles(slug, clients, min(seconds, 10))
    if bare:
        print(
            f"bare SQL cycle (pgbench, {clients} clients, same database): {bare:.0f} cycles/s; "
            f"HTTP / bare SQL: {done / seconds / bare * 100:.1f} %, with the reconciliations "
            f"left: {done / (seconds + drain) / bare * 100:.1f} %"
        )


def deployed_workers(celery: str) -> list[list[str]]:
    """The workers of deploy/systemd, one per `worker-*.env` (its queues and concurrency: the
    reconciliations in a worker of two processes, live snapshots and sweeps in another...)."""
    from crowd.queues import worker_command

    commands = []
    for path in sorted((ROOT / "deploy" / "systemd").glob("worker-*.env")):
        values = dict(
            line.split("=", 1)
            for line in path.read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        command = worker_command(celery, loglevel="WARNING")
        command[command.index("-Q") + 1] = values["QUEUES"]
        command.remove("--pool=solo")
        name = path.stem.removeprefix("worker-")
        commands.append([*command, f"--concurrency={values['CONCURRENCY']}", "-n", f"{name}@%h"])
    return commands


def backlog_count(slug: str) -> int:
    from tasks.models import Task

    return Task.objects.filter(project__slug=slug, reconcile_pending=True).count()


def backlog_drain(slug: str, worker: subprocess.Popen[bytes], limit: float = 600) -> float:
    """Seconds until the worker has reconciled every answer of the project (at most `limit`)."""
    started = time.monotonic()
    while backlog_count(slug) and worker.poll() is None and time.monotonic() - started < limit:
        time.sleep(0.2)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--calls", type=int, default=1000, help="next-task calls timed per size")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="ASGI server processes")
    parser.add_argument(
        "--worker-layout",
        choices=("single", "production"),
        default="single",
        help="single: one Celery worker process on every queue (make stack); production: "
        "deploy/systemd's workers (reconciliations in a worker of 2 processes, live snapshots "
        "in another, files in a third)",
    )
    args = parser.parse_args()
    database_recreate()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)
    django_setup()
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        figures = latency_at(size, args.calls)
        results[size] = figures.get("direct", figures["ORM"])[1]
        for name, (p50, p99) in figures.items():
            print(f"next-task service ({name}) at {size:>9,} open tasks: p50 {p50:.2f} ms, "
                  f"p99 {p99:.2f} ms")  # fmt: skip
        print(f"(setup and timing {time.perf_counter() - started:.0f} s; load average "
              f"{os.getloadavg()[0]:.1f})")  # fmt: skip
    sizes = sorted(results)
    if len(sizes) > 1:
        print(
            f"p99 at {sizes[-1]:,} / p99 at {sizes[0]:,}: "
            f"{results[sizes[-1]] / results[sizes[0]]:.2f}x"
        )
    http_benchmark(
        f"bench-{sizes[-1]}", args.clients, args.seconds, args.workers, args.worker_layout
    )


if __name__ == "__main__":
    main()
