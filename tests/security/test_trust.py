"""Trust before weight: hostile accounts against consensus, reliability and assignment.

A catalogue, one line per test below (hostile input → expected refusal):

- two brand-new accounts typing the same made-up values → nothing settled; they are asked for
  another reader, then the values go to curators, saying why
- a pair of throwaway accounts agreeing on many images → the relearning gives them no weight and
  no trust
- weights learnt earlier from agreement among unproven accounts → dropped by the next relearning
- an unproven account with a high stored weight → its vote still counts at most the cap
- a new account agreeing with a proven contributor → earns weight and, past the thresholds, trust
- curators' decisions → count as reference values for everyone who answered
- a proven contributor whose agreement falls below the threshold → proven no longer
- asking next-task again, or many times at once → the one image already held, never two
- reviving an expired lease while holding another image → 409, the old lease stays ended
- heartbeats past the maximum lease age → 409 `lease_too_old`, the lease ends, the image is free
- one account asking next-task or submitting faster than its rate → 429 with `Retry-After`, in
  the API's error shape; other accounts unaffected
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from crowd.throttles import ScopedThrottle
from tasks.models import ContributorReliability, ContributorTrust, FieldResult, Lease, Task
from tasks.selectors.trust import proven_user_ids
from tasks.services.leases import lease_grant
from tasks.services.reliability import project_reliability_refresh
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, prove
from tests.servers import missing
from worker.consensus.decide import UNPROVEN_REASON

MADE_UP = {"scientificName": "Quercus fantasia L.", "country": "France", "eventDate": "01/01/1900"}
TRUE = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=3)


def _take_and_submit(project, user, values):
    """As an outsider does it: next-task, then submit, over the API. The task's id."""
    client = api_client(user)
    taken = client.post(f"/api/projects/{project.slug}/next-task/")
    assert taken.status_code == 200, taken.content
    task, lease = taken.json()["task"]["id"], taken.json()["lease"]["id"]
    sent = client.post(
        f"/api/tasks/{task}/transcriptions/",
        {"lease": lease, "values": values, "idempotency_key": f"k{task}"},
        format="json",
    )
    assert sent.status_code == 201, sent.content
    return task


def test_two_brand_new_accounts_agreeing_on_made_up_values_settle_nothing(
    project, django_capture_on_commit_callbacks
):
    TaskFactory(project=project, target=2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks = {_take_and_submit(project, UserFactory(), MADE_UP) for _ in range(2)}
    (task_id,) = tasks  # depth order gave both the same image
    task = Task.objects.get(pk=task_id)
    assert (task.state, task.target) == ("needs_more", 3)
    results = FieldResult.objects.filter(task=task)
    assert {r.status for r in results} == {"needs_more"}
    assert all(UNPROVEN_REASON in r.explanation for r in results)
    # A third throwaway account agreeing too: the maximum is reached, curators decide.
    with django_capture_on_commit_callbacks(execute=True):
        _take_and_submit(project, UserFactory(), MADE_UP)
    assert Task.objects.get(pk=task_id).state == "disputed"
    assert {r.status for r in FieldResult.objects.filter(task=task)} == {"disputed"}


def test_a_pair_of_throwaway_accounts_agreeing_on_many_images_earns_no_weight_nor_trust(
    project, transcribe
):
    pair = [UserFactory(), UserFactory()]
    for _ in range(5):
        task = TaskFactory(project=project, target=2)
        for user in pair:
            transcribe(project, MADE_UP, user=user, task=task, proven=False)
    project_reliability_refresh(project_id=project.pk)
    assert not ContributorReliability.objects.filter(project=project).exists()
    assert not ContributorTrust.objects.filter(project=project).exists()
    assert proven_user_ids(project=project, user_ids=[u.pk for u in pair]) == set()


def test_weights_learnt_earlier_from_unproven_agreement_are_dropped_by_the_next_relearning(
    project, transcribe
):
    pair = [UserFactory(), UserFactory()]
    task = TaskFactory(project=project, target=2)
    for user in pair:
        transcribe(project, MADE_UP, user=user, task=task, proven=False)
        ContributorReliability.objects.create(
            project=project, user=user, field_type="text", correct=90, total=90, weight=3.0
        )
    project_reliability_refresh(project_id=project.pk)
    assert not ContributorReliability.objects.filter(project=project).exists()


def test_an_unproven_account_with_a_high_stored_weight_still_counts_at_most_the_cap(
    project, transcribe, settings
):
    settings.TRUST_UNPROVEN_WEIGHT_PERCENT = 40
    sock, honest = UserFactory(), prove(project, UserFactory())
    for user in (sock, honest):
        ContributorReliability.objects.create(
            project=project, user=user, field_type="text", correct=90, total=90, weight=3.0
        )
    task = TaskFactory(project=project, target=2)
    transcribe(project, MADE_UP, user=sock, task=task, proven=False)
    transcribe(project, TRUE, user=honest, task=task)
    name = FieldResult.objects.get(task=task, key="scientificName")
    weights = {alt["value"]: alt["weight"] for alt in name.alternatives}
    assert weights == {"Quercus ilex L.": 3.0, "Quercus fantasia L.": 0.4}
    assert name.value == "Quercus ilex L."


def test_a_new_account_agreeing_with_a_proven_contributor_earns_weight_then_trust(
    project, transcribe, settings
):
    settings.TRUST_MIN_COMPARISONS = 6
    honest, newcomer = prove(project, UserFactory()), UserFactory()
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUE, user=honest, task=task)
    transcribe(project, TRUE, user=newcomer, task=task, proven=False)
    assert Task.objects.get(pk=task.pk).state == "complete"
    project_reliability_refresh(project_id=project.pk)
    trust = ContributorTrust.objects.get(project=project, user=newcomer)
    fields = len(project.template.specs)
    assert (trust.compared, trust.agreed) == (fields, fields)
    assert newcomer.pk in proven_user_ids(project=project, user_ids=[newcomer.pk])
    weight = ContributorReliability.objects.get(project=project, user=newcomer, field_type="text")
    assert weight.weight > 1.0
    # The proven contributor's own support of a value never counts for themselves.
    assert not ContributorTrust.objects.filter(project=project, user=honest).exists()


