"""Browser tier: a lead uploads a zip of good and bad files and watches it ingest, live."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.images import PDF, jpeg, zip_bytes

pytestmark = pytest.mark.browser


SLUG = "browser-batches"


def project_create(base_url: str) -> None:
    """A project of its own, so that the demo projects other tests count stay as they are."""
    token = httpx.post(
        f"{base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    created = httpx.post(
        f"{base_url}/api/projects/",
        json={"slug": SLUG, "title_fr": "Lots", "title_en": "Batches", "preset": "herbarium"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text


def test_a_lead_uploads_a_mixed_zip_and_sees_progress_and_failures_arrive_without_reload(
    site, page
):
    project_create(site.base_url)
    page.goto(f"{site.base_url}/accounts/login/?next=/projects/{SLUG}/settings/")
    page.locator("input[name=username]").fill("lead")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/projects/{SLUG}/settings/$"))
    page.locator("[data-upload-link]").click()
    expect(page).to_have_url(re.compile(f"/projects/{SLUG}/batches/$"))
    root = page.locator("[data-batch-upload]")
    expect(root).to_have_attribute("data-live-connection", "open")
    page.evaluate("() => { window.notReloaded = true; }")

    archive = zip_bytes(
        [
            ("browser/one.jpg", jpeg(201, (600, 400))),
            ("browser/two.jpg", jpeg(202, (400, 600))),
            ("browser/three.jpg", jpeg(203)),
            ("browser/minutes.jpg", PDF),
            ("../escape.jpg", jpeg(204)),
            ("__MACOSX/browser/._one.jpg", b"fork"),
        ]
    )
    # The count of files chosen takes the singular or the plural as the number asks.
    page.locator("#upload-files").set_input_files(
        [{"name": "single.jpg", "mimeType": "image/jpeg", "buffer": jpeg(205)}]
    )
    expect(page.locator("[data-chosen]")).to_have_text("1 fichier choisi")
    page.locator("#upload-files").set_input_files(
        [
            {"name": "mixed.zip", "mimeType": "application/zip", "buffer": archive},
            {"name": "single.jpg", "mimeType": "image/jpeg", "buffer": jpeg(205)},
        ]
    )
    expect(page.locator("[data-chosen]")).to_have_text("2 fichiers choisis")
    page.locator("#upload-metadata").set_input_files(
        [{"name": "meta.csv", "mimeType": "text/csv", "buffer": b"file,barcode\none.jpg,B1\n"}]
    )
    page.locator("[data-upload-submit]").click()

    # Each file has its progress bar and status while it is sent.
    rows = page.locator("[data-file-list] li")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-file='mixed.zip'] [data-status]")).to_have_attribute(
        "data-status", "stored"
    )
    expect(page.locator("[data-file='single.jpg'] [data-status]")).to_have_attribute(
        "data-status", "stored"
    )
    # Then the ingest, live: the counts and the failures with their reasons.
    ingest = page.locator("[data-ingest]")
    expect(ingest).to_be_visible()
    expect(ingest).to_have_attribute("data-state", "done", timeout=60_000)
    expect(page.locator("[data-ingest-progress]")).to_have_js_property("value", 6)
    expect(page.locator("[data-ingest-counts]")).to_contain_text("6")
    failures = page.locator("[data-failures] tr")
    expect(failures).to_have_count(2)
    expect(page.locator("[data-failures] tr[data-code='not_image']")).to_contain_text(
        "browser/minutes.jpg"
    )
    expect(page.locator("[data-failures] tr[data-code='zip_unsafe_path']")).to_contain_text(
        "../escape.jpg"
    )
    assert page.evaluate("() => window.notReloaded") is True
    # The progress came over the project's socket, not only in the start request's answer.
    assert int(root.get_attribute("data-progress-events") or 0) >= 1
