"""The discussion under attack: hostile comment bodies, forged ids, roles, CSRF, floods.

Hostile bodies (Markdown source → what every reader's page holds)
- `<script>` and `<img onerror>` typed as HTML → shown as text, no element made
- `[x](javascript:…)`, `[x](JAVASCRIPT:…)`, `[x](data:text/html,…)`, `[x](vbscript:…)` → no link
- `![x](https://elsewhere/pixel.png)` → no image (nothing loads from elsewhere)
- a link → rel="nofollow ugc noopener"
- attributes smuggled into a link title or URL (`"onmouseover=`) → escaped, no attribute
- a body over 5,000 characters, or a million asterisks → 400, nothing stored
- 5,000 characters of nested quotes, lists, brackets and emphasis → rendered quickly, bounded
- bidirectional overrides or control characters in a body, a title or a reason → 400
- zero-width characters inside a mention → names nobody; `@[…]` with a bidi override → 400

Forged ids and roles
- an image, topic or comment of another project under this project's address → 404
- a members-only project's threads, tags, comments from outside → 404; signed out → 404
- a contributor hiding, pinning, dismissing reports, confirming flags → 403, nothing changed
- a contributor opening the moderation list → 403
- a reply to a comment of another thread → 400
- a comment the reader may not read yet (independence) → 404 to fetch, report or answer

Requests
- posting, hiding or reporting without a CSRF token → 403, nothing stored
- posting faster than DISCUSSION_COMMENTS_PER_HOUR → 429 with a translated message
- `next` pointing at another site → ignored, back to the thread
- a board page number past any database integer, or not a number → a page of the board, no error
"""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from django.test import Client

from tasks.models import Comment, CommentReport, ImageFlag, Role, TaskState, Thread, Visibility
from tasks.services.discussion import DiscussionInvalid, comment_post, topic_open
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def image(project):
    return TaskFactory(project=project, state=TaskState.COMPLETE)


def talk(project, rest=""):
    return f"/projects/{project.slug}/talk/{rest}"


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.extend(name for name, _value in attrs)


def _attributes(html: str) -> list[str]:
    """Every attribute name of every element of `html`, as a browser would parse them."""
    parser = _Attributes()
    parser.feed(html)
    return parser.names


def post(client, url, data):
    return client.post(url, data, **FETCH)


def rendered(project, image, contributor, body):
    response = post(page_client(contributor), talk(project, f"images/{image.pk}/"), {"body": body})
    assert response.status_code == 201, response.content
    return response.json()["html"]


# --- Hostile bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<iframe src=https://evil.example></iframe>",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
    ],
)
def test_html_in_a_body_is_shown_as_text_and_makes_no_element(project, image, contributor, body):
    html = rendered(project, image, contributor, body)
    body_html = html.split("data-comment-body>")[1].split("</div>")[0]
    for element in ("<script", "<img", "<iframe", "<svg", "<a "):
        assert element not in body_html
    assert "&lt;" in body_html


@pytest.mark.parametrize(
    "link",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_script_links_are_never_links(project, image, contributor, link):
    html = rendered(project, image, contributor, link)
    assert "href" not in html.split("data-comment-body>")[1].split("</div>")[0]


def test_images_from_elsewhere_never_load_and_links_are_nofollow(project, image, contributor):
    html = rendered(
        project, image, contributor, '![pixel](https://evil.example/p.png) [a](https://x.org "t")'
    )
    assert "<img" not in html
    assert 'rel="nofollow ugc noopener"' in html


def test_quotes_in_a_link_title_or_url_make_no_attribute(project, image, contributor):
    html = rendered(
        project,
        image,
        contributor,
        '[a](https://x.org/" onmouseover="alert(1)) [b](https://x.org "x\\" onmouseover=\\"alert(1)")',
    )
    attributes = _attributes(html)
    assert attributes
    assert all(not name.startswith("on") for name in attributes)


@pytest.mark.parametrize("body", ["x" * 5001, "*" * 1_000_000])
def test_a_huge_body_is_refused_and_nothing_stored(project, image, contributor, body):
    response = post(page_client(contributor), talk(project, f"images/{image.pk}/"), {"body": body})
    assert response.status_code == 400
    assert "At most 5000 characters" in response.json()["error"]["message"]
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        ">" * 4990 + " deep",
        "- " * 2499 + "x",
        "[" * 4990 + "x",
        "*a" * 2500,
        "**" * 1200 + "x" + "**" * 1200,
        "`" * 5000,
        "1. " * 1666,
    ],
)
def test_deeply_nested_formatting_renders_quickly_and_bounded(project, image, contributor, body):
    started = time.monotonic()
    html = rendered(project, image, contributor, body)
    # Not a timing assertion on the machine: a guard against a quadratic parser (minutes).
    assert time.monotonic() - started < 30
    assert html.count("<blockquote>") <= 25
    assert html.count("<ul>") <= 25


