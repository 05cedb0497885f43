"""A real SMTP server on a free loopback port that keeps what it receives: the stack tier's
mail goes there through Django's SMTP backend, and tests read it back."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port


class _Keep:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class SmtpSink:
    """`with SmtpSink() as sink:` an SMTP server on `sink.port` until the block ends."""

    def __init__(self) -> None:
        self.port = free_port()
        self._keep = _Keep()
        self._controller = Controller(self._keep, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        with self._keep.lock:
            return list(self._keep.messages)

    def wait_for(self, recipient: str, *, timeout: float = 30) -> EmailMessage:
        """The first message to `recipient`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for recipients, message in self.messages():
                if recipient in recipients:
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no mail to {recipient} within {timeout} s")
