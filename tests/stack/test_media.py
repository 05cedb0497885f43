"""Stack tier: the outsider's scenario over HTTP against the real server and worker. A GIF
whose comment holds a script, uploaded as `x.html` to a public project, comes back from
`/media/` only as a GIF, with nosniff and a sandbox CSP; pages and API answers carry the
site's Content-Security-Policy."""

from __future__ import annotations

import time

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.images import image_bytes
from tests.web import api_token

pytestmark = pytest.mark.stack

SLUG = "stack-media"
HTML = b"<html><body><script>fetch('/api/me/').then(r => r.text()).then(alert)</script></body>"


def test_a_script_gif_uploaded_as_x_html_to_a_public_project_is_served_only_as_a_gif(stack):
    token = api_token(stack.base_url, "lead", DEMO_PASSWORD)
    with httpx.Client(
        base_url=stack.base_url, headers={"Authorization": f"Token {token}"}, timeout=60
    ) as http:
        created = http.post(
            "/api/projects/",
            json={
                "slug": SLUG,
                "title_fr": "Médias",
                "title_en": "Media",
                "preset": "herbarium",
                "visibility": "public",
            },
        )
        assert created.status_code == 201, created.text
        opened = http.patch(f"/api/projects/{SLUG}/", json={"status": "active"})
        assert opened.status_code == 200, opened.text
        polyglot = image_bytes((300, 200), format="GIF", seed=501, comment=HTML)
        response = http.post(
            f"/api/projects/{SLUG}/batches/", files=[("files", ("x.html", polyglot, "text/html"))]
        )
        assert response.status_code == 201, response.text
        batch_id = response.json()["id"]
        deadline = time.monotonic() + 120
        while True:
            body = http.get(f"/api/batches/{batch_id}/").json()
            if body["state"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert body["state"] == "done", body
        assert body["counts"]["ok"] == 1, body
        task = http.post(f"/api/projects/{SLUG}/next-task/").json()["task"]
        assert task["image"].endswith(".gif"), task["image"]
        assert "html" not in task["image"]
        api_policy = http.get(f"/api/projects/{SLUG}/").headers["content-security-policy"]
    # Fetched as any visitor would, without credentials.
    media = httpx.get(task["image"], timeout=30)
    assert media.status_code == 200
    assert media.content == polyglot
    assert media.headers["content-type"] == "image/gif"
    assert media.headers["x-content-type-options"] == "nosniff"
    assert media.headers["content-security-policy"] == (
        "sandbox; default-src 'none'; frame-ancestors 'none'"
    )
    page = httpx.get(f"{stack.base_url}/projects/{SLUG}/", timeout=30)
    for policy in (api_policy, page.headers["content-security-policy"]):
        assert "script-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy
