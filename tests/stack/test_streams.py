"""Stack tier: slow readers of streamed downloads do not hold the database. A real Uvicorn with
a pool of two connections serves more stalled export downloads than its pool holds (each reads
a first block, then stops reading), and an ordinary request that needs the database still
answers."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.servers import Stack, free_port, uvicorn_command
from tests.web import api_token

pytestmark = pytest.mark.stack

POOL = 2
# Larger than what the loopback socket buffers and the server's write buffer take together
# (a few MiB), so that a reader who stops stalls the server mid-file. Sparse: no disk used.
EXPORT_BYTES = 64 << 20
STALLED = POOL + 2


def _big_export(stack: Stack) -> int:
    relative = "streams/big.zip"
    path = Path(stack.env["EXPORT_ROOT"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.truncate(EXPORT_BYTES)
    code = (
        "from django.utils import timezone; "
        "from crowd.models import User; "
        "from tasks.models import Export, Project; "
        "e = Export.objects.create(project=Project.objects.get(slug='demo-herbarium'), "
        "format='csv', state='done', requested_by=User.objects.get(username='lead'), "
        f"base_url='http://x/', path={relative!r}, size={EXPORT_BYTES}, "
        "finished_at=timezone.now()); print(e.pk)"
    )
    return int(stack.manage("shell", "-c", code).strip().splitlines()[-1])


@pytest.fixture
def small_pool_server(stack, tmp_path):
    """A second ASGI process on the stack's database, with a pool of two connections."""
    port = free_port()
    server = Stack(
        env={**stack.env, "DB_POOL_SIZE": str(POOL)},
        base_url=f"http://127.0.0.1:{port}",
        logs=tmp_path,
    )
    server.start("server", uvicorn_command(port))
    try:
        server.wait_for_http()
        yield server
    finally:
        server.stop()


def test_more_stalled_downloads_than_the_pool_holds_leave_the_database_to_other_requests(
    stack, small_pool_server
):
    export_id = _big_export(stack)
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    headers = {"Authorization": f"Token {token}"}
    base = small_pool_server.base_url
    readers = []  # kept: an iterator dropped half-way closes its connection
    with ExitStack() as stalled:
        for _ in range(STALLED):
            client = stalled.enter_context(httpx.Client(base_url=base, headers=headers))
            response = stalled.enter_context(
                client.stream("GET", f"/api/exports/{export_id}/download/", timeout=60)
            )
            assert response.status_code == 200
            # A first block, then the reader stops reading and keeps the connection open.
            readers.append(response.iter_raw(64 << 10))
            assert next(readers[-1])
        # The pool's timeout is 10 s: a request still waiting for a connection past it fails.
        page = httpx.get(f"{base}/api/projects/demo-herbarium/", headers=headers, timeout=60)
        assert page.status_code == 200, page.text[:500]
        assert page.json()["slug"] == "demo-herbarium"
    log = small_pool_server.log("server")
    assert "PoolTimeout" not in log, log[-3000:]
