"""Browser tier: the discussion, live between two browsers.

A volunteer asks about their image from the transcription page (keyboard: Alt+D, typing,
Ctrl+Enter) without losing their draft; a curator, with the image's thread open in another
browser, sees the question arrive and answers; the answer arrives in the volunteer's panel. On
the board, a curator hides a comment and it disappears from a volunteer's page.

The test's own accounts are made on the server (members of the demo herbarium project), so the
demo contributors' counts, which other browser tests check, do not move. Interface strings are
found by data attributes and roles, not by their text.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import desktop_context, sign_in
from tests.browser.transcribing import wait_until_image_left

pytestmark = pytest.mark.browser

PROJECT = "demo-herbarium"
TRANSCRIBE = f"/projects/{PROJECT}/transcribe/"


def server_code(site, code):
    output = site.manage("shell", "--no-imports", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def people(site):
    """Two volunteers of the project, made for these tests."""
    code = (
        "import json; from crowd.models import User; from tasks.models import Membership, Project;"
        "from tasks.management.commands.seed_demo import DEMO_PASSWORD;"
        f"project = Project.objects.get(slug={PROJECT!r});"
        "names = {'talk-volunteer': 'Talk Volunteer', 'talk-other': 'Talk Other'};"
        "\nfor name, shown in names.items():"
        "\n    user, made = User.objects.get_or_create(username=name, defaults={"
        "'email': name + '@example.org', 'display_name': shown, 'email_verified': True})"
        "\n    user.set_password(DEMO_PASSWORD); user.save()"
        "\n    Membership.objects.get_or_create(project=project, user=user)"
        "\nprint(json.dumps(sorted(names)))"
    )
    return server_code(site, code)


def test_a_volunteer_asks_from_the_transcription_page_and_a_curator_answers_live(
    site, browser, people
):
    volunteer_context = desktop_context(browser)
    curator_context = desktop_context(browser)
    try:
        volunteer = sign_in(site, volunteer_context, "talk-volunteer", TRANSCRIBE)
        root = volunteer.locator("[data-transcribe]")
        expect(root).to_have_attribute("data-state", "ready")
        task_id = root.get_attribute("data-task-id")
        # A draft typed before opening the discussion.
        first_field = volunteer.locator("[data-fields] input[type=text]").first
        first_field.fill("Draft value kept")

        curator = sign_in(
            site, curator_context, "curator", f"/projects/{PROJECT}/talk/images/{task_id}/"
        )
        curator_thread = curator.locator("[data-discussion]")
        expect(curator_thread).to_have_attribute("data-live", "open")

        # Keyboard: Alt+D opens the panel on the image's thread, the heading takes the focus.
        volunteer.keyboard.press("Alt+D")
        panel = volunteer.locator("[data-discussion-panel]")
        expect(panel).to_be_visible()
        thread = panel.locator("[data-discussion]")
        expect(thread).to_have_attribute("data-task", task_id)
        expect(thread.locator("h2")).to_be_focused()
        expect(thread).to_have_attribute("data-live", "open")
        volunteer.keyboard.press("Tab")  # the flags come first
        thread.locator("[data-comment-body-input]").focus()
        volunteer.keyboard.type("Is the **label** faded on the left? @curator")
        volunteer.keyboard.press("Control+Enter")

        mine = thread.locator("[data-comment]")
        expect(mine).to_have_count(1)
        expect(mine.locator("strong").filter(has_text="label")).to_have_count(1)

        # The curator sees the question arrive without reloading, and answers it.
        question = curator_thread.locator("[data-comment]")
        expect(question).to_have_count(1)
        expect(question).to_contain_text("faded on the left")
        question.locator("[data-reply]").click()
        curator_box = curator_thread.locator("[data-comment-body-input]")
        expect(curator_box).to_be_focused()
        curator.keyboard.type("Yes: read it under a raking light.")
        curator.keyboard.press("Control+Enter")
        expect(curator_thread.locator("[data-comment]")).to_have_count(2)

        # The answer reaches the volunteer's panel, from the project team, as a reply.
        answer = thread.locator("[data-comment]").nth(1)
        expect(answer).to_contain_text("raking light")
        expect(answer.locator(".badge.team")).to_have_count(1)
        expect(answer.locator(".in-reply")).to_have_count(1)

        # Escape closes the panel; the draft is as it was typed.
        thread.locator("[data-comment-body-input]").focus()
        volunteer.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        expect(first_field).to_have_value("Draft value kept")
        expect(root).to_have_attribute("data-state", "ready")

        # Leave the image to others: skipping ends the lease.
        volunteer.keyboard.press("Alt+K")
        volunteer.locator("[data-skip-dialog] button[value=skip]").click()
        wait_until_image_left(volunteer, root, task_id)
    finally:
        volunteer_context.close()
        curator_context.close()


def test_a_comment_a_curator_hides_disappears_from_a_volunteers_page(site, browser, people):
    code = (
        "import json; from crowd.models import User; from tasks.models import Project;"
        "from tasks.services.discussion import topic_open;"
        f"project = Project.objects.get(slug={PROJECT!r});"
        "posted = topic_open(actor=User.objects.get(username='talk-other'), project=project,"
        " title='Abbreviations on the labels', body='Buy cheap watches at https://spam.example');"
        "print(json.dumps([posted.comment.thread_id, posted.comment.pk]))"
    )
    thread_id, comment_id = server_code(site, code)
    topic = f"/projects/{PROJECT}/talk/topics/{thread_id}/"
    volunteer_context = desktop_context(browser)
    curator_context = desktop_context(browser)
    try:
        volunteer = sign_in(site, volunteer_context, "talk-volunteer", topic)
        seen = volunteer.locator(f"[data-comment='{comment_id}']")
        expect(seen).to_be_visible()
        expect(volunteer.locator("[data-discussion]")).to_have_attribute("data-live", "open")

        curator = sign_in(site, curator_context, "curator", topic)
        target = curator.locator(f"[data-comment='{comment_id}']")
        target.locator("details.comment-hide summary").click()
        target.locator("details.comment-hide input[name=reason]").fill("Advertising")
        target.locator("details.comment-hide input[name=reason]").press("Enter")

        # Still there for the curator, marked hidden; gone for the volunteer, live.
        expect(curator.locator(f"[data-comment='{comment_id}'][data-hidden]")).to_be_visible()
        expect(seen).to_have_count(0)
        volunteer.reload()
        expect(volunteer.locator("[data-comment]")).to_have_count(0)
        expect(volunteer.locator("[data-no-comments]")).to_be_visible()
        assert re.search(r"/talk/topics/\d+/$", volunteer.url)
    finally:
        volunteer_context.close()
        curator_context.close()
