"""Discussion pages: the board, topics, an image's thread and its panel, tags, moderation, the
project page's board section, and forms that come back with what happened."""

from __future__ import annotations

import pytest

from tasks.models import Comment, ImageFlag, TaskState, Thread
from tasks.services.discussion import comment_post, comment_report, flag_set, topic_open
from tests.factories import MembershipFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(project):
    return TaskFactory(project=project, state=TaskState.COMPLETE)


def talk(project, rest=""):
    return f"/projects/{project.slug}/talk/{rest}"


def test_the_project_page_links_to_the_board_with_its_latest_topics(project, contributor):
    topic_open(actor=contributor, project=project, title="Dates on labels", body="Which format?")
    content = page_client(contributor).get(f"/projects/{project.slug}/").content.decode()
    assert "data-project-board" in content
    assert "Dates on labels" in content
    assert f'href="{talk(project)}"' in content


def test_a_volunteer_opens_a_topic_from_the_board_form_and_lands_on_it(project, contributor):
    client = page_client(contributor)
    response = client.post(talk(project), {"title": "Collectors", "body": "Who is *J. B.*?"})
    thread = Thread.objects.get(title="Collectors")
    assert response.status_code == 302
    assert response["Location"] == talk(project, f"topics/{thread.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "<em>J. B.</em>" in page
    assert "Your topic is posted." in page


def test_a_topic_without_a_title_comes_back_with_the_error_and_what_was_typed(project, contributor):
    response = page_client(contributor).post(talk(project), {"title": " ", "body": "Kept body"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Give the topic a title." in content
    assert "Kept body" in content
    assert not Thread.objects.exists()


def test_a_comment_posted_by_form_comes_back_to_the_thread_at_the_comment(
    project, image, contributor
):
    response = page_client(contributor).post(
        talk(project, f"images/{image.pk}/"), {"body": "Nice #Quercus"}
    )
    comment = Comment.objects.get()
    assert response["Location"] == talk(project, f"images/{image.pk}/#comment-{comment.pk}")
    page = page_client(UserFactory()).get(talk(project, f"images/{image.pk}/")).content.decode()
    assert f'href="{talk(project, "tags/quercus/")}"' in page


def test_a_refused_comment_by_fetch_answers_the_error_with_its_field(project, image, contributor):
    response = page_client(contributor).post(
        talk(project, f"images/{image.pk}/"), {"body": ""}, HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"body": ["Write your comment."]}


def test_the_panel_is_the_thread_alone_with_its_form_and_flags(project, image, contributor):
    comment_post(actor=contributor, project=project, task=image, body="hello")
    content = page_client(contributor).get(talk(project, f"images/{image.pk}/panel/")).content
    text = content.decode()
    assert text.lstrip().startswith('<section class="discussion"')
    assert "data-comment-form" in text
    assert "data-flags" in text
    assert "<html" not in text


def test_signed_out_readers_of_a_public_project_read_but_are_asked_to_log_in(project, image):
    comment_post(
        actor=MembershipFactory(project=project).user, project=project, task=image, body="hi"
    )
    content = page_client().get(talk(project, f"images/{image.pk}/")).content.decode()
    assert "hi" in content
    assert "data-comment-form" not in content
    assert "/accounts/login/" in content
    assert (
        page_client().post(talk(project, f"images/{image.pk}/"), {"body": "x"}).status_code == 302
    )
    assert Comment.objects.count() == 1


def test_the_tag_page_lists_tagged_images_and_topics(project, image, contributor):
    comment_post(actor=contributor, project=project, task=image, body="#Fungi here")
    topic_open(actor=contributor, project=project, title="Fungi everywhere", body="#fungi")
    content = page_client(contributor).get(talk(project, "tags/FUNGI/")).content.decode()
    assert f'data-tag-image="{image.pk}"' in content
    assert "Fungi everywhere" in content


def test_curators_list_reports_and_flags_and_settle_them(project, image, curator):
    alice, bob = (MembershipFactory(project=project).user for _ in range(2))
    comment = comment_post(actor=alice, project=project, task=image, body="buy now").comment
    comment_report(actor=bob, comment=comment, reason="spam")
    flag_set(actor=bob, task=image, kind="interesting")
    client = page_client(curator)
    content = client.get(talk(project, "moderation/")).content.decode()
    assert f'data-reported="{comment.pk}"' in content
    assert f'data-flagged="{image.pk}-interesting"' in content

    client.post(
        talk(project, f"comments/{comment.pk}/hide/"),
        {"reason": "Spam", "next": talk(project, "moderation/")},
    )
    client.post(
        talk(project, f"images/{image.pk}/flags/"), {"kind": "interesting", "action": "confirm"}
    )
    content = client.get(talk(project, "moderation/")).content.decode()
    assert "No report waits." in content
    assert "No flag waits." in content
    assert ImageFlag.objects.get().state == "confirmed"


def test_the_transcription_page_has_the_discussion_panel_and_its_shortcut(project, contributor):
    content = page_client(contributor).get(f"/projects/{project.slug}/transcribe/").content
    text = content.decode()
    assert 'id="discussion-panel"' in text
    assert 'aria-keyshortcuts="Alt+D"' in text
    practice = page_client(contributor).get(f"/projects/{project.slug}/practice/").content
    assert b'id="discussion-panel"' not in practice


def test_discussion_pages_speak_french(project, image, contributor):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(contributor)
    content = client.get(talk(project, f"images/{image.pk}/")).content.decode()
    assert "Aucun commentaire pour l’instant." in content
    assert "Signaler cette image" in content
