"""Sign-up, log-in with a rate limit, log-out and password reset."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from crowd.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def signup(client, **overrides):
    data = {
        "username": "marie",
        "email": "marie@example.org",
        "display_name": "Marie",
        "password1": "un herbier de 1898",
        "password2": "un herbier de 1898",
        **overrides,
    }
    return client.post("/accounts/signup/", data, HTTP_ACCEPT_LANGUAGE="en")


def test_signing_up_creates_the_account_and_signs_in(client):
    response = signup(client, credit_me="on")
    assert response.status_code == 302
    user = User.objects.get(username="marie")
    assert user.credit_me
    assert user.display_name == "Marie"
    assert client.get("/api/me/").json()["username"] == "marie"


def test_a_weak_password_is_refused_with_the_reason(client):
    response = signup(client, password1="12345678", password2="12345678")
    assert response.status_code == 400
    assert b"This password is too common." in response.content
    assert not User.objects.filter(username="marie").exists()


def test_a_taken_user_name_is_refused_whatever_its_case(client):
    UserFactory(username="Marie")
    response = signup(client)
    assert response.status_code == 400
    assert b"This user name is taken." in response.content


def test_mismatched_passwords_are_refused(client):
    response = signup(client, password2="something else entirely")
    assert response.status_code == 400
    assert b"The two passwords differ." in response.content


def test_log_in_and_log_out(client):
    user = UserFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/me/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/me/").status_code == 401


def test_log_in_is_rate_limited_per_address(client, settings):
    settings.LOGIN_ATTEMPTS_PER_HOUR = 3
    user = UserFactory()
    for _ in range(3):
        assert (
            client.post(
                "/accounts/login/", {"username": user.username, "password": "wrong"}
            ).status_code
            == 200
        )
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert client.get("/api/me/").status_code == 401


def test_a_password_reset_mails_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="reset@example.org")
    response = client.post("/accounts/password_reset/", {"email": "reset@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"http://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "une planche neuve", "new_password2": "une planche neuve"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("une planche neuve")


def test_a_forged_forwarded_header_does_not_reset_the_limit(client, settings):
    settings.LOGIN_ATTEMPTS_PER_HOUR = 2
    for n in range(2):
        client.post(
            "/accounts/login/",
            {"username": f"nobody{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}",
        )
    response = client.post(
        "/accounts/login/", {"username": "other", "password": "x"}, HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


def test_password_reset_requests_are_limited(client, settings):
    settings.LOGIN_ATTEMPTS_PER_HOUR = 2
    UserFactory(email="flood@example.org")
    statuses = [
        client.post("/accounts/password_reset/", {"email": "flood@example.org"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_the_api_token_endpoint_is_limited_and_ignores_forged_forwarded_headers(client, settings):
    from rest_framework.test import APIClient

    api = APIClient()
    user = UserFactory()
    statuses = [
        api.post(
            "/api/auth/token/",
            {"username": user.username, "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"5.5.5.{n}",
        ).status_code
        for n in range(25)
    ]
    # The account and address pair cools off first, whatever the forwarded header says.
    assert statuses.count(400) == settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS - 1
    assert statuses[-1] == 429
