"""A hidden comment is gone for others everywhere its text travelled: the replies and mentions
it caused quote it, in the page and in e-mails still to go, so they go with it."""

from __future__ import annotations

import pytest
from django.core import mail

from tasks.models import EmailMode, Notification, NotificationKind, Role, TaskState
from tasks.services.discussion import comment_hide, comment_post, comment_unhide
from tasks.services.notification_mail import notifications_digest_send
from tasks.services.notifications import notification_settings_update
from tests.factories import MembershipFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def image(project):
    return TaskFactory(project=project, state=TaskState.COMPLETE)


def member(project, **names):
    return MembershipFactory(project=project, role=Role.CONTRIBUTOR, user=UserFactory(**names)).user


def test_hiding_a_comment_withdraws_the_mentions_and_replies_that_quote_it(
    project, image, curator, django_capture_on_commit_callbacks, monkeypatch
):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    question = comment_post(actor=alice, project=project, task=image, body="A question").comment
    rude = comment_post(
        actor=bob, project=project, task=image, body="@Alice insult", reply_to_id=question.pk
    ).comment
    kept = comment_post(actor=bob, project=project, task=image, body="@Alice sorry").comment
    assert Notification.objects.filter(recipient=alice).count() == 2
    sent = []
    monkeypatch.setattr("tasks.services.notifications.event_send", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        comment_hide(actor=curator, comment=rude, reason="Be kind")

    (left,) = Notification.objects.filter(recipient=alice)
    assert left.payload["comment"] == kept.pk
    assert "insult" not in str(Notification.objects.values_list("payload", flat=True))
    # Alice's counter hears that one notification went.
    assert (f"notifications-{alice.pk}", "notifications", {"unread": 1, "kind": ""}) in sent


def test_a_digest_after_a_comment_was_hidden_does_not_quote_it(project, image, curator):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    notification_settings_update(
        user=alice, email=EmailMode.DAILY, email_kinds=[NotificationKind.MENTION]
    )
    rude = comment_post(actor=bob, project=project, task=image, body="@Alice insult").comment
    comment_post(actor=bob, project=project, task=image, body="@Alice sorry")
    comment_hide(actor=curator, comment=rude, reason="Be kind")

    assert notifications_digest_send() == 1

    (message,) = mail.outbox
    assert "sorry" in message.body
    assert "insult" not in message.body
    assert "insult" not in message.alternatives[0][0]


def test_showing_a_comment_again_does_not_notify_twice(project, image, curator):
    alice = member(project, display_name="Alice")
    bob = member(project, display_name="Bob")
    comment = comment_post(actor=bob, project=project, task=image, body="@Alice look").comment
    comment_hide(actor=curator, comment=comment, reason="Checking")
    comment_unhide(actor=curator, comment=comment)
    comment_hide(actor=curator, comment=comment, reason="Checking")
    assert not Notification.objects.filter(recipient=alice).exists()
