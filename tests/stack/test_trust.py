"""Stack tier: the second outsider's scenario over HTTP against the real server and worker.
Two accounts signed up a minute earlier ask for work on a public project one after the other,
get the same image and type the same made-up values: nothing is settled, the image asks for
another reader."""

from __future__ import annotations

import time

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.images import image_bytes
from tests.web import api_token

pytestmark = pytest.mark.stack

SLUG = "stack-trust"
MADE_UP = {"scientificName": "Quercus fantasia L.", "country": "France", "eventDate": "01/01/1900"}


def sign_up(base_url: str, username: str) -> str:
    """A brand-new account, made through the sign-up page as anyone would; its API token."""
    with httpx.Client(base_url=base_url, timeout=30) as browser:
        browser.get("/accounts/signup/")
        password = "a long and unlikely passphrase 42"
        response = browser.post(
            "/accounts/signup/",
            data={
                "username": username,
                "email": f"{username}@example.org",
                "password1": password,
                "password2": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": f"{base_url}/accounts/signup/"},
        )
        assert response.status_code == 302, response.text[:500]
    return api_token(base_url, username, password)


def test_two_brand_new_accounts_agreeing_on_made_up_values_settle_nothing(stack):
    lead = {"Authorization": f"Token {api_token(stack.base_url, 'lead', DEMO_PASSWORD)}"}
    with httpx.Client(base_url=stack.base_url, headers=lead, timeout=60) as http:
        created = http.post(
            "/api/projects/",
            json={
                "slug": SLUG,
                "title_fr": "Confiance",
                "title_en": "Trust",
                "preset": "herbarium",
                "visibility": "public",
            },
        )
        assert created.status_code == 201, created.text
        settings = {"status": "active", "redundancy_min": 2, "redundancy_max": 3}
        assert http.patch(f"/api/projects/{SLUG}/", json=settings).status_code == 200
        sheet = image_bytes((400, 300), format="JPEG", seed=77)
        batch = http.post(
            f"/api/projects/{SLUG}/batches/", files=[("files", ("sheet.jpg", sheet, "image/jpeg"))]
        )
        assert batch.status_code == 201, batch.text
        deadline = time.monotonic() + 120
        while http.get(f"/api/batches/{batch.json()['id']}/").json()["state"] != "done":
            assert time.monotonic() < deadline, "the batch was not ingested"
            time.sleep(0.5)

        images = set()
        for name in ("newcomer_a", "newcomer_b"):
            token = sign_up(stack.base_url, name)
            outsider = {"Authorization": f"Token {token}"}
            taken = httpx.post(
                f"{stack.base_url}/api/projects/{SLUG}/next-task/", headers=outsider, timeout=30
            )
            assert taken.status_code == 200, taken.text
            task, lease = taken.json()["task"]["id"], taken.json()["lease"]["id"]
            images.add(task)
            sent = httpx.post(
                f"{stack.base_url}/api/tasks/{task}/transcriptions/",
                json={"lease": lease, "values": MADE_UP, "idempotency_key": f"{name}-1"},
                headers=outsider,
                timeout=30,
            )
            assert sent.status_code in (200, 201), sent.text
        assert len(images) == 1, "both newcomers should have been given the same image"
        (image,) = images

        # The real worker reconciles after each submission; wait for the second one.
        deadline = time.monotonic() + 60
        while True:
            results = http.get(f"/api/projects/{SLUG}/field-results/").json()["results"]
            if results and max(r["n"] for r in results) == 2:
                break
            assert time.monotonic() < deadline, results
            time.sleep(0.5)

        state = http.get(f"/api/tasks/{image}/").json()["state"]

    assert {r["status"] for r in results} == {"needs_more"}, results
    assert state == "needs_more"
