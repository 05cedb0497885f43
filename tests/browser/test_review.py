"""Browser tier: curators settle disputed values; contributors read what was decided.

Disputes are made through the platform itself: the lead asks for two readings at most on the
reference project, and two demo contributors type different titles on each of its two images,
through the API, so the engine finds no agreement and sends both images to the curators.
Other tests may have transcribed there too (the dashboard test does): the curator settles
whatever waits on each image, so these tests hold either way. contributor2 and contributor3
are left alone: the transcription tests count their work in every project. Interface strings
are found by ids, data attributes and roles, not by their text; the template's own labels
("Titre") are data and are stable.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.accounts import desktop_context, sign_in

pytestmark = pytest.mark.browser

PROJECT = "demo-references"
QUEUE = f"/projects/{PROJECT}/review/"


def api_client(site, username):
    token = httpx.post(
        f"{site.base_url}/api/auth/token/", data={"username": username, "password": DEMO_PASSWORD}
    )
    token.raise_for_status()
    return httpx.Client(
        base_url=site.base_url,
        headers={"Authorization": f"Token {token.json()['token']}"},
        timeout=30,
    )


def transcribe_next(client, title):
    """Send a transcription of the next image the contributor is given; None when none is left."""
    granted = client.post(f"/api/projects/{PROJECT}/next-task/")
    if granted.status_code == 204:
        return None
    assert granted.status_code == 200, granted.text
    task, lease = granted.json()["task"]["id"], granted.json()["lease"]["id"]
    sent = client.post(
        f"/api/tasks/{task}/transcriptions/",
        json={
            "lease": lease,
            "values": {"type": "article", "title": title, "authors": "Young, Lester"},
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert sent.status_code == 201, sent.text
    return task


def title_result(client, task):
    """The title's field result of an image, as the resolve page reads it."""
    review = client.get(f"/api/tasks/{task}/review/")
    review.raise_for_status()
    return next(field for field in review.json()["fields"] if field["key"] == "title")


@pytest.fixture(scope="module")
def disputed(site):
    """Both images of the reference project, with their titles disputed."""
    lead = api_client(site, "lead")
    # With two readings at most, two that disagree are a dispute.
    patched = lead.patch(f"/api/projects/{PROJECT}/", json={"redundancy_max": 2})
    assert patched.status_code == 200, patched.text
    contributors = [api_client(site, name) for name in ("contributor1", "contributor4")]
    titles = ("Hommage à Lester Young", "Homage to Prez")
    for client, title in zip(contributors, titles, strict=True):
        while transcribe_next(client, title) is not None:
            pass
    queue = lead.get(f"/api/projects/{PROJECT}/disputes/", params={"field": "title"}).json()
    tasks = sorted({item["task"] for item in queue["results"]})
    assert len(tasks) == 2, queue
    yield {"tasks": tasks, "lead": lead}
    for client in [*contributors, lead]:
        client.close()


def ensure_disputed(lead, task):
    """Put the image's title back in the queue (a lead may reopen any settled value)."""
    title = title_result(lead, task)
    if title["status"] != "disputed":
        reopened = lead.post(
            f"/api/field-results/{title['id']}/reopen/", json={"reason": "other", "note": "test"}
        )
        assert reopened.status_code == 200, reopened.text
    return title["id"]


@pytest.fixture
def context(browser):
    context = desktop_context(browser)
    yield context
    context.close()


@pytest.fixture
def second_context(browser):
    context = desktop_context(browser)
    yield context
    context.close()


def open_task(site, context, username, task):
    page = sign_in(site, context, username, f"/projects/{PROJECT}/review/{task}/")
    root = page.locator("[data-review-task]")
    expect(root).to_have_attribute("data-state", re.compile("^(ready|taken)$"))
    return page, root


