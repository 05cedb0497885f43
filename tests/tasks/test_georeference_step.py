"""The georeference step: asked once the label is settled, with its own leases, answers and
redundancy, on the ORM path and the direct statements alike, reconciled against the place the
label settled."""

from __future__ import annotations

import pytest
from django.db import connection

from tasks.models import FieldResult, Lease, Task, Transcription
from tasks.services.leases import lease_grant
from tasks.services.progress import project_progress_compute
from tasks.services.reconcile import task_reconcile
from tasks.services.review import field_result_reopen, field_result_resolve
from tasks.services.steps import StepRefused
from tasks.values import ValuesRejected
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, prove, submit

FIELDS = [
    {"key": "scientificName", "label": "Scientific name", "type": "text", "required": True},
    {"key": "country", "label": "Country", "type": "text", "mapping": {"dwc": "country"}},
    {"key": "locality", "label": "Locality", "type": "text", "mapping": {"dwc": "locality"}},
    {"key": "coordinates", "label": "Coordinates (on the label)", "type": "geopoint"},
    {"key": "georeference", "label": "Collection point", "type": "geopoint", "georeference": True},
]
LABEL = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Mauriac"}
GRENOBLE = {"georeference": "45.1885, 5.7245"}
ROME = {"georeference": "41.9028, 12.4964"}


@pytest.fixture
def geo_project(db):
    project = ProjectFactory(redundancy_min=2, redundancy_max=3)
    project.template.fields = FIELDS
    project.template.save()
    return project


def volunteer(project):
    """A volunteer whose answers count fully (proven, tests.helpers.prove)."""
    return prove(project, UserFactory())


def people(project, n):
    return [volunteer(project) for _ in range(n)]


def label_settled(project, task, readers=None):
    """Two readers agree on the label of `task`; reconciled."""
    readers = readers or people(project, 2)
    for reader in readers:
        lease = lease_grant(project=project, user=reader, step="label")
        assert lease.task_id == task.pk
        submit(lease, LABEL)
    task_reconcile(task_id=task.pk)
    task.refresh_from_db()
    return readers


def test_a_settled_label_opens_the_georeference_step_with_its_own_redundancy(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, task)
    assert (task.step, task.state, task.target, task.transcription_count) == (
        "georeference",
        "open",
        2,
        0,
    )
    results = dict(FieldResult.objects.filter(task=task).values_list("key", "status"))
    assert "georeference" not in results  # nothing placed yet
    assert results["locality"] == "agreed"


