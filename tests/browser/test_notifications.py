"""Browser tier: a curator settles a disputed field; the volunteer who answered it, on another
page of the site, sees the header's counter rise live, opens the list with the keyboard and
follows the notification; and, having asked for an e-mail per notification on their profile,
receives it through a real SMTP server (tests/smtp_sink) started for this module's own site.

Interface strings are found by data attributes and roles, not by their text."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.accounts import desktop_context, sign_in
from tests.browser.transcribing import wait_until_image_left
from tests.servers import embedded_stack
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.browser

PROJECT = "demo-references"
VOLUNTEER = "contributor1"


@pytest.fixture(scope="module")
def mail_site(tmp_path_factory):
    """A site of its own whose mail goes to a real SMTP server."""
    with SmtpSink() as sink:
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(sink.port),
            "EMAIL_USE_TLS": "0",
        }
        with embedded_stack(tmp_path_factory.mktemp("notify"), env=env) as site:
            yield site, sink


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


def dispute_one_title(site):
    """An image of the reference project whose title two volunteers read differently; returns
    the title's field result id and the volunteer's title."""
    lead = api_client(site, "lead")
    assert (
        lead.patch(
            f"/api/projects/{PROJECT}/", json={"redundancy_max": 2, "machine_vote": False}
        ).status_code
        == 200
    )
    titles = {VOLUNTEER: "Hommage à Lester Young", "contributor4": "Homage to Prez"}
    task = None
    for username, title in titles.items():
        client = api_client(site, username)
        granted = client.post(f"/api/projects/{PROJECT}/next-task/")
        assert granted.status_code == 200, granted.text
        if task is not None:
            assert granted.json()["task"]["id"] == task
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
    review = lead.get(f"/api/tasks/{task}/review/").json()
    field = next(f for f in review["fields"] if f["key"] == "title")
    assert field["status"] == "disputed", field
    return field["id"], titles[VOLUNTEER]


def test_a_volunteer_sees_a_curators_decision_arrive_live_and_receives_it_by_email(
    mail_site, browser
):
    site, sink = mail_site
    field_result, title = dispute_one_title(site)
    context = desktop_context(browser)
    try:
        # The volunteer asks, on their profile, for an e-mail per notification.
        page = sign_in(site, context, VOLUNTEER, "/accounts/profile/")
        settings = page.locator("[data-notification-settings]")
        settings.locator("input[name=email][value=immediate]").check()
        settings.get_by_role("button").click()
        expect(page.locator("[data-notification-settings] input[value=immediate]")).to_be_checked()

        # On a page of the site, the counter shows nothing unread.
        page.goto(f"{site.base_url}/projects/{PROJECT}/")
        unread = page.locator("[data-notifications-unread]")
        expect(unread).to_be_hidden()
        expect(page.locator("[data-notifications-link]")).to_have_attribute("data-live", "open")

        # A curator settles the title, keeping the volunteer's answer.
        curator = api_client(site, "curator")
        decided = curator.post(
            f"/api/field-results/{field_result}/resolve/",
            json={"decision": "accept", "value": title, "reason": "", "note": ""},
        )
        assert decided.status_code == 200, decided.text

        # The counter rises without a reload.
        expect(unread).to_be_visible()
        expect(page.locator("[data-notifications-count]")).to_have_text("1")

        # The list, reached by the keyboard; the notification leads to the volunteer's feedback.
        page.locator("[data-notifications-link]").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/notifications/$"))
        item = page.locator("[data-notification][data-kind=decision]")
        expect(item).to_have_count(1)
        expect(item).to_have_attribute("data-unread", "")
        item.locator("[data-open]").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/projects/{PROJECT}/my-feedback/$"))
        expect(page.locator("[data-notifications-unread]")).to_be_hidden()

        # And by e-mail, in the volunteer's language (the site's default, French).
        message = sink.wait_for(f"{VOLUNTEER}@example.org")
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "Bonjour" in text
        assert "Votre réponse a été retenue sur 1." in text
        assert "/my-feedback/" in text
        assert "/notifications/unsubscribe/" in text
    finally:
        context.close()


def test_a_curators_answer_to_a_volunteers_question_reaches_them_live_and_by_email(
    mail_site, browser
):
    """The discussion and the notifications together: a volunteer asks from the transcription
    page, naming the curator; the curator, on the image's thread, sees the question arrive,
    is told of the mention, and answers; the volunteer's counter rises on the transcription
    page and the answer arrives by e-mail."""
    site, sink = mail_site
    volunteer_name = "contributor2"
    herbarium = "demo-herbarium"
    volunteer_context = desktop_context(browser)
    curator_context = desktop_context(browser)
    try:
        volunteer = sign_in(site, volunteer_context, volunteer_name, "/accounts/profile/")
        settings = volunteer.locator("[data-notification-settings]")
        settings.locator("input[name=email][value=immediate]").check()
        settings.get_by_role("button").click()
        expect(
            volunteer.locator("[data-notification-settings] input[value=immediate]")
        ).to_be_checked()

        volunteer.goto(f"{site.base_url}/projects/{herbarium}/transcribe/")
        root = volunteer.locator("[data-transcribe]")
        expect(root).to_have_attribute("data-state", "ready")
        task_id = root.get_attribute("data-task-id")
        expect(volunteer.locator("[data-notifications-link]")).to_have_attribute(
            "data-live", "open"
        )

        curator = sign_in(
            site, curator_context, "curator", f"/projects/{herbarium}/talk/images/{task_id}/"
        )
        curator_thread = curator.locator("[data-discussion]")
        expect(curator_thread).to_have_attribute("data-live", "open")
        expect(curator.locator("[data-notifications-link]")).to_have_attribute("data-live", "open")

        # The question, by keyboard from the transcription page, naming the curator.
        volunteer.keyboard.press("Alt+D")
        thread = volunteer.locator("[data-discussion-panel] [data-discussion]")
        expect(thread).to_have_attribute("data-live", "open")
        thread.locator("[data-comment-body-input]").focus()
        volunteer.keyboard.type("Is the collector's name Boivin or Bovin? @curator")
        volunteer.keyboard.press("Control+Enter")
        expect(thread.locator("[data-comment]")).to_have_count(1)

        # The curator sees it arrive, and the mention raises their counter, live.
        question = curator_thread.locator("[data-comment]")
        expect(question).to_contain_text("Boivin or Bovin")
        expect(curator.locator("[data-notifications-count]")).to_have_text("1")

        # The curator answers the question.
        question.locator("[data-reply]").click()
        curator.keyboard.type("Boivin: the stamp of the herbarium says so.")
        curator.keyboard.press("Control+Enter")
        expect(curator_thread.locator("[data-comment]")).to_have_count(2)

        # The volunteer, still on the transcription page, sees the answer and the counter rise.
        expect(thread.locator("[data-comment]").nth(1)).to_contain_text("stamp of the herbarium")
        expect(volunteer.locator("[data-notifications-count]")).to_have_text("1")

        # And receives the reply by e-mail, quoted (the team's comments are open to everyone).
        message = sink.wait_for(f"{volunteer_name}@example.org")
        text = message.get_body(preferencelist=("plain",)).get_content()
        assert "stamp of the herbarium" in text
        assert f"/projects/{herbarium}/talk/images/{task_id}/#comment-" in text

        # The curator's list names the mention, which leads to the question.
        curator.goto(f"{site.base_url}/notifications/")
        mention = curator.locator("[data-notification][data-kind=mention]")
        expect(mention).to_have_count(1)
        mention.locator("[data-open]").focus()
        curator.keyboard.press("Enter")
        expect(curator).to_have_url(re.compile(rf"/talk/images/{task_id}/"))
        expect(curator.locator("[data-comment]").first).to_contain_text("Boivin or Bovin")

        # The volunteer leaves the image to others.
        thread.locator("[data-comment-body-input]").focus()
        volunteer.keyboard.press("Escape")
        volunteer.keyboard.press("Alt+K")
        volunteer.locator("[data-skip-dialog] button[value=skip]").click()
        wait_until_image_left(volunteer, root, task_id)
    finally:
        volunteer_context.close()
        curator_context.close()
