"""Log-in against hostile visitors, on every door (sign-in page, API token endpoint, admin).

- wrong passwords for one account from one address cool that pair off, on every door alike;
- each new cool-off of the pair within a day lasts twice the last (growing delays); the
  owner's successful log-in starts afresh;
- a stranger hammering an account from elsewhere does not lock its owner out;
- one address trying many accounts is cooled off on every door;
- a refused token request is the API's 429 body with Retry-After; the cool-off ends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

SIGN_IN, ADMIN, TOKEN = "/accounts/login/", "/admin/login/", "/api/auth/token/"


def attempt(client, door, username, password, address="10.0.0.66"):
    return client.post(
        door, {"username": username, "password": password}, REMOTE_ADDR=address
    ).status_code


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
@pytest.mark.parametrize("door", [SIGN_IN, ADMIN, TOKEN])
def test_wrong_passwords_for_one_account_from_one_address_cool_that_pair_off_on_every_door(
    client, settings, door
):
    user = UserFactory(is_staff=True)
    failed = 400 if door == TOKEN else 200
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    statuses = [attempt(client, door, user.username, "wrong") for _ in range(limit)]
    assert statuses == [failed] * (limit - 1) + [429]
    assert attempt(client, door, user.username, PASSWORD) == 429
    assert client.get("/api/me/").status_code == 401


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_a_stranger_hammering_an_account_does_not_lock_its_owner_out_from_their_own_address(
    client,
):
    owner = UserFactory()
    for door in (SIGN_IN, TOKEN, ADMIN) * 10:
        attempt(client, door, owner.username, "guess", address="203.0.113.9")
    assert attempt(client, TOKEN, owner.username, PASSWORD, address="198.51.100.7") == 200
    assert attempt(client, SIGN_IN, owner.username, PASSWORD, address="198.51.100.7") == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_one_address_trying_many_accounts_is_cooled_off_on_every_door(client, settings):
    settings.LOGIN_ATTEMPTS_PER_HOUR = 3
    victim = UserFactory(is_staff=True)
    for n in range(3):
        attempt(client, SIGN_IN, f"someone{n}", "Summer2024!")
    assert attempt(client, TOKEN, victim.username, PASSWORD) == 429
    assert attempt(client, ADMIN, victim.username, PASSWORD) == 429
    assert attempt(client, SIGN_IN, victim.username, PASSWORD) == 429
    assert attempt(client, SIGN_IN, victim.username, PASSWORD, address="10.9.9.9") == 302


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_failures_on_the_token_endpoint_count_on_the_sign_in_page_whatever_the_name_case(
    client, settings
):
    user = UserFactory(username="Botaniste")
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        attempt(client, TOKEN, "botaniste", "wrong")
    assert attempt(client, SIGN_IN, user.username, PASSWORD) == 429


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_a_locked_token_request_answers_the_api_error_body_with_retry_after(client, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        attempt(client, TOKEN, user.username, "wrong")
    response = client.post(
        TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.66"
    )
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) == settings.LOGIN_COOLOFF_MINUTES * 60


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_a_cooled_off_pair_may_log_in_again_once_the_cool_off_has_passed(client, settings):
    from axes.models import AccessAttempt

    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        attempt(client, SIGN_IN, user.username, "wrong")
    assert attempt(client, SIGN_IN, user.username, PASSWORD) == 429
    past = timezone.now() - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES + 1)
    AccessAttempt.objects.update(attempt_time=past)
    end_running_cool_offs()
    assert attempt(client, SIGN_IN, user.username, PASSWORD) == 302


def end_running_cool_offs():
    """What the cache's own expiry does once a cool-off has run (the memory cache's keys carry
    its version prefix, `:1:`)."""
    running = [key.split(":", 2)[2] for key in cache._cache if "login-cooling" in key]
    cache.delete_many(running)


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_each_new_cool_off_of_a_pair_lasts_twice_as_long_as_the_last(client, settings):
    from axes.models import AccessAttempt

    user = UserFactory()
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    base = settings.LOGIN_COOLOFF_MINUTES * 60

    def cool_off_seconds():
        for _ in range(limit):
            attempt(client, TOKEN, user.username, "wrong")
        refused = client.post(
            TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.66"
        )
        assert refused.status_code == 429
        return int(refused["Retry-After"])

    def time_passes(minutes):
        past = timezone.now() - timedelta(minutes=minutes)
        AccessAttempt.objects.update(attempt_time=past)
        end_running_cool_offs()

    assert cool_off_seconds() == base
    time_passes(settings.LOGIN_COOLOFF_MINUTES + 1)
    assert cool_off_seconds() == 2 * base
    time_passes(2 * settings.LOGIN_COOLOFF_MINUTES + 1)
    assert cool_off_seconds() == 4 * base
    # The owner, from another address, never waited for any of it.
    assert attempt(client, TOKEN, user.username, PASSWORD, address="198.51.100.7") == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_counters")
def test_a_successful_log_in_of_the_pair_starts_its_cool_offs_afresh(client, settings):
    from axes.models import AccessAttempt

    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        attempt(client, SIGN_IN, user.username, "wrong")
    past = timezone.now() - timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES + 1)
    AccessAttempt.objects.update(attempt_time=past)
    end_running_cool_offs()
    assert attempt(client, SIGN_IN, user.username, PASSWORD) == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        attempt(client, TOKEN, user.username, "wrong")
    refused = client.post(
        TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.66"
    )
    assert int(refused["Retry-After"]) == settings.LOGIN_COOLOFF_MINUTES * 60
