"""Browser tier: a volunteer's training, on a stack of its own.

The demo herbarium there has a three-step tutorial, a field guide of two entries, one practice
image and one known-answer image (tests/browser/training_data.py), and serves known-answer
images at the highest rate (KNOWN_ANSWER_EVERY_NEW=1), so a new volunteer's first real image is
the known-answer one. Each test signs in its own demo volunteer; French and English both run.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import sign_in
from tests.browser.tutorial import tutorials_seen
from tests.servers import embedded_stack

pytestmark = pytest.mark.browser

TRANSCRIBE = "/projects/demo-herbarium/transcribe/"
PRACTICE = "/projects/demo-herbarium/practice/"


@pytest.fixture(scope="module")
def training_site(tmp_path_factory):
    with embedded_stack(
        tmp_path_factory.mktemp("training"),
        seed=("--images", "4"),
        env={"KNOWN_ANSWER_EVERY_NEW": "1"},
    ) as running:
        code = "import json; from tests.browser.training_data import lay; print(json.dumps(lay()))"
        output = running.manage("shell", "--no-imports", "-c", code)
        running.images = json.loads(output.strip().splitlines()[-1])
        yield running


def new_context(browser, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def french(browser):
    context = new_context(browser, "fr-FR")
    yield context
    context.close()


@pytest.fixture
def english(browser):
    context = new_context(browser, "en-GB")
    yield context
    context.close()


def signed_in(site, context, username, path):
    page = sign_in(site, context, username, path)
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    return page


def tutorial_closed(page):
    """A new volunteer meets the tutorial first: Escape closes it."""
    root = page.locator("[data-transcribe]")
    expect(root).to_have_attribute("data-tutorial-state", "shown")
    page.keyboard.press("Escape")
    expect(page.locator("dialog[data-tutorial]")).to_be_hidden()


def django(site, code):
    """Run `code` (which prints JSON last) in the server's environment; its answer."""
    output = site.manage("shell", "--no-imports", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def answers_of(site, username):
    return django(
        site,
        "import json; from tasks.models import KnownAnswerCheck, Transcription; "
        f"u = {username!r}; "
        "print(json.dumps({'transcriptions': list(Transcription.objects.filter(user__username=u)"
        ".values_list('task_id', flat=True)), 'checks': list(KnownAnswerCheck.objects"
        ".filter(user__username=u).values_list('task_id', 'practice'))}))",
    )


def test_a_new_volunteer_walks_the_tutorial_by_keyboard_and_reopens_it(training_site, french):
    page = signed_in(training_site, french, "contributor1", TRANSCRIBE)
    dialog = page.locator("dialog[data-tutorial]")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("dialog")).to_have_accessible_name("Bienvenue dans l'herbier")
    expect(dialog.locator("[data-tutorial-count]")).to_have_text("Étape 1 sur 3")
    expect(dialog.locator("[data-tutorial-body] p")).to_have_count(2)
    expect(dialog.locator("[data-tutorial-image]")).to_be_visible()
    expect(page.locator("[data-viewer]")).to_have_class(re.compile("tutorial-target"))
    next_button = dialog.locator("[data-tutorial-next]")
    expect(next_button).to_be_focused()
    expect(dialog.locator("[data-tutorial-back]")).to_be_disabled()

    # Enter goes on; the step's field is outlined behind the dialog.
    page.keyboard.press("Enter")
    expect(dialog.locator("[data-tutorial-title]")).to_have_text("Le nom scientifique")
    expect(page.locator(".tfield[data-key=scientificName]")).to_have_class(
        re.compile("tutorial-target")
    )
    expect(page.locator("[data-viewer]")).not_to_have_class(re.compile("tutorial-target"))

    # Focus stays in the dialog, whichever way Tab goes.
    for key in ["Tab", "Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab"]:
        page.keyboard.press(key)
        assert page.evaluate(
            "() => document.querySelector('dialog[data-tutorial]').contains(document.activeElement)"
        ), key

    # Back, then to the last step, whose button starts.
    dialog.locator("[data-tutorial-back]").focus()
    page.keyboard.press("Enter")
    expect(dialog.locator("[data-tutorial-count]")).to_have_text("Étape 1 sur 3")
    next_button.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(dialog.locator("[data-tutorial-count]")).to_have_text("Étape 3 sur 3")
    expect(page.locator("[data-action=guide]")).to_have_class(re.compile("tutorial-target"))
    expect(next_button).to_have_text("Commencer")

    # Escape closes it: no outline left, the focus back in the form where it was.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(".tutorial-target")).to_have_count(0)
    expect(page.locator("#field-scientificName")).to_be_focused()

    # Seen: a reload does not show it again; the button (or Alt+T) reopens it at step 1.
    page.reload()
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-tutorial-state", "not-shown")
    expect(dialog).to_be_hidden()
    button = page.locator("[data-action=tutorial]")
    button.click()
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-tutorial-count]")).to_have_text("Étape 1 sur 3")
    dialog.locator("[data-tutorial-close]").click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    page.locator("#field-scientificName").focus()
    page.keyboard.press("Alt+T")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#field-scientificName")).to_be_focused()


