"""Stack tier: mail leaves through Django's SMTP backend to a real SMTP server (tests/smtp_sink),
from the installation's address, with its Reply-To, in the recipient's language, and the link it
carries works."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.stack.conftest import REPLY_TO

pytestmark = pytest.mark.stack


def test_a_password_reset_reaches_the_smtp_server_and_its_link_opens_the_form(stack, smtp_sink):
    client = httpx.Client(base_url=stack.base_url, timeout=30, follow_redirects=False)
    client.get("/accounts/password_reset/", headers={"Accept-Language": "fr"})
    response = client.post(
        "/accounts/password_reset/",
        data={
            "email": "contributor3@example.org",
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers={"Referer": f"{stack.base_url}/accounts/password_reset/", "Accept-Language": "fr"},
    )
    assert response.status_code == 302, response.text
    message = smtp_sink.wait_for("contributor3@example.org")
    assert message["From"] == "Herbier participatif <noreply@association.example.org>"
    assert message["Reply-To"] == REPLY_TO
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "mot de passe" in text.lower()  # the language the visitor asked for
    link = re.search(r"https?://\S+/accounts/reset/\S+/", text)
    assert link is not None, text
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    opened = client.get(f"/{path}", follow_redirects=True)
    assert opened.status_code == 200
    assert 'name="new_password1"' in opened.text
