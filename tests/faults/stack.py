"""The fault tier's platform: the real stack with parts a test may kill and start again.

A private redis-server on its own port (never the shared one), the tier's own PostgreSQL
database, two Uvicorn processes, the Celery worker(s) and beat, all started through
tests/servers.py as the other tiers start them. The open crowd's guards are lifted (rates,
e-mail verification, trust) as in bench/assign.py: this tier tests faults, not guards. The
sweep runs every few seconds so that what a fault leaves behind is repaired within a test.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.servers import (
    Stack,
    base_env,
    beat_start,
    free_port,
    postgres_url,
    redis_server_start,
    uvicorn_command,
    workers_start,
)

# One project per scenario; the late answers' load runs beside them, on a project of its own.
SLUGS = (
    "faults-retries",
    "faults-late",
    "faults-late-load",
    "faults-worker",
    "faults-asgi",
    "faults-redis",
)
CLIENTS = 10  # accounts looping next-task -> submit
PROBES = 10  # more accounts, for the duplicate and late submissions
IMAGES = 400  # per project: paced (load.READING_SECONDS), 10 clients cannot fill it in a scenario
REDUNDANCY = 3  # transcriptions wanted per image

SETTINGS = {
    # The guards of an open crowd, lifted: the simulated volunteers are known accounts.
    "API_THROTTLE_USER": "100000/minute",
    "API_THROTTLE_NEXT_TASK": "100000/minute",
    "API_THROTTLE_SUBMIT": "100000/minute",
    "EMAIL_VERIFICATION_REQUIRED": "0",
    "TRUST_MIN_COMPARISONS": "0",
    # Repairs within a test: the sweep every 3 s, re-sending reconciliations after 10 s.
    "SWEEP_SECONDS": "3",
    "SWEEP_RECONCILE_AFTER_SECONDS": "10",
    # Five processes share the database with the other tiers' stacks.
    "DB_POOL_SIZE": "5",
}

# Figures of each scenario, printed at the end of the run (see conftest.py).
FIGURES: list[str] = []


@dataclass
class FaultStack:
    stack: Stack
    database_url: str
    redis_port: int
    ports: list[int]
    tokens: list[str]
    probes: list[str]
    servers: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None
    beat: subprocess.Popen[bytes] | None = None
    started: Counter[str] = field(default_factory=Counter)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def _log_name(self, part: str) -> str:
        """A fresh log per start: `worker`, then `worker-2` after a restart."""
        self.started[part] += 1
        return part if self.started[part] == 1 else f"{part}-{self.started[part]}"

    def server_start(self, index: int) -> None:
        command = [*uvicorn_command(self.ports[index]), "--no-access-log"]
        self.servers[index] = self.stack.start(self._log_name(f"server{index}"), command)
        self.stack.wait_for_http(url=self.urls[index])

    def server_kill(self, index: int) -> None:
        process = self.servers[index]
        assert process is not None
        self.stack.kill(process)
        self.servers[index] = None

    def worker_start(self) -> None:
        self.workers = workers_start(self.stack, name=self._log_name("worker"))

    def worker_kill(self) -> None:
        for process in self.workers:
            self.stack.kill(process)
        self.workers = []

    def redis_start(self) -> None:
        self.redis = redis_server_start(
            self.stack, port=self.redis_port, name=self._log_name("redis")
        )

    def redis_stop(self) -> None:
        assert self.redis is not None
        self.stack.kill(self.redis)
        self.redis = None

    def heal(self) -> None:
        """Start again whatever a scenario left stopped, so the next one finds the whole stack.
        A process that exited by itself is a finding: it goes into the figures."""
        for process in [p for p in self.stack.processes if p.poll() is not None]:
            FIGURES.append(f"note: {process.args!r} exited by itself ({process.returncode})")
            self.stack.processes.remove(process)
            self.servers = [None if p is process else p for p in self.servers]
            self.workers = [p for p in self.workers if p is not process]
            if process is self.redis:
                self.redis = None
            if process is self.beat:
                self.beat = None
        if self.beat is None:
            self.beat = beat_start(self.stack)
        if self.redis is None:
            self.redis_start()
        if not self.workers:
            self.worker_start()
        for index, server in enumerate(self.servers):
            if server is None:
                self.server_start(index)

    def django(self, function: str, **arguments: Any) -> Any:
        """Call a function of tests/faults/seed.py inside the stack's Django; its JSON result."""
        code = f"from tests.faults.seed import run; run({function!r}, {json.dumps(arguments)!r})"
        return json.loads(self.stack.manage("shell", "-c", code).strip().splitlines()[-1])


@contextmanager
def fault_stack(tmp: Path) -> Iterator[FaultStack]:
    database = postgres_url(suffix="_faults")
    redis_port = free_port()
    stack = Stack(
        env=base_env(
            tmp, DATABASE_URL=database, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", **SETTINGS
        ),
        base_url="",
        logs=tmp,
    )
    faults = FaultStack(
        stack=stack,
        database_url=database,
        redis_port=redis_port,
        ports=[free_port(), free_port()],
        tokens=[],
        probes=[],
        servers=[None, None],
    )
    try:
        faults.redis_start()
        stack.manage("migrate", "--noinput")
        seeded = faults.django(
            "platform_seed",
            slugs=list(SLUGS),
            contributors=CLIENTS + PROBES,
            images=IMAGES,
            redundancy=REDUNDANCY,
        )
        faults.tokens = seeded["tokens"][:CLIENTS]
        faults.probes = seeded["tokens"][CLIENTS:]
        faults.worker_start()
        faults.beat = beat_start(stack)
        for index in range(len(faults.ports)):
            faults.server_start(index)
        stack.base_url = faults.urls[0]
        yield faults
    finally:
        stack.stop()
