"""Stack tier: an export asked over HTTP is written by the real worker, announced over the
lead's WebSocket through Redis, and downloaded through the access-checked view."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from dwca.read import DwCAReader

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.web import api_token, login, ws_connect, ws_receive, ws_receive_until

pytestmark = pytest.mark.stack


async def test_an_export_runs_in_the_worker_and_the_lead_hears_it_is_ready(stack, tmp_path):
    lead = login(stack.base_url, "lead", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, "/ws/projects/demo-herbarium/", base_url=stack.base_url, client=lead
    )
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    headers = {"Authorization": f"Token {token}"}
    try:
        assert (await ws_receive(socket))["type"] == "snapshot"
        response = httpx.post(
            f"{stack.base_url}/api/projects/demo-herbarium/exports/",
            json={"format": "dwca"},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 202, response.text
        export_id = response.json()["id"]
        ready = await ws_receive_until(
            socket, lambda m: m["type"] == "export" and m["state"] in ("done", "failed")
        )
    finally:
        await socket.close()
    assert ready["id"] == export_id
    assert ready["state"] == "done", ready["error"]
    download = httpx.get(f"{stack.base_url}{ready['download']}", headers=headers, timeout=30)
    assert download.status_code == 200
    path = tmp_path / "demo.zip"
    path.write_bytes(download.content)
    assert zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None
    with DwCAReader(str(path)) as archive:
        assert archive.metadata.find(".//intellectualRights//ulink") is not None
    stack.wait_for_log("worker", "worker.jobs.export_run")
    # A contributor may not download the lead's export while the data is not open.
    other = api_token(stack.base_url, "contributor1", DEMO_PASSWORD)
    refused = httpx.get(
        f"{stack.base_url}{ready['download']}",
        headers={"Authorization": f"Token {other}"},
        timeout=30,
    )
    assert refused.status_code == 403
