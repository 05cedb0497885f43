"""The contributor API: next task, heartbeat, release, submit."""

from __future__ import annotations

import pytest

from tasks.models import Transcription
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client


def next_task(api, project):
    return api.post(f"/api/projects/{project.slug}/next-task/")


def submit_over_api(api, body):
    """A function posting values on the task and lease `body` (a next-task answer) gave."""
    task, lease = body["task"]["id"], body["lease"]["id"]
    return lambda values, key="k1", markers=None: api.post(
        f"/api/tasks/{task}/transcriptions/",
        {"lease": lease, "values": values, "markers": markers or {}, "idempotency_key": key},
        format="json",
    )


def test_next_task_gives_a_task_a_lease_and_the_template(api, project, outsider):
    TaskFactory(project=project, metadata={"catalogNumber": "P0012", "secret": "x"})
    project.template.metadata_shown = ["catalogNumber"]
    project.template.save()
    api.force_authenticate(outsider)
    response = next_task(api, project)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"task", "lease", "template"}
    assert body["task"]["metadata"] == {"catalogNumber": "P0012"}
    assert body["lease"]["expires_at"]
    assert body["template"]["fields"][0]["key"] == "scientificName"


def test_next_task_answers_204_when_nothing_is_left(api, project, outsider):
    api.force_authenticate(outsider)
    assert next_task(api, project).status_code == 204


def test_next_task_needs_a_signed_in_contributor_of_an_open_project(api, outsider):
    paused = ProjectFactory(status="paused")
    private = ProjectFactory(visibility="members")
    assert next_task(api, paused).status_code in {401, 403}
    api.force_authenticate(outsider)
    assert next_task(api, paused).status_code == 403
    assert next_task(api, private).status_code == 404


def test_submitting_twice_with_the_same_key_answers_201_then_200_with_one_transcription(
    api, project, outsider
):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    send = submit_over_api(api, next_task(api, project).json())
    first = send({"scientificName": "Quercus ilex L."})
    again = send({"scientificName": "Quercus ilex L."})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Transcription.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "markers", "field", "message"),
    [
        ({"scientificName": ""}, {}, "values.scientificName", "Required: type the value"),
        (
            {"scientificName": "x" * 2001},
            {},
            "values.scientificName",
            "At most 2000 characters (2001 given).",
        ),
        (
            {"scientificName": "Quercus\x00ilex"},
            {},
            "values.scientificName",
            "Control characters are not allowed.",
        ),
        (
            {"scientificName": "Quercus \u202eilex"},
            {},
            "values.scientificName",
            "Control characters are not allowed.",
        ),
        (
            {"scientificName": "Q", "country": "Atlantis"},
            {},
            "values.country",
            "Atlantis is not one of the options.",
        ),
        (
            {"scientificName": "Q", "colour": "red"},
            {},
            "values.colour",
            "This field is not in the template.",
        ),
        (
            {"scientificName": "Q"},
            {"scientificName": "illegible"},
            "values.scientificName",
            "Either type a value",
        ),
    ],
)
def test_bad_values_get_a_message_per_field_and_record_nothing(
    api, project, outsider, values, markers, field, message
):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    response = submit_over_api(api, next_task(api, project).json())(values, markers=markers)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(m.startswith(message) for m in error["fields"][field]), error
    assert not Transcription.objects.exists()


def test_a_required_field_may_be_marked_illegible_and_synonyms_are_accepted(api, project, outsider):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    response = submit_over_api(api, next_task(api, project).json())(
        {"country": "spain", "stateProvince": ""}, markers={"scientificName": "illegible"}
    )
    assert response.status_code == 201, response.json()
    transcription = Transcription.objects.get()
    assert transcription.markers == {"scientificName": "illegible"}
    assert transcription.values["country"] == "spain"  # kept as typed: it is evidence


def test_a_late_submission_on_a_full_task_is_a_clear_409(api, project):
    from datetime import timedelta

    from django.utils import timezone

    from tasks.models import Lease

    TaskFactory(project=project, target=1)
    late, prompt = UserFactory(), UserFactory()
    api.force_authenticate(late)
    body = next_task(api, project).json()
    Lease.objects.filter(pk=body["lease"]["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    other = api_client(prompt)
    assert (
        submit_over_api(other, next_task(other, project).json())(
            {"scientificName": "A"}
        ).status_code
        == 201
    )
    response = submit_over_api(api, body)({"scientificName": "B"})
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith(
        "Your lease ended and this image no longer needs"
    )


def test_heartbeat_and_release(api, project, outsider):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    lease = next_task(api, project).json()["lease"]
    assert api.post(f"/api/leases/{lease['id']}/heartbeat/").status_code == 200
    released = api.post(
        f"/api/leases/{lease['id']}/release/", {"reason": "unreadable", "note": "blurred"}
    )
    assert released.json()["state"] == "released"
    assert next_task(api, project).status_code == 204
    bad = api.post(f"/api/leases/{lease['id']}/release/", {"reason": "bored"})
    assert bad.status_code == 400


def test_someone_elses_lease_is_refused(api, project, outsider):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    body = next_task(api, project).json()
    intruder = api_client(UserFactory())
    assert intruder.post(f"/api/leases/{body['lease']['id']}/heartbeat/").status_code == 403
    assert submit_over_api(intruder, body)({"scientificName": "A"}).status_code == 403


def test_no_response_shows_other_contributors_answers(api, project):
    TaskFactory(project=project, target=2)
    first, second = api_client(UserFactory()), api_client(UserFactory())
    submit_over_api(first, next_task(first, project).json())({"scientificName": "Secret answer"})
    body = next_task(second, project).json()
    assert "Secret answer" not in str(body)


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("minimumElevationInMeters", "very high", "Not a number we can read"),
        ("eventDate", "the spring", "Not a date we can read"),
        ("coordinates", "north of the river", "Not coordinates we can read"),
    ],
)
def test_typed_fields_refuse_what_cannot_be_read(api, project, outsider, key, typed, message):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    response = submit_over_api(api, next_task(api, project).json())(
        {"scientificName": "Q", key: typed}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"][f"values.{key}"][0].startswith(message)


def test_typed_fields_accept_the_forms_labels_use(api, project, outsider):
    TaskFactory(project=project)
    api.force_authenticate(outsider)
    values = {
        "scientificName": "Q",
        "minimumElevationInMeters": "1 200 m",
        "eventDate": "12 juin 1898",
        "coordinates": "45°11'19\"N 5°43'28\"E",
        "habitat": "?",
    }
    response = submit_over_api(api, next_task(api, project).json())(values)
    assert response.status_code == 201, response.json()


def test_a_contributor_sees_their_counts_today_and_in_total(api, project, outsider):
    from datetime import timedelta

    from django.utils import timezone

    TaskFactory.create_batch(2, project=project)
    api.force_authenticate(outsider)
    submit_over_api(api, next_task(api, project).json())({"scientificName": "A"})
    submit_over_api(api, next_task(api, project).json())({"scientificName": "B"}, key="k2")
    Transcription.objects.filter(pk=Transcription.objects.first().pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    assert api.get(f"/api/projects/{project.slug}/my-counts/").json() == {"today": 1, "total": 2}
