"""Accounts against hostile visitors: what each test shows is refused.

Defaults
- a server started with no configuration runs with DEBUG off and refuses to start without keys;
- the development SECRET_KEY and the development pseudonym key are refused outside DEBUG;
- export pseudonyms are never keyed by the published SECRET_KEY.
"""

from __future__ import annotations

import pytest
from django.utils.crypto import salted_hmac

from tests.crowd.test_config import run_django

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production-0123456789abcdefgh"
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "q7!Vd0kz#pL2m@Xc9rT4wB8nE1yH6uJ3aS5fG0hK2lZ7xC4vN9bM1",
    "ALLOWED_HOSTS": "transcribe.example.org",
    "EXPORT_PSEUDONYM_KEY": "Zp4!kR9w@Lm2#Qx7vT1yB6nC3sD8fG0hJ5",
}


def refusal(**environment: str) -> str:
    result = run_django("", **environment)
    assert result.returncode != 0, "the platform started"
    assert "ImproperlyConfigured" in result.stderr
    return result.stderr


# --- Defaults ---------------------------------------------------------------------------------


def test_a_server_started_without_debug_set_runs_as_production_and_asks_for_a_secret_key():
    result = run_django(
        "from django.conf import settings; print(settings.DEBUG)", DEBUG="", SECRET_KEY=""
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_the_published_development_secret_key_is_refused_outside_debug():
    assert "SECRET_KEY is the development key" in refusal(
        **{**PRODUCTION, "SECRET_KEY": DEV_SECRET_KEY}
    )


def test_no_pseudonym_key_outside_debug_refuses_to_start_instead_of_reusing_secret_key():
    assert "EXPORT_PSEUDONYM_KEY must be set when DEBUG is off" in refusal(
        **{**PRODUCTION, "EXPORT_PSEUDONYM_KEY": ""}
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (DEV_SECRET_KEY, "EXPORT_PSEUDONYM_KEY is a development key"),
        ("dev-only-pseudonym-key-demo-data-only-not-for-real-contributors", "development key"),
        ("short-guessable", "EXPORT_PSEUDONYM_KEY is too short"),
    ],
)
def test_a_published_or_short_pseudonym_key_is_refused_outside_debug(key, message):
    assert message in refusal(**{**PRODUCTION, "EXPORT_PSEUDONYM_KEY": key})


def test_production_values_start_and_keep_the_pseudonym_key_apart_from_secret_key():
    result = run_django(
        "from django.conf import settings; "
        "print(settings.DEBUG, settings.EXPORT_PSEUDONYM_KEY != settings.SECRET_KEY)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_development_pseudonyms_cannot_be_recomputed_from_the_published_secret_key(settings, db):
    from tasks.selectors.exports import Pseudonyms

    assert settings.EXPORT_PSEUDONYM_KEY != settings.SECRET_KEY
    guess = salted_hmac(
        "crowd.exports.pseudonym", "1:42", secret=DEV_SECRET_KEY, algorithm="sha256"
    ).hexdigest()[:12]
    assert Pseudonyms(1)(42) != f"v-{guess}"
