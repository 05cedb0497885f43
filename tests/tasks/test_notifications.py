"""Notifications: made by the services, merged, read, sent by e-mail as each person chose
(immediately or in a daily digest, in their language, never twice), and unsubscribed from by
the link of a message."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from crowd.services import account_delete
from tasks.models import (
    EmailMode,
    Notification,
    NotificationKind,
    NotificationSettings,
    Role,
    Task,
)
from tasks.notification_texts import notification_link, notification_text
from tasks.selectors.personal_data import personal_data
from tasks.services.moderation import project_block
from tasks.services.notification_mail import (
    UNSUBSCRIBE_DAYS,
    UnsubscribeInvalid,
    notification_email_send,
    notifications_digest_send,
    unsubscribe_token,
    unsubscribe_user,
)
from tasks.services.notifications import (
    comment_notifications_create,
    notification_create,
    notification_settings_update,
    notifications_create,
    notifications_mark_read,
)
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def disputed(project, transcribe):
    """A task whose locality two contributors read differently, and the two contributors."""
    task = TaskFactory(project=project, target=2)
    first = transcribe(project, BASE, task=task)
    second = transcribe(project, {**BASE, "locality": "Lyon"}, task=task)
    assert Task.objects.get(pk=task.pk).state == "disputed"
    return task, first, second


def locality(task):
    return task.field_results.get(key="locality")


def email_on(user, mode, kinds=None):
    return notification_settings_update(
        user=user, email=mode, email_kinds=kinds or NotificationKind.values
    )


# --- Decisions ------------------------------------------------------------------------------


def test_a_curators_decision_tells_each_volunteer_whether_their_answer_was_kept(
    disputed, curator, django_capture_on_commit_callbacks
):
    task, kept, changed = disputed
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=locality(task).pk,
            curator=curator,
            decision="accept",
            value="Grenoble",
        )
    mine = Notification.objects.get(recipient=kept)
    theirs = Notification.objects.get(recipient=changed)
    assert (mine.kind, mine.payload["kept"], mine.payload.get("changed", 0)) == ("decision", 1, 0)
    assert (theirs.payload.get("kept", 0), theirs.payload["changed"]) == (0, 1)
    assert "kept on 1" in notification_text(mine)
    assert "1 was settled otherwise" in notification_text(theirs)
    assert notification_link(mine) == f"/projects/{task.project.slug}/my-feedback/"
    assert not Notification.objects.filter(recipient=curator).exists()


def test_a_decision_is_not_told_to_a_volunteer_the_leads_blocked_since(disputed, curator, lead):
    task, kept, changed = disputed
    project_block(project=task.project, user=changed, actor=lead, reason="Spam")
    field_result_resolve(
        field_result_id=locality(task).pk, curator=curator, decision="accept", value="Grenoble"
    )
    assert Notification.objects.filter(recipient=kept).exists()
    assert not Notification.objects.filter(recipient=changed).exists()


def test_decisions_on_several_fields_make_one_notification_per_volunteer_while_unread(
    project, transcribe, curator
):
    task = TaskFactory(project=project, target=2)
    first = transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon", "country": "Italie"}, task=task)
    for key, value in (("locality", "Grenoble"), ("country", "France")):
        field_result_resolve(
            field_result_id=task.field_results.get(key=key).pk,
            curator=curator,
            decision="accept",
            value=value,
        )
    notification = Notification.objects.get(recipient=first)
    assert notification.payload["kept"] == 2
    notifications_mark_read(user=first)
    other = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=other, user=first)
    transcribe(project, {**BASE, "locality": "Lyon"}, task=other)
    field_result_resolve(
        field_result_id=locality(other).pk, curator=curator, decision="value", value="Lyon"
    )
    assert Notification.objects.filter(recipient=first).count() == 2


def test_sending_a_field_back_for_more_answers_notifies_nobody(disputed, curator):
    task, _first, _second = disputed
    field_result_resolve(field_result_id=locality(task).pk, curator=curator, decision="more")
    assert not Notification.objects.exists()


# --- Other kinds ------------------------------------------------------------------------------


def test_a_reply_and_a_mention_quote_the_comment_and_lead_to_it(project, contributor):
    author = MembershipFactory(project=project, role=Role.CURATOR).user
    body = "Regarde la date, @someone : " + "très " * 60
    (reply,) = comment_notifications_create(
        kind="reply",
        recipient_ids=[contributor.pk, author.pk],
        actor=author,
        project=project,
        comment_id=7,
        text=body,
        link="/projects/x/tasks/3/#comment-7",
        task_id=3,
    )
    assert reply.recipient == contributor  # never the comment's own author
    text = notification_text(reply)
    assert text.startswith(f"{author.public_name} replied to you in {project.title}")
    assert len(reply.payload["excerpt"]) <= 140
    assert notification_link(reply) == "/projects/x/tasks/3/#comment-7"
    (mention,) = comment_notifications_create(
        kind="mention",
        recipient_ids=[contributor.pk],
        actor=author,
        project=project,
        comment_id=8,
        text="@bob",
        link="/x/",
    )
    assert "mentioned you" in notification_text(mention)


def test_a_comment_notification_never_links_off_the_site(project, contributor, lead):
    for link in ("https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil"):
        with pytest.raises(ValueError, match="path on this site"):
            comment_notifications_create(
                kind="reply",
                recipient_ids=[contributor.pk],
                actor=lead,
                project=project,
                comment_id=1,
                text="hi",
                link=link,
            )


def test_an_unknown_kind_is_refused(contributor):
    with pytest.raises(ValueError, match="unknown notification kind"):
        notification_create(recipient=contributor, kind="spam")


def test_inactive_accounts_and_the_actor_are_not_notified(project, lead):
    gone = UserFactory(is_active=False)
    made = notifications_create(
        recipient_ids=[gone.pk, lead.pk], kind="news", project=project, actor=lead
    )
    assert made == []


def test_a_finished_export_tells_the_lead_who_asked(project, lead, committed):
    from tasks.services.exports import export_request

    project.status = "active"
    project.save()
    with committed():
        export = export_request(
            project=project, actor=lead, format="csv", base_url="http://testserver/"
        )
    notification = Notification.objects.get(recipient=lead, kind="export_done")
    assert notification.payload == {"export": export.pk, "format": "csv", "state": "done"}
    assert "is ready to download" in notification_text(notification)
    assert notification_link(notification) == f"/projects/{project.slug}/exports/"


# --- Reading -----------------------------------------------------------------------------------


def test_marking_read_touches_only_ones_own_notifications(project, contributor, outsider):
    mine = notification_create(recipient=contributor, kind="news", project=project)
    theirs = notification_create(recipient=outsider, kind="news", project=project)
    assert notifications_mark_read(user=contributor, ids=[mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_list_page_shows_ones_notifications_and_marks_them_read(project, contributor):
    one = notification_create(
        recipient=contributor, kind="news", project=project, payload={"news": 4, "title": "Hi"}
    )
    notification_create(recipient=contributor, kind="export_done", project=project)
    client = page_client(contributor)
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert f"News in {project.title}: Hi" in page.content.decode()
    assert "data-notifications-count>2<" in page.content.decode()
    opened = client.post(f"/notifications/{one.pk}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/projects/{project.slug}/news/#news-4"
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=contributor, read_at__isnull=True).exists()


def test_another_persons_notification_is_not_found(project, contributor, outsider):
    theirs = notification_create(recipient=outsider, kind="news", project=project)
    client = page_client(contributor)
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_notifications_page_asks_to_sign_in(db):
    response = page_client().get("/notifications/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Settings --------------------------------------------------------------------------------


def test_email_is_off_until_the_person_asks_for_it(project, contributor):
    notification = notification_create(recipient=contributor, kind="news", project=project)
    assert notification_email_send(notification_id=notification.pk) is False
    assert notifications_digest_send() == 0
    assert mail.outbox == []


def test_the_profile_page_saves_the_notification_settings(contributor):
    client = page_client(contributor)
    page = client.get("/accounts/profile/")
    assert 'id="notification-settings"' in page.content.decode()
    saved = client.post(
        "/notifications/settings/", {"email": "daily", "email_kinds": ["decision", "news"]}
    )
    assert saved.status_code == 302
    found = NotificationSettings.objects.get(user=contributor)
    assert (found.email, found.email_kinds) == ("daily", ["decision", "news"])
    bad = client.post("/notifications/settings/", {"email": "hourly"}, follow=True)
    assert "Select a valid choice" in bad.content.decode()
    assert NotificationSettings.objects.get(user=contributor).email == "daily"


# --- E-mail ---------------------------------------------------------------------------------


def test_an_immediate_email_is_sent_once_in_the_recipients_language_with_unsubscribe_headers(
    project, contributor, django_capture_on_commit_callbacks
):
    contributor.preferred_language = "fr"
    contributor.save()
    email_on(contributor, EmailMode.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_create(
            recipient=contributor,
            kind="news",
            project=project,
            payload={"news": 1, "title": "Nouvelle campagne"},
        )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [contributor.email]
    assert f"Nouvelles de {project.title_fr} : Nouvelle campagne" in message.body
    assert "Bonjour" in message.body
    html = message.alternatives[0][0]
    assert "Nouvelle campagne" in html
    assert re.match(
        r"<http://[^>]+/notifications/unsubscribe/[^/]+/>",
        message.extra_headers["List-Unsubscribe"],
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_no_email_goes_to_an_address_its_owner_has_not_confirmed(project, contributor, settings):
    settings.EMAIL_VERIFICATION_REQUIRED = True
    email_on(contributor, EmailMode.IMMEDIATE)
    notification = notification_create(recipient=contributor, kind="news", project=project)
    assert notification_email_send(notification_id=notification.pk) is False
    email_on(contributor, EmailMode.DAILY)
    assert notifications_digest_send() == 0
    assert mail.outbox == []

    contributor.email_verified = True
    contributor.save()
    assert notifications_digest_send() == 1
    assert len(mail.outbox) == 1


def test_a_notification_read_before_its_email_left_is_not_mailed(project, contributor):
    email_on(contributor, EmailMode.IMMEDIATE)
    notification = notification_create(recipient=contributor, kind="news", project=project)
    notifications_mark_read(user=contributor)
    assert notification_email_send(notification_id=notification.pk) is False
    assert mail.outbox == []


def test_a_kind_left_out_of_the_email_settings_is_not_mailed(project, contributor):
    email_on(contributor, EmailMode.IMMEDIATE, kinds=["decision"])
    notification = notification_create(recipient=contributor, kind="news", project=project)
    assert notification_email_send(notification_id=notification.pk) is False


def test_the_daily_digest_sends_one_email_per_person_and_never_a_notification_twice(project):
    english, french, off = UserFactory(preferred_language="en"), UserFactory(), UserFactory()
    email_on(english, EmailMode.DAILY)
    email_on(french, EmailMode.DAILY)
    for person in (english, french, off):
        for n in range(3):
            notification_create(
                recipient=person,
                kind="news",
                project=project,
                payload={"news": n, "title": f"Post {n}"},
            )
    assert notifications_digest_send() == 2
    assert {m.to[0] for m in mail.outbox} == {str(english.email), str(french.email)}
    to_english = next(m for m in mail.outbox if m.to == [english.email])
    assert "3 new notifications" in to_english.subject
    assert all(f"Post {n}" in to_english.body for n in range(3))
    to_french = next(m for m in mail.outbox if m.to == [french.email])
    assert "3 nouvelles notifications" in to_french.subject
    # Again at once: nothing new, and the digest was sent less than a day ago.
    assert notifications_digest_send() == 0
    notification_create(recipient=english, kind="news", project=project, payload={"title": "Late"})
    assert notifications_digest_send() == 0
    tomorrow = timezone.now() + timedelta(days=1)
    assert notifications_digest_send(now=tomorrow) == 1
    assert "Late" in mail.outbox[-1].body
    assert "Post 0" not in mail.outbox[-1].body
    assert len(mail.outbox) == 3
    assert not Notification.objects.filter(recipient=off, emailed_at__isnull=False).exists()


def test_a_digest_that_fails_to_send_is_sent_at_the_next_run(project, contributor, monkeypatch):
    email_on(contributor, EmailMode.DAILY)
    notification_create(recipient=contributor, kind="news", project=project)

    def refuse(self, *args, **kwargs):
        raise OSError("relay away")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert notifications_digest_send() == 0
    assert Notification.objects.get(recipient=contributor).emailed_at is None
    monkeypatch.undo()
    assert notifications_digest_send() == 1


# --- Unsubscribing -----------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_to_confirm_then_stops_the_emails_without_signing_in(
    contributor,
):
    email_on(contributor, EmailMode.DAILY)
    token = unsubscribe_token(user_id=contributor.pk)
    client = page_client()
    shown = client.get(f"/notifications/unsubscribe/{token}/")
    assert shown.status_code == 200
    assert "data-unsubscribe" in shown.content.decode()
    assert NotificationSettings.objects.get(user=contributor).email == "daily"
    done = client.post(f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert NotificationSettings.objects.get(user=contributor).email == "off"


def test_a_tampered_unsubscribe_token_is_refused(contributor, outsider):
    email_on(outsider, EmailMode.DAILY)
    token = unsubscribe_token(user_id=contributor.pk)
    forged = signing.dumps({"u": outsider.pk}, salt="another.salt")
    for bad in (token[:-2] + "xx", forged, "nothing"):
        response = page_client().post(f"/notifications/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert NotificationSettings.objects.get(user=outsider).email == "daily"


def test_an_expired_unsubscribe_token_is_refused_with_its_reason(contributor, monkeypatch):
    token = unsubscribe_token(user_id=contributor.pk)
    later = timezone.now().timestamp() + (UNSUBSCRIBE_DAYS + 1) * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(UnsubscribeInvalid, match="expired"):
        unsubscribe_user(token=token)


# --- Personal data and closing an account --------------------------------------------------------


def test_notifications_are_in_my_data_and_go_with_my_account(project, contributor, lead):
    email_on(contributor, EmailMode.DAILY)
    notification_create(recipient=contributor, kind="news", project=project, actor=lead)
    notification_create(recipient=lead, kind="news", project=project, actor=contributor)
    data = personal_data(contributor)
    assert data["notification_settings"]["email"] == "daily"
    assert [n["kind"] for n in data["notifications"]] == ["news"]
    contributor.set_password("a-password-for-the-test")
    contributor.save()
    account_delete(user=contributor, password="a-password-for-the-test")
    assert not Notification.objects.filter(recipient=contributor).exists()
    assert not NotificationSettings.objects.filter(user=contributor).exists()
    assert Notification.objects.get(recipient=lead).actor is None


def test_a_finished_batch_tells_the_lead_who_uploaded_it(api, project, lead, committed):
    from tests.images import PDF, jpeg
    from tests.tasks.uploads import post_batch, upload

    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1)), upload("b.jpg", jpeg(2)), upload("c.pdf", PDF)],
    )
    assert response.status_code == 201, response.content
    notification = Notification.objects.get(recipient=lead, kind="ingest_done")
    assert notification.payload["ok"] == 2
    assert notification.payload["failed"] == 1
    text = notification_text(notification)
    assert "is ready: 2 images added. 1 file was refused." in text
    assert notification_link(notification) == f"/projects/{project.slug}/batches/"
