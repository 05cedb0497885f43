"""Submit on PostgreSQL: the token read with the submission's facts, then one statement that
writes with no transaction around it, and checks again what the facts were read for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from crowd.services import token_create
from crowd.tokens import TokenClaim
from tasks.models import Lease, Task, Transcription
from tasks.models.moderation import ContributorVoid, ProjectBlock
from tasks.services import submit_sql
from tasks.services.assignment import answer_read, answer_record
from tasks.services.leases import LeaseConflict, ProjectNotTakingAnswers, lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import nothing_recorded, token_client

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the direct statements run on PostgreSQL only"
)

VALUES = {"scientificName": "Quercus ilex L."}


def _read(lease, key="k", user=None):
    return answer_read(task_id=lease.task_id, who=user or lease.user, lease_id=lease.pk, key=key)


def _write(read, user, key="k"):
    """The write of `read`, as the service sends it once the facts are checked."""
    return submit_sql.transcription_record(
        context=read.context, user=user, values=VALUES, markers={}, key=key, now=read.now,
        document=" quercus ", words=["quercus"], vocabulary=["quercus"],
    )  # fmt: skip


@pytest.fixture
def given(project):
    TaskFactory(project=project, target=3)
    return lease_grant(project=project, user=UserFactory())


@pytest.mark.django_db(transaction=True)
def test_a_cycle_over_a_token_is_seven_statements_next_task_five_submit_two(
    project, published_jobs
):
    TaskFactory.create_batch(3, project=project, target=3)
    api = token_client(UserFactory())
    body = api.post(f"/api/projects/{project.slug}/next-task/").json()  # warms the process
    api.post(f"/api/tasks/{body['task']['id']}/transcriptions/",
             {"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": "warm"},
             format="json")  # fmt: skip
    with CaptureQueriesContext(connection) as asked:
        body = api.post(f"/api/projects/{project.slug}/next-task/").json()
    with CaptureQueriesContext(connection) as sent:
        response = api.post(
            f"/api/tasks/{body['task']['id']}/transcriptions/",
            {"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": "k2"},
            format="json",
        )
    assert response.status_code == 201
    # Submit: the token with the submission's facts, then the write; no BEGIN nor COMMIT.
    statements = [q["sql"] for q in sent.captured_queries]
    assert len(statements) == 2, [sql[:80] for sql in statements]
    assert "knox_authtoken" in statements[0]
    assert "INSERT INTO tasks_transcription" in statements[1]
    # Next-task: BEGIN, the token with the person's row and the project, the task locked, the
    # lease, COMMIT.
    asked_sql = [q["sql"] for q in asked.captured_queries]
    assert len(asked_sql) == 5, [sql[:80] for sql in asked_sql]
    assert "knox_authtoken" in asked_sql[1]
    assert len(asked_sql) + len(statements) <= 8
    assert Transcription.objects.get(pk=response.json()["id"]).lease_id == body["lease"]["id"]
    assert Lease.objects.get(pk=body["lease"]["id"]).state == "submitted"
    assert Task.objects.get(pk=body["task"]["id"]).transcription_count == 1
    assert published_jobs.count(("worker.jobs.reconcile", "reconcile")) == 2  # one per answer


def test_the_write_records_counts_and_flags_on_the_facts_it_was_read_for(given):
    made = _write(_read(given), given.user)
    assert made is not None
    assert made.reconcile_send
    task = Task.objects.get(pk=given.task_id)
    assert (task.transcription_count, task.reconcile_pending) == (1, True)
    assert Lease.objects.get(pk=given.pk).state == "submitted"


def test_no_reconciliation_is_sent_while_one_waits_to_start(given):
    sent_at = timezone.now() - timedelta(seconds=5)
    Task.objects.filter(pk=given.task_id).update(reconcile_pending=True, reconcile_sent_at=sent_at)
    made = _write(_read(given), given.user)
    assert made is not None
    assert not made.reconcile_send
    assert Task.objects.get(pk=given.task_id).reconcile_sent_at == sent_at


@pytest.mark.parametrize(
    "change",
    [
        "paused",
        "archived",
        "made private",
        "blocked",
        "voided",
        "lease released",
        "made a training image",
    ],
)
def test_the_write_changes_nothing_when_a_fact_changed_since_the_read(given, change):
    read = _read(given)
    project, user = given.task.project, given.user
    if change == "paused":
        project.status = "paused"
        project.save()
    elif change == "archived":
        project.archived_at = timezone.now()
        project.save()
    elif change == "made private":
        project.visibility = "members"
        project.save()
    elif change == "blocked":
        ProjectBlock.objects.create(project=project, user=user, created_by=user, reason="x")
    elif change == "voided":
        ContributorVoid.objects.create(project=project, user=user, created_by=user, reason="x")
    elif change == "lease released":
        Lease.objects.filter(pk=given.pk).update(state="released")
    else:
        Task.objects.filter(pk=given.task_id).update(state="reference")
    assert _write(read, user) is None
    assert not Transcription.objects.filter(task_id=given.task_id).exists()
    assert Task.objects.get(pk=given.task_id).transcription_count == 0
    if change != "lease released":
        assert Lease.objects.get(pk=given.pk).state == "active"


def test_the_write_refuses_a_lease_that_ran_out_since_the_read(given):
    read = _read(given)
    Lease.objects.filter(pk=given.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _write(read, given.user) is None
    assert not Transcription.objects.filter(task_id=given.task_id).exists()
    assert Task.objects.get(pk=given.task_id).transcription_count == 0


def _late(project, target):
    task = TaskFactory(project=project, target=target)
    late = lease_grant(project=project, user=UserFactory())
    Lease.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    return task, late


def _record_late(late, read):
    return answer_record(task_id=late.task_id, user=late.user, lease_id=late.pk, values=VALUES,
                         markers={}, idempotency_key="k", read=read)  # fmt: skip


def test_a_late_answer_is_refused_once_someone_was_given_the_image_after_the_read(project):
    task, late = _late(project, target=1)
    read = _read(late)  # the image had room: no live lease but this expired one
    other = lease_grant(project=project, user=UserFactory())  # meanwhile: the last place
    assert other is not None
    assert other.task_id == task.pk
    with pytest.raises(LeaseConflict, match="no longer needs"):
        _record_late(late, read)  # counted under the image's lock, the ORM's way
    assert not Transcription.objects.filter(task=task).exists()


def test_a_late_answer_on_an_image_with_room_is_recorded_under_its_lock(project):
    task, late = _late(project, target=2)
    submitted = _record_late(late, _read(late))
    assert submitted.created
    assert Task.objects.get(pk=task.pk).transcription_count == 1
    assert Lease.objects.get(pk=late.pk).state == "submitted"


def test_a_stale_read_goes_the_orm_way_which_answers_as_under_the_lock(given):
    read = _read(given)
    given.task.project.status = "paused"
    given.task.project.save()
    with pytest.raises(ProjectNotTakingAnswers):
        answer_record(task_id=given.task_id, user=given.user, lease_id=given.pk, values=VALUES,
                      markers={}, idempotency_key="k", read=read)  # fmt: skip
    nothing_recorded(given)


def test_two_requests_of_one_answer_read_together_record_it_once(given):
    first, second = _read(given), _read(given)
    assert _write(first, given.user) is not None
    assert _write(second, given.user) is None  # the lease is used: nothing more is written
    kept = answer_record(task_id=given.task_id, user=given.user, lease_id=given.pk,
                         values=VALUES, markers={}, idempotency_key="k", read=second)  # fmt: skip
    assert kept.created is False
    assert Transcription.objects.filter(task_id=given.task_id).count() == 1
    assert Task.objects.get(pk=given.task_id).transcription_count == 1


def test_a_key_used_meanwhile_on_another_image_undoes_the_whole_write(project):
    person = UserFactory()
    TaskFactory(project=project, target=3)
    here = lease_grant(project=project, user=person)
    there = lease_grant(project=TaskFactory(target=3).project, user=person)
    late = _read(there, key="same")
    assert _write(_read(here, key="same"), person, key="same") is not None
    with pytest.raises(IntegrityError):
        _write(late, person, key="same")  # the key is taken: the lease is not ended either
    nothing_recorded(there)
    with pytest.raises(LeaseConflict, match="another image"):
        answer_record(task_id=there.task_id, user=person, lease_id=there.pk, values=VALUES,
                      markers={}, idempotency_key="same", read=late)  # fmt: skip
    nothing_recorded(there)


def test_a_lease_of_someone_else_is_refused_before_any_write(given):
    intruder = UserFactory()
    read = _read(given, user=intruder)
    with pytest.raises(PermissionDenied):
        answer_record(task_id=given.task_id, user=intruder, lease_id=given.pk, values=VALUES,
                      markers={}, idempotency_key="k", read=read)  # fmt: skip
    nothing_recorded(given)


# --- the token read with the facts ------------------------------------------------------------


def _claim(text):
    return TokenClaim(text, text[: CONSTANTS.TOKEN_KEY_LENGTH], hash_token(text))


def test_the_token_is_read_with_the_facts_and_names_its_owner(given):
    token, text = token_create(user=given.user)
    read = _read(given, user=_claim(text))
    assert (read.user, read.token.pk, read.context.lease_id) == (given.user, token.pk, given.pk)


def test_a_token_that_matches_nothing_reads_nothing(given):
    _token, text = token_create(user=given.user)
    forged = text[:15] + ("0" if text[15] != "0" else "1") + text[16:]
    read = _read(given, user=_claim(forged))
    assert (read.user, read.token, read.context) == (None, None, None)
