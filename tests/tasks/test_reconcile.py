"""Reconciliation in the platform: field results, history, task states, sweep, reliability."""

from __future__ import annotations

import pytest

from tasks.models import ContributorReliability, FieldResult, FieldResultVersion, Task
from tasks.services.leases import lease_grant
from tasks.services.reconcile import task_reconcile, tasks_reconcile_pending
from tasks.services.reliability import project_reliability_refresh
from tests.factories import ProjectFactory, TaskFactory, UserFactory

TRUTH = {
    "scientificName": "Quercus pubescens Willd.",
    "country": "France",
    "eventDate": "12 juin 1898",
}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=3)


def state(task):
    return Task.objects.get(pk=task.pk).state


def test_two_agreeing_transcriptions_complete_the_task(project, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUTH)
    assert state(task) == "open"
    transcribe(project, {**TRUTH, "eventDate": "12/06/1898"})
    assert state(task) == "complete"
    result = FieldResult.objects.get(task=task, key="eventDate")
    assert (result.value, result.status, result.support, result.n) == ("1898-06-12", "agreed", 2, 2)


def test_disagreement_asks_for_one_more_then_settles(project, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUTH)
    transcribe(project, {**TRUTH, "scientificName": "Quercus robur L."})
    assert state(task) == "needs_more"
    assert Task.objects.get(pk=task.pk).target == 3
    transcribe(project, TRUTH)
    assert state(task) == "complete"
    assert (
        FieldResult.objects.get(task=task, key="scientificName").value == "Quercus pubescens Willd."
    )


def test_disagreement_at_the_maximum_goes_to_curators(project, transcribe):
    task = TaskFactory(project=project, target=2)
    for name in ("Quercus pubescens Willd.", "Quercus robur L.", "Quercus ilex L."):
        transcribe(project, {**TRUTH, "scientificName": name})
    assert state(task) == "disputed"
    result = FieldResult.objects.get(task=task, key="scientificName")
    assert result.status == "disputed"
    assert {alt["value"] for alt in result.alternatives} >= {"Quercus robur L.", "Quercus ilex L."}
    assert lease_grant(project=project, user=UserFactory()) is None  # nobody else is asked


def test_reconciling_twice_changes_nothing(project, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUTH)
    transcribe(project, TRUTH)
    versions = FieldResultVersion.objects.count()
    results = list(FieldResult.objects.filter(task=task).values())
    task_reconcile(task_id=task.pk)
    assert FieldResultVersion.objects.count() == versions
    assert list(FieldResult.objects.filter(task=task).values()) == results


def test_each_change_of_a_field_result_is_kept_in_its_history(project, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, TRUTH)
    transcribe(project, {**TRUTH, "scientificName": "Quercus robur L."})
    transcribe(project, TRUTH)
    result = FieldResult.objects.get(task=task, key="scientificName")
    history = list(result.versions.order_by("version").values_list("version", "status"))
    assert history[-1] == (result.version, "agreed")
    assert len(history) == result.version >= 2


