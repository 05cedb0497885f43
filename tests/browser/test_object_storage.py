"""Browser tier: with object storage (MEDIA_STORAGE=s3, a real S3 server from
tests/s3_server.py), a volunteer of a members-only project sees its image: the viewer's tiles
are redirected to signed addresses of the storage, which the pages' Content-Security-Policy
lets in, and every tile loads."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.test_csp import COLLECT
from tests.browser.tutorial import tutorials_seen
from tests.images import image_bytes
from tests.s3_server import S3Server
from tests.servers import embedded_stack
from tests.web import api_token

pytestmark = pytest.mark.browser

SLUG = "browser-s3"


@pytest.fixture(scope="module")
def s3_site(tmp_path_factory):
    with S3Server() as s3, embedded_stack(tmp_path_factory.mktemp("s3"), env=s3.env) as site:
        token = api_token(site.base_url, "lead", DEMO_PASSWORD)
        with httpx.Client(
            base_url=site.base_url, headers={"Authorization": f"Token {token}"}, timeout=60
        ) as lead:
            created = lead.post(
                "/api/projects/",
                json={"slug": SLUG, "title_fr": "S3", "title_en": "S3", "preset": "herbarium",
                      "visibility": "members"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            lead.patch(f"/api/projects/{SLUG}/", json={"status": "active"}).raise_for_status()
            lead.post(
                f"/api/projects/{SLUG}/members/",
                json={"username": "contributor1", "role": "contributor"},
            ).raise_for_status()
            image = image_bytes((1600, 1100), format="JPEG", seed=81)
            batch = lead.post(
                f"/api/projects/{SLUG}/batches/", files=[("files", ("s.jpg", image, "image/jpeg"))]
            ).json()
            deadline = time.monotonic() + 120
            while lead.get(f"/api/batches/{batch['id']}/").json()["state"] != "done":
                assert time.monotonic() < deadline, "the batch was not ingested"
                time.sleep(0.5)
        yield s3, site


def test_a_members_only_image_is_drawn_from_the_storage_s_signed_addresses(s3_site, browser):
    s3, site = s3_site
    context = tutorials_seen(browser.new_context(locale="en-GB"))
    context.set_default_timeout(15_000)
    context.add_init_script(COLLECT)
    page = context.new_page()
    answers: list[tuple[int, str]] = []
    page.on("response", lambda response: answers.append((response.status, response.url)))
    page.goto(f"{site.base_url}/accounts/login/")
    page.locator("input[name=username]").fill("contributor1")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    page.goto(f"{site.base_url}/projects/{SLUG}/transcribe/")
    expect(page.locator("[data-task-heading]")).to_be_visible()
    page.wait_for_function(
        "() => window.crowdViewer && window.crowdViewer.world.getItemCount() === 1"
        " && window.crowdViewer.world.getItemAt(0).getFullyLoaded()"
    )
    assert page.evaluate("window.__violations") == []
    redirected = [url for status, url in answers if status == 302 and "/media/" in url]
    signed = [(status, url) for status, url in answers if url.startswith(s3.endpoint_url)]
    assert redirected, answers
    assert signed, answers
    assert all(status == 200 for status, _ in signed), signed
    assert all("X-Amz-Signature=" in url for _, url in signed)
    context.close()
