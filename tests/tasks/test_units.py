"""An elevation in metres takes answers in feet: submission accepts them, the transcription
keeps what was typed, the consensus and the Darwin Core export hold metres."""

from __future__ import annotations

import pytest
from django.utils import translation

from tasks.models import FieldResult, Role, Task
from tasks.values import ValuesRejected, values_check
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, as_user
from tests.tasks.exports import download, run_export
from worker.template import template_parse

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}
ELEVATION = "minimumElevationInMeters"


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=3, redundancy_max=3)


@pytest.fixture
def in_feet(project, transcribe):
    """A task whose three contributors wrote its elevation in feet, in pieds and in metres."""
    task = TaskFactory(project=project, target=3)
    for typed in ("1200 ft", "3937 pieds", "366 m"):
        transcribe(project, {**BASE, ELEVATION: typed}, task=task)
    return Task.objects.get(pk=task.pk)


def test_submission_accepts_an_elevation_in_feet_or_pieds_for_a_field_in_metres(project):
    specs = template_parse(project.template.fields)
    for typed in ("1200 ft", "3000 pieds", "4000'", "1,2 km"):
        values, _ = values_check(specs=specs, values={**BASE, ELEVATION: typed}, markers={})
        assert values[ELEVATION] == typed  # kept as typed: a transcription is evidence


def test_submission_refuses_a_unit_it_cannot_convert_and_names_the_fields_unit(project):
    specs = template_parse(project.template.fields)
    with translation.override("en"), pytest.raises(ValuesRejected) as refused:
        values_check(specs=specs, values={**BASE, ELEVATION: "1200 yards"}, markers={})
    assert refused.value.errors == {
        ELEVATION: [
            "Not a number we can read, in m or another length unit"
            " (e.g. 650, 650 m, 2130 ft, 2130 pieds)."
        ]
    }


def test_the_consensus_holds_metres_and_the_transcriptions_what_was_typed(in_feet):
    result = FieldResult.objects.get(task=in_feet, key=ELEVATION)
    assert result.value == "366"
    assert result.status == "agreed"
    assert [a["value"] for a in result.alternatives] == ["366", "1200"]
    curator = MembershipFactory(project=in_feet.project, role=Role.CURATOR).user
    body = as_user(api_client(), curator).get(f"/api/tasks/{in_feet.pk}/").json()
    typed = sorted(t["values"][ELEVATION] for t in body["transcriptions"])
    assert typed == ["1200 ft", "366 m", "3937 pieds"]


def test_the_darwin_core_archive_writes_the_elevation_in_metres(
    project, in_feet, tmp_path, django_capture_on_commit_callbacks
):
    from dwca.read import DwCAReader

    lead = MembershipFactory(project=project, role=Role.LEAD, user=UserFactory()).user
    client = api_client(lead)
    export = run_export(client, project, "dwca", django_capture_on_commit_callbacks)
    path = tmp_path / "archive.zip"
    path.write_bytes(download(client, export)[0])
    with DwCAReader(str(path)) as archive:
        rows = list(archive)
    dwc = "http://rs.tdwg.org/dwc/terms/"
    assert [row.data[dwc + "minimumElevationInMeters"] for row in rows] == ["366"]


def test_the_curator_screen_lists_each_answer_in_metres_with_what_its_contributor_typed(
    in_feet,
):
    curator = MembershipFactory(project=in_feet.project, role=Role.CURATOR).user
    review = as_user(api_client(), curator).get(f"/api/tasks/{in_feet.pk}/review/").json()
    field = next(f for f in review["fields"] if f["key"] == ELEVATION)
    typed = {a["value"]: sorted(c["typed"] for c in a["contributors"]) for a in field["answers"]}
    assert typed == {"366": ["1200 ft", "366 m"], "1200": ["3937 pieds"]}
