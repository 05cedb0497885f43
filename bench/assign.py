"""Assignment benchmark: next-task latency at 10k, 100k and 1M open tasks, and full
next-task -> submit cycles over HTTP with concurrent clients against the real ASGI server.

    python bench/assign.py                      # 10k, 100k, 1M; 32 clients for 20 s
    python bench/assign.py --sizes 10000 --seconds 5

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/crowd_bench,
recreated) and Redis for the HTTP part (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crowd_bench"
)
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
        cursor.execute("ANALYZE tasks_task")


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


def latency_at(size: int, calls: int) -> tuple[float, float]:
    from tasks.models import Membership, Project, Template
    from tasks.presets import PRESETS
    from tasks.services.leases import lease_grant

    project = Project.objects.create(
        slug=f"bench-{size}", title_fr="Banc", title_en="Bench", status="active"
    )
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    tasks_load(project.pk, size)
    users = users_make(calls)
    Membership.objects.bulk_create([Membership(project=project, user=u) for u in users[:1]])
    for user in users[:20]:  # warm caches and plans
        lease_grant(project=project, user=user)
    timings = []
    for user in users[20:]:
        started = time.perf_counter()
        lease_grant(project=project, user=user)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


async def http_cycles(
    base_url: str, slug: str, tokens: list[str], seconds: float
) -> tuple[int, int]:
    import httpx

    deadline = time.monotonic() + seconds
    done = 0
    errors = 0

    async def client(token: str) -> None:
        nonlocal done, errors
        headers = {"Authorization": f"Token {token}"}
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
            n = 0
            while time.monotonic() < deadline:
                response = await http.post(f"/api/projects/{slug}/next-task/")
                if response.status_code != 200:
                    errors += 1
                    continue
                body = response.json()
                n += 1
                submitted = await http.post(
                    f"/api/tasks/{body['task']['id']}/transcriptions/",
                    json={
                        "lease": body["lease"]["id"],
                        "values": {
                            "scientificName": "Quercus ilex L.",
                            "minimumElevationInMeters": "650 m",
                        },
                        "idempotency_key": f"{token[:8]}-{n}",
                    },
                )
                if submitted.status_code == 201:
                    done += 1
                else:
                    errors += 1

    await asyncio.gather(*(client(token) for token in tokens))
    return done, errors


def http_benchmark(slug: str, clients: int, seconds: float, workers: int) -> None:
    from crowd.queues import worker_command
    from crowd.services import token_create

    users = users_make(clients)
    tokens = [token_create(user=user)[1] for user in users]
    port = 8931
    server = subprocess.Popen(
        [str(BIN / "uvicorn"), "crowd.asgi:application", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env(),
    )  # fmt: skip
    # The Celery worker reconciles each submission; it shares the 2 cores with the server, the
    # database and this load generator. BENCH_NO_WORKER=1 measures the HTTP path alone.
    celery_worker = worker_command(str(BIN / "celery"), loglevel="WARNING")
    worker = subprocess.Popen(
        ["true"] if os.environ.get("BENCH_NO_WORKER") else celery_worker, cwd=ROOT, env=env()
    )
    try:
        import httpx

        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/projects/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        before = cpu_by_role()
        done, errors = asyncio.run(http_cycles(f"http://127.0.0.1:{port}", slug, tokens, seconds))
        after = cpu_by_role()
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()
    print(
        f"http: {clients} clients, {workers} server processes, {seconds:.0f} s: "
        f"{done / seconds:.0f} next-task -> submit cycles/s ({errors} errors)"
    )
    if done:
        spent = {
            role: (after.get(role, 0.0) - before.get(role, 0.0)) * 1000 / done for role in after
        }
        print(
            "CPU per cycle: "
            + ", ".join(f"{role} {ms:.1f} ms" for role, ms in sorted(spent.items()))
        )


def cpu_by_role() -> dict[str, float]:
    """CPU seconds used so far by the ASGI server, the Celery worker, PostgreSQL, Redis and this
    load generator, read from /proc: where a cycle's cost goes on a shared 2-core machine."""
    roles = {
        "uvicorn": "server",
        "multiprocessing": "server",
        "celery": "worker",
        "postgres": "postgres",
        "redis-server": "redis",
    }
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        role = next((r for name, r in roles.items() if name in command), None)
        if int(entry.name) == os.getpid():
            role = "load generator"
        if role:
            used[role] = used.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return used


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--calls", type=int, default=1000, help="next-task calls timed per size")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="ASGI server processes")
    args = parser.parse_args()
    database_recreate()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)
    django_setup()
    results = {}
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        p50, p99 = latency_at(size, args.calls)
        results[size] = p99
        print(f"next-task service at {size:>9,} open tasks: p50 {p50:.2f} ms, p99 {p99:.2f} ms "
              f"(setup {time.perf_counter() - started:.0f} s)")  # fmt: skip
    sizes = sorted(results)
    if len(sizes) > 1:
        print(
            f"p99 at {sizes[-1]:,} / p99 at {sizes[0]:,}: {results[sizes[-1]] / results[sizes[0]]:.2f}x"
        )
    http_benchmark(f"bench-{sizes[-1]}", args.clients, args.seconds, args.workers)


if __name__ == "__main__":
    main()
