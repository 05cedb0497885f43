"""The export of a project with a georeference step: the Darwin Core point and its
georeference terms come from the georeference step's field when the label printed no point,
and say how the volunteers of that step made it (never "transcribed from the label")."""

from __future__ import annotations

import pytest

from tasks.models import FieldResult, Task, Transcription
from tasks.selectors.exports import Pseudonyms
from tasks.services.leases import lease_grant
from tasks.services.reconcile import task_reconcile
from tasks.services.review import field_result_resolve
from tasks.services.submissions import transcription_submit
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, prove
from tests.tasks.test_georeference_exports import DWC, archive_rows

POINT = {"dwc": ["decimalLatitude", "decimalLongitude"]}
FIELDS = [
    {"key": "scientificName", "label": "Scientific name", "type": "text", "required": True,
     "mapping": {"dwc": "scientificName"}},
    {"key": "country", "label": "Country", "type": "text", "mapping": {"dwc": "country"}},
    {"key": "locality", "label": "Locality", "type": "text", "mapping": {"dwc": "locality"}},
    {"key": "coordinates", "label": "Coordinates (on the label)", "type": "geopoint",
     "mapping": POINT},
    {"key": "georeference", "label": "Collection point", "type": "geopoint",
     "georeference": True, "mapping": POINT},
]  # fmt: skip
LABEL = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Mauriac"}
MAURIAC = "45.2190, 2.3335"
FOUND = {"source": "gazetteer", "uncertainty_m": 2000, "place": {"id": 2995024, "name": "Mauriac"}}


@pytest.fixture
def geo_project(project):
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    project.template.fields = FIELDS
    project.template.save()
    return project


def answer(project, user, step, values, georeference=None):
    lease = lease_grant(project=project, user=user, step=step)
    transcription_submit(
        task_id=lease.task_id,
        user=user,
        lease_id=lease.pk,
        values=values,
        markers={},
        idempotency_key=f"{step}-{user.pk}",
        georeference=georeference,
    )
    task_reconcile(task_id=lease.task_id)


@pytest.fixture
def placed(geo_project):
    """An image whose label, read by two volunteers, printed no point; then placed by two
    volunteers of the georeference step, one of whom read the label."""
    task = TaskFactory(project=geo_project, target=2)
    readers = [prove(geo_project, UserFactory()) for _ in range(2)]
    for reader in readers:
        answer(geo_project, reader, "label", LABEL)
    assert Task.objects.get(pk=task.pk).step == "georeference"
    return task, readers


def test_the_archive_carries_the_georeference_steps_point_and_how_it_was_found(
    geo_project, lead, placed, tmp_path, django_capture_on_commit_callbacks
):
    task, readers = placed
    placers = [readers[0], prove(geo_project, UserFactory())]
    for placer in placers:
        answer(
            geo_project, placer, "georeference", {"georeference": MAURIAC}, {"georeference": FOUND}
        )
    assert FieldResult.objects.get(task=task, key="georeference").status == "agreed"

    _, (row,) = archive_rows(
        api_client(lead), geo_project, django_capture_on_commit_callbacks, tmp_path
    )
    assert (row.data[DWC + "decimalLatitude"], row.data[DWC + "decimalLongitude"]) == (
        "45.2190",
        "2.3335",
    )
    assert row.data[DWC + "georeferenceProtocol"] == (
        "placed by volunteers on a gazetteer place named on the label"
    )
    assert row.data[DWC + "georeferenceSources"].startswith("GeoNames gazetteer|")
    assert row.data[DWC + "coordinateUncertaintyInMeters"] == "2000"
    pseudonym = Pseudonyms(geo_project.pk)
    assert row.data[DWC + "georeferencedBy"] == "|".join(
        sorted(map(pseudonym, (p.pk for p in placers)))
    )


def test_a_point_typed_in_the_georeference_step_is_not_said_to_come_from_the_label(
    geo_project, lead, placed, tmp_path, django_capture_on_commit_callbacks
):
    typed = {"georeference": {"source": "label", "uncertainty_m": None, "place": None}}
    for _n in range(2):
        placer = prove(geo_project, UserFactory())
        answer(geo_project, placer, "georeference", {"georeference": MAURIAC}, typed)
    _, (row,) = archive_rows(
        api_client(lead), geo_project, django_capture_on_commit_callbacks, tmp_path
    )
    assert row.data[DWC + "decimalLatitude"] == "45.2190"
    assert "transcribed from the label" not in row.data[DWC + "georeferenceProtocol"]
    assert row.data[DWC + "georeferenceProtocol"] == (
        "coordinates given by volunteers from the label's locality"
    )


def test_the_curator_reads_a_point_typed_in_the_georeference_step_as_typed_not_from_the_label(
    geo_project, curator, placed
):
    task, _ = placed
    typed = {"georeference": {"source": "label", "uncertainty_m": 500, "place": None}}
    answer(
        geo_project,
        prove(geo_project, UserFactory()),
        "georeference",
        {"georeference": MAURIAC},
        typed,
    )
    answer(
        geo_project,
        prove(geo_project, UserFactory()),
        "georeference",
        {"georeference": "44.0, 4.0"},
    )
    body = api_client(curator).get(f"/api/tasks/{task.pk}/review/").json()
    field = next(f for f in body["fields"] if f["key"] == "georeference")
    made = {who["made"] for answer in field["answers"] for who in answer["contributors"]}
    assert "typed as coordinates, ± 500 m" in made
    assert not any("label" in said for said in made)


def test_a_volunteer_who_typed_the_labels_point_and_placed_the_step_s_is_read_for_each_field(
    geo_project, lead, curator, tmp_path, django_capture_on_commit_callbacks
):
    """One person's two answers on an image (label, georeference step) each say how their own
    field's point was made: neither hides the other, whatever order the rows come back in."""
    task = TaskFactory(project=geo_project, target=2)
    reader, other = (prove(geo_project, UserFactory()) for _ in range(2))
    typed = {"coordinates": {"source": "label", "uncertainty_m": None, "place": None}}
    answer(geo_project, reader, "label", {**LABEL, "coordinates": "44.0, 4.0"}, typed)
    answer(geo_project, other, "label", LABEL)
    # The label printed no point, a curator decides: the georeference step opens.
    printed = FieldResult.objects.get(task=task, key="coordinates")
    assert printed.status in ("disputed", "needs_more")
    field_result_resolve(
        field_result_id=printed.pk, curator=curator, decision="value", value="", reason=""
    )
    assert Task.objects.get(pk=task.pk).step == "georeference"
    for placer in (reader, prove(geo_project, UserFactory())):
        answer(
            geo_project, placer, "georeference", {"georeference": MAURIAC}, {"georeference": FOUND}
        )
    # The label's answer written again since (as a lead's void and its lifting do): its row
    # now comes after the georeference step's.
    label = Transcription.objects.get(task=task, user=reader, step="label")
    Transcription.objects.filter(pk=label.pk).update(markers={})

    _, (row,) = archive_rows(
        api_client(lead), geo_project, django_capture_on_commit_callbacks, tmp_path
    )
    assert row.data[DWC + "decimalLatitude"] == "45.2190"
    assert row.data[DWC + "georeferenceProtocol"] == (
        "placed by volunteers on a gazetteer place named on the label"
    )