def test_curators_decisions_count_as_reference_values_for_unproven_accounts(
    project, transcribe, curator, django_capture_on_commit_callbacks
):
    project.redundancy_max = 2
    project.save()
    right, wrong = UserFactory(), UserFactory()
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUE, user=right, task=task, proven=False)
    transcribe(project, {**TRUE, "country": "Spain"}, user=wrong, task=task, proven=False)
    disputed = FieldResult.objects.get(task=task, key="country")
    assert disputed.status == "disputed"
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(curator).post(
            f"/api/field-results/{disputed.pk}/resolve/",
            {"decision": "accept", "value": "France", "reason": "reading_checked"},
            format="json",
        )
    assert response.status_code == 200, response.content
    project_reliability_refresh(project_id=project.pk)
    counts = {
        t.user_id: (t.compared, t.agreed) for t in ContributorTrust.objects.filter(project=project)
    }
    assert counts[right.pk][1] >= 1
    assert counts[wrong.pk][0] >= 1
    assert counts[wrong.pk][1] < counts[wrong.pk][0]


def test_a_proven_contributor_whose_agreement_falls_below_the_threshold_is_proven_no_longer(
    project, settings
):
    settings.TRUST_MIN_COMPARISONS = 10
    settings.TRUST_MIN_AGREEMENT_PERCENT = 80
    steady, sloppy, fresh = UserFactory(), UserFactory(), UserFactory()
    prove(project, steady, compared=10, agreed=8)
    prove(project, sloppy, compared=10, agreed=7)
    prove(project, fresh, compared=9, agreed=9)
    ids = [steady.pk, sloppy.pk, fresh.pk]
    assert proven_user_ids(project=project, user_ids=ids) == {steady.pk}
    settings.TRUST_MIN_COMPARISONS = 0  # trust turned off: everyone counts
    assert proven_user_ids(project=project, user_ids=ids) == set(ids)


def test_curators_and_leads_are_proven_by_their_role(project, curator, lead, contributor):
    ids = [curator.pk, lead.pk, contributor.pk]
    assert proven_user_ids(project=project, user_ids=ids) == {curator.pk, lead.pk}


def test_asking_next_task_again_returns_the_image_already_held_never_a_second_one(project):
    TaskFactory(project=project, target=2)
    TaskFactory(project=project, target=2)
    client = api_client(UserFactory())
    first = client.post(f"/api/projects/{project.slug}/next-task/").json()
    again = client.post(f"/api/projects/{project.slug}/next-task/").json()
    assert again["lease"]["id"] == first["lease"]["id"]
    assert again["task"]["id"] == first["task"]["id"]
    assert Lease.objects.filter(state="active").count() == 1


