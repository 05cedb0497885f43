"""The project dashboard updates live when someone transcribes elsewhere."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def transcriptions_now(site) -> int:
    body = httpx.get(f"{site.base_url}/api/projects/demo-references/", timeout=30).json()
    return int(body["progress"].get("transcriptions", 0))


def test_the_dashboard_counts_a_transcription_made_in_another_page(site, page):
    before = transcriptions_now(site)
    page.goto(f"{site.base_url}/projects/demo-references/")
    expect(page.locator("[data-live-project]")).to_have_attribute("data-live-connection", "open")
    expect(page.locator("[data-count-text='transcriptions']")).to_contain_text(str(before))

    token = httpx.post(
        f"{site.base_url}/api/auth/token/",
        data={"username": "contributor5", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    with httpx.Client(
        base_url=site.base_url, headers={"Authorization": f"Token {token}"}, timeout=30
    ) as http:
        body = http.post("/api/projects/demo-references/next-task/").json()
        response = http.post(
            f"/api/tasks/{body['task']['id']}/transcriptions/",
            json={
                "lease": body["lease"]["id"],
                "values": {"type": "book", "title": "Le jazz et ses visages"},
                "idempotency_key": "dashboard-1",
            },
        )
        assert response.status_code == 201, response.text

    # No reload: the snapshot arrives over the socket.
    expect(page.locator("[data-count-text='transcriptions']")).to_contain_text(str(before + 1))
