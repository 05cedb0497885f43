"""Live-progress benchmark: 1,000 WebSocket clients on one project while transcriptions arrive
at a steady rate, against the real ASGI server with the Redis channel layer and a real Celery
worker.

    python bench/live.py                          # 1,000 clients, 10 submissions/s for 20 s
    python bench/live.py --clients 200 --seconds 5

Prints the delay from commit to receipt (p50, p99, from the events' server timestamp), the
share of clients that received the final snapshot, and the server's memory per connection.
Needs PostgreSQL (BENCH_DATABASE_URL) and Redis (BENCH_REDIS_URL), as bench/assign.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import assign

PORT = 8941


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def prepare(tasks: int, users: int) -> tuple[str, list[str]]:
    from rest_framework.authtoken.models import Token

    from tasks.models import Project, Template
    from tasks.presets import PRESETS

    project = Project.objects.create(
        slug="live-bench", title_fr="Direct", title_en="Live", status="active"
    )
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    assign.tasks_load(project.pk, tasks)
    people = assign.users_make(users)
    return project.slug, [Token.objects.get_or_create(user=user)[0].key for user in people]


async def listen(
    url: str,
    origin: str,
    latencies: list[float],
    last: dict[int, int],
    index: int,
    ready: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    async with websockets.connect(
        url, additional_headers={"Origin": origin}, open_timeout=60, max_queue=None
    ) as socket:
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            event = json.loads(raw)
            if "sent_at" in event:
                latencies.append(time.time() - event["sent_at"])
            if event.get("type") == "snapshot":
                last[index] = int(event["progress"].get("transcriptions", 0))


async def submit(base_url: str, slug: str, tokens: list[str], rate: float, seconds: float) -> int:
    made = 0
    clients = [
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Token {t}"}, timeout=30)
        for t in tokens
    ]
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            http = clients[made % len(clients)]
            body = (await http.post(f"/api/projects/{slug}/next-task/")).json()
            response = await http.post(
                f"/api/tasks/{body['task']['id']}/transcriptions/",
                json={
                    "lease": body["lease"]["id"],
                    "values": {"scientificName": "Quercus ilex L."},
                    "idempotency_key": f"live-{made}",
                },
            )
            made += response.status_code == 201
            await asyncio.sleep(max(0.0, started + made / rate - time.monotonic()))
    finally:
        for http in clients:
            await http.aclose()
    return made


async def run(args: argparse.Namespace, slug: str, tokens: list[str], server_pid: int) -> None:
    base = f"http://127.0.0.1:{PORT}"
    idle = rss_kib(server_pid)
    latencies: list[float] = []
    last: dict[int, int] = {}
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in range(args.clients)]
    listeners = []
    for index in range(args.clients):
        listeners.append(
            asyncio.create_task(
                listen(
                    f"ws://127.0.0.1:{PORT}/ws/projects/{slug}/",
                    base,
                    latencies,
                    last,
                    index,
                    readies[index],
                    stop,
                )
            )
        )
        if index % 50 == 49:
            await asyncio.gather(*(ready.wait() for ready in readies[: index + 1]))
    await asyncio.gather(*(ready.wait() for ready in readies))
    await asyncio.sleep(2)
    connected = rss_kib(server_pid)
    latencies.clear()
    made = await submit(base, slug, tokens, args.rate, args.seconds)
    await asyncio.sleep(args.settle)
    final = httpx.get(f"{base}/api/projects/{slug}/", timeout=30).json()["progress"][
        "transcriptions"
    ]
    stop.set()
    await asyncio.gather(*listeners, return_exceptions=True)
    got_final = sum(1 for index in range(args.clients) if last.get(index) == final)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    print(
        f"clients: {args.clients}, transcriptions: {made} in {args.seconds:.0f} s, events received: {len(latencies)}"
    )
    print(f"delay from commit to receipt: p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(
        f"final snapshot ({final} transcriptions) received by {100 * got_final / args.clients:.1f}% of clients"
    )
    print(
        f"server memory: {(connected - idle) / args.clients:.1f} KiB per connection ({idle // 1024} MiB idle)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="transcriptions per second")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--settle", type=float, default=5, help="seconds to wait for the last events"
    )
    args = parser.parse_args()
    assign.database_recreate()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=assign.ROOT,
        env=assign.env(),
        check=True,
    )
    assign.django_setup()
    slug, tokens = prepare(tasks=5000, users=40)
    env = assign.env()
    server = subprocess.Popen(
        [str(assign.BIN / "uvicorn"), "crowd.asgi:application", "--port", str(PORT), "--log-level", "warning", "--no-access-log", "--ws", os.environ.get("BENCH_WS", "wsproto")],
        cwd=assign.ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        [str(assign.BIN / "celery"), "-A", "worker", "worker", "--pool=solo", "--loglevel=WARNING"],
        cwd=assign.ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{PORT}/api/projects/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(run(args, slug, tokens, server.pid))
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()


if __name__ == "__main__":
    main()
