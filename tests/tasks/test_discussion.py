"""Discussion: comments on images and topics, what each reader sees, moderation, flags,
mentions, tags, rate limits, personal data and closing an account."""

from __future__ import annotations

import json

import pytest
from django.http import Http404

from crowd.services import account_delete
from tasks.markup import Resolvers, comment_render
from tasks.models import (
    Badge,
    CommentReport,
    CommentTag,
    FlagState,
    ImageFlag,
    Notification,
    ProjectStatus,
    Role,
    TaskState,
    Thread,
    Visibility,
)
from tasks.notification_texts import notification_link, notification_text
from tasks.selectors.discussion import (
    comment_for_reader,
    discussion_reader,
    image_thread,
    moderation_lists,
    tag_page,
    topic_thread,
)
from tasks.selectors.personal_data import personal_data, personal_data_zip
from tasks.services.discussion import (
    DiscussionConflict,
    DiscussionForbidden,
    DiscussionInvalid,
    DiscussionThrottled,
    comment_hide,
    comment_pin,
    comment_post,
    comment_report,
    comment_reports_dismiss,
    comment_unhide,
    flag_clear,
    flag_set,
    flags_decide,
    topic_open,
)
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import submit
from tests.tasks.exports import VALUES

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(project):
    return TaskFactory(project=project, state=TaskState.OPEN, target=3)


def member(project, role=Role.CONTRIBUTOR, **names):
    return MembershipFactory(project=project, role=role, user=UserFactory(**names)).user


def answer(project, user, task):
    from tasks.services.leases import lease_grant

    lease = lease_grant(project=project, user=user)
    assert lease is not None
    assert lease.task_id == task.pk
    submit(lease, VALUES)


def reader(user, project):
    return discussion_reader(user, project)


# --- Rendering --------------------------------------------------------------------------------


def _plain(**overrides):
    defaults = {
        "person": lambda name: None,
        "image": lambda task_id: None,
        "tag": lambda tag: f"/tags/{tag}/",
    }
    return Resolvers(**{**defaults, **overrides})


def test_markdown_renders_emphasis_quotes_lists_code_and_safe_links():
    html = comment_render(
        "*a* **b**\n\n> quoted\n\n- one\n- two\n\n`x<y` [site](https://example.org)", _plain()
    ).html
    assert "<em>a</em>" in html
    assert "<strong>b</strong>" in html
    assert "<blockquote>" in html
    assert "<li>one</li>" in html
    assert "<code>x&lt;y</code>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">site</a>' in html


def test_tags_are_links_to_the_tag_page_stored_case_folded_once_each():
    rendered = comment_render("#Quercus and #quercus, not a#b nor `#code`", _plain())
    assert rendered.tags == ["quercus"]
    assert rendered.html.count('class="hashtag"') == 2
    assert 'href="/tags/quercus/"' in rendered.html
    assert "a#b" in rendered.html
    assert "<code>#code</code>" in rendered.html


def test_mentions_resolve_only_to_known_people_and_unknown_ones_stay_text():
    people = {"alice": "Alice", "jeanne baret": "Jeanne Baret"}
    rendered = comment_render(
        "@alice @[Jeanne Baret] @bob me@example.org",
        _plain(
            person=lambda name: (
                (name.lower(), people[name.lower()]) if name.lower() in people else None
            )
        ),
    )
    assert rendered.mentions == ["alice", "jeanne baret"]
    assert '<span class="mention">@Alice</span>' in rendered.html
    assert '<span class="mention">@Jeanne Baret</span>' in rendered.html
    assert "@bob" in rendered.html
    assert 'mention">@bob' not in rendered.html
    assert "me@example.org" in rendered.html


def test_image_references_link_only_to_images_the_resolver_accepts():
    rendered = comment_render(
        "see ^12 and ^99", _plain(image=lambda task_id: "/img/12/" if task_id == 12 else None)
    )
    assert rendered.images == [12]
    assert '<a class="image-ref" href="/img/12/"' in rendered.html
    assert "^99" in rendered.html
    assert 'href="/img/99/"' not in rendered.html


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


