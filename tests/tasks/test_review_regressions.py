"""Regressions found in review: task states after curator decisions, reopen, bulk claims."""

from __future__ import annotations

import pytest

from tasks.models import FieldResult, Role
from tasks.services.leases import lease_grant
from tasks.services.reconcile import task_reconcile
from tasks.services.review import (
    disputes_accept_majority,
    field_result_reopen,
    field_result_resolve,
)
from tasks.services.submissions import transcription_submit
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def submit(project, task, values, cb):
    user = UserFactory()
    lease = lease_grant(project=project, user=user)
    assert lease.task_id == task.pk, (lease.task_id, task.pk)
    with cb(execute=True):
        transcription_submit(
            task_id=task.pk,
            user=user,
            lease_id=lease.pk,
            values=values,
            markers={},
            idempotency_key=f"k{user.pk}",
        )
    return user


@pytest.fixture
def proj(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def cur(proj):
    return MembershipFactory(project=proj, role=Role.CURATOR).user


def test_a_task_is_settled_once_curators_and_contributors_settled_every_field(
    proj, cur, django_capture_on_commit_callbacks
):
    proj.redundancy_max = 2
    proj.save()
    task = TaskFactory(project=proj, target=2)
    submit(proj, task, BASE, django_capture_on_commit_callbacks)
    submit(
        proj,
        task,
        {**BASE, "locality": "Lyon", "country": "Italie"},
        django_capture_on_commit_callbacks,
    )
    task.refresh_from_db()
    assert task.state == "disputed"
    loc = FieldResult.objects.get(task=task, key="locality")
    ctry = FieldResult.objects.get(task=task, key="country")
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=loc.pk, curator=cur, decision="value", value="Grenoble"
        )
        field_result_resolve(field_result_id=ctry.pk, curator=cur, decision="more")
    task.refresh_from_db()
    submit(proj, task, {**BASE, "locality": "Paris"}, django_capture_on_commit_callbacks)
    task.refresh_from_db()
    statuses = dict(FieldResult.objects.filter(task=task).values_list("key", "status"))
    unsettled = [k for k, s in statuses.items() if s in ("disputed", "needs_more")]
    assert not (task.state == "disputed" and not unsettled), (
        "task stuck disputed with nothing to resolve"
    )


def test_a_reopened_value_stays_in_the_queue_when_the_task_is_reconciled_again(
    proj, cur, django_capture_on_commit_callbacks
):
    task = TaskFactory(project=proj, target=2)
    submit(proj, task, BASE, django_capture_on_commit_callbacks)
    submit(proj, task, BASE, django_capture_on_commit_callbacks)
    task.refresh_from_db()
    assert task.state == "complete"
    loc = FieldResult.objects.get(task=task, key="locality")
    field_result_reopen(
        field_result_id=loc.pk,
        actor=cur,
        reason=__import__("tasks.models", fromlist=["ResolutionReason"]).ResolutionReason.values[0],
    )
    loc.refresh_from_db()
    assert loc.status == "disputed"
    task_reconcile(task_id=task.pk)  # a redelivered reconcile message / sweep
    loc.refresh_from_db()
    task.refresh_from_db()
    assert loc.status == "disputed", "reopen silently undone"


def test_bulk_acceptance_leaves_no_claim_behind(proj, cur, django_capture_on_commit_callbacks):
    task = TaskFactory(project=proj, target=2)
    submit(proj, task, BASE, django_capture_on_commit_callbacks)
    submit(
        proj,
        task,
        {**BASE, "locality": "Lyon", "country": "Italie"},
        django_capture_on_commit_callbacks,
    )
    disputes_accept_majority(
        project_id=proj.pk, key="locality", batch_id=None, curator=cur, reason=""
    )
    other = MembershipFactory(project=proj, role=Role.CURATOR).user
    ctry = FieldResult.objects.get(task=task, key="country")
    field_result_resolve(field_result_id=ctry.pk, curator=other, decision="illegible")
    assert FieldResult.objects.get(pk=ctry.pk).status == "resolved"
