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


def lead_token(base_url: str) -> str:
    return httpx.post(
        f"{base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]


def project_create(base_url: str, slug: str = SLUG) -> None:
    """A project of its own, so that the demo projects other tests count stay as they are."""
    created = httpx.post(
        f"{base_url}/api/projects/",
        json={"slug": slug, "title_fr": "Lots", "title_en": "Batches", "preset": "herbarium"},
        headers={"Authorization": f"Token {lead_token(base_url)}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text


def log_in_as_lead(page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.locator("input[name=username]").fill("lead")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"{re.escape(next_path)}$"))


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


FEEDBACK_SLUG = "browser-feedback"


def test_the_upload_says_where_it_is_beside_the_button_and_the_list_follows_live(site, page):
    """At a usual laptop size, the click's feedback is where the button is (no scrolling to
    find it), the button stays disabled while the files go, and the list of recent batches
    takes in the new batch, and one another lead sends meanwhile, without a reload."""
    project_create(site.base_url, FEEDBACK_SLUG)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_as_lead(page, site.base_url, f"/projects/{FEEDBACK_SLUG}/")
    # The dashboard leads to the upload page.
    page.locator("[data-upload-link]").click()
    expect(page).to_have_url(re.compile(f"/projects/{FEEDBACK_SLUG}/batches/$"))
    root = page.locator("[data-batch-upload]")
    expect(root).to_have_attribute("data-live-connection", "open")
    expect(page.locator("[data-no-batch]")).to_be_visible()
    page.evaluate("() => { window.notReloaded = true; }")

    # Each file request is held until the page has been looked at mid-send.
    held: list = []
    released: list[bool] = []

    def hold(route):
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"/api/batches/\d+/files/$"), hold)
    page.locator("#upload-files").set_input_files(
        [
            {"name": "one.jpg", "mimeType": "image/jpeg", "buffer": jpeg(301)},
            {"name": "two.jpg", "mimeType": "image/jpeg", "buffer": jpeg(302)},
        ]
    )
    expect(page.locator("[data-chosen]")).to_have_text("2 fichiers choisis")
    button = page.locator("[data-upload-submit]")
    feedback = page.locator("[data-upload-feedback]")
    with page.expect_request(re.compile(r"/api/batches/\d+/files/$")):
        button.click()
    # Mid-send: the button is disabled, and what happens is said beside it, on screen.
    expect(button).to_be_disabled()
    expect(feedback).to_be_visible()
    expect(feedback).to_be_in_viewport()
    expect(feedback).to_have_attribute("data-phase", "sending")
    expect(page.locator("[data-feedback-text]")).to_contain_text("sur 2")
    # The new batch is in the list already, receiving its files.
    rows = page.locator("[data-batch-rows] [data-batch-row]")
    expect(rows).to_have_count(1)
    batch_id = rows.first.get_attribute("data-batch-row")
    new_row = page.locator(f"[data-batch-row='{batch_id}']")
    expect(new_row.locator("[data-batch-row-state]")).to_have_text("Réception des fichiers")
    expect(page.locator("[data-no-batch]")).to_be_hidden()
    released.append(True)
    for route in held:
        route.continue_()

    # Then the ingest, beside the button too, ending with a link to the batch.
    expect(feedback).to_have_attribute("data-phase", "finished", timeout=60_000)
    expect(feedback).to_be_in_viewport()
    expect(button).to_be_enabled()
    link = page.locator("[data-feedback-link]")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"?batch={batch_id}#ingest-heading")
    expect(new_row.locator("[data-batch-row-state]")).to_have_text("Terminé")
    expect(new_row.locator("[data-batch-row-counts]")).to_contain_text("2 sur 2")

    # Another lead's batch, sent through the API, joins the list as it is ingested.
    token = lead_token(site.base_url)
    sent = httpx.post(
        f"{site.base_url}/api/projects/{FEEDBACK_SLUG}/batches/",
        files=[("files", ("three.jpg", jpeg(303), "image/jpeg"))],
        data={"name": "Envoi de l’API"},
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )
    assert sent.status_code == 201, sent.text
    other = page.locator(f"[data-batch-row='{sent.json()['id']}']")
    expect(other).to_contain_text("Envoi de l’API")
    expect(other.locator("[data-batch-row-state]")).to_have_text("Terminé")
    expect(rows).to_have_count(2)

    # A priority, set from the keyboard without leaving the page.
    priority = page.locator(f"#priority-{batch_id}")
    priority.fill("5")
    priority.press("Enter")
    expect(new_row.locator("[data-priority-status]")).to_contain_text("Priorité de")
    expect(new_row.locator("[data-priority-status]")).to_have_attribute("data-tone", "ok")
    assert page.evaluate("() => window.notReloaded") is True

    # The link opens the page on the batch's details.
    link.click()
    expect(page).to_have_url(re.compile(rf"\?batch={batch_id}#ingest-heading$"))
    expect(page.locator("[data-ingest]")).to_have_attribute("data-state", "done")
    expect(page.locator("[data-ingest-counts]")).to_contain_text("2")