def test_practice_shows_what_matched_what_the_expert_read_and_why(training_site, english):
    page = signed_in(training_site, english, "contributor2", PRACTICE)
    tutorial_closed(page)
    expect(page.locator(".practice-banner")).to_contain_text("Practice: this answer is not data.")
    expect(page.locator("[data-practice-progress]")).to_have_text("Practice images done: 0 of 1.")
    root = page.locator("[data-transcribe]")
    assert root.get_attribute("data-task-id") == str(training_site.images["practice"])

    page.locator("#field-scientificName").fill("Digitalis purpurea L.")  # what the expert read
    page.locator("#field-eventDate").fill("1899")  # the expert read 12 June 1898
    page.keyboard.press("Control+Enter")

    # The comparison waits for the volunteer; its button is the way on.
    expect(root).to_have_attribute("data-state", "checked")
    panel = page.locator("[data-feedback]")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel.get_by_role("heading")).to_have_text("Practice: what the expert read")
    expect(panel.locator("[data-feedback-summary]")).to_contain_text("1 of 2")
    right = panel.locator("tr[data-feedback-field=scientificName]")
    expect(right).to_have_attribute("data-match", "true")
    expect(right).to_contain_text("Matches")
    wrong = panel.locator("tr[data-feedback-field=eventDate]")
    expect(wrong).to_have_attribute("data-match", "false")
    expect(wrong).to_contain_text("Does not match")
    expect(wrong.locator("[data-given]")).to_have_text("1899")
    expect(wrong.locator("[data-expected]")).to_have_text("1898-06-12")
    expect(wrong.locator("[data-note]")).to_have_text("The date is on the back of the label.")
    # Fields both left empty are not compared: not listed.
    expect(panel.locator("[data-feedback-blank]")).to_have_count(0)
    expect(panel.locator("[data-action=next-practice]")).to_be_focused()
    # A check, never a transcription.
    assert answers_of(training_site, "contributor2") == {
        "transcriptions": [],
        "checks": [[training_site.images["practice"], True]],
    }

    # Enter: the next practice image, here the end of them.
    page.keyboard.press("Enter")
    expect(root).to_have_attribute("data-state", "finished")
    expect(panel).to_be_empty()
    expect(page.locator("#finished-heading")).to_have_text("You have done every practice image")
    expect(page.locator("#finished-heading")).to_be_focused()
    expect(page.locator("[data-practice-progress]")).to_have_text("Practice images done: 1 of 1.")
    link = page.locator("[data-finished] a").first
    expect(link).to_have_attribute("href", TRANSCRIBE)


def test_a_known_answer_image_comes_first_and_its_feedback_follows_the_answer(
    training_site, french
):
    page = signed_in(training_site, french, "contributor3", TRANSCRIBE)
    tutorial_closed(page)
    root = page.locator("[data-transcribe]")
    known = str(training_site.images["known"])
    # Blind: it looks like any image (same heading, no banner).
    assert root.get_attribute("data-task-id") == known
    expect(page.locator("[data-task-heading]")).to_have_text(f"Image {known}")
    expect(page.locator(".practice-banner")).to_have_count(0)

    page.locator("#field-scientificName").fill("Quercus robur L.")
    page.locator("#field-recordedBy").fill("Dupond")
    page.keyboard.press("Control+Enter")

    # The next image comes at once, ready to type; the feedback is beside it, read out.
    expect(root).not_to_have_attribute("data-task-id", known)
    expect(root).to_have_attribute("data-state", "ready")
    expect(page.locator("#field-scientificName")).to_be_focused()
    panel = page.locator("[data-feedback]")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel.get_by_role("heading")).to_have_text("Cette image avait une réponse connue")
    expect(panel.locator("tr[data-feedback-field=scientificName]")).to_have_attribute(
        "data-match", "true"
    )
    miss = panel.locator("tr[data-feedback-field=recordedBy]")
    expect(miss).to_have_attribute("data-match", "false")
    expect(miss.locator("[data-given]")).to_have_text("Dupond")
    expect(miss.locator("[data-expected]")).to_have_text("J. Dupont")
    expect(miss.locator("[data-note]")).to_have_text("« leg. » précède le collecteur.")
    assert answers_of(training_site, "contributor3") == {
        "transcriptions": [],
        "checks": [[int(known), False]],
    }
    # Not a transcription: the volunteer's counts do not move.
    expect(page.locator("[data-count=total]")).to_have_text("0")

    # Alt+O closes it from the form, where the volunteer types on.
    page.keyboard.press("Alt+O")
    expect(panel).to_be_empty()
    expect(page.locator("#field-scientificName")).to_be_focused()


