"""API tokens on next-task and submit against hostile clients: what each test shows is refused.

These two requests read the token presented in their first statement (`crowd.api_claims`); every
token that is not a live one of an active person is refused as on any view, before anything is
written, leased or said about the image or the project.

Tokens presented
- revoked (deleted), expired (and then deleted), of a deactivated account, forged (64 hex digits
  that match no token), malformed (not hex, missing, with spaces): 401 with
  `WWW-Authenticate: Token`, nothing recorded, no lease given;
- a bad token with a malformed JSON body or a body of another type: 401, not 400 or 415;
- a bad token on an unknown project: 401, not 404.

What a good token may not do
- go past the per-account rate limits by using several tokens of one account (429);
- see an image or a project of a private project it is not a member of (404);
- use a lease that was already used (409, the person known);
- send a lease number out of range (beyond 64 bits, negative, zero): 403, nothing recorded.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from knox.models import AuthToken

from crowd.throttles import ScopedThrottle
from tasks.models import Lease
from tasks.services.leases import LeaseConflict, lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, nothing_recorded, token_client

VALUES = {"scientificName": "Quercus ilex L."}


@pytest.fixture
def given(project):
    """A volunteer's live lease on a new image of the project."""
    TaskFactory(project=project, target=3)
    return lease_grant(project=project, user=UserFactory())


def _submit(api, lease):
    return api.post(f"/api/tasks/{lease.task_id}/transcriptions/",
                    {"lease": lease.pk, "values": VALUES, "idempotency_key": "k"},
                    format="json")  # fmt: skip


def test_a_revoked_token_is_refused_on_submit_and_nothing_is_recorded(given):
    api = token_client(given.user)
    AuthToken.objects.filter(user=given.user).delete()
    response = _submit(api, given)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    nothing_recorded(given)


def test_an_expired_token_is_refused_on_submit_and_deleted(given):
    api = token_client(given.user)
    AuthToken.objects.filter(user=given.user).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _submit(api, given).status_code == 401
    assert not AuthToken.objects.filter(user=given.user).exists()
    nothing_recorded(given)


def test_a_deactivated_persons_token_is_refused_on_submit(given):
    api = token_client(given.user)
    type(given.user).objects.filter(pk=given.user.pk).update(is_active=False)
    response = _submit(api, given)
    assert response.status_code == 401
    assert "inactive" in response.json()["error"]["message"]
    nothing_recorded(given)


def test_a_bad_token_is_refused_before_a_malformed_body_is_read(given):
    api = api_client()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    response = api.post(f"/api/tasks/{given.task_id}/transcriptions/", "{not json",
                        content_type="application/json")  # fmt: skip
    assert response.status_code == 401
    plain = api.post(f"/api/tasks/{given.task_id}/transcriptions/", "x", content_type="text/plain")
    assert plain.status_code == 401
    good = token_client(given.user).post(f"/api/tasks/{given.task_id}/transcriptions/",
                                         "{not json", content_type="application/json")  # fmt: skip
    assert good.status_code == 400


@pytest.mark.parametrize("header", ["Token not-hex-at-all", "Token", "Token a b"])
def test_a_malformed_token_is_refused_on_submit(given, header):
    api = api_client()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert _submit(api, given).status_code == 401
    nothing_recorded(given)


def test_the_per_account_submit_rate_holds_for_tokens(given, monkeypatch):
    cache.clear()
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "submit", "1/minute")
    api = token_client(given.user)
    assert _submit(api, given).status_code == 201
    assert _submit(token_client(given.user), given).status_code == 429  # the same account
    other = lease_grant(project=given.task.project, user=UserFactory())
    assert _submit(token_client(other.user), other).status_code == 201
    cache.clear()


def test_a_token_of_an_outsider_gets_404_on_a_private_image(project):
    private = TaskFactory(project__visibility="members")
    response = _submit(token_client(UserFactory()), Lease(task=private, pk=1))
    assert response.status_code == 404


def test_with_a_lease_taken_away_the_claim_is_settled_before_the_refusal(given):
    # The person is known (401 would say otherwise) and refused as the lease's rules say.
    Lease.objects.filter(pk=given.pk).update(state="submitted")
    response = _submit(token_client(given.user), given)
    assert response.status_code == 409
    assert response.json()["error"]["message"] == str(
        LeaseConflict("This lease was already used for a transcription.")
    )


# --- next-task's first statement reads the token too ------------------------------------------


def _ask(api, project):
    return api.post(f"/api/projects/{project.slug}/next-task/")


def test_next_task_over_a_token_leases_to_its_owner(project):
    TaskFactory(project=project, target=3)
    person = UserFactory()
    response = _ask(token_client(person), project)
    assert response.status_code == 200
    assert Lease.objects.get(pk=response.json()["lease"]["id"]).user == person


@pytest.mark.parametrize("refusal", ["revoked", "deactivated", "forged", "malformed"])
def test_next_task_refuses_a_bad_token_and_leases_nothing(project, refusal):
    TaskFactory(project=project, target=3)
    person = UserFactory()
    api = token_client(person)
    if refusal == "revoked":
        AuthToken.objects.filter(user=person).delete()
    elif refusal == "deactivated":
        type(person).objects.filter(pk=person.pk).update(is_active=False)
    else:
        api.credentials(HTTP_AUTHORIZATION="Token " + ("0" * 64 if refusal == "forged" else "z"))
    response = _ask(api, project)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"
    assert not Lease.objects.exists()


def test_next_task_refuses_a_bad_token_before_saying_the_project_is_unknown(db):
    api = api_client()
    api.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)
    assert api.post("/api/projects/no-such-project/next-task/").status_code == 401
    unknown = token_client(UserFactory()).post("/api/projects/no-such-project/next-task/")
    assert unknown.status_code == 404


def test_the_per_account_next_task_rate_holds_for_tokens(project, monkeypatch):
    TaskFactory.create_batch(2, project=project, target=3)
    cache.clear()
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "next_task", "1/minute")
    person = UserFactory()
    assert _ask(token_client(person), project).status_code == 200
    leases = Lease.objects.count()
    assert _ask(token_client(person), project).status_code == 429  # a second token, same account
    assert Lease.objects.count() == leases
    assert _ask(token_client(UserFactory()), project).status_code == 200
    cache.clear()


def test_next_task_over_a_token_on_a_private_project_answers_404(project):
    private = TaskFactory(project__visibility="members").project
    assert _ask(token_client(UserFactory()), private).status_code == 404


@pytest.mark.parametrize("lease", [2**63, 10**30, -1, 0])
def test_a_lease_number_out_of_range_is_refused_and_nothing_is_recorded(given, lease):
    response = token_client(given.user).post(
        f"/api/tasks/{given.task_id}/transcriptions/",
        {"lease": lease, "values": VALUES, "idempotency_key": "k"},
        format="json",
    )
    assert response.status_code == 403
    nothing_recorded(given)
