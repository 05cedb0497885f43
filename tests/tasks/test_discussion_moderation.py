"""Discussion moderation: who may post and how much, hiding, pins, reports and flags."""

from __future__ import annotations

import pytest
from django.http import Http404

from tasks.models import (
    Badge,
    CommentReport,
    FlagState,
    ImageFlag,
    ProjectStatus,
    TaskState,
    Thread,
    Visibility,
)
from tasks.selectors.discussion import image_thread, moderation_lists
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
)
from tests.factories import UserFactory
from tests.tasks.discussion import (
    member,
    open_image,  # noqa: F401 (the image fixture)
    reader,
)

pytestmark = pytest.mark.django_db


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
