"""Stack tier: Redis stops and starts again under a running platform.

The stack here has a Redis of its own (a private `redis-server` on a free port, which the test
stops: never a shared one), its own database, a Celery worker and an ASGI server. While Redis is
away, pages, next-task and submissions answer without a 5xx and readiness says "degraded"; once
it is back, a new socket connects, the worker takes jobs again, and a socket opened before the
outage hears events again.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tasks.jobs import BROKER_BREAKER_SECONDS
from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.servers import (
    BIN,
    Stack,
    base_env,
    free_port,
    missing,
    postgres_url,
    uvicorn_command,
)
from tests.web import (
    api_token,
    login,
    readiness_until,
    ws_connect,
    ws_receive,
    ws_receive_until,
)

pytestmark = pytest.mark.stack

SLUG = "demo-herbarium"
NO_PERSISTENCE = ["--save", "", "--appendonly", "no"]
WORKER_FLAGS = ["--loglevel=INFO", "--without-gossip", "--without-mingle"]
VALUES = {
    "scientificName": "Quercus pubescens Willd.",
    "eventDate": "12 juin 1898",
    "country": "FR",
    # Printed on the label: the image is complete without the demo's georeference step.
    "coordinates": "45.1885, 5.7245",
}


class PrivateRedis:
    """A redis-server of this test's own, on `port`, that the test may stop and start."""

    def __init__(self, port: int, logs: Path) -> None:
        self.port, self.logs = port, logs
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        if server is None:
            missing("redis-server is not installed")
            raise AssertionError("unreachable")
        log = open(self.logs / "redis.log", "ab")  # noqa: SIM115 closed with the process
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise AssertionError("the private redis-server did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=15)
            self.process = None


@pytest.fixture(scope="module")
def outage(tmp_path_factory) -> Iterator[tuple[Stack, PrivateRedis]]:
    tmp = tmp_path_factory.mktemp("redis-outage")
    private = PrivateRedis(free_port(), tmp)
    database = postgres_url(suffix="_redis_outage")
    private.start()
    port = free_port()
    stack = Stack(
        env=base_env(tmp, DATABASE_URL=database, REDIS_URL=private.url),
        base_url=f"http://127.0.0.1:{port}",
        logs=tmp,
    )
    try:
        stack.manage("migrate", "--noinput")
        stack.manage("seed_demo", "--images", "3")
        stack.start(
            "worker",
            [str(BIN / "celery"), "-A", "worker", "worker", "--pool=solo", *WORKER_FLAGS],
        )
        stack.wait_for_log("worker", "ready.")
        stack.start("server", uvicorn_command(port))
        stack.wait_for_http()
        yield stack, private
    finally:
        stack.stop()
        private.stop()


def _take_and_submit(http: httpx.Client, key: str) -> tuple[int, int, int]:
    """Next-task then a submission on the image given: (next-task status, submit status, task)."""
    taken = http.post(f"/api/projects/{SLUG}/next-task/")
    if taken.status_code != 200:
        return taken.status_code, 0, 0
    body = taken.json()
    sent = http.post(
        f"/api/tasks/{body['task']['id']}/transcriptions/",
        json={"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": key},
    )
    return taken.status_code, sent.status_code, body["task"]["id"]


async def _heard_again(base_url: str, socket: Any, lead_token: str, seconds: float = 60) -> bool:
    """Whether a project event sent by the lead (the title changed) reaches `socket`, sent
    again every 2 s it is not heard, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Token {lead_token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as lead:
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            title = f"Herbier de démonstration ({attempt})"
            assert lead.patch(f"/api/projects/{SLUG}/", json={"title_en": title}).status_code == 200
            try:
                await ws_receive_until(socket, lambda m: m["type"] == "project.updated", timeout=2)
                return True
            except AssertionError:
                continue
    return False


async def test_the_platform_answers_while_its_redis_is_stopped_and_sockets_come_back_after(
    outage,
):
    stack, private = outage
    tokens = {
        name: api_token(stack.base_url, name, DEMO_PASSWORD)
        for name in ("contributor1", "contributor2")
    }
    reader = login(stack.base_url, "contributor1", DEMO_PASSWORD)
    curator = login(stack.base_url, "curator", DEMO_PASSWORD)
    before = await ws_connect(
        stack.ws_url, f"/ws/projects/{SLUG}/", base_url=stack.base_url, client=curator
    )
    try:
        assert (await ws_receive(before))["type"] == "snapshot"

        private.stop()
        headers = {"Authorization": f"Token {tokens['contributor1']}"}
        with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as http:
            statuses = [
                reader.get("/").status_code,
                reader.get(f"/projects/{SLUG}/").status_code,
                http.get("/api/projects/").status_code,
            ]
            taken, sent, first_task = _take_and_submit(http, "outage-1")
            ready = readiness_until(stack.base_url, lambda r: r.status_code == 200)
        assert statuses == [200, 200, 200]
        assert (taken, sent) == (200, 201)
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["parts"]["database"] == "ok"
        assert "Redis cache unreachable" in stack.log("server")

        private.start()
        # A new socket after the outage: the server's stale pooled connection is replaced.
        after = await ws_connect(
            stack.ws_url, f"/ws/projects/{SLUG}/", base_url=stack.base_url, client=reader
        )
        assert (await ws_receive(after))["type"] == "snapshot"
        await after.close()
        # Each process keeps its readiness answer 2 s: "ok" once the degraded one has aged out.
        status = readiness_until(stack.base_url, lambda r: r.json()["status"] == "ok").json()[
            "status"
        ]
        assert status == "ok"
        # The server has subscribed the socket opened before the outage again: an event sent
        # now reaches it (asked again until one does: Redis does not keep what it could not
        # deliver, and the subscription comes back on its own time).
        assert await _heard_again(
            stack.base_url, before, api_token(stack.base_url, "lead", DEMO_PASSWORD)
        )

        # Jobs sent within the broker breaker's moment after a failure are left to the sweeps;
        # past it, the server sends again.
        time.sleep(BROKER_BREAKER_SECONDS)
        # The worker takes jobs again, and the socket opened before the outage hears their
        # events: a second answer on the same image is reconciled and told to the curators.
        headers = {"Authorization": f"Token {tokens['contributor2']}"}
        with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as http:
            taken, sent, second_task = _take_and_submit(http, "after-1")
        assert (taken, sent) == (200, 201)
        assert second_task == first_task  # depth first: the image the first answer started
        reconciled = await ws_receive_until(
            before, lambda m: m["type"] == "task.reconciled" and m["task"] == first_task
        )
        assert reconciled["state"] == "complete"
    finally:
        await before.close()


def test_readiness_answers_503_when_the_database_does_not(tmp_path):
    port = free_port()
    stack = Stack(
        env=base_env(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"),
        base_url=f"http://127.0.0.1:{port}",
        logs=tmp_path,
    )
    stack.start("server", uvicorn_command(port))
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{stack.base_url}/health/live", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        response = httpx.get(f"{stack.base_url}/health/ready", timeout=30)
        assert response.status_code == 503
        assert response.json()["status"] == "down"
        assert response.json()["parts"]["database"] == "down"
        assert "nowhere" not in response.text
    finally:
        stack.stop()
