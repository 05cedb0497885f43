"""A person's own account: the profile (name, credits, language), the e-mail address, the
download of their data, and closing the account (their transcriptions still count)."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from knox.models import AuthToken

from crowd.models import User
from crowd.services import token_create, user_create
from tasks.models import Lease, LeaseState, Transcription
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import prove, submit

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def person():
    user = UserFactory(username="ada", email="ada@example.org", display_name="Ada")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def test_the_profile_page_needs_a_signed_in_person(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/accounts/my-data.json").status_code == 302
    assert client.post("/accounts/close/", {"password": "x"}).status_code == 302


def test_a_person_changes_their_name_credits_and_language(signed_in, person):
    response = signed_in.post(
        "/accounts/profile/",
        {"display_name": "Ada L.", "credit_me": "on", "preferred_language": "en"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.display_name, person.credit_me, person.preferred_language) == (
        "Ada L.",
        True,
        "en",
    )
    # The pages speak the chosen language from now on.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = signed_in.get("/accounts/profile/")
    assert page.status_code == 200
    assert "My profile" in page.content.decode()
    assert "Your profile is saved." in page.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "Ada\u202eevil",  # right-to-left override
        "Ada\u200b",  # zero-width space
        "Ada\x00",
        "Ada\nLovelace",
        " Ada",
        "A" * 81,
    ],
)
def test_a_display_name_that_could_mislead_a_reader_is_refused(signed_in, person, name):
    response = signed_in.post(
        "/accounts/profile/", {"display_name": name, "preferred_language": ""}
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.display_name == "Ada"


def test_an_unknown_language_is_refused(signed_in, person):
    response = signed_in.post(
        "/accounts/profile/", {"display_name": "Ada", "preferred_language": "xx"}
    )
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.preferred_language == ""


def test_signing_in_brings_back_the_person_s_language(person):
    person.preferred_language = "en"
    person.save()
    client = Client()
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_new_address_needs_the_password_and_is_verified_again(
    signed_in, person, django_capture_on_commit_callbacks
):
    person.email_verified = True
    person.save()
    wrong = signed_in.post(
        "/accounts/profile/email/", {"email": "new@example.org", "password": "not it"}
    )
    assert wrong.status_code == 400
    person.refresh_from_db()
    assert person.email == "ada@example.org"
    UserFactory(email="taken@example.org")
    taken = signed_in.post(
        "/accounts/profile/email/", {"email": "TAKEN@example.org", "password": PASSWORD}
    )
    assert taken.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = signed_in.post(
            "/accounts/profile/email/", {"email": "new@example.org", "password": PASSWORD}
        )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.email == "new@example.org"
    assert person.email_verified is False
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


@pytest.fixture
def answered(person):
    """Ada transcribed an image of a project; Bob transcribed the same image."""
    project = ProjectFactory()
    TaskFactory(project=project)
    TaskFactory(project=project)
    MembershipFactory(project=project, user=person)
    bob = MembershipFactory(project=project).user
    lease = lease_grant(project=project, user=person)
    assert lease is not None
    submit(lease, {"scientificName": "Quercus robur"})
    other = Lease.objects.create(
        task=lease.task, user=bob, expires_at=lease.expires_at, state=LeaseState.ACTIVE
    )
    submit(other, {"scientificName": "Secret of Bob"})
    return project


@pytest.mark.django_db(transaction=True)
def test_a_person_downloads_their_own_data_and_nobody_else_s(client, person, answered):
    client.force_login(person)
    response = client.get("/accounts/my-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["username"] == "ada"
    assert data["account"]["email"] == "ada@example.org"
    assert [t["values"]["scientificName"] for t in data["transcriptions"]] == ["Quercus robur"]
    assert data["memberships"][0]["project"] == answered.slug
    assert b"Secret of Bob" not in response.content

    archive = zipfile.ZipFile(io.BytesIO(client.get("/accounts/my-data-csv.zip").content))
    assert set(archive.namelist()) >= {
        "account.csv",
        "transcriptions.csv",
        "decisions_on_my_answers.csv",
    }
    rows = list(csv.DictReader(io.StringIO(archive.read("transcriptions.csv").decode("utf-8-sig"))))
    assert ("scientificName", "Quercus robur") in [(r["field"], r["value"]) for r in rows]
    assert {r["transcription"] for r in rows} == {str(data["transcriptions"][0]["id"])}
    assert b"Secret of Bob" not in b"".join(archive.read(n) for n in archive.namelist())


@pytest.mark.django_db(transaction=True)
def test_closing_an_account_erases_who_it_was_and_keeps_the_transcriptions(
    client, person, answered
):
    token_create(user=person)
    lease = lease_grant(project=answered, user=person)
    client.force_login(person)
    assert client.get("/accounts/close/").status_code == 200
    refused = client.post("/accounts/close/", {"password": "not it", "understood": "on"})
    assert refused.status_code == 400
    unconfirmed = client.post("/accounts/close/", {"password": PASSWORD})
    assert unconfirmed.status_code == 400
    assert User.objects.get(pk=person.pk).is_active

    closed = client.post("/accounts/close/", {"password": PASSWORD, "understood": "on"})
    assert closed.status_code == 302
    person.refresh_from_db()
    assert person.username == f"deleted-{person.pk}"
    assert (person.email, person.display_name, person.credit_me) == ("", "", False)
    assert not person.is_active
    assert not person.has_usable_password()
    assert not AuthToken.objects.filter(user=person).exists()
    if lease is not None:
        lease.refresh_from_db()
        assert lease.state != LeaseState.ACTIVE
    # Signed out, and nobody signs in as it again.
    assert client.get("/accounts/profile/").status_code == 302
    assert not Client().login(username="ada", password=PASSWORD)
    # The transcription still counts in its image.
    kept = Transcription.objects.get(user=person)
    assert kept.void_id is None
    assert kept.task.transcription_count == 2


def test_nobody_signs_up_under_a_closed_account_s_name():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_create(username="Deleted-12", email="x@example.org", password=PASSWORD)


@pytest.mark.django_db(transaction=True)
def test_the_project_page_credits_only_volunteers_who_asked_with_what_counts(
    client, person, answered
):
    page = client.get(f"/projects/{answered.slug}/").content.decode()
    assert "data-credits" not in page  # nobody asked yet
    person.credit_me = True
    person.display_name = "Ada L."
    person.save()
    page = client.get(f"/projects/{answered.slug}/").content.decode()
    assert "data-credits" not in page  # credits count agreed values: Ada's reading is disputed
    # Ada and Bob agree on the next image's name: one agreed value each.
    bob = answered.memberships.exclude(user=person).first().user
    for reader in (person, bob):
        prove(answered, reader)  # a value only unproven accounts back is never settled
        submit(lease_grant(project=answered, user=reader), {"scientificName": "Quercus ilex"})
    cache.delete(f"recognition:totals:{answered.pk}")  # the sums are kept a minute
    page = client.get(f"/projects/{answered.slug}/").content.decode()
    assert "Ada L. : 1 valeur validée" in page
    assert "Secret of Bob" not in page
    assert str(answered.memberships.exclude(user=person).first().user.username) not in page
    # A closed account is never named.
    person.is_active = False
    person.save()
    assert "Ada L." not in client.get(f"/projects/{answered.slug}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_project_page_offers_to_continue_and_names_the_team_that_agreed(
    client, person, answered
):
    client.force_login(person)
    page = client.get(f"/projects/{answered.slug}/").content.decode()
    assert "data-activity" in page
    assert "1 transcription" in page
    lead = MembershipFactory(project=answered, role="lead").user
    lead.display_name = "Marie, responsable"
    lead.save()
    assert "Marie, responsable" not in client.get(f"/projects/{answered.slug}/").content.decode()
    lead.credit_me = True
    lead.save()
    assert "Marie, responsable" in client.get(f"/projects/{answered.slug}/").content.decode()
    newcomer = UserFactory()
    client.force_login(newcomer)
    assert "data-activity" not in client.get(f"/projects/{answered.slug}/").content.decode()
