"""Mail goes to the operator's SMTP relay: a relay that accepts and never answers is left after
EMAIL_TIMEOUT instead of holding the request or job that sends (Django waits forever without
it). The relay would stay silent for a minute."""

from __future__ import annotations

import smtplib

import pytest
from django.core.mail import get_connection, send_mail

from tests.iiif_server import SlowServer


def test_a_silent_smtp_relay_is_left_after_the_email_timeout(settings):
    settings.EMAIL_TIMEOUT = 1
    with SlowServer("silent") as relay:
        host, port = relay.base.removeprefix("http://").split(":")
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=host,
            port=int(port),
            use_tls=False,
            fail_silently=False,
        )
        with pytest.raises((TimeoutError, smtplib.SMTPException)):
            send_mail("Subject", "Body", None, ["someone@example.org"], connection=connection)
        assert not relay.finished.is_set()


def test_mail_waits_are_bounded_by_default(settings):
    from django.core.mail.backends.smtp import EmailBackend

    assert EmailBackend(host="localhost").timeout == settings.EMAIL_TIMEOUT == 10
