"""Accounts against hostile visitors: what each test shows is refused.

Defaults
- a server started with no configuration runs with DEBUG off and refuses to start without keys;
- the development SECRET_KEY and the development pseudonym key are refused outside DEBUG;
- export pseudonyms are never keyed by the published SECRET_KEY.

Log-in throttling is in test_login.py.

API tokens and sockets
- a copy of the database holds no usable token (only hashes); a token past its expiry is refused;
- a password change, a password reset or a deactivation revokes every token of the account;
- the sockets of sessions a password change or deactivation ended are closed; logging out
  closes that session's sockets, not another session's.

E-mail verification (EMAIL_VERIFICATION_REQUIRED)
- an unverified account is refused tasks of public projects, with a message saying why; it
  still sees them; members added by a lead are never held back;
- the mailed link verifies only when its button is pressed, only the address it was sent to,
  and a forged link verifies nothing; a changed address must be verified again;
- asking for links again and again is limited.

Names and one's own account
- a display name with control, direction or invisible characters, or spaces at its ends, is
  refused at sign-up and on the profile (it is shown to curators, leads and in credits);
- nobody signs up under the name a closed account takes (`deleted-<id>`);
- closing an account needs its password, a confirmation and a CSRF token; the personal data
  download answers only for the signed-in person, and never to a visitor.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from crowd.models import User
from tasks.consumers import CLOSE_SESSION_ENDED
from tests.crowd.test_config import run_django
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.tasks.test_consumers import connect_signed_in, until_closed

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


TOKEN = "/api/auth/token/"


# --- API tokens and sockets after a password change, a reset, a deactivation, a log-out --------


def token_for(client, user, address="10.1.1.1"):
    response = client.post(
        TOKEN, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR=address
    )
    assert response.status_code == 200, response.content
    return response.json()


def me_with(key):
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/me/").status_code


@pytest.mark.django_db
def test_a_stolen_database_holds_no_usable_api_token(client):
    from knox.models import AuthToken

    user = UserFactory()
    key = token_for(client, user)["token"]
    [row] = AuthToken.objects.filter(user=user).values()
    assert not any(key in str(value) for value in row.values())
    assert me_with(key) == 200


@pytest.mark.django_db
def test_an_api_token_past_its_expiry_is_refused(client, settings):
    from knox.models import AuthToken

    before = timezone.now()
    body = token_for(client, UserFactory())
    expiry = parse_datetime(body["expiry"])
    assert expiry is not None
    assert before + timedelta(hours=settings.API_TOKEN_TTL_HOURS) <= expiry
    assert expiry <= timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert me_with(body["token"]) == 401


@pytest.mark.django_db
def test_deleting_a_token_revokes_that_token_only(client):
    user = UserFactory()
    kept, revoked = token_for(client, user)["token"], token_for(client, user)["token"]
    response = APIClient(HTTP_AUTHORIZATION=f"Token {revoked}").delete(TOKEN)
    assert response.status_code == 204
    assert (me_with(revoked), me_with(kept)) == (401, 200)


@pytest.mark.django_db
def test_a_password_change_revokes_every_api_token_of_the_account(client):
    user = UserFactory()
    keys = [token_for(client, user)["token"] for _ in range(2)]
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "une planche neuve",
            "new_password2": "une planche neuve",
        },
    )
    assert response.status_code == 302
    assert [me_with(key) for key in keys] == [401, 401]


@pytest.mark.django_db
def test_a_password_reset_revokes_every_api_token_of_the_account(client):
    user = UserFactory(email="reset@example.org")
    key = token_for(client, user)["token"]
    client.post("/accounts/password_reset/", {"email": "reset@example.org"})
    link = re.search(r"http://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "une planche neuve", "new_password2": "une planche neuve"},
    )
    assert me_with(key) == 401


@pytest.mark.django_db
def test_a_deactivated_account_keeps_no_api_token(client):
    user = UserFactory()
    key = token_for(client, user)["token"]
    user.is_active = False
    user.save()
    assert me_with(key) == 401
    user.is_active = True
    user.save()
    assert me_with(key) == 401


@pytest.mark.django_db(transaction=True)
async def test_a_password_changed_in_one_browser_closes_the_sockets_of_the_others():
    project = await sync_to_async(ProjectFactory)()
    user = await sync_to_async(UserFactory)()
    socket, _ = await connect_signed_in(project.slug, user)
    assert (await socket.receive_json_from(timeout=10))["type"] == "snapshot"
    other = Client()
    await sync_to_async(other.force_login)(user)
    await sync_to_async(other.post)(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "une planche neuve",
            "new_password2": "une planche neuve",
        },
    )
    assert (await socket.receive_json_from(timeout=10))["type"] == "session.ended"
    assert (await until_closed(socket))["code"] == CLOSE_SESSION_ENDED


@pytest.mark.django_db(transaction=True)
async def test_logging_out_closes_that_sessions_sockets_and_leaves_another_sessions_open():
    project = await sync_to_async(ProjectFactory)()
    user = await sync_to_async(UserFactory)()
    leaving, browser = await connect_signed_in(project.slug, user)
    staying, _ = await connect_signed_in(project.slug, user)
    for socket in (leaving, staying):
        assert (await socket.receive_json_from(timeout=10))["type"] == "snapshot"
    await sync_to_async(browser.logout)()
    assert (await until_closed(leaving))["code"] == CLOSE_SESSION_ENDED
    assert await staying.receive_nothing()
    await staying.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_deactivated_users_open_sockets_are_closed():
    project = await sync_to_async(ProjectFactory)()
    user = await sync_to_async(UserFactory)()
    socket, _ = await connect_signed_in(project.slug, user)
    assert (await socket.receive_json_from(timeout=10))["type"] == "snapshot"
    user.is_active = False
    await sync_to_async(user.save)()
    assert (await until_closed(socket))["code"] == CLOSE_SESSION_ENDED


# --- E-mail verification before contributing to public projects -------------------------------


@pytest.fixture
def verification_on(settings):
    settings.EMAIL_VERIFICATION_REQUIRED = True


def next_task(api, user, project):
    api.force_authenticate(user)
    return api.post(f"/api/projects/{project.slug}/next-task/")


def signup_and_link(client, on_commit):
    with on_commit(execute=True):
        response = client.post(
            "/accounts/signup/",
            {
                "username": "marie",
                "email": "marie@example.org",
                "password1": "un herbier de 1898",
                "password2": "un herbier de 1898",
            },
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["marie@example.org"]
    return re.search(r"http://[^/]+(/accounts/verify/\S+/)", message.body).group(1)


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_a_fresh_unverified_account_is_refused_public_tasks_with_a_clear_message(api):
    project = ProjectFactory(visibility="public", status="active")
    TaskFactory(project=project)
    response = next_task(api, UserFactory(), project)
    assert response.status_code == 403
    assert "Confirm your e-mail address" in response.json()["error"]["message"]


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_the_unverified_account_may_still_see_the_public_project(api):
    project = ProjectFactory(visibility="public", status="active")
    api.force_authenticate(UserFactory())
    assert api.get(f"/api/projects/{project.slug}/").json()["capabilities"] == ["view"]


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_a_member_added_by_a_lead_contributes_without_verifying(api):
    project = ProjectFactory(visibility="public", status="active")
    TaskFactory(project=project)
    member = MembershipFactory(project=project, role="contributor").user
    assert not member.email_verified
    assert next_task(api, member, project).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_signing_up_mails_a_link_that_opens_public_projects_once_confirmed(
    client, api, django_capture_on_commit_callbacks
):
    project = ProjectFactory(visibility="public", status="active")
    TaskFactory(project=project)
    link = signup_and_link(client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="marie")
    # Opening the link (as a mail scanner would) verifies nothing; the button does.
    assert client.get(link).status_code == 200
    assert next_task(api, user, project).status_code == 403
    assert client.post(link).status_code == 200
    user.refresh_from_db()
    assert user.email_verified
    assert next_task(api, user, project).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_a_forged_or_tampered_verification_link_is_refused(
    client, django_capture_on_commit_callbacks
):
    link = signup_and_link(client, django_capture_on_commit_callbacks)
    forged = link.replace("/verify/", "/verify/x")
    response = client.post(forged, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert b"This verification link is not valid." in response.content
    assert not User.objects.get(username="marie").email_verified


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on")
def test_a_link_for_an_address_the_account_no_longer_has_verifies_nothing(
    client, django_capture_on_commit_callbacks
):
    link = signup_and_link(client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="marie")
    user.email = "someone-else@example.org"
    user.save()
    assert client.post(link).status_code == 400
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db
def test_changing_a_verified_address_needs_a_new_verification():
    user = User.objects.get(pk=UserFactory(email_verified=True).pk)
    user.email = "new@example.org"
    user.save()
    user.refresh_from_db()
    assert not user.email_verified


@pytest.mark.django_db
@pytest.mark.usefixtures("verification_on", "fresh_counters")
def test_asking_for_verification_links_again_and_again_is_limited(
    client, settings, django_capture_on_commit_callbacks
):
    settings.LOGIN_ATTEMPTS_PER_HOUR = 2
    client.force_login(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [client.post("/accounts/verify/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_every_page_offers_an_unverified_account_the_way_to_verify_and_a_verified_one_not(client):
    unverified, verified = UserFactory(), UserFactory(email_verified=True)
    client.force_login(unverified)
    assert b'href="/accounts/verify/"' in client.get("/").content
    client.force_login(verified)
    assert b'href="/accounts/verify/"' not in client.get("/").content


HOSTILE_NAMES = [
    "Ada\u202eevil",  # right-to-left override: reorders what the reader sees
    "Ada\u200d\u200b",  # zero-width joiner and space
    "Ada\x07",  # a control character
    "Ada\nLovelace",  # a line break in a one-line name
    "Ada ",  # a trailing space: two names that look the same
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_display_name_is_refused_at_sign_up_and_on_the_profile(name):
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "display_name": name,
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    if name != name.strip() and not any(ch in name for ch in "\u202e\u200d\x07\n"):
        # The sign-up form trims the spaces at the ends, as for every text it takes.
        assert response.status_code == 302
        assert User.objects.get(username="newcomer").display_name == name.strip()
    else:
        assert response.status_code == 400
        assert not User.objects.filter(username="newcomer").exists()
    person = User.objects.create_user("member", "member@example.org", "a-long-pass-phrase-42")
    client.force_login(person)
    refused = client.post("/accounts/profile/", {"display_name": name, "preferred_language": ""})
    assert refused.status_code == 400
    person.refresh_from_db()
    assert person.display_name == ""


@pytest.mark.django_db
def test_closing_an_account_needs_a_csrf_token_and_personal_data_need_a_session():
    person = User.objects.create_user("member", "member@example.org", "a-long-pass-phrase-42")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    forged = strict.post(
        "/accounts/close/", {"password": "a-long-pass-phrase-42", "understood": "on"}
    )
    assert forged.status_code == 403
    person.refresh_from_db()
    assert person.is_active
    for path in ("/accounts/my-data.json", "/accounts/my-data-csv.zip"):
        answer = Client().get(path)
        assert answer.status_code == 302
        assert b"member@example.org" not in answer.content