@pytest.mark.parametrize(
    "body", ["evil \u202e txt.exe", "bell \x07", "isolate \u2066x\u2069", "@[Ali\u202ece]"]
)
def test_direction_and_control_characters_are_refused(project, image, contributor, body):
    response = post(page_client(contributor), talk(project, f"images/{image.pk}/"), {"body": body})
    assert response.status_code == 400
    assert "visible characters only" in response.json()["error"]["message"]


def test_a_zero_width_character_inside_a_mention_names_nobody(project, image, contributor):
    alice = MembershipFactory(project=project, user=UserFactory(display_name="Alice")).user
    posted = comment_post(
        actor=contributor, project=project, task=image, body="@Al\u200bice @[Al\u200bice]"
    )
    assert alice not in posted.comment.mentions.all()
    assert 'class="mention"' not in posted.comment.html


def test_hostile_titles_and_reasons_are_refused_or_escaped(project, contributor, curator):
    with pytest.raises(DiscussionInvalid):
        topic_open(actor=contributor, project=project, title="a\u202eb", body="x")
    topic = topic_open(
        actor=contributor, project=project, title="<script>alert(1)</script>", body="x"
    )
    page = page_client(contributor).get(talk(project)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    response = post(
        page_client(curator),
        talk(project, f"comments/{topic.comment.pk}/hide/"),
        {"reason": "<b>bad</b>"},
    )
    assert response.status_code == 200
    assert "&lt;b&gt;bad&lt;/b&gt;" in response.json()["html"]


# --- Forged ids and roles --------------------------------------------------------------------


def test_another_projects_image_topic_or_comment_under_this_address_is_not_found(
    project, contributor
):
    other = ProjectFactory()
    their_image = TaskFactory(project=other, state=TaskState.COMPLETE)
    lead = MembershipFactory(project=other, role=Role.LEAD).user
    theirs = comment_post(actor=lead, project=other, task=their_image, body="secret")
    topic = topic_open(actor=lead, project=other, title="T", body="b")
    client = page_client(contributor)

    assert client.get(talk(project, f"images/{their_image.pk}/")).status_code == 404
    assert client.get(talk(project, f"images/{their_image.pk}/panel/")).status_code == 404
    assert client.get(talk(project, f"topics/{topic.comment.thread_id}/")).status_code == 404
    assert client.get(talk(project, f"comments/{theirs.comment.pk}/")).status_code == 404
    assert (
        post(client, talk(project, f"images/{their_image.pk}/"), {"body": "x"}).status_code == 404
    )
    response = post(
        client, talk(project, f"comments/{theirs.comment.pk}/report/"), {"reason": "spam"}
    )
    assert response.status_code == 404
    assert not CommentReport.objects.exists()


def test_a_members_only_projects_discussion_is_not_found_from_outside(project, image, contributor):
    project.visibility = Visibility.MEMBERS
    project.save()
    posted = comment_post(actor=contributor, project=project, task=image, body="inside")
    topic = topic_open(actor=contributor, project=project, title="T", body="b")
    for client in (page_client(UserFactory()), Client()):
        for url in (
            talk(project),
            talk(project, f"images/{image.pk}/"),
            talk(project, f"topics/{topic.comment.thread_id}/"),
            talk(project, f"comments/{posted.comment.pk}/"),
            talk(project, "tags/anything/"),
        ):
            assert client.get(url).status_code == 404, url
    response = post(page_client(UserFactory()), talk(project, f"images/{image.pk}/"), {"body": "x"})
    assert response.status_code == 404


def test_a_contributor_can_neither_hide_nor_pin_nor_dismiss_nor_confirm(
    project, image, contributor
):
    author = MembershipFactory(project=project).user
    comment = comment_post(actor=author, project=project, task=image, body="x").comment
    ImageFlag.objects.create(project=project, task=image, user=author, kind="interesting")
    client = page_client(contributor)
    for action, data in (
        ("hide", {"reason": "no"}),
        ("pin", {"pinned": "1"}),
        ("dismiss", {}),
    ):
        response = post(client, talk(project, f"comments/{comment.pk}/{action}/"), data)
        assert response.status_code == 403, action
    response = post(
        client,
        talk(project, f"images/{image.pk}/flags/"),
        {"kind": "interesting", "action": "confirm"},
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.hidden
    assert not comment.pinned
    assert ImageFlag.objects.get().state == "open"
    assert client.get(talk(project, "moderation/")).status_code == 403


def test_a_comment_not_readable_yet_cannot_be_fetched_reported_or_answered(project):
    image = TaskFactory(project=project, state=TaskState.OPEN)
    alice = MembershipFactory(project=project).user
    bob = MembershipFactory(project=project).user
    spoiler = comment_post(actor=alice, project=project, task=image, body="Quercus").comment
    client = page_client(bob)
    assert client.get(talk(project, f"comments/{spoiler.pk}/")).status_code == 404
    report = post(client, talk(project, f"comments/{spoiler.pk}/report/"), {"reason": "spam"})
    assert report.status_code == 404
    reply = post(
        client, talk(project, f"images/{image.pk}/"), {"body": "me too", "reply_to": spoiler.pk}
    )
    assert reply.status_code == 404
    page = client.get(talk(project, f"images/{image.pk}/")).content.decode()
    assert "Quercus" not in page
    assert "1 comment waits for your answer." in page


def test_a_reply_to_a_comment_of_another_thread_is_refused(project, image, contributor):
    elsewhere = TaskFactory(project=project, state=TaskState.COMPLETE)
    other = comment_post(actor=contributor, project=project, task=elsewhere, body="x").comment
    response = post(
        page_client(contributor),
        talk(project, f"images/{image.pk}/"),
        {"body": "y", "reply_to": other.pk},
    )
    assert response.status_code == 400
    assert not Thread.objects.filter(task=image, comments__isnull=False).exists()


# --- Requests -------------------------------------------------------------------------------


def test_posting_hiding_and_reporting_need_a_csrf_token(project, image, contributor, curator):
    comment = comment_post(actor=curator, project=project, task=image, body="x").comment
    for user, url, data in (
        (contributor, talk(project, f"images/{image.pk}/"), {"body": "no token"}),
        (contributor, talk(project, f"comments/{comment.pk}/report/"), {"reason": "spam"}),
        (curator, talk(project, f"comments/{comment.pk}/hide/"), {"reason": "x"}),
        (contributor, talk(project), {"title": "t", "body": "b"}),
    ):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(user)
        assert strict.post(url, data).status_code == 403, url
    assert Comment.objects.count() == 1
    assert not CommentReport.objects.exists()
    comment.refresh_from_db()
    assert not comment.hidden


def test_a_flood_of_comments_is_refused_with_a_translated_message(
    project, image, contributor, settings
):
    settings.DISCUSSION_COMMENTS_PER_HOUR = 3
    client = page_client(contributor)
    url = talk(project, f"images/{image.pk}/")
    for n in range(3):
        assert post(client, url, {"body": f"c{n}"}).status_code == 201
    refused = post(client, url, {"body": "more"})
    assert refused.status_code == 429
    french = Client(HTTP_ACCEPT_LANGUAGE="fr")
    french.force_login(contributor)
    refused = french.post(url, {"body": "encore"}, **FETCH)
    assert refused.status_code == 429
    assert "trop vite" in refused.json()["error"]["message"]
    assert Comment.objects.count() == 3


def test_next_pointing_elsewhere_is_ignored(project, image, contributor):
    response = page_client(contributor).post(
        talk(project, f"images/{image.pk}/"), {"body": "x", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(talk(project, f"images/{image.pk}/"))


@pytest.mark.parametrize("page", ["9223372036854775806", "99999999999", "-3", "x", "2"])
def test_a_board_page_out_of_range_shows_a_page_and_never_an_error(project, contributor, page):
    for n in range(3):
        topic_open(actor=contributor, project=project, title=f"Topic {n}", body="Text")
    response = page_client(contributor).get(talk(project, f"?page={page}"))
    assert response.status_code == 200
    assert response.content.decode().count("data-topic=") == 3