def test_a_curator_settles_the_queue_with_the_keyboard_alone(site, context, disputed):
    page = sign_in(site, context, "curator", QUEUE)
    queue = page.locator("[data-review-queue]")
    expect(queue).to_have_attribute("data-live-connection", "open")
    for task in disputed["tasks"]:
        expect(page.locator(f"tr[data-task='{task}']").filter(has_text="Titre")).to_be_visible()
    expect(page.locator("[data-counts]")).to_contain_text("Titre")

    # Open the most urgent image from its row, with the keyboard.
    top = page.locator("[data-rows] tr").first
    first = int(top.get_attribute("data-task"))
    top.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/review/{first}/$"))

    root = page.locator("[data-review-task]")
    pending = page.locator("[data-pending] article.rfield")
    chosen_title = None
    for image, _ in enumerate(disputed["tasks"]):
        expect(root).to_have_attribute("data-state", "ready")
        task = int(root.get_attribute("data-task"))
        expect(page.locator("[data-claim]")).not_to_be_empty()
        waiting = pending.count()
        assert waiting >= 1
        # Every waiting field, by keys alone: focus starts on the field's first answer; a digit
        # picks an answer (the second for the first title), Ctrl+Enter confirms.
        for left in range(waiting, 0, -1):
            field = pending.first
            expect(field.locator("input[type=radio]").first).to_be_focused()
            # Each answer says how many contributors gave it, and who (with their reliability once measured).
            expect(field.locator(".answers > li .count").first).not_to_be_empty()
            expect(field.locator(".answers > li .who").first).to_contain_text("contributor")
            digit = 2 if image == 0 and field.get_attribute("data-key") == "title" else 1
            if digit == 2:
                chosen_title = field.locator(".answers > li .value").nth(1).inner_text()
            page.keyboard.press(str(digit))
            expect(field.locator(f"input[data-index='{digit - 1}']")).to_be_checked()
            page.keyboard.press("Control+Enter")
            if left > 1:
                expect(pending).to_have_count(left - 1)
        if image < len(disputed["tasks"]) - 1:
            # The next disputed image opens by itself.
            expect(page).not_to_have_url(re.compile(rf"/review/{task}/"))

    expect(root).to_have_attribute("data-state", "empty")
    expect(page.locator("[data-empty]")).to_be_visible()
    expect(page.locator("#empty-heading")).to_be_focused()
    # The help lists the page's shortcuts and the viewer's, all in the page language.
    page.keyboard.press("?")
    help_rows = page.locator("[data-help-dialog] tbody")
    expect(help_rows).to_be_visible()
    expect(help_rows).to_contain_text("Retour à la file d’attente")
    expect(help_rows).to_contain_text("Zoom avant")
    expect(help_rows).to_contain_text("Afficher cette liste")
    expect(help_rows).not_to_contain_text(re.compile(r"\b(sc|key)[A-Z]"))
    page.keyboard.press("Escape")
    title = title_result(disputed["lead"], first)
    assert chosen_title
    assert (title["status"], title["value"]) == ("resolved", chosen_title)
    assert title["history"][-1]["decision"] == "accept"
    for task in disputed["tasks"]:
        review = disputed["lead"].get(f"/api/tasks/{task}/review/").json()
        assert {field["status"] for field in review["fields"]} <= {"agreed", "blank", "resolved"}


