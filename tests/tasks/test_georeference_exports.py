"""A settled point's georeference in the exports: Darwin Core's coordinateUncertaintyInMeters,
georeferenceProtocol, georeferenceSources, georeferencedBy and
georeferenceVerificationStatus in the archive (declared in meta.xml, read back with
python-dwca-reader), in the CSV and in JSON Lines, from the answers that agree with it."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest

from tasks.models import FieldResult, Task
from tasks.selectors.exports import Pseudonyms
from tasks.services.leases import lease_grant
from tasks.services.review import field_result_resolve
from tasks.services.submissions import transcription_submit
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, prove
from tests.tasks.exports import VALUES, download, run_export

DWC = "http://rs.tdwg.org/dwc/terms/"
HERE = "45.2200, 2.3100"
THERE = "44.0000, 4.0000"


@pytest.fixture
def task(project):
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    return TaskFactory(project=project, target=2)


@pytest.fixture
def answer(project, django_capture_on_commit_callbacks):
    def send(point, georeference=None):
        user = prove(project, UserFactory())
        lease = lease_grant(project=project, user=user)
        with django_capture_on_commit_callbacks(execute=True):
            transcription_submit(
                task_id=lease.task_id,
                user=user,
                lease_id=lease.pk,
                values={**VALUES, "coordinates": point},
                markers={},
                idempotency_key=f"k-{user.pk}",
                georeference={"coordinates": georeference} if georeference else None,
            )
        return user

    return send


def archive_rows(client, project, capture, tmp_path):
    from dwca.read import DwCAReader

    export = run_export(client, project, "dwca", capture)
    path = tmp_path / "archive.zip"
    path.write_bytes(download(client, export)[0])
    with DwCAReader(str(path)) as archive:
        declared = set(archive.descriptor.core.terms)
        return declared, list(archive)


def test_points_the_crowd_placed_carry_their_radius_sources_and_who_placed_them(
    project, lead, task, answer, tmp_path, django_capture_on_commit_callbacks
):
    mapper = answer(HERE, {"source": "map", "uncertainty_m": 1000})
    place = {"id": 2996944, "name": "Mauriac"}
    finder = answer(HERE, {"source": "gazetteer", "uncertainty_m": 3000, "place": place})
    assert Task.objects.get(pk=task.pk).state == "complete"
    pseudonym = Pseudonyms(project.pk)
    by = "|".join(sorted([pseudonym(mapper.pk), pseudonym(finder.pk)]))

    client = api_client(lead)
    declared, rows = archive_rows(client, project, django_capture_on_commit_callbacks, tmp_path)
    for term in (
        "coordinateUncertaintyInMeters",
        "georeferenceProtocol",
        "georeferenceSources",
        "georeferencedBy",
        "georeferenceVerificationStatus",
    ):
        assert DWC + term in declared
    (row,) = rows
    assert row.data[DWC + "decimalLatitude"] == "45.2200"
    assert row.data[DWC + "coordinateUncertaintyInMeters"] == "2000"  # the median of 1000, 3000
    assert row.data[DWC + "georeferenceProtocol"] == (
        "placed by volunteers on a gazetteer place named on the label, or on a map"
    )
    assert row.data[DWC + "georeferenceSources"] == (
        "GeoNames gazetteer|© OpenStreetMap contributors"
    )
    assert row.data[DWC + "georeferencedBy"] == by
    assert row.data[DWC + "georeferenceVerificationStatus"] == "verified by contributor"
    # Pseudonyms only: no user name goes out.
    assert mapper.username not in by
    assert finder.username not in by

    export = run_export(client, project, "csv", django_capture_on_commit_callbacks)
    with zipfile.ZipFile(io.BytesIO(download(client, export)[0])) as packed:
        text = packed.read(f"{project.slug}.csv").decode()
    (line,) = list(csv.DictReader(io.StringIO(text)))
    assert line["coordinates.coordinateUncertaintyInMeters"] == "2000"
    assert line["coordinates.georeferencedBy"] == by
    assert line["coordinates.georeferenceVerificationStatus"] == "verified by contributor"

    export = run_export(client, project, "jsonl", django_capture_on_commit_callbacks)
    lines = gzip.decompress(download(client, export)[0]).decode().splitlines()
    record = json.loads(lines[1])
    made = record["values"]["coordinates"]["georeference"]
    assert made["coordinateUncertaintyInMeters"] == 2000
    assert made["georeferencedBy"] == by.split("|")
    assert record["values"]["scientificName"].get("georeference") is None


def test_a_curators_decision_keeps_the_chosen_answers_radius_and_is_verified_by_the_custodian(
    project, lead, curator, task, answer, tmp_path, django_capture_on_commit_callbacks
):
    chosen = answer(HERE, {"source": "map", "uncertainty_m": 700})
    answer(THERE, {"source": "map", "uncertainty_m": 40_000})
    result = FieldResult.objects.get(task=task, key="coordinates")
    assert result.status == "disputed"
    value = next(alt["value"] for alt in result.alternatives if chosen.pk in alt["users"])
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=result.pk, curator=curator, decision="accept", value=value
        )
    assert Task.objects.get(pk=task.pk).state == "resolved"

    _, (row,) = archive_rows(
        api_client(lead), project, django_capture_on_commit_callbacks, tmp_path
    )
    assert row.data[DWC + "coordinateUncertaintyInMeters"] == "700"
    assert row.data[DWC + "georeferencedBy"] == Pseudonyms(project.pk)(chosen.pk)
    assert row.data[DWC + "georeferenceVerificationStatus"] == "verified by data custodian"
    assert row.data[DWC + "georeferenceSources"] == "© OpenStreetMap contributors"


def test_points_typed_from_the_label_say_so_and_name_no_source(
    project, lead, task, answer, tmp_path, django_capture_on_commit_callbacks
):
    answer(HERE, {"source": "label"})
    answer(HERE)  # a client that says nothing typed it too
    _, (row,) = archive_rows(
        api_client(lead), project, django_capture_on_commit_callbacks, tmp_path
    )
    assert row.data[DWC + "georeferenceProtocol"] == (
        "coordinates transcribed from the label by volunteers"
    )
    assert row.data[DWC + "georeferenceSources"] == ""
    assert row.data[DWC + "coordinateUncertaintyInMeters"] == ""
    assert row.data[DWC + "georeferenceVerificationStatus"] == "verified by contributor"


def test_the_curator_reads_how_each_point_was_made_beside_the_answer(
    project, curator, task, answer
):
    answer(
        HERE, {"source": "gazetteer", "uncertainty_m": 1500, "place": {"id": 7, "name": "Mauriac"}}
    )
    answer(THERE, {"source": "map"})
    body = api_client(curator).get(f"/api/tasks/{task.pk}/review/").json()
    field = next(f for f in body["fields"] if f["key"] == "coordinates")
    made = {who["made"] for answer in field["answers"] for who in answer["contributors"]}
    assert made == {"found in the gazetteer: Mauriac, ± 1\u202f500 m", "placed on the map"}
    french = api_client(curator).get(f"/api/tasks/{task.pk}/review/", HTTP_ACCEPT_LANGUAGE="fr")
    field = next(f for f in french.json()["fields"] if f["key"] == "coordinates")
    assert "placé sur la carte" in {w["made"] for a in field["answers"] for w in a["contributors"]}
