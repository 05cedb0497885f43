"""Stack tier: PostgreSQL, Redis, a Celery worker and the ASGI server, as in production."""

from __future__ import annotations

import pytest
import websockets

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.web import api_token, login, ws_connect, ws_receive, ws_receive_until

pytestmark = pytest.mark.stack


async def test_a_job_sent_by_the_web_process_runs_in_the_worker_and_its_event_reaches_a_websocket(
    stack,
):
    watcher = login(stack.base_url, "contributor1", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, "/ws/projects/demo-herbarium/", base_url=stack.base_url, client=watcher
    )
    try:
        first = await ws_receive(socket)
        assert first["type"] == "snapshot"
        token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
        import httpx

        response = httpx.patch(
            f"{stack.base_url}/api/projects/demo-herbarium/",
            json={"title_en": "Demonstration herbarium (renamed)"},
            headers={"Authorization": f"Token {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text

        # Sent by the web process on commit, through Redis.
        updated = await ws_receive_until(socket, lambda m: m["type"] == "project.updated")
        assert updated["project"] == "demo-herbarium"
        # Counted by the worker (the web process has no eager jobs with REDIS_URL), through Redis.
        snapshot = await ws_receive_until(
            socket, lambda m: m["type"] == "snapshot" and m["updated_at"] != first["updated_at"]
        )
        assert snapshot["progress"]["tasks"]["open"] == 2
    finally:
        await socket.close()
    stack.wait_for_log("worker", "worker.jobs.progress_refresh")
    assert "succeeded" in stack.log("worker")


async def test_the_socket_refuses_a_non_member_of_a_members_only_project(stack):
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    import httpx

    response = httpx.patch(
        f"{stack.base_url}/api/projects/demo-references/",
        json={"visibility": "members"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    outsider = login(stack.base_url, "contributor2", DEMO_PASSWORD)
    assert outsider.get("/projects/demo-references/").status_code == 404
    socket = await ws_connect(
        stack.ws_url, "/ws/projects/demo-references/", base_url=stack.base_url, client=outsider
    )
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws_receive(socket)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4404
    member = login(stack.base_url, "curator", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, "/ws/projects/demo-references/", base_url=stack.base_url, client=member
    )
    assert (await ws_receive(socket))["type"] == "snapshot"
    await socket.close()


async def test_the_socket_rejects_another_sites_origin(stack):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"{stack.ws_url}/ws/projects/demo-herbarium/",
            additional_headers={"Origin": "http://evil.example"},
            open_timeout=10,
        )
    assert refused.value.response.status_code == 403


async def test_transcriptions_over_http_are_reconciled_by_the_worker_and_watchers_hear_it(stack):
    """Two volunteers answer over HTTP; the worker reconciles what they answered and the
    curator watching the project hears it. The second is not always given the first's image:
    while the worker reconciles the first answer it holds that image's lock, and next-task
    passes locked images (`SKIP LOCKED`) rather than wait; on a loaded machine the two meet.
    Depth first is the assignment tests' business."""
    import httpx

    watcher = login(stack.base_url, "curator", DEMO_PASSWORD)
    socket = await ws_connect(
        stack.ws_url, "/ws/projects/demo-herbarium/", base_url=stack.base_url, client=watcher
    )
    try:
        await ws_receive(socket)
        values = {
            "scientificName": "Quercus pubescens Willd.",
            "eventDate": "12 juin 1898",
            "country": "FR",
            # Printed on the label: the image is complete without the demo's georeference step.
            "coordinates": "45.1885, 5.7245",
        }
        task_ids = set()
        for name in ("contributor3", "contributor4"):
            headers = {"Authorization": f"Token {api_token(stack.base_url, name, DEMO_PASSWORD)}"}
            with httpx.Client(base_url=stack.base_url, headers=headers, timeout=30) as http:
                body = http.post("/api/projects/demo-herbarium/next-task/").json()
                task_ids.add(body["task"]["id"])
                submitted = http.post(
                    f"/api/tasks/{body['task']['id']}/transcriptions/",
                    json={
                        "lease": body["lease"]["id"],
                        "values": values,
                        "idempotency_key": f"{name}-1",
                    },
                )
                assert submitted.status_code == 201, submitted.text
        reconciled = await ws_receive_until(
            socket, lambda m: m["type"] == "task.reconciled" and m["task"] in task_ids
        )
        assert reconciled["state"] in {"open", "needs_more", "complete", "disputed"}
    finally:
        await socket.close()
    assert "worker.jobs.reconcile" in stack.log("worker")
