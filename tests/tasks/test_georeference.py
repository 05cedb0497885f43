"""How each point of a transcription was made (typed, placed on the map, found in the
gazetteer): sent with the answer, checked like any hostile input, stored, and kept out of
answers that carry none."""

from __future__ import annotations

import pytest

from tasks.models import Transcription
from tasks.services.leases import lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, prove

POINT = "45.1885, 5.7245"


@pytest.fixture
def task(project):
    return TaskFactory(project=project)


def submit(project, georeference, values=None, user=None):
    user = user or prove(project, UserFactory())
    lease = lease_grant(project=project, user=user)
    body = {
        "lease": lease.pk,
        "values": {"scientificName": "Quercus ilex", "coordinates": POINT}
        if values is None
        else values,
        "idempotency_key": f"k-{user.pk}",
    }
    if georeference is not ...:
        body["georeference"] = georeference
    return api_client(user).post(f"/api/tasks/{lease.task_id}/transcriptions/", body, format="json")


def test_a_point_found_in_the_gazetteer_is_recorded_with_its_place_and_radius(project, task):
    sent = {
        "coordinates": {
            "source": "gazetteer",
            "uncertainty_m": 2000,
            "place": {"id": 2996944, "name": "  Mauriac\u00a0 (Cantal) "},
        }
    }
    response = submit(project, sent)
    assert response.status_code == 201, response.content
    expected = {
        "coordinates": {
            "source": "gazetteer",
            "uncertainty_m": 2000,
            "place": {"id": 2996944, "name": "Mauriac (Cantal)"},
        }
    }
    assert Transcription.objects.get().georeference == expected
    assert response.json()["georeference"] == expected


def test_a_point_placed_on_the_map_or_typed_needs_no_place(project, task):
    response = submit(project, {"coordinates": {"source": "map", "uncertainty_m": None}})
    assert response.status_code == 201, response.content
    assert Transcription.objects.get().georeference == {
        "coordinates": {"source": "map", "uncertainty_m": None, "place": None}
    }


def test_a_georeference_of_a_field_left_blank_is_dropped(project, task):
    values = {"scientificName": "Quercus ilex", "coordinates": ""}
    response = submit(project, {"coordinates": {"source": "label"}}, values=values)
    assert response.status_code == 201, response.content
    assert Transcription.objects.get().georeference == {}


def test_an_answer_without_a_georeference_records_none(project, task):
    response = submit(project, ...)
    assert response.status_code == 201, response.content
    assert Transcription.objects.get().georeference == {}
    assert response.json()["georeference"] == {}


@pytest.mark.parametrize(
    ("georeference", "field", "message"),
    [
        ("map", "georeference", "An object keyed by the template's geopoint fields is expected."),
        (["coordinates"], "georeference", "An object keyed by the template's geopoint fields"),
        ({"locality": {"source": "map"}}, "georeference.locality", "Not a geopoint field"),
        ({"nowhere": {"source": "map"}}, "georeference.nowhere", "Not a geopoint field"),
        ({"coordinates": "map"}, "georeference.coordinates", "An object with source"),
        ({"coordinates": {"source": "satellite"}}, "georeference.coordinates", "The source must be one of label, map, gazetteer."),
        ({"coordinates": {"source": "map", "why": 1}}, "georeference.coordinates", "Unknown keys: why."),
        ({"coordinates": {"source": "map", "uncertainty_m": 0}}, "georeference.coordinates", "from 1 to 100 000"),
        ({"coordinates": {"source": "map", "uncertainty_m": 100_001}}, "georeference.coordinates", "from 1 to 100 000"),
        ({"coordinates": {"source": "map", "uncertainty_m": 12.5}}, "georeference.coordinates", "whole number of metres"),
        ({"coordinates": {"source": "map", "uncertainty_m": True}}, "georeference.coordinates", "whole number of metres"),
        ({"coordinates": {"source": "map", "uncertainty_m": "50"}}, "georeference.coordinates", "whole number of metres"),
        ({"coordinates": {"source": "map", "place": {"id": 1, "name": "x"}}}, "georeference.coordinates", "Only a point found in the gazetteer names a place."),
        ({"coordinates": {"source": "gazetteer"}}, "georeference.coordinates", "names its place: {id, name}"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": 1}}}, "georeference.coordinates", "names its place"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": -4, "name": "x"}}}, "georeference.coordinates", "positive whole number"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": 2**40, "name": "x"}}}, "georeference.coordinates", "positive whole number"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": 1, "name": 7}}}, "georeference.coordinates", "must be text"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": 1, "name": "x" * 201}}}, "georeference.coordinates", "longer than 200 characters"),
        ({"coordinates": {"source": "gazetteer", "place": {"id": 1, "name": "Paris\u202egnol"}}}, "georeference.coordinates", "control characters"),
    ],
)  # fmt: skip
def test_a_hostile_georeference_is_refused_with_a_precise_message_and_nothing_recorded(
    project, task, georeference, field, message
):
    response = submit(project, georeference)
    assert response.status_code == 400, response.content
    messages = response.json()["error"]["fields"][field]
    assert message in messages[0]
    assert not Transcription.objects.exists()


def test_a_georeference_on_an_image_one_may_not_see_learns_nothing(db):
    from tasks.models import Visibility
    from tests.factories import ProjectFactory

    private = ProjectFactory(visibility=Visibility.MEMBERS)
    hidden = TaskFactory(project=private)
    response = api_client(UserFactory()).post(
        f"/api/tasks/{hidden.pk}/transcriptions/",
        {
            "lease": 1,
            "values": {"coordinates": POINT},
            "idempotency_key": "k",
            "georeference": {"nowhere": {"source": "map"}},
        },
        format="json",
    )
    assert response.status_code == 404
