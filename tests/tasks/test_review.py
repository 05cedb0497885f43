"""Curator review: queue order, claims, decisions, reopening, bulk acceptance, roles, effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import (
    ContributorReliability,
    FieldResult,
    Resolution,
    ResolutionReason,
    Role,
    Task,
    TaskClaim,
)
from tasks.services.leases import lease_grant
from tasks.services.reconcile import task_reconcile
from tasks.services.reliability import project_reliability_refresh
from tasks.services.review import (
    disputes_accept_majority,
    field_result_reopen,
    field_result_resolve,
)
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def disputed(project, transcribe):
    """Make a task whose given fields two contributors read differently."""

    def make(**second):
        task = TaskFactory(project=project, target=2)
        users = [transcribe(project, values, task=task) for values in (BASE, {**BASE, **second})]
        assert Task.objects.get(pk=task.pk).state == "disputed"
        return task, users

    return make


def result(task, key):
    return FieldResult.objects.get(task=task, key=key)


def resolve(client, field_result, **body):
    return client.post(f"/api/field-results/{field_result.pk}/resolve/", body, format="json")


def test_the_queue_puts_important_split_and_old_disputes_first(curator_api, project, disputed):
    old_locality, _ = disputed(locality="Lyon")
    FieldResult.objects.filter(task=old_locality).update(
        disputed_at=timezone.now() - timedelta(days=5)
    )
    from tasks.services.reconcile import dispute_rank

    for item in FieldResult.objects.filter(task=old_locality, status="disputed"):
        item.dispute_rank = dispute_rank(
            weight=1.0, agreement=item.agreement, since=item.disputed_at
        )
        item.save()
    fresh_name, _ = disputed(scientificName="Quercus robur L.")
    fresh_locality, _ = disputed(locality="Paris")
    body = curator_api.get(f"/api/projects/{project.slug}/disputes/").json()
    order = [(item["task"], item["key"]) for item in body["results"]]
    # 50 points of split locality + 120 hours waited outrank the split name (weight 3: 150 points),
    # which outranks a fresh split locality (50).
    assert order == [
        (old_locality.pk, "locality"),
        (fresh_name.pk, "scientificName"),
        (fresh_locality.pk, "locality"),
    ]
    assert body["counts"] == {"locality": 2, "scientificName": 1}
    assert [
        i["key"]
        for i in curator_api.get(
            f"/api/projects/{project.slug}/disputes/?field=scientificName"
        ).json()["results"]
    ] == ["scientificName"]


def test_two_curators_never_hold_the_same_image(curator_api, project, disputed):
    task, _ = disputed(locality="Lyon")
    other = api_client(MembershipFactory(project=project, role=Role.CURATOR).user)
    assert curator_api.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    taken = other.post(f"/api/tasks/{task.pk}/claim/")
    assert taken.status_code == 409
    assert taken.json()["error"]["current"]["claimed_by"]
    refused = resolve(other, result(task, "locality"), decision="accept", value="Lyon")
    assert refused.status_code == 409
    TaskClaim.objects.filter(task=task).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert other.post(f"/api/tasks/{task.pk}/claim/").status_code == 200


def test_accepting_an_answer_settles_the_field_and_the_task(curator_api, disputed):
    task, users = disputed(locality="Lyon")
    response = resolve(
        curator_api,
        result(task, "locality"),
        decision="accept",
        value="Lyon",
        reason="reading_checked",
    )
    assert response.status_code == 200
    settled = result(task, "locality")
    assert (settled.value, settled.status, settled.agreeing) == ("Lyon", "resolved", [users[1].pk])
    assert Task.objects.get(pk=task.pk).state == "resolved"
    [audit] = Resolution.objects.filter(field_result=settled)
    assert (audit.value_before, audit.value_after, audit.status_before, audit.reason) == (
        "Grenoble", "Lyon", "disputed", "reading_checked"
    )  # fmt: skip


def test_accepting_a_value_nobody_gave_is_refused(curator_api, disputed):
    task, _ = disputed(locality="Lyon")
    response = resolve(curator_api, result(task, "locality"), decision="accept", value="Marseille")
    assert response.status_code == 400
    assert result(task, "locality").status == "disputed"


def test_a_typed_value_is_validated_and_stored_in_canonical_form(curator_api, disputed):
    task, _ = disputed(eventDate="1898")
    assert (
        resolve(
            curator_api, result(task, "eventDate"), decision="value", value="next spring"
        ).status_code
        == 400
    )
    response = resolve(
        curator_api,
        result(task, "eventDate"),
        decision="value",
        value="12 juin 1898",
        reason="reading_checked",
    )
    assert response.status_code == 200
    assert result(task, "eventDate").value == "1898-06-12"


def test_illegible_settles_the_field_as_blank(curator_api, disputed):
    task, _ = disputed(locality="Lyon")
    assert (
        resolve(
            curator_api, result(task, "locality"), decision="illegible", reason="illegible"
        ).status_code
        == 200
    )
    assert (result(task, "locality").value, result(task, "locality").status) == ("", "resolved")


def test_sending_back_for_more_reopens_the_task_for_one_more_contributor(
    curator_api, project, disputed
):
    task, _ = disputed(locality="Lyon")
    assert (
        resolve(
            curator_api, result(task, "locality"), decision="more", reason="needs_eyes"
        ).status_code
        == 200
    )
    task.refresh_from_db()
    assert (task.state, task.target) == ("needs_more", 3)
    assert lease_grant(project=project, user=UserFactory()).task_id == task.pk


def test_an_already_settled_value_answers_409_with_its_state(curator_api, disputed):
    task, _ = disputed(locality="Lyon")
    resolve(curator_api, result(task, "locality"), decision="accept", value="Lyon")
    again = resolve(curator_api, result(task, "locality"), decision="accept", value="Grenoble")
    assert again.status_code == 409
    assert again.json()["error"]["current"]["value"] == "Lyon"


def test_a_settled_value_can_be_reopened_with_a_reason_and_the_history_shows_it(
    curator_api, disputed
):
    task, _ = disputed(locality="Lyon")
    resolve(curator_api, result(task, "locality"), decision="accept", value="Lyon")
    field = result(task, "locality")
    assert (
        curator_api.post(f"/api/field-results/{field.pk}/reopen/", {}, format="json").status_code
        == 400
    )
    response = curator_api.post(
        f"/api/field-results/{field.pk}/reopen/",
        {"reason": "convention", "note": "Town names in full"},
    )
    assert response.status_code == 200
    assert Task.objects.get(pk=task.pk).state == "disputed"
    review = curator_api.get(f"/api/tasks/{task.pk}/review/").json()
    [locality] = [f for f in review["fields"] if f["key"] == "locality"]
    assert [h["decision"] for h in locality["history"]] == ["accept", "reopen"]
    assert {a["value"]: a["count"] for a in locality["answers"]} == {"Grenoble": 1, "Lyon": 1}


def test_bulk_accept_previews_then_applies_one_audit_entry_per_value(
    curator_api, project, disputed
):
    first, _ = disputed(locality="Lyon")
    second, _ = disputed(locality="Paris")
    url = f"/api/projects/{project.slug}/disputes/bulk-accept/"
    preview = curator_api.post(url, {"field": "locality"}, format="json").json()
    assert preview["applied"] is False
    assert len(preview["changes"]) == 2
    assert Resolution.objects.count() == 0
    applied = curator_api.post(
        url, {"field": "locality", "preview": False, "reason": "convention"}, format="json"
    ).json()
    assert applied["applied"] is True
    assert Resolution.objects.filter(decision="accept").count() == 2
    assert set(FieldResult.objects.filter(key="locality").values_list("status", flat=True)) == {
        "resolved"
    }
    assert {c["after"] for c in applied["changes"]} == {
        result(first, "locality").value,
        result(second, "locality").value,
    }


def test_contributors_and_curators_of_other_projects_get_403_on_every_curator_endpoint(
    project, disputed
):
    task, users = disputed(locality="Lyon")
    field = result(task, "locality")
    outsider_curator = MembershipFactory(project=ProjectFactory(), role=Role.CURATOR).user
    for user in (users[0], outsider_curator):
        client = api_client(user)
        statuses = [
            client.get(f"/api/projects/{project.slug}/disputes/").status_code,
            client.post(
                f"/api/projects/{project.slug}/disputes/bulk-accept/", {"field": "locality"}
            ).status_code,
            client.post(f"/api/tasks/{task.pk}/claim/").status_code,
            client.get(f"/api/tasks/{task.pk}/review/").status_code,
            client.post(
                f"/api/field-results/{field.pk}/resolve/", {"decision": "accept", "value": "Lyon"}
            ).status_code,
            client.post(f"/api/field-results/{field.pk}/reopen/", {"reason": "other"}).status_code,
        ]
        assert statuses == [403] * 6
    assert result(task, "locality").status == "disputed"


def test_curator_decisions_count_most_in_reliability(curator_api, project, disputed):
    task, users = disputed(locality="Lyon")
    resolve(curator_api, result(task, "locality"), decision="accept", value="Lyon")
    project_reliability_refresh(project_id=project.pk)
    weights = dict(
        ContributorReliability.objects.filter(project=project, field_type="text").values_list(
            "user_id", "weight"
        )
    )
    assert weights[users[1].pk] > 1.0 > weights[users[0].pk]


def test_a_contributor_sees_their_agreement_rate_and_what_curators_decided(
    curator_api, project, disputed
):
    task, users = disputed(locality="Lyon")
    resolve(
        curator_api,
        result(task, "locality"),
        decision="accept",
        value="Lyon",
        reason="reading_checked",
    )
    feedback = api_client(users[0]).get(f"/api/projects/{project.slug}/my-feedback/").json()
    assert feedback["settled"] == 10  # every field of the task is settled now
    assert feedback["agreed"] == 9
    [outcome] = feedback["outcomes"]
    assert (outcome["yours"], outcome["settled"], outcome["agreed"]) == ("Grenoble", "Lyon", False)


def test_a_task_is_settled_once_curators_and_contributors_settled_every_field(
    project, curator, transcribe, django_capture_on_commit_callbacks
):
    project.redundancy_max = 2
    project.save()
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon", "country": "Italie"}, task=task)
    task.refresh_from_db()
    assert task.state == "disputed"
    loc = FieldResult.objects.get(task=task, key="locality")
    ctry = FieldResult.objects.get(task=task, key="country")
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=loc.pk, curator=curator, decision="value", value="Grenoble"
        )
        field_result_resolve(field_result_id=ctry.pk, curator=curator, decision="more")
    task.refresh_from_db()
    transcribe(project, {**BASE, "locality": "Paris"}, task=task)
    task.refresh_from_db()
    statuses = dict(FieldResult.objects.filter(task=task).values_list("key", "status"))
    unsettled = [k for k, s in statuses.items() if s in ("disputed", "needs_more")]
    assert not (task.state == "disputed" and not unsettled), (
        "task stuck disputed with nothing to resolve"
    )


def test_a_reopened_value_stays_in_the_queue_when_the_task_is_reconciled_again(
    project, curator, transcribe
):
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, BASE, task=task)
    task.refresh_from_db()
    assert task.state == "complete"
    loc = FieldResult.objects.get(task=task, key="locality")
    field_result_reopen(
        field_result_id=loc.pk,
        actor=curator,
        reason=ResolutionReason.values[0],
    )
    loc.refresh_from_db()
    assert loc.status == "disputed"
    task_reconcile(task_id=task.pk)  # a redelivered reconcile message / sweep
    loc.refresh_from_db()
    task.refresh_from_db()
    assert loc.status == "disputed", "reopen silently undone"


def test_bulk_acceptance_leaves_no_claim_behind(project, curator, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon", "country": "Italie"}, task=task)
    disputes_accept_majority(
        project_id=project.pk, key="locality", batch_id=None, curator=curator, reason=""
    )
    other = MembershipFactory(project=project, role=Role.CURATOR).user
    ctry = FieldResult.objects.get(task=task, key="country")
    field_result_resolve(field_result_id=ctry.pk, curator=other, decision="illegible")
    assert FieldResult.objects.get(pk=ctry.pk).status == "resolved"


def test_a_batch_filter_in_other_digits_is_a_400_not_a_server_error(curator_api, project):
    # "²".isdigit() is true, and int("²") raises.
    response = curator_api.get(f"/api/projects/{project.slug}/disputes/?batch=²")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"batch"}


def test_the_review_api_says_points_with_their_labels_in_the_reader_s_language(
    curator_api, disputed
):
    task, _ = disputed(coordinates="5.7245, 45.1885")
    english = curator_api.get(f"/api/tasks/{task.pk}/review/", HTTP_ACCEPT_LANGUAGE="en").json()
    [point] = [f for f in english["fields"] if f["key"] == "coordinates"]
    typed = [a for a in point["answers"] if a["value"]]  # the other reader left it blank
    assert [(a["value"], a["shown"]) for a in typed] == [
        ("5.7245,45.1885", "lat. 5.7245, long. 45.1885")  # the stored value stays numeric
    ]
    [name] = [f for f in english["fields"] if f["key"] == "scientificName"]
    assert name["shown"] == name["value"] == "Quercus ilex L."


def test_the_feedback_page_and_api_say_a_settled_point_with_its_labels(
    curator_api, project, disputed
):
    task, users = disputed(coordinates="45.1885, 5.7245")
    resolve(
        curator_api,
        result(task, "coordinates"),
        decision="accept",
        value="45.1885,5.7245",
        reason="reading_checked",
    )
    client = api_client(users[1])
    feedback = client.get(f"/api/projects/{project.slug}/my-feedback/").json()
    [outcome] = feedback["outcomes"]
    assert outcome["settled_shown"] == "lat. 45.1885, long. 5.7245"
    page = page_client(users[1]).get(f"/projects/{project.slug}/my-feedback/")
    assert "lat. 45.1885, long. 5.7245" in page.content.decode()