def _another_waits_for_a_lock(seconds: float = 20) -> bool:
    """Whether another session of this database waits for a lock, asked until one does for at
    most `seconds` (PostgreSQL keeps its activity view still within a transaction unless told)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_second_next_task_request_while_the_first_is_still_running_gets_the_same_image():
    if connection.vendor != "postgresql":
        missing("the concurrency test needs PostgreSQL: set DATABASE_URL=postgres://…")
    project = ProjectFactory(redundancy_min=2, redundancy_max=3)
    for _ in range(3):
        TaskFactory(project=project, target=2)
    user = UserFactory()
    granted, started = threading.Event(), threading.Event()
    leases: list[int] = []
    errors: list[BaseException] = []
    waited: list[bool] = []

    def first():
        # Grants inside a transaction kept open until the second request has been sent.
        try:
            with transaction.atomic():
                lease = lease_grant(project=project, user=user)
                assert lease is not None
                leases.append(lease.pk)
                granted.set()
                started.wait(timeout=30)
                waited.append(_another_waits_for_a_lock())
        except BaseException as error:
            errors.append(error)
        finally:
            granted.set()
            connections.close_all()

    def second():
        try:
            granted.wait(timeout=30)
            started.set()
            lease = lease_grant(project=project, user=user)
            assert lease is not None
            leases.append(lease.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert waited == [True]  # the second request did wait for the first: the race was run
    assert len(leases) == 2
    assert len(set(leases)) == 1
    assert Lease.objects.filter(user=user, state="active").count() == 1


def test_reviving_an_expired_lease_while_holding_another_image_is_refused(project):
    first_task = TaskFactory(project=project, target=2, priority=1)
    other_task = TaskFactory(project=project, target=2)
    user = UserFactory()
    client = api_client(user)
    old = client.post(f"/api/projects/{project.slug}/next-task/").json()["lease"]["id"]
    assert Lease.objects.get(pk=old).task_id == first_task.pk
    Lease.objects.filter(pk=old).update(expires_at=timezone.now() - timedelta(seconds=1))
    Task.objects.filter(pk=other_task.pk).update(priority=2)
    new = client.post(f"/api/projects/{project.slug}/next-task/").json()["lease"]["id"]
    assert Lease.objects.get(pk=new).task_id == other_task.pk
    refused = client.post(f"/api/leases/{old}/heartbeat/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "conflict"
    assert Lease.objects.get(pk=old).state == "expired"
    assert list(Lease.objects.filter(user=user, state="active").values_list("pk", flat=True)) == [
        new
    ]


def test_a_heartbeat_past_the_maximum_lease_age_is_refused_and_the_lease_ends(project, settings):
    settings.LEASE_MAX_MINUTES = 60
    TaskFactory(project=project, target=1)
    client = api_client(UserFactory())
    lease = client.post(f"/api/projects/{project.slug}/next-task/").json()["lease"]["id"]
    Lease.objects.filter(pk=lease).update(created_at=timezone.now() - timedelta(minutes=61))
    refused = client.post(f"/api/leases/{lease}/heartbeat/")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "lease_too_old"
    assert "60 minutes" in refused.json()["error"]["message"]
    assert Lease.objects.get(pk=lease).state == "expired"
    # The image is free for someone else at once.
    other = api_client(UserFactory()).post(f"/api/projects/{project.slug}/next-task/")
    assert other.status_code == 200


def test_heartbeats_never_extend_a_lease_past_its_maximum_age(project, settings):
    settings.LEASE_MAX_MINUTES = 60
    project.lease_minutes = 30
    project.save()
    TaskFactory(project=project, target=1)
    client = api_client(UserFactory())
    lease = client.post(f"/api/projects/{project.slug}/next-task/").json()["lease"]["id"]
    granted = timezone.now() - timedelta(minutes=50)
    Lease.objects.filter(pk=lease).update(created_at=granted)
    renewed = client.post(f"/api/leases/{lease}/heartbeat/")
    assert renewed.status_code == 200
    assert Lease.objects.get(pk=lease).expires_at == granted + timedelta(minutes=60)


@pytest.fixture
def rates(monkeypatch):
    """Per-account rates lowered to two requests a minute, counted from zero."""
    cache.clear()
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "next_task", "2/minute")
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "submit", "2/minute")
    yield
    cache.clear()


def _throttled(response):
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (429, "throttled")
    assert error["message"]


def test_an_account_asking_next_task_faster_than_its_rate_gets_429_with_retry_after(project, rates):
    TaskFactory(project=project, target=2)
    script = api_client(UserFactory())
    for _ in range(2):
        assert script.post(f"/api/projects/{project.slug}/next-task/").status_code == 200
    _throttled(script.post(f"/api/projects/{project.slug}/next-task/"))
    someone_else = api_client(UserFactory())
    assert someone_else.post(f"/api/projects/{project.slug}/next-task/").status_code == 200


def test_an_account_submitting_faster_than_its_rate_gets_429_and_loses_nothing_saved(
    project, rates
):
    TaskFactory(project=project, target=2)
    client = api_client(UserFactory())
    taken = client.post(f"/api/projects/{project.slug}/next-task/").json()
    task, lease = taken["task"]["id"], taken["lease"]["id"]
    body = {"lease": lease, "values": TRUE, "idempotency_key": "same"}
    assert client.post(f"/api/tasks/{task}/transcriptions/", body, format="json").status_code == 201
    assert client.post(f"/api/tasks/{task}/transcriptions/", body, format="json").status_code == 200
    _throttled(client.post(f"/api/tasks/{task}/transcriptions/", body, format="json"))
    assert Task.objects.get(pk=task).transcription_count == 1
