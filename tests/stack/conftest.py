from __future__ import annotations

import pytest

from tests.servers import full_stack
from tests.smtp_sink import SmtpSink

# The installation's answers address, on every message the stack sends.
REPLY_TO = "contact@association.example.org"


@pytest.fixture(scope="session")
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def stack(tmp_path_factory, smtp_sink):
    env = {
        # IIIF imports are fetched from servers the tests run on this machine.
        "IIIF_IMPORT_ALLOW_PRIVATE": "1",
        # Mail goes through Django's SMTP backend to a real SMTP server.
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "EMAIL_USE_TLS": "0",
        "DEFAULT_FROM_EMAIL": "Herbier participatif <noreply@association.example.org>",
        "EMAIL_REPLY_TO": REPLY_TO,
    }
    with full_stack(tmp_path_factory.mktemp("stack"), env=env) as running:
        yield running
