"""Notifications and news against hostile people: what each test shows is refused.

Notifications
- a forged, tampered, re-salted or expired unsubscribe token changes nobody's settings, and
  says why; a valid token only ever stops e-mail for the account it names;
- another person's notification ids are not found (404) and stay unread; "mark all read"
  touches only one's own;
- changing one's notification settings needs a session and a CSRF token;
- a notification never leads off the site, whatever link a caller passes.

News
- a contributor or a curator cannot post, edit or delete news (403); an outsider does not even
  learn that a members-only project exists (404); posting needs a CSRF token;
- hostile bodies (script and event-handler markup, javascript: links, deeply nested quotes and
  emphasis, a megabyte of text, control and direction characters in the title) are refused or
  rendered inert.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core import signing
from django.test import Client

from tasks.markup import ALLOWED_TAGS, markdown_render
from tasks.models import EmailMode, News, Notification, NotificationSettings, Visibility
from tasks.services.news import news_publish
from tasks.services.notification_mail import unsubscribe_token
from tasks.services.notifications import notification_create, notification_settings_update
from tests.helpers import page_client

pytestmark = pytest.mark.django_db


def test_forged_unsubscribe_tokens_change_nothing(contributor, outsider):
    notification_settings_update(user=outsider, email=EmailMode.DAILY, email_kinds=["news"])
    valid = unsubscribe_token(user_id=contributor.pk)
    payload, _stamp, _signature = valid.split(":")
    forgeries = [
        # The victim's id in the payload, the signature of the attacker's own token.
        signing.b64_encode(f'{{"u":{outsider.pk}}}'.encode()).decode() + valid[len(payload) :],
        signing.dumps({"u": outsider.pk}, salt="crowd.accounts.email-verification"),
        signing.dumps({"u": outsider.pk}, key="a-key-that-is-not-the-servers"),
        "a" * 5000,
        "..%2F..%2F",
    ]
    for token in forgeries:
        response = Client().post(f"/notifications/unsubscribe/{token}/")
        assert response.status_code in (400, 404), token
    assert NotificationSettings.objects.get(user=outsider).email == EmailMode.DAILY


def test_another_persons_notification_ids_are_not_found(project, contributor, outsider):
    theirs = notification_create(recipient=outsider, kind="news", project=project)
    client = page_client(contributor)
    for action in ("open", "read"):
        assert client.post(f"/notifications/{theirs.pk}/{action}/").status_code == 404
    client.post("/notifications/read-all/")
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert f'notification-{theirs.pk}"' not in client.get("/notifications/").content.decode()


def test_notification_settings_need_a_session_and_a_csrf_token(contributor):
    assert Client().post("/notifications/settings/", {"email": "daily"}).status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(contributor)
    assert strict.post("/notifications/settings/", {"email": "daily"}).status_code == 403
    assert not NotificationSettings.objects.filter(user=contributor).exists()


@pytest.mark.parametrize("role", ["contributor", "curator"])
def test_only_leads_post_edit_or_delete_news(request, project, lead, role):
    member = request.getfixturevalue(role)
    news = news_publish(project=project, author=lead, title="Vrai", body="Texte")
    client = page_client(member)
    base = f"/projects/{project.slug}/news/"
    assert client.post(base, {"title": "Faux", "body": "x"}).status_code == 403
    assert client.post(f"{base}{news.pk}/edit/", {"title": "Faux", "body": "x"}).status_code == 403
    assert client.post(f"{base}{news.pk}/delete/").status_code == 403
    assert list(News.objects.values_list("title", flat=True)) == ["Vrai"]


def test_an_outsider_learns_nothing_of_a_members_only_projects_news(project, lead, outsider):
    project.visibility = Visibility.MEMBERS
    project.save()
    news = news_publish(project=project, author=lead, title="Interne", body="Texte")
    client = page_client(outsider)
    assert client.get(f"/projects/{project.slug}/news/").status_code == 404
    assert (
        client.post(f"/projects/{project.slug}/news/", {"title": "x", "body": "y"}).status_code
        == 404
    )
    assert client.post(f"/projects/{project.slug}/news/{news.pk}/delete/").status_code == 404


def test_news_of_another_project_cannot_be_edited_through_ones_own(project, lead):
    from tests.factories import MembershipFactory, ProjectFactory

    elsewhere = ProjectFactory()
    their_lead = MembershipFactory(project=elsewhere, role="lead").user
    theirs = news_publish(project=elsewhere, author=their_lead, title="Ailleurs", body="Texte")
    client = page_client(lead)
    assert client.post(f"/projects/{project.slug}/news/{theirs.pk}/delete/").status_code == 404
    assert News.objects.filter(pk=theirs.pk).exists()


def test_posting_news_needs_a_csrf_token(project, lead):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(lead)
    response = strict.post(f"/projects/{project.slug}/news/", {"title": "x", "body": "y"})
    assert response.status_code == 403
    assert not News.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[clic](javascript:alert(1))",
        '[clic](JaVaScRiPt:alert(1) "t")',
        "<a href='javascript:alert(1)'>clic</a>",
        "<iframe src='https://evil.example'></iframe>",
        "<svg onload=alert(1)>",
        "![x](https://evil.example/track.png)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_hostile_markup_in_a_news_body_is_rendered_inert(body):
    html = markdown_render(body)
    elements = _elements(html)
    assert {tag for tag, _attrs in elements} <= ALLOWED_TAGS, html
    for _tag, attrs in elements:
        for name, value in attrs:
            assert not name.startswith("on"), html
            if name == "href":
                assert (value or "").split(":")[0].lower() in {"http", "https", "mailto"}, html


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Collect()
    parser.feed(html)
    return parser.found


def test_deeply_nested_formatting_renders_quickly_and_flat(project, lead):
    for body in (">" * 5000 + " x", "*" * 9_000 + "x" + "*" * 9_000, "- " * 5000 + "x"):
        news = news_publish(project=project, author=lead, title="Profond", body=body)
        assert news.body_html.count("<blockquote>") <= 20
        assert news.body_html.count("<ul>") <= 20


def test_a_huge_body_is_refused_with_its_size_and_a_huge_post_changes_nothing(project, lead):
    client = page_client(lead)
    response = client.post(
        f"/projects/{project.slug}/news/", {"title": "Énorme", "body": "x" * 1_000_000}
    )
    assert response.status_code == 400
    assert not News.objects.exists()


@pytest.mark.parametrize("title", ["Vrai\u202etxt.exe", "Ligne\nsuivante", "Nul\x00"])
def test_hidden_characters_in_a_news_title_are_refused(project, lead, title):
    response = page_client(lead).post(
        f"/projects/{project.slug}/news/", {"title": title, "body": "texte"}
    )
    assert response.status_code == 400
    assert not News.objects.exists()
