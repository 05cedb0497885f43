"""Discussion posting: who reads what, replies, mentions, tags, one's data, closed accounts."""

from __future__ import annotations

import json

import pytest
from django.http import Http404

from crowd.services import account_delete
from tasks.models import CommentTag, Notification, TaskState, Thread
from tasks.notification_texts import notification_link, notification_text
from tasks.selectors.discussion import comment_for_reader, image_thread, tag_page, topic_thread
from tasks.selectors.personal_data import personal_data, personal_data_zip
from tasks.services.discussion import (
    DiscussionInvalid,
    comment_post,
    comment_report,
    flag_set,
    topic_open,
)
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import submit
from tests.tasks.discussion import (
    member,
    open_image,  # noqa: F401 (the image fixture)
    reader,
)
from tests.tasks.exports import VALUES

pytestmark = pytest.mark.django_db


def answer(project, user, task):
    from tasks.services.leases import lease_grant

    lease = lease_grant(project=project, user=user)
    assert lease is not None
    assert lease.task_id == task.pk
    submit(lease, VALUES)


# --- Posting and reading ---------------------------------------------------------------------


def test_a_member_comments_on_an_image_and_the_thread_is_made_with_the_first_comment(
    project, image, contributor, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("tasks.events.event_send", lambda *args: sent.append(args))
    assert not Thread.objects.filter(task=image).exists()

    with django_capture_on_commit_callbacks(execute=True):
        posted = comment_post(
            actor=contributor, project=project, task=image, body="Is this *faded*?"
        )

    thread = Thread.objects.get(task=image)
    assert posted.comment.thread == thread
    assert posted.comment.html == "<p>Is this <em>faded</em>?</p>\n"
    assert posted.comment.body == "Is this *faded*?"
    assert thread.comment_count == 1
    # The event names the comment; it never carries its body.
    assert sent == [
        (
            f"project-{project.pk}",
            "comment.posted",
            {"thread": thread.pk, "task": image.pk, "comment": posted.comment.pk},
        )
    ]


def test_a_volunteer_who_has_not_answered_sees_only_their_own_and_the_teams_comments(
    project, image, curator
):
    alice, bob = member(project), member(project)
    spoiler = comment_post(
        actor=alice, project=project, task=image, body="I read Quercus ilex L."
    ).comment
    comment_post(actor=alice, project=project, task=image, body="x")  # answered below
    staff = comment_post(actor=curator, project=project, task=image, body="Read the label.").comment
    answer(project, alice, image)
    mine = comment_post(actor=bob, project=project, task=image, body="Is it faded?").comment

    view = image_thread(reader(bob, project), image)
    assert view.guarded
    assert [c.pk for c in view.comments] == [staff.pk, mine.pk]
    assert view.held_back == 2
    with pytest.raises(Http404):
        comment_for_reader(reader(bob, project), spoiler.pk)

    answer(project, bob, image)
    view = image_thread(reader(bob, project), image)
    assert not view.guarded
    assert spoiler.pk in [c.pk for c in view.comments]
    assert comment_for_reader(reader(bob, project), spoiler.pk) == spoiler


def test_curators_read_every_comment_and_finished_images_open_to_everyone(project, image, curator):
    alice = member(project)
    spoiler = comment_post(actor=alice, project=project, task=image, body="Quercus").comment
    assert spoiler in image_thread(reader(curator, project), image).comments

    outsider = UserFactory()
    assert spoiler not in image_thread(reader(outsider, project), image).comments
    image.state = TaskState.COMPLETE
    image.save()
    assert spoiler in image_thread(reader(outsider, project), image).comments


def test_a_training_image_keeps_its_thread_closed_to_those_who_have_not_answered(project, curator):
    training = TaskFactory(project=project, state=TaskState.REFERENCE)
    alice, bob = member(project), member(project)
    posted = comment_post(actor=alice, project=project, task=training, body="It says 1898").comment
    assert posted not in image_thread(reader(bob, project), training).comments


def test_a_board_topic_has_a_title_and_a_first_comment(project, contributor):
    posted = topic_open(
        actor=contributor, project=project, title="Abbreviations", body="What is *leg.*?"
    )
    thread = posted.comment.thread
    assert thread.title == "Abbreviations"
    assert [c.pk for c in topic_thread(reader(UserFactory(), project), thread).comments] == [
        posted.comment.pk
    ]


def test_a_reply_answers_a_comment_of_the_same_thread_only(project, image, contributor, curator):
    first = comment_post(actor=contributor, project=project, task=image, body="Question").comment
    reply = comment_post(
        actor=curator, project=project, task=image, body="Answer", reply_to_id=first.pk
    )
    assert reply.comment.reply_to == first
    assert reply.replied_to == contributor

    other = TaskFactory(project=project)
    with pytest.raises(DiscussionInvalid):
        comment_post(actor=curator, project=project, task=other, body="x", reply_to_id=first.pk)


def test_posted_says_who_to_tell_mentioned_and_replied_to_once_each(project, image):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    carol = member(project, display_name="Carol")
    image.state = TaskState.COMPLETE  # everyone reads everyone's comments
    image.save()
    comment_post(actor=carol, project=project, task=image, body="Hello")
    first = comment_post(actor=alice, project=project, task=image, body="Question").comment

    posted = comment_post(
        actor=bob, project=project, task=image, body="@Carol see this", reply_to_id=first.pk
    )

    assert posted.mentioned == [carol]
    assert list(posted.comment.mentions.all()) == [carol]
    assert posted.replied_to == alice
    # Answering Carol while naming her tells her once, as named.
    again = comment_post(
        actor=bob, project=project, task=image, body="@Carol and you?", reply_to_id=first.pk
    )
    assert again.mentioned == [carol]
    assert again.replied_to == alice


def test_a_mention_and_a_reply_notify_the_people_they_name_with_a_link_to_the_comment(
    project, image
):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    carol = member(project, display_name="Carol")
    image.state = TaskState.COMPLETE
    image.save()
    first = comment_post(actor=alice, project=project, task=image, body="Question").comment
    assert not Notification.objects.exists()  # nobody named, nobody answered

    posted = comment_post(
        actor=bob,
        project=project,
        task=image,
        body="@Carol it reads *Quercus*",
        reply_to_id=first.pk,
    ).comment

    told = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(told) == {alice.pk, carol.pk}  # not Bob, who wrote it
    assert (told[alice.pk].kind, told[carol.pk].kind) == ("reply", "mention")
    link = f"/projects/{project.slug}/talk/images/{image.pk}/#comment-{posted.pk}"
    assert notification_link(told[carol.pk]) == link
    assert "Quercus" in notification_text(told[carol.pk])
    assert "Bob" in notification_text(told[alice.pk])


def test_a_volunteer_named_on_an_image_they_have_not_answered_is_told_without_the_quote(
    project, image, curator
):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    answer(project, alice, image)
    comment_post(actor=alice, project=project, task=image, body="@Bob it says 1898, not 1893")

    (told,) = Notification.objects.filter(recipient=bob)
    assert told.kind == "mention"
    assert "1898" not in notification_text(told)
    assert "opens once you have answered" in notification_text(told)
    # A curator's comment is open to everyone: it is quoted.
    comment_post(actor=curator, project=project, task=image, body="@Bob read the stamp")
    assert "read the stamp" in notification_text(
        Notification.objects.filter(recipient=bob).latest("pk")
    )


def test_mentions_resolve_only_to_people_of_the_project_and_never_to_two_namesakes(project, image):
    alice = member(project, display_name="Alice")
    UserFactory(display_name="Stranger")  # never took part in the project
    member(project, display_name="Twin")
    member(project, display_name="twin")
    posted = comment_post(actor=alice, project=project, task=image, body="@Stranger @Twin @Alice")
    assert posted.mentioned == []  # naming oneself tells nobody
    assert list(posted.comment.mentions.all()) == [alice]
    assert "@Stranger" in posted.comment.html
    assert 'mention">@Stranger' not in posted.comment.html
    assert 'mention">@Twin' not in posted.comment.html


def test_image_references_point_only_at_images_of_the_same_project(project, image, contributor):
    elsewhere = TaskFactory(project=ProjectFactory())
    posted = comment_post(
        actor=contributor,
        project=project,
        task=image,
        body=f"like ^{image.pk} not ^{elsewhere.pk}",
    ).comment
    assert f"/projects/{project.slug}/talk/images/{image.pk}/" in posted.html
    assert f"talk/images/{elsewhere.pk}/" not in posted.html


def test_tags_list_images_under_the_reading_rule(project, image, curator):
    alice, bob = member(project), member(project)
    done = TaskFactory(project=project, state=TaskState.COMPLETE)
    comment_post(actor=alice, project=project, task=image, body="#Quercus")
    comment_post(actor=alice, project=project, task=done, body="#quercus too")
    assert CommentTag.objects.filter(tag="quercus").count() == 2

    # Bob has not answered the open image: its tag would give it away.
    assert [t.pk for t in tag_page(reader(bob, project), "quercus").images] == [done.pk]
    assert {t.pk for t in tag_page(reader(curator, project), "quercus").images} == {
        image.pk,
        done.pk,
    }
    answer(project, bob, image)
    assert {t.pk for t in tag_page(reader(bob, project), "quercus").images} == {image.pk, done.pk}


# --- Personal data and closing an account --------------------------------------------------


def test_my_data_holds_my_comments_reports_and_flags(project, image):
    alice = member(project)
    image.state = TaskState.COMPLETE
    image.save()
    other = comment_post(actor=member(project), project=project, task=image, body="hm").comment
    comment_post(actor=alice, project=project, task=image, body="My **note**")
    comment_report(actor=alice, comment=other, reason="abuse")
    flag_set(actor=alice, task=image, kind="wrong_image")

    data = personal_data(alice)
    assert [c["body"] for c in data["comments"]] == ["My **note**"]
    assert data["comments"][0]["image"] == image.pk
    assert data["reports"][0]["reason"] == "abuse"
    assert data["flags"][0]["flag"] == "wrong_image"
    json.dumps(data)
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(personal_data_zip(alice))).namelist()
    assert {"comments.csv", "reports.csv", "flags.csv"} <= set(names)


def test_a_closed_account_s_comments_stay_under_no_name(project, image):
    from tests.factories import PASSWORD
    from tests.helpers import page_client

    alice = member(project, display_name="Alice Martin")
    image.state = TaskState.COMPLETE
    image.save()
    comment = comment_post(actor=alice, project=project, task=image, body="Kept text").comment

    account_delete(user=alice, password=PASSWORD)

    page = page_client(member(project)).get(f"/projects/{project.slug}/talk/images/{image.pk}/")
    content = page.content.decode()
    assert "Kept text" in content
    assert "A closed account" in content
    assert "Alice Martin" not in content
    assert comment in image_thread(reader(UserFactory(), project), image).comments
