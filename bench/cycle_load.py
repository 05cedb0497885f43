"""The assignment benchmark's load and what it costs: the lean HTTP client its simulated
volunteers use, their next-task -> submit cycles, and the CPU each process of the run used."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit


class LeanHttp:
    """A minimal HTTP/1.1 client over one kept-alive connection: the load generator shares the
    machine's 2 cores with what it measures, and a full client library (httpx) cost about 4 ms
    of CPU per cycle. It still sends real requests: token authentication, JSON bodies, the
    status and body read back, chunked or not."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.head = (
            f"Host: {self.host}\r\nAuthorization: Token {token}\r\n"
            "Content-Type: application/json\r\n"
        )
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status = int((await self.reader.readline()).split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            parts = []
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            data = b"".join(parts)
        else:
            data = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def http_cycles(
    base_url: str, slug: str, tokens: list[str], seconds: float, run: str = "run"
) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    done = 0
    errors = 0

    async def client(token: str) -> None:
        nonlocal done, errors
        http = LeanHttp(base_url, token)
        n = 0
        try:
            while time.monotonic() < deadline:
                status, data = await http.post(f"/api/projects/{slug}/next-task/")
                if status != 200:
                    errors += 1
                    continue
                body = json.loads(data)
                n += 1
                status, _ = await http.post(
                    f"/api/tasks/{body['task']['id']}/transcriptions/",
                    json.dumps(
                        {
                            "lease": body["lease"]["id"],
                            "values": {
                                "scientificName": "Quercus ilex L.",
                                "minimumElevationInMeters": "650 m",
                            },
                            "idempotency_key": f"{run}-{token[:8]}-{n}",
                        }
                    ).encode(),
                )
                if status == 201:
                    done += 1
                else:
                    errors += 1
        finally:
            await http.close()

    await asyncio.gather(*(client(token) for token in tokens))
    return done, errors


def cpu_by_role(pids: dict[str, list[int]], database: str) -> dict[str, float]:
    """CPU seconds used so far by the processes of this benchmark, read from /proc: the ASGI
    server and the Celery worker (`pids`, with their children), the PostgreSQL backends serving
    the benchmark's `database`, Redis and this load generator. Where a cycle's cost goes on a
    shared 2-core machine; other people's processes are left out (but Redis may serve them)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid], commands[pid] = int(fields[1]), command
        times[pid] = (int(fields[11]) + int(fields[12])) / ticks

    def role_of(pid: int) -> str | None:
        if pid == os.getpid():
            return "load generator"
        if "redis-server" in commands[pid]:
            return "redis"
        if commands[pid].startswith("postgres:") and f" {database} " in commands[pid]:
            return "postgres"
        seen = pid
        while seen > 1:
            for role, roots in pids.items():
                if seen in roots:
                    return role
            seen = parents.get(seen, 0)
        return None

    used: dict[str, float] = {}
    for pid, spent in times.items():
        role = role_of(pid)
        if role:
            used[role] = used.get(role, 0.0) + spent
    return used