# --- Who may post --------------------------------------------------------------------------


def test_anyone_signed_in_may_discuss_a_public_project_but_not_a_members_only_one(image):
    project = image.project
    outsider = UserFactory()
    assert comment_post(actor=outsider, project=project, task=image, body="Hello").comment

    project.visibility = Visibility.MEMBERS
    project.save()
    with pytest.raises(DiscussionForbidden):
        comment_post(actor=outsider, project=project, task=image, body="Hello")


def test_the_discussion_goes_on_once_a_project_is_finished(project, image, contributor):
    project.status = ProjectStatus.FINISHED
    project.save()
    assert comment_post(actor=contributor, project=project, task=image, body="Thanks!").comment


def test_an_empty_a_huge_or_a_direction_changing_body_is_refused(project, image, contributor):
    for body, message in (
        ("   ", "Write your comment."),
        ("x" * 5001, "At most 5000 characters"),
        ("abc \u202e gnp.exe", "visible characters only"),
    ):
        with pytest.raises(DiscussionInvalid, match=message):
            comment_post(actor=contributor, project=project, task=image, body=body)
    assert not Thread.objects.exists()


def test_too_many_links_or_names_are_refused(project, image, contributor, settings):
    settings.DISCUSSION_MAX_LINKS = 2
    with pytest.raises(DiscussionInvalid, match="At most 2 links"):
        comment_post(
            actor=contributor,
            project=project,
            task=image,
            body="<https://a.org> <https://b.org> <https://c.org>",
        )


def test_posting_too_fast_is_refused_for_the_hour(project, image, contributor, settings):
    settings.DISCUSSION_COMMENTS_PER_HOUR = 2
    for n in range(2):
        comment_post(actor=contributor, project=project, task=image, body=f"comment {n}")
    with pytest.raises(DiscussionThrottled):
        comment_post(actor=contributor, project=project, task=image, body="one more")
    # Another person is not slowed down by the first.
    assert comment_post(actor=member(project), project=project, task=image, body="hi").comment


# --- Moderation ----------------------------------------------------------------------------


