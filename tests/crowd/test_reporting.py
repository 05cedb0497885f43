"""Where errors and logs go: mail to ADMINS, Sentry when SENTRY_DSN is set (a real HTTP receiver
on this machine stands in for Sentry), JSON log lines, and the installation's Reply-To."""

from __future__ import annotations

import gzip
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.test import Client

from crowd.config import ConfigError
from crowd.mail import ConsoleBackend
from crowd.reporting import addresses_parse, logging_config
from tests.crowd.test_config import run_django


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("ops@example.org", [("ops@example.org", "ops@example.org")]),
        (
            "Équipe <equipe@example.org>, b@example.org",
            [("Équipe", "equipe@example.org"), ("b@example.org", "b@example.org")],
        ),
    ],
)
def test_addresses_are_read_as_mail_headers_write_them(text, expected):
    assert addresses_parse("ADMINS", text) == expected


@pytest.mark.parametrize("text", ["nobody", "a b@example.org", "<>", "x@y, not-an-address"])
def test_a_list_with_something_that_is_not_an_address_is_refused_naming_the_variable(text):
    with pytest.raises(ConfigError, match=r"^ADMINS: "):
        addresses_parse("ADMINS", text)


def test_a_server_error_is_mailed_to_the_admins_when_there_is_no_sentry(settings, db):
    logging.config.dictConfig(
        logging_config(level="INFO", job_level="INFO", json_lines=False, mail_admins=True)
    )
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.crowd.failing_urls"
    try:
        response = Client(raise_request_exception=False).get("/fails/")
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert response.status_code == 500
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ops@example.org"]
    assert "RuntimeError" in mail.outbox[0].body


def test_logs_are_one_json_object_per_line_when_asked():
    code = "import logging; logging.getLogger('tasks.x').warning('ingest %s done', 'batch 3')"
    result = run_django(code, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "tasks.x"
    assert line["message"] == "ingest batch 3 done"
    assert "time" in line


def test_an_unknown_log_format_stops_start_up():
    result = run_django("print(1)", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_an_unhandled_error_reaches_sentry_without_personal_data():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.bodies = []
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/7"
    code = (
        "import sentry_sdk\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment, override_settings\n"
        "setup_test_environment()\n"
        "with override_settings(ROOT_URLCONF='tests.crowd.failing_urls', DEBUG=False):\n"
        "    print(Client(raise_request_exception=False).get('/fails/').status_code)\n"
        "sentry_sdk.flush(5)\n"
    )
    try:
        result = run_django(code, SENTRY_DSN=dsn, ADMINS="ops@example.org")
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    sent = b"".join(_Receiver.bodies)
    assert b"RuntimeError" in sent
    assert b"deliberate failure" in sent
    assert b"sessionid" not in sent


def test_a_failed_job_is_mailed_to_the_admins_when_there_is_no_sentry(settings, db):
    from celery import current_app

    from tasks import jobs

    logging.config.dictConfig(
        logging_config(level="INFO", job_level="INFO", json_lines=False, mail_admins=True)
    )
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        current_app.tasks[jobs.RECONCILE].apply(args=("not an id",), throw=False)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert len(mail.outbox) == 1
    assert "worker.jobs.reconcile" in f"{mail.outbox[0].subject} {mail.outbox[0].body}"
    assert "ValueError" in mail.outbox[0].body


def test_mail_carries_the_installation_s_reply_to_unless_it_has_one(settings):
    from django.core.mail import EmailMessage, get_connection

    settings.EMAIL_REPLY_TO = ["contact@association.example.org"]
    sent: list[EmailMessage] = []

    class Recording(ConsoleBackend):
        def write_message(self, message: EmailMessage) -> None:
            sent.append(message)

    connection = Recording()
    plain = EmailMessage("Subject", "Body", None, ["someone@example.org"])
    own = EmailMessage("Subject", "Body", None, ["x@example.org"], reply_to=["lead@example.org"])
    assert connection.send_messages([plain, own]) == 2
    assert sent[0].reply_to == ["contact@association.example.org"]
    assert sent[1].reply_to == ["lead@example.org"]
    assert get_connection().__class__.__module__ in {
        "crowd.mail",
        "django.core.mail.backends.locmem",
    }
