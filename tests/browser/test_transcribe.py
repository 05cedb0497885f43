"""Browser tier: the transcription page, from the first field to the next image.

Each test signs in its own demo contributor, so drafts, outboxes and skipped images never
leak from one test into another; the stack (two demo images) is shared by the session, and the
skipping test comes first, while both images still have room. Interface strings are found by
ids and data attributes, not by their text, so the tests hold before and after translation; the
template's own labels ("Nom scientifique") are data and are stable.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.tutorial import tutorials_seen

pytestmark = pytest.mark.browser

TRANSCRIBE = "/projects/demo-herbarium/transcribe/"


@pytest.fixture
def context(browser):
    """A fresh browser context per test (cookies, localStorage), French as in the page fixture."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    tutorials_seen(context)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def open_transcription_page(site, context, username):
    page = context.new_page()
    page.goto(f"{site.base_url}/accounts/login/?next={TRANSCRIBE}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(TRANSCRIBE) + "$"))
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    return page


def others_leases_end(site, username):
    """End the live leases other tests of the session left on the demo images (a page opened
    and left holds its image until the lease runs out), so that `username` finds one: what the
    sweep does once they expire. Returns how many were ended."""
    code = (
        "from datetime import timedelta; from django.utils import timezone;"
        "from tasks.models import Lease, LeaseState; from tasks.services.lease_upkeep import leases_expire;"
        "live = Lease.objects.filter(state=LeaseState.ACTIVE, task__project__slug='demo-herbarium')"
        f".exclude(user__username={username!r});"
        "live.update(expires_at=timezone.now() - timedelta(seconds=1));"
        "print(leases_expire())"
    )
    return int(site.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def field(page, name):
    """A form field by its accessible name (the template's label; the * mark is not read)."""
    return page.get_by_role("textbox", name=name, exact=True).or_(
        page.get_by_role("combobox", name=name, exact=True)
    )


def transcriptions_by(site, username):
    """Transcriptions recorded for `username`, read from the server's database."""
    code = (
        "import json; from tasks.models import Transcription; "
        f"print(json.dumps(list(Transcription.objects.filter(user__username={username!r})"
        ".values_list('task_id', flat=True))))"
    )
    output = site.manage("shell", "--no-imports", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def outbox_size(page):
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem('crowd.outbox.' +"
        " document.querySelector('[data-transcribe]').dataset.user) || '[]').length"
    )


def test_skipping_every_image_ends_with_a_thank_you(site, context):
    page = open_transcription_page(site, context, "contributor5")
    root = page.locator("[data-transcribe]")
    skipped = 0
    for _ in range(5):  # the two demo images, with room to spare
        if root.get_attribute("data-state") == "finished":
            break
        page.keyboard.press("Alt+K")
        skip = page.locator("[data-skip-dialog]")
        expect(skip).to_be_visible()
        skip.locator("input[value=unreadable]").check()
        skip.locator("button[value=skip]").click()
        expect(root).to_have_attribute("data-state", re.compile("^(ready|finished)$"))
        skipped += 1
    assert skipped >= 1
    expect(root).to_have_attribute("data-state", "finished")
    expect(page.locator("[data-finished]")).to_be_visible()
    expect(page.locator("#finished-heading")).to_be_focused()


def test_a_contributor_transcribes_every_field_type_survives_a_reload_and_an_offline_submit(
    site, context
):
    page = open_transcription_page(site, context, "contributor2")
    root = page.locator("[data-transcribe]")
    first_task = root.get_attribute("data-task-id")
    assert first_task

    # Text, select through synonyms, number with units, date in words, coordinates in DMS.
    field(page, "Nom scientifique").fill("Digitalis purpurea L.")
    field(page, "Pays").fill("FR")
    expect(page.locator("#field-country-understood")).to_contain_text("France")
    field(page, "Région (département)").fill("74")
    expect(page.locator("#field-stateProvince-understood")).to_contain_text("Haute-Savoie")
    field(page, "Altitude (m)").fill("1 200 m")
    expect(page.locator("#field-minimumElevationInMeters-understood")).to_contain_text("1200")
    field(page, "Date de récolte").fill("12 juin 1898")
    expect(page.locator("#field-eventDate-understood")).to_contain_text("1898-06-12")
    field(page, "Coordonnées").fill("45°11'19\"N 5°43'28\"E")
    # Labelled, so a swap shows.
    expect(page.locator("#field-coordinates-understood")).to_contain_text(
        "lat. 45.1886, long. 5.7244"
    )
    field(page, "Localité").fill("Les Aravis")
    # A marker empties and disables its field.
    page.locator("#field-recordedBy").fill("will be replaced by the marker")
    page.locator("#field-recordedBy-illegible").check()
    expect(page.locator("#field-recordedBy")).to_be_disabled()
    expect(page.locator("#field-recordedBy")).to_have_value("")

    # The draft survives a reload: same task, same values, same marker.
    page.reload()
    expect(root).to_have_attribute("data-state", "ready")
    expect(root).to_have_attribute("data-task-id", first_task)
    expect(field(page, "Nom scientifique")).to_have_value("Digitalis purpurea L.")
    expect(field(page, "Altitude (m)")).to_have_value("1 200 m")
    expect(page.locator("#field-eventDate-understood")).to_contain_text("1898-06-12")
    expect(page.locator("#field-country-understood")).to_contain_text("France")
    expect(page.locator("#field-recordedBy-illegible")).to_be_checked()
    expect(page.locator("#field-recordedBy")).to_be_disabled()

    # Offline, the submission is kept in the outbox and the page says so.
    context.set_offline(True)
    field(page, "Habitat").fill("Prairies")
    page.keyboard.press("Control+Enter")
    expect(root).to_have_attribute("data-state", "offline")
    expect(page.locator("[data-status]")).to_have_attribute("data-tone", "warning")
    assert outbox_size(page) == 1
    assert transcriptions_by(site, "contributor2") == []

    # Back online: sent once, and the next image opens without a page load.
    context.set_offline(False)
    expect(root).not_to_have_attribute("data-task-id", first_task)
    expect(root).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-status]")).to_have_attribute("data-tone", "success")
    assert outbox_size(page) == 0
    assert (
        page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('crowd.draft.'))")
        == []
    )
    assert transcriptions_by(site, "contributor2") == [int(first_task)]
    # The new image's form starts empty.
    expect(field(page, "Nom scientifique")).to_have_value("")

    # Another online event finds nothing left to send.
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    assert outbox_size(page) == 0
    assert transcriptions_by(site, "contributor2") == [int(first_task)]


def test_question_mark_lists_the_shortcuts_and_the_viewer_obeys_them(site, context):
    context.clock.install()  # time still flows; fast_forward below jumps to the heartbeat
    others_leases_end(site, "contributor3")
    page = open_transcription_page(site, context, "contributor3")
    name = field(page, "Nom scientifique")
    expect(name).to_be_focused()

    # In a field, ? is text; elsewhere it opens the help.
    page.keyboard.press("?")
    expect(name).to_have_value("?")
    dialog = page.locator("[data-help-dialog]")
    expect(dialog).to_be_hidden()
    name.fill("")
    page.locator("[data-task-heading]").click()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_accessible_name(re.compile(".+"))
    expect(dialog.get_by_role("heading", level=2)).to_be_visible()
    assert dialog.locator("tbody tr").count() >= 15
    expect(dialog.locator("tbody")).to_contain_text("Alt+K")
    expect(dialog.locator("tbody")).to_contain_text("Ctrl+")
    # The page's own rows and the viewer's, all in the page language.
    expect(dialog.locator("tbody")).to_contain_text("Aller au premier champ vide")
    expect(dialog.locator("tbody")).to_contain_text("Zoom avant")
    expect(dialog.locator("tbody")).to_contain_text("Afficher cette liste")
    expect(dialog.locator("tbody")).not_to_contain_text(re.compile(r"\b(sc|key)[A-Z]"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Rotate with Alt+R while typing (the field keeps its text), then with R outside a field.
    assert page.evaluate("() => window.crowdViewer.viewport.getRotation()") == 0
    name.fill("Quercus")
    page.keyboard.press("Alt+R")
    page.wait_for_function("() => window.crowdViewer.viewport.getRotation() === 90")
    expect(name).to_have_value("Quercus")
    page.locator("[data-task-heading]").click()
    page.keyboard.press("r")
    page.wait_for_function("() => window.crowdViewer.viewport.getRotation() === 180")
    zoom = page.evaluate("() => window.crowdViewer.viewport.getZoom()")
    page.keyboard.press("+")
    page.wait_for_function(f"() => window.crowdViewer.viewport.getZoom() > {zoom}")
    page.locator("[data-view=reset]").click()
    page.wait_for_function("() => window.crowdViewer.viewport.getRotation() === 0")

    # Alt+N walks the fields; an empty required field is refused next to the field.
    name.focus()
    page.keyboard.press("Alt+N")
    expect(field(page, "Collecteur")).to_be_focused()
    name.fill("")
    page.keyboard.press("Control+Enter")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-scientificName-errors")).to_be_visible()
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    status = page.locator("[data-status]")
    expect(status).to_have_text("Certaines valeurs ne sont pas valides.")
    # Once the field it spoke of is valid, the line stops saying so.
    name.fill("Quercus")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    expect(status).to_have_text("")

    # What only the server refuses (a hidden bidirectional override) shows under its field.
    name.fill("Quercus robur")
    field(page, "Habitat").fill("Bois\u202eesiot")
    page.keyboard.press("Control+Enter")
    expect(field(page, "Habitat")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#field-habitat-errors")).to_be_visible()
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    expect(status).to_have_text("Certaines valeurs ne sont pas valides.")
    field(page, "Habitat").fill("Bois")
    expect(status).to_have_text("")
    assert transcriptions_by(site, "contributor3") == []

    # The lease is kept alive every minute while the page is open.
    with page.expect_response(lambda response: "/heartbeat/" in response.url) as beat:
        page.clock.fast_forward(61_000)
    assert beat.value.status == 200


def set_project_status(site, status):
    code = (
        "from tasks.models import Project; "
        f"Project.objects.filter(slug='demo-herbarium').update(status={status!r})"
    )
    site.manage("shell", "--no-imports", "-c", code)


def test_an_answer_refused_because_the_project_paused_stays_on_screen_to_copy(site, context):
    # A volunteer of their own, and an image of their own (the first one's picture, a copy with
    # room for one answer), whatever the tests before left of the two demo images.
    code = (
        "from crowd.models import User; from tasks.models import Task; "
        f"User.objects.create_user('latecomer', 'latecomer@example.org', {DEMO_PASSWORD!r}); "
        "t = Task.objects.filter(project__slug='demo-herbarium').order_by('pk').first(); "
        "t.pk = None; t.content_hash = ''; t.state = 'open'; t.target = 1; "
        "t.transcription_count = 0; t.reconcile_pending = False; t.priority = 100; t.save()"
    )
    site.manage("shell", "--no-imports", "-c", code)
    page = open_transcription_page(site, context, "latecomer")
    root = page.locator("[data-transcribe]")
    task = root.get_attribute("data-task-id")
    field(page, "Nom scientifique").fill("Gentiana lutea L.")
    set_project_status(site, "paused")
    try:
        page.keyboard.press("Control+Enter")
        kept = page.locator("[data-kept]")
        expect(kept).to_be_visible()
        # The server's own reason, and what was typed, labelled as in the form.
        expect(kept.locator("[data-kept-message]")).not_to_be_empty()
        expect(kept.locator("[data-kept-text]")).to_have_value(
            re.compile(r"Nom scientifique: Gentiana lutea L\.")
        )
        assert outbox_size(page) == 0
        assert transcriptions_by(site, "latecomer") == []
        # The draft stays, for when the project reopens.
        draft = page.evaluate(
            f"() => localStorage.getItem('crowd.draft.' + "
            f"document.querySelector('[data-transcribe]').dataset.user + '.{task}')"
        )
        assert draft is not None
        assert "Gentiana lutea L." in draft
        kept.locator("[data-action=dismiss-kept]").click()
        expect(kept).to_be_hidden()
    finally:
        set_project_status(site, "active")