def test_a_disputed_label_keeps_the_georeference_step_closed(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    for locality in ("Mauriac", "Aurillac", "Salers"):
        lease = lease_grant(project=geo_project, user=volunteer(geo_project), step="label")
        if lease is None:
            break
        submit(lease, {**LABEL, "locality": locality})
        task_reconcile(task_id=task.pk)
    task.refresh_from_db()
    assert (task.step, task.state) == ("label", "disputed")
    placer = volunteer(geo_project)
    assert lease_grant(project=geo_project, user=placer, step="georeference") is None


def test_a_curator_deciding_the_last_label_field_opens_the_georeference_step(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    for locality in ("Mauriac", "Aurillac", "Salers"):
        lease = lease_grant(project=geo_project, user=volunteer(geo_project), step="label")
        submit(lease, {**LABEL, "locality": locality})
        task_reconcile(task_id=task.pk)
    curator = MembershipFactory(project=geo_project, role="curator").user
    disputed = FieldResult.objects.get(task=task, key="locality")
    field_result_resolve(
        field_result_id=disputed.pk, curator=curator, decision="accept", value="Mauriac"
    )
    task.refresh_from_db()
    assert (task.step, task.state) == ("georeference", "open")
    lease = lease_grant(project=geo_project, user=volunteer(geo_project), step="georeference")
    assert (lease.task_id, lease.step) == (task.pk, "georeference")


def test_reopening_a_label_field_takes_the_image_back_to_the_label_step(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, task)
    curator = MembershipFactory(project=geo_project, role="curator").user
    field_result_reopen(
        field_result_id=FieldResult.objects.get(task=task, key="locality").pk,
        actor=curator,
        reason="reading_checked",
    )
    task.refresh_from_db()
    assert (task.step, task.state, task.transcription_count) == ("label", "disputed", 2)


def test_a_label_with_printed_coordinates_skips_the_georeference_step(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    for reader in people(geo_project, 2):
        lease = lease_grant(project=geo_project, user=reader, step="label")
        submit(lease, {**LABEL, "coordinates": "45.1885, 5.7245"})
    task_reconcile(task_id=task.pk)
    task.refresh_from_db()
    assert (task.step, task.state) == ("label", "complete")


def test_georeference_answers_settle_the_image_and_a_label_reader_may_place_it(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    readers = label_settled(geo_project, task)
    # Who read the label may georeference it too.
    for placer in (readers[0], volunteer(geo_project)):
        lease = lease_grant(project=geo_project, user=placer, step="georeference")
        assert lease.task_id == task.pk
        submit(lease, GRENOBLE, key=f"geo-{placer.pk}")
    task_reconcile(task_id=task.pk)
    task.refresh_from_db()
    placed = FieldResult.objects.get(task=task, key="georeference")
    assert (placed.status, placed.value) == ("agreed", "45.1885,5.7245")
    assert (task.step, task.state, task.transcription_count) == ("georeference", "complete", 2)
    assert Transcription.objects.filter(task=task, user=readers[0]).count() == 2


def test_a_point_outside_the_settled_country_is_never_accepted_by_itself(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, task)
    for placer in people(geo_project, 2):
        lease = lease_grant(project=geo_project, user=placer, step="georeference")
        submit(lease, ROME)
    task_reconcile(task_id=task.pk)
    placed = FieldResult.objects.get(task=task, key="georeference")
    assert placed.status in ("needs_more", "disputed")
    codes = [part["code"] for part in placed.explanation_parts]
    assert {"geo.outside", "geo.label_place"} <= set(codes)
    assert "settled" in placed.explanation


def test_nobody_georeferences_an_image_twice_nor_beyond_its_room(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, task)
    first, second, third = people(geo_project, 3)
    lease = lease_grant(project=geo_project, user=first, step="georeference")
    submit(lease, GRENOBLE)
    assert lease_grant(project=geo_project, user=first, step="georeference") is None
    assert lease_grant(project=geo_project, user=second, step="georeference").task_id == task.pk
    assert lease_grant(project=geo_project, user=third, step="georeference") is None


def test_without_a_step_the_label_comes_first_then_the_georeference(geo_project):
    settled = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, settled)
    waiting = TaskFactory(project=geo_project, target=2)
    person = UserFactory()
    lease = lease_grant(project=geo_project, user=person)
    assert (lease.task_id, lease.step) == (waiting.pk, "label")
    submit(lease, LABEL)
    lease = lease_grant(project=geo_project, user=person)
    assert (lease.task_id, lease.step) == (settled.pk, "georeference")


def test_asking_for_the_other_step_ends_the_live_lease_without_marking_it_seen(geo_project):
    settled = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, settled)
    waiting = TaskFactory(project=geo_project, target=2)
    person = UserFactory()
    held = lease_grant(project=geo_project, user=person, step="label")
    placing = lease_grant(project=geo_project, user=person, step="georeference")
    assert placing.task_id == settled.pk
    assert Lease.objects.get(pk=held.pk).state == "expired"
    submit(placing, GRENOBLE)
    assert lease_grant(project=geo_project, user=person, step="label").task_id == waiting.pk


def test_a_late_label_answer_is_kept_but_asks_nothing_of_the_georeference_step(geo_project):
    task = TaskFactory(project=geo_project, target=3)
    late = lease_grant(project=geo_project, user=volunteer(geo_project), step="label")
    label_settled(geo_project, task)
    assert task.step == "georeference"
    submit(late, LABEL)
    task.refresh_from_db()
    assert task.transcription_count == 0
    assert Transcription.objects.filter(task=task, step="label").count() == 3


def test_values_of_the_other_step_are_refused_with_the_step_they_belong_to(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    lease = lease_grant(project=geo_project, user=volunteer(geo_project), step="label")
    with pytest.raises(ValuesRejected) as refused:
        submit(lease, {**LABEL, **GRENOBLE})
    assert refused.value.errors == {
        "georeference": ["This field is asked in the georeference step, once the label is settled."]
    }
    label_settled(geo_project, task, readers=[lease.user, volunteer(geo_project)])
    placing = lease_grant(project=geo_project, user=volunteer(geo_project), step="georeference")
    with pytest.raises(ValuesRejected) as refused:
        submit(placing, {**GRENOBLE, "locality": "Salers"})
    assert refused.value.errors == {
        "locality": ["This field belongs to the label step, not to the georeference step."]
    }


def test_a_step_the_project_has_not_is_refused(project, geo_project):
    TaskFactory(project=project)
    with pytest.raises(StepRefused, match="no georeference step"):
        lease_grant(project=project, user=volunteer(geo_project), step="georeference")
    with pytest.raises(StepRefused, match="Unknown step"):
        lease_grant(project=geo_project, user=volunteer(geo_project), step="map")


def test_progress_counts_the_images_waiting_in_each_step(geo_project):
    settled = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, settled)
    TaskFactory(project=geo_project, target=2)
    progress = project_progress_compute(project_id=geo_project.pk)
    assert progress["steps"] == {"label": 1, "georeference": 1}


# --- over the API: the direct statements on PostgreSQL, the ORM elsewhere ------------------


def next_task(user, slug, query=""):
    return api_client(user).post(f"/api/projects/{slug}/next-task/{query}")


def test_next_task_gives_nothing_to_georeference_while_the_label_is_unsettled(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    placer = UserFactory()
    assert next_task(placer, geo_project.slug, "?step=georeference").status_code == 204
    label_settled(geo_project, task)
    asked = next_task(placer, geo_project.slug, "?step=georeference")
    body = asked.json()
    assert (asked.status_code, body["task"]["id"], body["step"]) == (200, task.pk, "georeference")
    assert {(e["key"], e["value"]) for e in body["settled"]} == {
        ("country", "France"),
        ("locality", "Mauriac"),
    }
    sent = api_client(placer).post(
        f"/api/tasks/{task.pk}/transcriptions/",
        {"lease": body["lease"]["id"], "values": GRENOBLE, "idempotency_key": "g1"},
        format="json",
    )
    assert sent.status_code == 201
    recorded = Transcription.objects.get(task=task, user=placer)
    assert recorded.step == "georeference"
    assert Task.objects.get(pk=task.pk).transcription_count == 1
    assert next_task(placer, geo_project.slug, "?step=georeference").status_code == 204


def test_next_task_in_the_label_step_answers_the_step_and_no_settled_values(geo_project):
    TaskFactory(project=geo_project, target=2)
    body = next_task(UserFactory(), geo_project.slug, "?step=label").json()
    assert (body["step"], body["settled"]) == ("label", [])


def test_next_task_refuses_an_unknown_step_and_a_step_the_project_has_not(project, geo_project):
    TaskFactory(project=geo_project)
    TaskFactory(project=project)
    refused = next_task(UserFactory(), geo_project.slug, "?step=map").json()["error"]
    assert (refused["status"], refused["message"]) == (
        400,
        "Unknown step: ask for label or georeference.",
    )
    refused = next_task(UserFactory(), project.slug, "?step=georeference").json()["error"]
    assert refused["status"] == 400
    assert "no georeference step" in refused["message"]
    assert next_task(UserFactory(), project.slug, "?step=label").status_code == 200


def test_a_label_lease_cannot_send_georeference_values_over_the_api(geo_project):
    task = TaskFactory(project=geo_project, target=2)
    person = UserFactory()
    body = next_task(person, geo_project.slug).json()
    sent = api_client(person).post(
        f"/api/tasks/{task.pk}/transcriptions/",
        {"lease": body["lease"]["id"], "values": {**LABEL, **GRENOBLE}, "idempotency_key": "x"},
        format="json",
    )
    assert sent.status_code == 400
    assert sent.json()["error"]["fields"] == {
        "values.georeference": [
            "This field is asked in the georeference step, once the label is settled."
        ]
    }
    assert not Transcription.objects.filter(task=task).exists()


def test_the_step_chosen_is_remembered_for_the_session(geo_project):
    settled = TaskFactory(project=geo_project, target=2)
    label_settled(geo_project, settled)
    waiting = TaskFactory(project=geo_project, target=2)
    person = UserFactory()
    client = api_client()
    client.force_login(person)
    first = client.post(f"/api/projects/{geo_project.slug}/next-task/?step=georeference").json()
    assert first["task"]["id"] == settled.pk
    Lease.objects.filter(pk=first["lease"]["id"]).update(state="released")
    assert client.post(f"/api/projects/{geo_project.slug}/next-task/").status_code == 204
    again = client.post(f"/api/projects/{geo_project.slug}/next-task/?step=").json()
    assert again["task"]["id"] == waiting.pk


def test_a_project_without_a_georeference_step_answers_next_task_as_before(project):
    TaskFactory(project=project)
    body = next_task(UserFactory(), project.slug).json()
    assert set(body) == {"task", "lease", "template"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="direct statements only")
def test_the_direct_statements_name_the_step_they_look_in(geo_project):
    from tasks.services.direct_sql import _candidate_sql

    assert "t.step = 'georeference'" in _candidate_sql("depth", False, "georeference")
    with pytest.raises(ValueError, match="unknown step"):
        _candidate_sql("depth", False, "x'; DROP TABLE tasks_task; --")


def test_reliability_compares_each_answer_with_the_fields_of_its_own_step(geo_project):
    from tasks.models import ContributorTrust
    from tasks.services.reliability import project_reliability_refresh

    task = TaskFactory(project=geo_project, target=2)
    reader = label_settled(geo_project, task)[0]
    for placer in people(geo_project, 2):
        lease = lease_grant(project=geo_project, user=placer, step="georeference")
        submit(lease, GRENOBLE)
    task_reconcile(task_id=task.pk)
    project_reliability_refresh(project_id=geo_project.pk)
    trust = ContributorTrust.objects.get(project=geo_project, user=reader)
    # Four label fields settled by others as they read them; the point was not theirs to give.
    assert (trust.compared, trust.agreed) == (4, 4)


def test_an_answered_field_cannot_move_into_the_georeference_step(project):
    from tasks.selectors.templates import template_problems

    task = TaskFactory(project=project)
    lease = lease_grant(project=project, user=volunteer(project), step="label")
    assert lease.task_id == task.pk
    submit(lease, {"scientificName": "Quercus ilex L."})
    fields = [dict(raw) for raw in project.template.fields]
    point = next(raw for raw in fields if raw["key"] == "coordinates")
    point["georeference"] = True
    found = [(p.path, p.message) for p in template_problems(fields=fields, project=project)]
    assert found == [
        (
            f"fields[{fields.index(point)}].georeference",
            "Field coordinates already has transcriptions and cannot move into or out of the "
            "georeference step.",
        )
    ]


def test_a_label_reader_is_not_judged_on_the_point_they_were_not_asked(geo_project):
    from tasks.selectors.review import contributor_feedback

    task = TaskFactory(project=geo_project, target=2)
    reader = label_settled(geo_project, task)[0]
    for placer in people(geo_project, 2):
        lease = lease_grant(project=geo_project, user=placer, step="georeference")
        submit(lease, GRENOBLE)
    task_reconcile(task_id=task.pk)
    feedback = contributor_feedback(project=geo_project, user=reader)
    assert (feedback["settled"], feedback["agreed"]) == (4, 4)


def test_next_task_names_the_settled_country_and_region_the_map_searches_in(db):
    """The country and region the consensus checks points against, as the gazetteer's search
    takes them (an ISO code), whatever the label fields are called; a country no code answers
    to restricts nothing rather than making every search fail."""
    project = ProjectFactory(redundancy_min=2, redundancy_max=3)
    project.template.fields = [
        {"key": "pays", "label": "Pays", "type": "text", "mapping": {"dwc": "country"}},
        {"key": "departement", "label": "Département", "type": "text",
         "mapping": {"dwc": "stateProvince"}},
        {"key": "point", "label": "Point", "type": "geopoint", "georeference": True},
    ]  # fmt: skip
    project.template.save()
    for country, expected in (("Francia", "FR"), ("Gaule narbonnaise", "")):
        task = TaskFactory(project=project, target=2)
        for reader in people(project, 2):
            lease = lease_grant(project=project, user=reader, step="label")
            submit(lease, {"pays": country, "departement": "Cantal"})
        task_reconcile(task_id=task.pk)
        body = next_task(UserFactory(), project.slug, "?step=georeference").json()
        assert body["task"]["id"] == task.pk
        assert body["place"] == {"country": expected, "region": "Cantal"}
        Task.objects.filter(pk=task.pk).update(state="withdrawn")