def test_the_field_guide_opens_at_a_field_and_its_search_ignores_case_and_accents(
    training_site, french
):
    page = signed_in(training_site, french, "contributor4", TRANSCRIBE)
    tutorial_closed(page)
    panel = page.locator("[data-guide]")
    search = page.locator("[data-guide-search]")
    entries = panel.locator("[data-guide-entry]")

    # Alt+G from a field without an entry: the panel, at its search box.
    expect(page.locator("#field-scientificName")).to_be_focused()
    page.keyboard.press("Alt+G")
    expect(panel).to_be_visible()
    expect(page.locator("[data-action=guide]")).to_have_attribute("aria-expanded", "true")
    expect(search).to_be_focused()
    expect(entries).to_have_count(2)
    expect(panel.locator("#guide-entry-eventDate-title")).to_have_text("Date de récolte")

    # "AOUT" finds "3 août 1902": one example of one entry.
    search.press_sequentially("AOUT")
    date = panel.locator("[data-guide-entry=eventDate]")
    expect(date).to_be_visible()
    expect(panel.locator("[data-guide-entry=recordedBy]")).to_be_hidden()
    expect(date.locator("[data-guide-example]:visible")).to_have_count(1)
    expect(date.locator("[data-guide-example]:visible")).to_contain_text("3 août 1902")
    search.fill("")
    search.press_sequentially("zzz")
    expect(panel.locator("[data-guide-entry]:visible")).to_have_count(0)
    expect(panel.locator("[data-guide-count]")).to_have_text(
        "Aucune fiche ne correspond à votre recherche."
    )
    search.fill("")
    search.press_sequentially("romains")  # in the entry's own text: the whole entry shows
    expect(date.locator("[data-guide-example]:visible")).to_have_count(2)

    # Escape closes it and gives the focus back.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.locator("#field-scientificName")).to_be_focused()

    # The "?" by a field opens its entry, whatever was searched.
    page.locator("[data-guide-for=recordedBy]").click()
    expect(panel).to_be_visible()
    expect(panel.locator("#guide-entry-recordedBy-title")).to_be_focused()
    expect(panel.locator("[data-guide-entry=recordedBy]")).to_contain_text("J. Dupont")
    page.keyboard.press("Alt+G")  # from inside the panel: closes it
    expect(panel).to_be_hidden()

    # Alt+G from a field with an entry opens at that entry.
    page.locator("#field-eventDate").focus()
    page.keyboard.press("Alt+G")
    expect(panel.locator("#guide-entry-eventDate-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#field-eventDate")).to_be_focused()


def test_levels_leave_fields_out_and_a_project_asking_more_sends_to_practice(
    training_site, browser, english
):
    references = "/projects/demo-references/transcribe/"
    gate = "from tests.browser.training_data import gate; gate(min_level={}); print('{{}}')"
    django(training_site, gate.format(1))
    page = signed_in(training_site, english, "contributor5", references)
    # Its authors wait for level 2; the rest of the form is there.
    expect(page.locator("#field-title")).to_be_visible()
    expect(page.locator("#field-authors")).to_have_count(0)
    expect(page.locator("[data-locked]")).to_have_text(
        "Reach level 2 to transcribe Authors: 2 more practice or known-answer images at 80% "
        "accuracy."
    )

    # A project that asks level 2 to transcribe at all says what is missing, and where to go
    # (to a volunteer holding no image there: a live lease is kept whatever the level).
    django(training_site, gate.format(2))
    other = tutorials_seen(new_context(browser, "en-GB"))
    page = sign_in(training_site, other, "contributor1", references)
    root = page.locator("[data-transcribe]")
    expect(root).to_have_attribute("data-state", "level")
    panel = page.locator("[data-level-needed]")
    expect(panel.get_by_role("heading")).to_be_focused()
    expect(panel.locator("[data-level-needed-missing]")).to_have_text(
        "Level 2 asks 2 more practice or known-answer images at 80% accuracy."
    )
    expect(panel.get_by_role("link").first).to_have_attribute(
        "href", "/projects/demo-references/practice/"
    )
    expect(page.locator("[data-workspace]")).to_be_hidden()
    other.close()
