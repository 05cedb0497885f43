"""Stack tier: the daily digest job, run by a real Celery worker, mails each person who asked
for a digest one e-mail with their notifications, in their language, through Django's SMTP
backend to a real SMTP server (tests/smtp_sink); running it again mails nothing twice; the
message's unsubscribe link works without signing in, as a mail client's one-click POST."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest

pytestmark = pytest.mark.stack

SETUP = """
import json
from crowd.models import User
from tasks import jobs
from tasks.models import Project
from tasks.services.notifications import notification_create, notification_settings_update
project = Project.objects.get(slug="demo-herbarium")
people = {}
for language in ("fr", "en"):
    user = User.objects.create_user(
        username=f"digest-{language}-%(tag)s",
        email=f"digest-{language}-%(tag)s@example.org",
        preferred_language=language,
    )
    notification_settings_update(user=user, email="daily", email_kinds=["news", "decision"])
    for title in ("Première planche", "Seconde planche"):
        notification_create(
            recipient=user, kind="news", project=project, payload={"news": 1, "title": title}
        )
    notification_create(recipient=user, kind="export_done", project=project, payload={})
    people[language] = user.pk
jobs.job_send(jobs.NOTIFICATIONS_DIGEST)
print(json.dumps(people))
"""

AGAIN = """
from tasks.services.notification_mail import notifications_digest_send
print(notifications_digest_send())
"""

EMAIL_SETTING = """
from tasks.models import NotificationSettings
print(NotificationSettings.objects.get(user_id=%(user)d).email)
"""


def test_the_digest_job_mails_each_person_once_in_their_language_and_unsubscribing_works(
    stack, smtp_sink
):
    tag = uuid.uuid4().hex[:8]
    people = json.loads(stack.manage("shell", "-c", SETUP % {"tag": tag}).strip().splitlines()[-1])
    french = smtp_sink.wait_for(f"digest-fr-{tag}@example.org")
    english = smtp_sink.wait_for(f"digest-en-{tag}@example.org")

    french_text = french.get_body(preferencelist=("plain",)).get_content()
    assert "3 nouvelles notifications" not in french["Subject"]  # export_done was not chosen
    assert "2 nouvelles notifications" in french["Subject"]
    assert "Bonjour" in french_text
    assert "Nouvelles de " in french_text
    assert "Première planche" in french_text
    assert "Seconde planche" in french_text
    english_text = english.get_body(preferencelist=("plain",)).get_content()
    assert "2 new notifications" in english["Subject"]
    assert "Hello" in english_text
    assert "News in " in english_text
    html = english.get_body(preferencelist=("html",)).get_content()
    assert "Seconde planche" in html

    # Running the digest again now mails nothing: every notification was claimed once.
    assert stack.manage("shell", "-c", AGAIN).strip().splitlines()[-1] == "0"
    for address in (f"digest-fr-{tag}@example.org", f"digest-en-{tag}@example.org"):
        assert sum(address in to for to, _message in smtp_sink.messages()) == 1

    # The unsubscribe link: a page to confirm, then the mail client's one-click POST.
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # A long header may come folded over lines.
    header = re.fullmatch(r"<(https?://[^>]+)>", "".join(str(english["List-Unsubscribe"]).split()))
    assert header is not None
    path = "/" + header.group(1).split("://", 1)[1].split("/", 1)[1]
    assert path in english_text
    client = httpx.Client(base_url=stack.base_url, timeout=30)
    shown = client.get(path)
    assert shown.status_code == 200
    assert "data-unsubscribe" in shown.text
    setting = EMAIL_SETTING % {"user": people["en"]}
    assert stack.manage("shell", "-c", setting).strip().splitlines()[-1] == "daily"
    done = client.post(path, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200, done.text
    assert stack.manage("shell", "-c", setting).strip().splitlines()[-1] == "off"
