"""The platform's mail backends: Django's, with the installation's Reply-To on every message.

Mail leaves from DEFAULT_FROM_EMAIL (an address nobody reads, often); EMAIL_REPLY_TO names
where answers should go (the association's contact), on every message that does not set one of
its own: account verification, password resets, error reports."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend


def _reply_to(messages: Sequence[EmailMessage]) -> None:
    reply_to = list(settings.EMAIL_REPLY_TO)
    if not reply_to:
        return
    for message in messages:
        if not message.reply_to:
            message.reply_to = reply_to


class SMTPBackend(DjangoSMTPBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        _reply_to(email_messages)
        return super().send_messages(email_messages)


class ConsoleBackend(DjangoConsoleBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        _reply_to(email_messages)
        return super().send_messages(email_messages)