def test_a_second_curator_finds_the_image_taken_until_the_first_leaves(
    site, context, second_context, disputed
):
    task = disputed["tasks"][0]
    queue = sign_in(site, context, "curator", QUEUE)
    expect(queue.locator("[data-review-queue]")).to_have_attribute("data-live-connection", "open")

    # A value reopened elsewhere appears in the open queue without a reload.
    ensure_disputed(disputed["lead"], task)
    row = queue.locator(f"tr[data-task='{task}']")
    expect(row).to_be_visible()

    # The curator opens it in a second tab; the lead, another curator, finds it taken.
    mine = context.new_page()
    mine.goto(f"{site.base_url}/projects/{PROJECT}/review/{task}/")
    expect(mine.locator("[data-review-task]")).to_have_attribute("data-state", "ready")
    expect(row.locator(".badge.claim.mine")).to_be_visible()

    theirs, root = open_task(site, second_context, "lead", task)
    expect(root).to_have_attribute("data-state", "taken")
    expect(root).to_have_attribute("data-live-connection", "open")
    expect(theirs.locator("[data-taken]")).to_be_visible()
    expect(theirs.locator("[data-status]")).to_contain_text("Curator")
    expect(theirs.locator("[data-pending] button").first).to_be_disabled()

    # Leaving the page gives the image back (the lead's page hears it); a retry gets it.
    mine.goto(f"{site.base_url}/projects/{PROJECT}/")
    expect(theirs.locator("[data-status]")).not_to_contain_text("Curator")
    theirs.keyboard.press("Alt+T")
    expect(root).to_have_attribute("data-state", "ready")
    expect(theirs.locator("[data-taken]")).to_be_hidden()
    # The curator's queue greys the row out: another curator holds it now.
    expect(row).to_have_class(re.compile(r"\bis-claimed\b"))
    theirs.goto(f"{site.base_url}/projects/{PROJECT}/")
    expect(row).not_to_have_class(re.compile(r"\bis-claimed\b"))


def test_bulk_acceptance_shows_a_preview_then_settles_every_value_of_the_field(
    site, context, disputed
):
    for task in disputed["tasks"]:
        ensure_disputed(disputed["lead"], task)
    page = sign_in(site, context, "curator", QUEUE)
    bulk = page.locator("[data-bulk]")
    expect(page.locator("[data-rows] tr")).to_have_count(2)

    bulk.locator("#bulk-field").select_option("title")
    bulk.locator("[data-bulk-preview]").click()
    expect(bulk.locator("[data-bulk-rows] tr")).to_have_count(2)
    apply = bulk.locator("[data-bulk-apply]")
    expect(apply).to_be_enabled()
    # A preview is only good for what it was made for.
    bulk.locator("#bulk-batch").select_option(index=1)
    expect(apply).to_be_disabled()
    bulk.locator("#bulk-batch").select_option("")
    bulk.locator("[data-bulk-preview]").click()
    expect(apply).to_be_enabled()
    apply.click()

    expect(bulk.locator("[data-bulk-status]")).to_have_attribute("data-tone", "success")
    expect(page.locator("[data-empty-list]")).to_be_visible()
    for task in disputed["tasks"]:
        title = title_result(disputed["lead"], task)
        assert title["status"] == "resolved"
        assert title["history"][-1]["decision"] == "accept"


def test_a_contributor_gets_403_on_curator_pages_and_reads_what_curators_decided(
    site, context, disputed
):
    task = disputed["tasks"][1]
    lead = disputed["lead"]
    result = ensure_disputed(lead, task)
    typed = lead.post(
        f"/api/field-results/{result}/resolve/",
        json={
            "decision": "value",
            "value": "Hommage à Lester Young",
            "reason": "convention",
            "note": "Accents as printed on the card.",
        },
    )
    assert typed.status_code == 200, typed.text
    lead.delete(f"/api/tasks/{task}/claim/")

    page = sign_in(site, context, "contributor1", f"/projects/{PROJECT}/")
    expect(page.locator(f"a[href='/projects/{PROJECT}/my-feedback/']")).to_be_visible()
    expect(page.locator(f"a[href='{QUEUE}']")).to_have_count(0)
    for path in (QUEUE, f"/projects/{PROJECT}/review/{task}/"):
        response = page.goto(f"{site.base_url}{path}")
        assert response.status == 403

    page.goto(f"{site.base_url}/projects/{PROJECT}/my-feedback/")
    expect(page.locator("[data-rate]")).to_contain_text("%")
    row = page.locator("[data-outcomes] tbody tr").filter(has_text="Accents as printed")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Titre")
    expect(row).to_contain_text("Hommage à Lester Young")
