"""Browser tier: a lead builds a project's template with the template builder, from the keyboard
where it matters (a select field with synonyms, moved to the top, seen in the live preview),
creates the project, and a volunteer transcribes with it; once there are transcriptions, the
builder says which fields can no longer be removed nor retyped.

Interface strings are found by data attributes and by the template's own labels (data), so the
test holds in either language; the page is French, as in the other browser tests.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.tutorial import tutorials_seen
from tests.images import jpeg

pytestmark = pytest.mark.browser

SLUG = "builder-cards"


def log_in(page, base_url, username, then):
    page.goto(f"{base_url}/accounts/login/?next={then}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(then) + "$"))


def card(page, index):
    return page.locator("[data-builder-fields] > li").nth(index)


def open_with_images_for(base_url: str, username: str) -> None:
    """Through the API, as the lead: two images, the volunteer a member, the project open."""
    token = httpx.post(
        f"{base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    headers = {"Authorization": f"Token {token}"}
    batch = httpx.post(
        f"{base_url}/api/projects/{SLUG}/batches/",
        files=[
            ("files", ("card-1.jpg", jpeg(401, (500, 350)), "image/jpeg")),
            ("files", ("card-2.jpg", jpeg(402, (500, 350)), "image/jpeg")),
        ],
        headers=headers,
        timeout=60,
    )
    assert batch.status_code == 201, batch.text
    member = httpx.post(
        f"{base_url}/api/projects/{SLUG}/members/",
        json={"username": username, "role": "contributor"},
        headers=headers,
        timeout=30,
    )
    assert member.status_code == 200, member.text
    opened = httpx.patch(
        f"{base_url}/api/projects/{SLUG}/", json={"status": "active"}, headers=headers, timeout=30
    )
    assert opened.status_code == 200, opened.text


def stored(site, code: str):
    output = site.manage("shell", "--no-imports", "-c", f"import json; {code}")
    return json.loads(output.strip().splitlines()[-1])


def test_a_lead_builds_a_template_and_a_volunteer_transcribes_with_it(site, browser):
    context = tutorials_seen(
        browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, site.base_url, "lead", "/projects/new/")

    page.locator("#id_title_fr").fill("Fiches de test")
    page.locator("#id_title_en").fill("Test cards")
    page.locator("#id_slug").fill(SLUG)
    page.locator("#id_visibility").select_option("members")
    # The builder starts from the chosen preset: the bibliographic reference's nine fields.
    page.locator("input[name=preset][value=reference]").check()
    builder = page.locator("[data-template-builder]")
    expect(builder).to_be_visible()
    expect(page.locator("[data-builder-fields] > li")).to_have_count(9)
    # The JSON stays the submitted field, hidden until asked for.
    expect(page.locator("#id_fields_json")).to_be_hidden()

    # A new field: a list of values, its key following its label.
    page.locator("[data-builder-add]").click()
    new = card(page, 9)
    expect(new.locator("[data-input='label.fr']")).to_be_focused()
    page.keyboard.type("Support")
    new.locator("[data-input='label.en']").fill("Medium")
    expect(new.locator("[data-input=key]")).to_have_value("medium")
    new.locator("[data-input=type]").select_option("select")
    new.locator("[data-input=required]").check()
    # Two options with synonyms; Enter in a value opens the next option.
    new.locator("[data-control=add-option]").click()
    expect(new.locator("[data-input='vocabulary[0].value']")).to_be_focused()
    page.keyboard.type("papier")
    new.locator("[data-input='vocabulary[0].label.en']").fill("paper")
    new.locator("[data-input='vocabulary[0].synonyms']").fill("paper; pap.")
    new.locator("[data-input='vocabulary[0].value']").press("Enter")
    expect(new.locator("[data-input='vocabulary[1].value']")).to_be_focused()
    page.keyboard.type("carton")
    new.locator("[data-input='vocabulary[1].synonyms']").fill("cardboard; board")

    # A problem is shown beside the option it concerns, and goes once corrected.
    new.locator("[data-input='vocabulary[1].synonyms']").fill("cardboard; Papier")
    problem = new.locator("[data-path='vocabulary[1]'] > .errorlist")
    expect(problem).to_contain_text("papier")
    expect(page.locator("[data-builder-check]")).to_have_attribute("data-tone", "warning")
    new.locator("[data-input='vocabulary[1].synonyms']").fill("cardboard; board")
    expect(problem).to_be_hidden()
    expect(page.locator("[data-builder-check]")).to_have_attribute("data-tone", "success")

    # Moved to the top from the keyboard: focus stays on its button until it is first.
    move_up = new.locator("[data-action=up]")
    move_up.focus()
    for _ in range(9):
        page.keyboard.press("Enter")
    first = card(page, 0)
    expect(first.locator(".bfield-label")).to_have_text("Support")
    expect(first.locator("[data-action=up]")).to_be_disabled()
    expect(first.locator("[data-action=down]")).to_be_focused()

    # The preview is the transcription form: the new field first, reading a synonym.
    preview = page.locator("[data-builder-preview-fields]")
    expect(preview.locator(".tfield").first).to_have_attribute("data-key", "medium")
    preview.get_by_role("combobox", name="Support").fill("Cardboard")
    expect(preview.locator("#field-medium-understood")).to_contain_text("carton")

    # The textarea holds what the builder made; the form sends it.
    template = json.loads(page.locator("#id_fields_json").input_value())
    assert [field["key"] for field in template][:2] == ["medium", "type"]
    assert template[0]["vocabulary"][0] == {
        "value": "papier",
        "label": {"en": "paper"},
        "synonyms": ["paper", "pap."],
    }
    page.locator("button[type=submit][form=project-new]").click()
    expect(page).to_have_url(re.compile(f"/projects/{SLUG}/settings/$"))
    keys = stored(
        site,
        "from tasks.models import Template; "
        f"print(json.dumps(Template.objects.get(project__slug={SLUG!r}).field_keys()))",
    )
    assert keys[:2] == ["medium", "type"]
    assert len(keys) == 10

    # A volunteer transcribes with it: the select takes a synonym and keeps the value.
    open_with_images_for(site.base_url, "contributor4")
    volunteer = tutorials_seen(
        browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    )
    volunteer.set_default_timeout(15_000)
    them = volunteer.new_page()
    transcribe = f"/projects/{SLUG}/transcribe/"
    log_in(them, site.base_url, "contributor4", transcribe)
    root = them.locator("[data-transcribe]")
    expect(root).to_have_attribute("data-state", "ready")
    them.get_by_role("combobox", name="Support").fill("board")
    expect(them.locator("#field-medium-understood")).to_contain_text("carton")
    them.get_by_role("combobox", name="Type de document").fill("livre")
    them.get_by_role("textbox", name="Titre", exact=True).fill("Flore de France")
    first_task = root.get_attribute("data-task-id")
    them.keyboard.press("Control+Enter")
    expect(root).not_to_have_attribute("data-task-id", first_task)
    values = stored(
        site,
        "from tasks.models import Transcription; "
        "print(json.dumps(Transcription.objects.get("
        f"user__username='contributor4', project__slug={SLUG!r}).values))",
    )
    assert values["medium"] == "carton"
    assert values["type"] == "book"
    volunteer.close()

    # Back in the settings: the answered fields keep their key and type, and say why.
    page.reload()
    settings_card = card(page, 0)
    settings_card.locator("[data-control=toggle]").click()
    expect(settings_card.locator(".bfield-locked")).to_be_visible()
    expect(settings_card.locator("[data-input=type]")).to_be_disabled()
    expect(settings_card.locator("[data-input=key]")).not_to_be_editable()
    remove = settings_card.locator("[data-action=remove]")
    expect(remove).to_have_attribute("aria-disabled", "true")
    # Still focusable, so that its reason is read out; pressing it removes nothing.
    remove.focus()
    expect(remove).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-builder-fields] > li")).to_have_count(10)
    context.close()


def test_the_json_and_the_builder_follow_each_other_and_the_settings_save_it(site, page):
    token = httpx.post(
        f"{site.base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    created = httpx.post(
        f"{site.base_url}/api/projects/",
        json={"slug": "builder-json", "title_fr": "J", "title_en": "J", "preset": "reference"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    settings_path = "/projects/builder-json/settings/"
    log_in(page, site.base_url, "lead", settings_path)
    cards = page.locator("[data-builder-fields] > li")
    expect(cards).to_have_count(9)

    toggle = page.locator("[data-builder-json]")
    textarea = page.locator("#id_template-fields_json")
    expect(textarea).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(textarea).to_be_focused()

    # JSON typed by hand: the builder and its preview follow.
    two = [
        {"key": "title", "type": "text", "label": {"fr": "Titre", "en": "Title"}},
        {"key": "year", "type": "date", "label": {"fr": "Année", "en": "Year"}},
    ]
    textarea.fill(json.dumps(two))
    expect(cards).to_have_count(2)
    expect(page.locator("[data-builder-preview-fields] .tfield")).to_have_count(2)
    # Broken JSON: the builder waits, and says why.
    textarea.fill('[{"key": ')
    expect(page.locator(".builder-json-note")).not_to_be_empty()
    expect(page.locator("[data-builder-add]")).to_be_disabled()
    textarea.fill("[]")
    expect(page.locator("[data-builder-add]")).to_be_enabled()
    expect(page.locator("[data-builder-problems]")).to_be_visible()
    textarea.fill(json.dumps(two))
    expect(page.locator("[data-builder-problems]")).to_be_hidden()

    # And the other way: what the builder does is in the JSON.
    first = card(page, 0)
    expect(first.locator("[data-control=toggle]")).to_have_attribute("aria-expanded", "true")
    first.locator("[data-input='label.en']").fill("Full title")
    first.locator("[data-action=duplicate]").click()
    expect(cards).to_have_count(3)
    expect(card(page, 1).locator("[data-input='label.fr']")).to_be_focused()
    page.once("dialog", lambda dialog: dialog.accept())
    card(page, 2).locator("[data-action=remove]").click()
    expect(cards).to_have_count(2)
    written = json.loads(textarea.input_value())
    assert [f["key"] for f in written] == ["title", "title_copy"]
    assert written[0]["label"] == {"fr": "Titre", "en": "Full title"}

    page.locator("form:has(input[name=section][value=template]) button[type=submit]").click()
    expect(page.locator("ul.messages")).to_be_visible()
    keys = stored(
        site,
        "from tasks.models import Template; "
        "print(json.dumps(Template.objects.get(project__slug='builder-json').field_keys()))",
    )
    assert keys == ["title", "title_copy"]
