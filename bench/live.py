"""Live-progress benchmark: 1,000 WebSocket clients on one project while transcriptions arrive
at a steady rate, against the real ASGI server with the Redis channel layer and a real Celery
worker.

    python bench/live.py                          # 1,000 clients, 10 submissions/s for 20 s
    python bench/live.py --clients 200 --seconds 5
    python bench/live.py --deflate                # per-message deflate on, to compare

How it measures:

- the server is Uvicorn as `make stack` runs it (SERVER_FLAGS below, 2 processes), DEBUG off as
  in production (DEBUG keeps a log of every SQL query, which is not a cost of a connection),
  the Redis channel layer, and one Celery worker that recounts progress and sends snapshots;
- the clients are spread over --generators processes, each an asyncio loop holding its share of
  the sockets; their samples are merged. One process receiving all 1,000 sockets queues the
  messages behind each other and adds its own delay to the figures;
- delay: the time a client's `recv()` returns minus the event's `sent_at` (stamped by the sender
  after commit, just before publishing), same clock on one machine. It includes the generator's
  own queueing, so it is an upper bound of what the server adds;
- memory: resident memory (RSS) of the server processes with every client connected, minus
  before any connected, divided by the clients; and the same for the second half of the
  clients alone, which leaves out what the first connections set up once;
- CPU: what each part used while transcriptions arrived, in % of one core; then, with --events
  events sent alone straight to the channel layer, the server's CPU per event sent to every
  client. CPU figures hardly move when other work shares the machine, unlike the delays.

Needs PostgreSQL (BENCH_DATABASE_URL) and Redis (BENCH_REDIS_URL), as bench/assign.py. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import assign
from crowd.queues import worker_command

PORT = 8941
# The Makefile's UVICORN_FLAGS (tests/test_server_flags.py checks they agree).
SERVER_FLAGS = ["--ws", "wsproto", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]
# Sockets opened at once by one generator.
CONNECT_BATCH = 50


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (Uvicorn's workers are its children)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def rss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each process (those that exited are left out)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def pids_named(name: str, *, serving: str = "") -> list[int]:
    """Processes of that name; with `serving`, only those whose title names it (PostgreSQL
    backends show their database), so others' work on the machine is left out."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != name:
                    continue
                title = (
                    (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if f" {serving} " in f" {title} ":
                found.append(int(entry.name))
    return found


def prepare(tasks: int, users: int) -> tuple[str, list[str]]:
    from tasks.models import Project, Template
    from tasks.presets import PRESETS

    project = Project.objects.create(
        slug="live-bench", title_fr="Direct", title_en="Live", status="active"
    )
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    assign.tasks_load(project.pk, tasks)
    people = assign.users_make(users)
    from crowd.services import token_create

    return project.slug, [token_create(user=user)[1] for user in people]


def generator_main(url: str, origin: str, count: int, control: Connection) -> None:
    """One load-generator process: opens `count` sockets, then records delays until told to
    stop, and sends back its samples and each socket's last snapshot."""
    asyncio.run(generate(url, origin, count, control))


async def generate(url: str, origin: str, count: int, control: Connection) -> None:
    latencies: list[float] = []
    last: list[int | None] = [None] * count
    sockets = []

    async def open_socket() -> websockets.ClientConnection:
        # Offers permessage-deflate, as browsers do; the server decides.
        return await websockets.connect(
            url, additional_headers={"Origin": origin}, open_timeout=60, max_queue=None
        )

    async def connect(count: int) -> None:
        while count:
            batch = min(CONNECT_BATCH, count)
            sockets.extend(await asyncio.gather(*(open_socket() for _ in range(batch))))
            count -= batch

    async def listen(index: int, socket: websockets.ClientConnection) -> None:
        try:
            async for raw in socket:
                received = time.time()
                event = json.loads(raw)
                if "sent_at" in event:
                    latencies.append(received - event["sent_at"])
                if event.get("type") == "snapshot":
                    last[index] = int(event["progress"].get("transcriptions", 0))
        except websockets.ConnectionClosed:
            pass

    # Half the sockets, then the rest: the second half shows the cost of one more connection
    # without what the first ones set up once (database connection, thread pool, buffers).
    await connect(count // 2)
    control.send("half")
    assert await asyncio.to_thread(control.recv) == "more"
    await connect(count - count // 2)
    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    control.send("connected")
    assert await asyncio.to_thread(control.recv) == "go"
    latencies.clear()  # the snapshots sent on connect are not part of the measure
    control.send("going")
    while (order := await asyncio.to_thread(control.recv)) != "stop":
        assert order == "report"  # the samples so far, then start again
        control.send((latencies.copy(), last.copy()))
        latencies.clear()
    await asyncio.gather(*(socket.close() for socket in sockets))
    await asyncio.gather(*listeners)
    control.send((latencies, last))


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


def samples_from(
    generators: list[tuple[Any, Connection]], order: str
) -> tuple[list[float], list[int | None]]:
    latencies: list[float] = []
    last: list[int | None] = []
    for _, control in generators:
        control.send(order)
    for _, control in generators:
        samples, lasts = control.recv()
        latencies += samples
        last += lasts
    latencies.sort()
    return latencies, last


def percentiles(latencies: list[float]) -> str:
    if not latencies:
        return "no events"
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms"


def run(
    args: argparse.Namespace, slug: str, tokens: list[str], server_pid: int, worker_pid: int
) -> None:
    from tasks.events import event_send, project_group
    from tasks.models import Project

    database = assign.DATABASE_URL.rsplit("/", 1)[1]
    base = f"http://127.0.0.1:{PORT}"
    url = f"ws://127.0.0.1:{PORT}/ws/projects/{slug}/"
    server_pids = process_tree(server_pid)
    idle = rss_kib(server_pids)
    context = multiprocessing.get_context("spawn")
    shares = [args.clients // args.generators + (g < args.clients % args.generators) for g in range(args.generators)]  # fmt: skip
    generators = []
    for share in shares:
        ours, theirs = context.Pipe()
        process = context.Process(target=generator_main, args=(url, base, share, theirs))
        process.start()
        generators.append((process, ours))
    for _, control in generators:
        assert control.recv() == "half"
    time.sleep(2)
    half = rss_kib(server_pids)
    for _, control in generators:
        control.send("more")
    for _, control in generators:
        assert control.recv() == "connected"
    time.sleep(2)
    connected = rss_kib(server_pids)
    for _, control in generators:
        control.send("go")
    for _, control in generators:
        assert control.recv() == "going"

    def parts() -> dict[str, list[int]]:
        return {
            "server": process_tree(server_pid),
            "worker": process_tree(worker_pid),
            "load generators": [process.pid for process, _ in generators if process.pid],
            "submitter": [os.getpid()],
            # PostgreSQL backends come and go: the CPU of those that exit is left out.
            "PostgreSQL": pids_named("postgres", serving=database),
            "Redis": pids_named("redis-server"),
        }

    cpu_before = {part: cpu_seconds(pids) for part, pids in parts().items()}
    started = time.monotonic()
    made = asyncio.run(submit(base, slug, tokens, args.rate, args.seconds))
    time.sleep(args.settle)
    elapsed = time.monotonic() - started
    cpu_used = {
        part: sum(used - cpu_before[part].get(pid, 0.0) for pid, used in cpu_seconds(pids).items())
        for part, pids in parts().items()
    }
    final = httpx.get(f"{base}/api/projects/{slug}/", timeout=30).json()["progress"]["transcriptions"]  # fmt: skip
    latencies, last = samples_from(generators, "report")
    got_final = sum(1 for count in last if count == final)
    fanouts = len(latencies) / args.clients
    # Then events alone, sent straight to the channel layer with no other traffic: what the
    # server spends to send one event to every socket.
    project_id = Project.objects.get(slug=slug).pk
    before = cpu_seconds(process_tree(server_pid))
    for n in range(args.events):
        # A declared event of a few fields, like the ones projects send.
        event_send(project_group(project_id), "template.updated", {"project": slug, "version": n})
        time.sleep(0.5)
    time.sleep(2)
    after = cpu_seconds(process_tree(server_pid))
    server_per_event = sum(used - before.get(pid, 0.0) for pid, used in after.items()) / args.events
    alone, _ = samples_from(generators, "stop")
    for process, _ in generators:
        process.join()
    print(
        f"clients: {args.clients} over {args.generators} load-generator processes, "
        f"{args.workers} server process(es), per-message deflate {'on' if args.deflate else 'off'}"
    )
    print(
        f"transcriptions: {made} in {args.seconds:.0f} s, events received: {len(latencies)} "
        f"({fanouts:.1f} per client)"
    )
    print(f"delay from commit to receipt: {percentiles(latencies)}")
    print(
        f"final snapshot ({final} transcriptions) received by {100 * got_final / args.clients:.1f}% of clients"
    )
    second_half = args.clients - sum(share // 2 for share in shares)
    print(
        f"server memory: {(connected - idle) / args.clients:.1f} KiB per connection "
        f"({idle // 1024} MiB idle; {(connected - half) / second_half:.1f} KiB for each of the "
        f"second {second_half})"
    )
    print(
        "CPU while transcriptions arrived, in % of one core: "
        + ", ".join(f"{part} {100 * seconds / elapsed:.0f}" for part, seconds in cpu_used.items())
    )
    print(
        f"{args.events} events alone, 2 a second: delay {percentiles(alone)}; server CPU "
        f"{server_per_event * 1000:.0f} ms per event sent to {args.clients} clients"
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
    parser.add_argument(
        "--generators", type=int, default=4, help="load-generator processes holding the sockets"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="ASGI server processes (2, as `make stack`)"
    )
    parser.add_argument(
        "--events", type=int, default=20, help="events sent alone at the end, 2 a second"
    )
    parser.add_argument(
        "--deflate", action="store_true", help="turn per-message deflate on (Uvicorn's default)"
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
    env = {
        **assign.env(),
        "DEBUG": "0",
        "SECRET_KEY": "live-benchmark-secret-key-not-used-anywhere-else-0123456789",
        "EXPORT_PSEUDONYM_KEY": "live-benchmark-pseudonym-key-not-used-anywhere-else",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # A thousand sockets from one machine and a few dozen accounts: far past the caps a
        # public server sets per address and account.
        "SOCKETS_PER_ADDRESS": str(args.clients * 2),
        "SOCKETS_PER_USER": str(args.clients * 2),
    }
    flags = [*SERVER_FLAGS, "--workers", str(args.workers)]
    if args.deflate:
        flags[flags.index("--ws-per-message-deflate") + 1] = "true"
    server = subprocess.Popen(
        [str(assign.BIN / "uvicorn"), "crowd.asgi:application", "--port", str(PORT),
         "--log-level", "warning", "--no-access-log", *flags],
        cwd=assign.ROOT, env=env,
    )  # fmt: skip
    worker = subprocess.Popen(
        worker_command(str(assign.BIN / "celery"), loglevel="WARNING"),
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
        time.sleep(1)  # every server process up
        run(args, slug, tokens, server.pid, worker.pid)
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()


if __name__ == "__main__":
    main()
