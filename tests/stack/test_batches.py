"""Stack tier: a batch uploaded over HTTP is ingested by the real Celery worker, and its
progress reaches a WebSocket through Redis."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.iiif_server import http_server, manifest_v3
from tests.images import PDF, jpeg, zip_bytes
from tests.web import api_token, login, ws_connect, ws_receive, ws_receive_until

pytestmark = pytest.mark.stack


SLUG = "stack-batches"


def project_create(base_url: str, token: str) -> None:
    """A project of its own, so that the demo projects other tests count stay as they are."""
    headers = {"Authorization": f"Token {token}"}
    created = httpx.post(
        f"{base_url}/api/projects/",
        json={"slug": SLUG, "title_fr": "Lots", "title_en": "Batches", "preset": "herbarium"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    opened = httpx.patch(
        f"{base_url}/api/projects/{SLUG}/", json={"status": "active"}, headers=headers, timeout=30
    )
    assert opened.status_code == 200, opened.text


async def test_a_batch_uploaded_over_http_is_ingested_by_the_worker_and_watchers_hear_it(stack):
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    project_create(stack.base_url, token)
    watcher = login(stack.base_url, "lead", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, f"/ws/projects/{SLUG}/", base_url=stack.base_url, client=watcher
    )
    try:
        await ws_receive(socket)
        archive = zip_bytes(
            [
                ("stack/one.jpg", jpeg(101, (700, 500))),
                ("stack/two.jpg", jpeg(102, (300, 900))),
                ("stack/not-an-image.jpg", PDF),
                ("../outside.jpg", jpeg(103)),
                ("__MACOSX/stack/._one.jpg", b"fork"),
            ]
        )
        with httpx.Client(
            base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=60
        ) as http:
            response = http.post(
                f"/api/projects/{SLUG}/batches/",
                files=[
                    ("zip", ("stack.zip", archive, "application/zip")),
                    ("files", ("three.jpg", jpeg(104), "image/jpeg")),
                    ("metadata", ("m.csv", b"file,barcode\none.jpg,S1\n", "text/csv")),
                ],
                data={"name": "Stack tier"},
            )
            assert response.status_code == 201, response.text
            batch_id = response.json()["id"]
            # The web process has no eager jobs with REDIS_URL: the worker ingests.
            deadline = time.monotonic() + 120
            while True:
                body = http.get(f"/api/batches/{batch_id}/").json()
                if body["state"] in ("done", "failed") or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert body["state"] == "done", body
            assert body["counts"]["ok"] == 3
            assert {failure["file"]: failure["code"] for failure in body["failed"]} == {
                "stack/not-an-image.jpg": "not_image",
                "../outside.jpg": "zip_unsafe_path",
            }
            # The tiles are where a IIIF viewer looks for them.
            task = http.post(f"/api/projects/{SLUG}/next-task/").json()["task"]
            info = http.get(task["iiif"]).json()
            assert info["type"] == "ImageService3"
            # The service's id is whole, as IIIF clients on other sites need it.
            assert info["id"].startswith(f"{stack.base_url}/media/")
            tile = http.get(
                f"{info['id']}/full/{info['sizes'][0]['width']},"
                f"{info['sizes'][0]['height']}/0/default.jpg"
            )
            assert tile.status_code == 200
            assert tile.headers["content-type"] == "image/jpeg"
        finished = await ws_receive_until(
            socket, lambda m: m["type"] == "batch.progress" and m.get("finished")
        )
        assert finished["batch"] == batch_id
        assert finished["files_ok"] == 3
        assert finished["files_failed"] == 2
    finally:
        await socket.close()
    assert "worker.jobs.batch_file_ingest" in stack.log("worker")
    assert "worker.jobs.batch_close" in stack.log("worker")


def project_ensure(base_url: str, token: str) -> None:
    """The module's project, whichever of its tests runs first."""
    found = httpx.get(
        f"{base_url}/api/projects/{SLUG}/", headers={"Authorization": f"Token {token}"}, timeout=30
    )
    if found.status_code == 404:
        project_create(base_url, token)


def batch_wait(http: httpx.Client, batch_id: int, *, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        body = http.get(f"/api/batches/{batch_id}/").json()
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


class BusyOnce(dict):
    """Routes whose manifest answers 503 the first time it is asked for, then itself."""

    manifest_asked = 0

    def get(self, path, default=None):
        if path == "/manifest.json":
            self.manifest_asked += 1
            if self.manifest_asked == 1:
                return (503, b"busy", {})
        return super().get(path, default)


async def test_a_iiif_import_is_read_by_the_worker_which_retries_a_busy_server(stack):
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    project_ensure(stack.base_url, token)
    routes = BusyOnce()
    with (
        http_server(routes) as base,
        httpx.Client(
            base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=60
        ) as http,
    ):
        images = [("Stack A", f"{base}/a.jpg", None), ("Stack B", f"{base}/b.jpg", None)]
        routes["/a.jpg"] = (200, jpeg(201, (400, 300)), {})
        routes["/b.jpg"] = (200, jpeg(202, (300, 400)), {})
        routes["/manifest.json"] = (200, json.dumps(manifest_v3(base, images)).encode(), {})
        response = http.post(
            f"/api/projects/{SLUG}/batches/", json={"manifest_url": f"{base}/manifest.json"}
        )
        # Answered before anything is fetched: the worker reads the manifest.
        assert response.status_code == 202, response.text
        body = batch_wait(http, response.json()["id"])
    assert body["state"] == "done", body
    assert body["counts"]["ok"] == 2
    assert routes.manifest_asked == 2
    assert "worker.jobs.iiif_manifest_fetch" in stack.log("worker")


async def test_watchers_hear_that_a_iiif_import_failed_and_the_api_says_why(stack):
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    project_ensure(stack.base_url, token)
    watcher = login(stack.base_url, "lead", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, f"/ws/projects/{SLUG}/", base_url=stack.base_url, client=watcher
    )
    try:
        await ws_receive(socket)
        with (
            http_server({}) as base,
            httpx.Client(
                base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=60
            ) as http,
        ):
            response = http.post(
                f"/api/projects/{SLUG}/batches/", json={"manifest_url": f"{base}/gone.json"}
            )
            assert response.status_code == 202, response.text
            batch_id = response.json()["id"]
            finished = await ws_receive_until(
                socket,
                lambda m: (
                    m["type"] == "batch.progress" and m["batch"] == batch_id and m["finished"]
                ),
            )
            body = http.get(f"/api/batches/{batch_id}/").json()
    finally:
        await socket.close()
    assert finished["state"] == "failed"
    assert body["error_code"] == "manifest_not_found"
    assert "HTTP 404" in body["error"]