def test_the_sweep_finds_tasks_whose_reconciliation_never_ran(project):
    from datetime import timedelta

    from django.utils import timezone

    task = TaskFactory(project=project)
    Task.objects.filter(pk=task.pk).update(
        reconcile_pending=True, last_transcribed_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks_reconcile_pending() == [task.pk]
    task_reconcile(task_id=task.pk)
    assert tasks_reconcile_pending() == []


def test_the_sweep_waits_sweep_reconcile_after_seconds_before_resending(project, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.SWEEP_RECONCILE_AFTER_SECONDS = 10
    waiting, lost = TaskFactory(project=project), TaskFactory(project=project)
    for task, seconds in ((waiting, 5), (lost, 15)):
        Task.objects.filter(pk=task.pk).update(
            reconcile_pending=True, last_transcribed_at=timezone.now() - timedelta(seconds=seconds)
        )
    assert tasks_reconcile_pending() == [lost.pk]


def test_a_contributor_who_keeps_disagreeing_loses_weight(project, transcribe):
    careful = [UserFactory() for _ in range(2)]
    spammer = UserFactory()
    for n in range(6):
        TaskFactory(project=project, target=2)
        transcribe(
            project,
            {"scientificName": "asdf", "recordedBy": "qwerty", "country": "Maroc"},
            user=spammer,
        )
        for user in careful:
            transcribe(project, {**TRUTH, "recordedBy": f"Collector {n}"}, user=user)
    assert project_reliability_refresh(project_id=project.pk) > 0
    weights = dict(
        ContributorReliability.objects.filter(project=project, field_type="text").values_list(
            "user_id", "weight"
        )
    )
    assert weights[spammer.pk] < 0.8 < 1.0 < min(weights[u.pk] for u in careful)


def test_a_point_outside_the_country_of_the_images_metadata_is_not_accepted(project, transcribe):
    # The transcribers all wrote France; the institution's metadata says Morocco.
    task = TaskFactory(project=project, target=2, metadata={"countryCode": "MA"})
    point = {**TRUTH, "coordinates": "45.1885, 5.7245"}  # Grenoble
    transcribe(project, point)
    transcribe(project, point)
    result = FieldResult.objects.get(task=task, key="coordinates")
    assert result.status == "needs_more"
    assert "outside the record's country (MA)" in result.explanation
    assert state(task) == "needs_more"


def test_a_point_outside_the_region_of_the_images_metadata_is_not_accepted(project, transcribe):
    # Grenoble is in France, and in Isère; the institution's metadata says the Gironde.
    task = TaskFactory(project=project, target=2, metadata={"stateProvince": "Gironde"})
    point = {**TRUTH, "coordinates": "45.1885, 5.7245"}
    transcribe(project, point)
    transcribe(project, point)
    result = FieldResult.objects.get(task=task, key="coordinates")
    assert result.status == "needs_more"
    assert "outside the record's region (Gironde)" in result.explanation


def test_a_new_answer_rewrites_the_changed_results_in_one_statement_as_the_orm_would(
    project, transcribe
):
    """On PostgreSQL the changed results travel as one statement (`crowd.json_rows`); on SQLite
    one save each. Either way every column is what a save writes, read back through the ORM."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crowd.json_rows import rows_update

    task = TaskFactory(project=project, target=3)
    transcribe(project, TRUTH)
    transcribe(project, {**TRUTH, "scientificName": "Quercus robur L."})
    before = {r.key: r.version for r in FieldResult.objects.filter(task=task)}
    transcribe(project, TRUTH)
    with CaptureQueriesContext(connection) as sent:
        task_reconcile(task_id=task.pk)  # nothing changed: nothing written
    assert not [q for q in sent.captured_queries if "tasks_fieldresult" in q["sql"].split(" SET")[0]
                and q["sql"].startswith("UPDATE")]  # fmt: skip
    results = list(FieldResult.objects.filter(task=task).order_by("pk"))
    assert all(r.version == before[r.key] + 1 for r in results)  # every count changed
    assert FieldResult.objects.get(task=task, key="scientificName").support == 2

    # The statement writes what per-row saves write, types included (JSON null stays NULL).
    for result in results:
        result.value = None if result.key == "country" else {"a": [1, "é"]}
        result.agreement, result.n, result.machine_agrees = 0.125, 7, None
        result.explanation_parts = [{"code": "x", "n": 2}]
        result.version += 1
    names = ["value", "agreement", "n", "machine_agrees", "explanation_parts", "version"]
    with CaptureQueriesContext(connection) as sent:
        rows_update(results, names)
    updates = [q for q in sent.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == (1 if connection.vendor == "postgresql" else len(results))
    for result in results:
        stored = FieldResult.objects.get(pk=result.pk)
        for name in [*names, "version", "updated_at"]:
            assert getattr(stored, name) == getattr(result, name), name
    assert FieldResult.objects.filter(task=task, key="country", value__isnull=True).exists()