def test_a_curator_hides_a_comment_with_a_reason_and_others_stop_seeing_it(
    project, image, curator, django_capture_on_commit_callbacks, monkeypatch
):
    alice, bob = member(project), member(project)
    image.state = TaskState.COMPLETE
    image.save()
    rude = comment_post(actor=alice, project=project, task=image, body="rude").comment
    sent = []
    monkeypatch.setattr("tasks.events.event_send", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        comment_hide(actor=curator, comment=rude, reason="Be kind")

    rude.refresh_from_db()
    assert (rude.hidden_by, rude.hidden_reason) == (curator, "Be kind")
    assert rude not in image_thread(reader(bob, project), image).comments
    assert rude in image_thread(reader(alice, project), image).comments  # marked, to its author
    assert rude in image_thread(reader(curator, project), image).comments
    assert Thread.objects.get(task=image).comment_count == 0
    assert sent[0][1:] == ("comment.hidden", {"thread": rude.thread_id, "comment": rude.pk})

    comment_unhide(actor=curator, comment=rude)
    assert rude in image_thread(reader(bob, project), image).comments


def test_contributors_may_neither_hide_nor_pin_nor_confirm_flags(project, image, contributor):
    comment = comment_post(actor=member(project), project=project, task=image, body="x").comment
    with pytest.raises(DiscussionForbidden):
        comment_hide(actor=contributor, comment=comment, reason="no")
    with pytest.raises(DiscussionForbidden):
        comment_pin(actor=contributor, comment=comment, pinned=True)
    with pytest.raises(DiscussionForbidden):
        flags_decide(actor=contributor, task=image, kind="interesting", confirmed=True)
    comment.refresh_from_db()
    assert not comment.hidden
    assert not comment.pinned


def test_pinned_comments_come_first(project, image, lead):
    first = comment_post(actor=member(project), project=project, task=image, body="a").comment
    second = comment_post(actor=lead, project=project, task=image, body="b").comment
    comment_pin(actor=lead, comment=second, pinned=True)
    assert [c.pk for c in image_thread(reader(lead, project), image).comments] == [
        second.pk,
        first.pk,
    ]


def test_reports_are_one_per_person_never_on_ones_own_and_settled_by_hiding(
    project, image, curator
):
    alice, bob = member(project), member(project)
    image.state = TaskState.COMPLETE
    image.save()
    comment = comment_post(actor=alice, project=project, task=image, body="spam").comment

    comment_report(actor=bob, comment=comment, reason="spam", note="ads")
    with pytest.raises(DiscussionConflict):
        comment_report(actor=bob, comment=comment, reason="spam")
    with pytest.raises(DiscussionInvalid):
        comment_report(actor=alice, comment=comment, reason="spam")
    with pytest.raises(DiscussionInvalid):
        comment_report(actor=curator, comment=comment, reason="nonsense")

    reported, _flags = moderation_lists(project)
    assert [c.pk for c in reported] == [comment.pk]
    comment_hide(actor=curator, comment=comment, reason="Spam")
    assert CommentReport.objects.get().settled_by == curator
    assert moderation_lists(project)[0] == []


def test_a_comment_one_may_not_read_cannot_be_reported(project, image):
    alice, bob = member(project), member(project)
    comment = comment_post(actor=alice, project=project, task=image, body="Quercus").comment
    with pytest.raises(Http404):
        comment_report(actor=bob, comment=comment, reason="spam")


def test_dismissing_reports_keeps_the_comment(project, image, curator):
    image.state = TaskState.COMPLETE
    image.save()
    comment = comment_post(actor=member(project), project=project, task=image, body="ok").comment
    comment_report(actor=member(project), comment=comment, reason="other")
    assert comment_reports_dismiss(actor=curator, comment=comment) == 1
    comment.refresh_from_db()
    assert not comment.hidden


# --- Flags ------------------------------------------------------------------------------------


def test_flags_are_one_per_person_and_kind_and_a_curator_confirms_them(project, image, curator):
    alice, bob = member(project), member(project)
    flag_set(actor=alice, task=image, kind="interesting")
    flag_set(actor=alice, task=image, kind="interesting")
    flag_set(actor=bob, task=image, kind="interesting")
    flag_set(actor=bob, task=image, kind="sensitive")
    assert ImageFlag.objects.count() == 3
    assert flag_clear(actor=bob, task=image, kind="sensitive")

    _reported, flags = moderation_lists(project)
    assert [(f.task_id, f.kind, f.count) for f in flags] == [(image.pk, "interesting", 2)]

    assert flags_decide(actor=curator, task=image, kind="interesting", confirmed=True) == 2
    confirmed = ImageFlag.objects.get(user=alice)
    assert (confirmed.state, confirmed.decided_by) == (FlagState.CONFIRMED, curator)
    # A decided flag stays: its author cannot take it back.
    assert not flag_clear(actor=alice, task=image, kind="interesting")
    with pytest.raises(DiscussionInvalid):
        flag_set(actor=alice, task=image, kind="boring")


def test_an_interesting_flag_a_curator_confirms_earns_its_badge_and_a_dismissed_one_does_not(
    project, image, curator
):
    keen, other, wrong = member(project), member(project), member(project)
    flag_set(actor=keen, task=image, kind="interesting")
    flag_set(actor=wrong, task=image, kind="wrong_image")
    flags_decide(actor=curator, task=image, kind="wrong_image", confirmed=True)
    assert not Badge.objects.filter(kind="flag_confirmed").exists()  # only "interesting" counts

    flags_decide(actor=curator, task=image, kind="interesting", confirmed=True)
    assert list(Badge.objects.filter(kind="flag_confirmed").values_list("user", flat=True)) == [
        keen.pk
    ]
    # A later flag on the same image, dismissed, earns nothing more.
    flag_set(actor=other, task=image, kind="interesting")
    flags_decide(actor=curator, task=image, kind="interesting", confirmed=False)
    assert Badge.objects.filter(kind="flag_confirmed").count() == 1


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
