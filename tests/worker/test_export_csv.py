"""CSV export packages, read back with csv: the consensus and raw tables, their schema and
credits, formula cells neutralised. No database: writers take plain records."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace

import pytest

from tests.worker.export_records import HERBARIUM, agreed, dataset, sheet, write
from worker.exports.records import (
    Value,
)
from worker.exports.tables import cell_safe, raw_csv_write, results_csv_write


def test_the_consensus_csv_has_one_row_per_task_with_status_agreement_and_method():
    records = [
        sheet(1),
        sheet(2, state="disputed", eventDate=Value("1899-06-30", "disputed", 0.5, 1, 2, "date")),
    ]
    body, count, seen = write(results_csv_write, dataset(HERBARIUM), records)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert sorted(archive.namelist()) == ["datapackage.json", "herbier.csv"]
    rows = list(csv.DictReader(io.StringIO(archive.read("herbier.csv").decode("utf-8"))))
    assert count == 2
    assert seen == [1, 2]
    assert [row["subject_id"] for row in rows] == ["1", "2"]
    first = rows[0]
    assert first["scientificName"] == "Quercus ilex L."
    assert first["scientificName.status"] == "agreed"
    assert first["eventDate.method"] == "date"
    assert first["metadata.catalogNumber"] == "MTC0001"
    assert first["locality"] == "Grenoble,\tau bord\nde l'Isère"  # quoted, not mangled
    assert rows[1]["eventDate.status"] == "disputed"
    assert rows[1]["eventDate.agreement"] == "0.5000"
    assert rows[1]["confidence"] == "0.5000"


def test_the_csv_package_carries_the_licence_the_credits_and_a_schema_of_every_column():
    body, _, _ = write(results_csv_write, dataset(HERBARIUM), [sheet(1)])
    archive = zipfile.ZipFile(io.BytesIO(body))
    package = json.loads(archive.read("datapackage.json"))
    assert package["licenses"][0]["path"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {"title": "Jeanne Baret", "role": "contributor", "transcriptions": 12} in package[
        "contributors"
    ]
    header = next(csv.reader(io.StringIO(archive.read("herbier.csv").decode())))
    assert [f["name"] for f in package["resources"][0]["schema"]["fields"]] == header


def test_the_raw_csv_is_the_flat_format_other_reconciliation_tools_read():
    records = [sheet(1), sheet(2)]
    body, count, _ = write(raw_csv_write, dataset(HERBARIUM), records)
    archive = zipfile.ZipFile(io.BytesIO(body))
    fields = archive.read("fields.txt").decode().strip()
    assert fields.startswith("scientificName:text,recordedBy:text,recordNumber:text,eventDate:date")
    text = archive.read("herbier-transcriptions.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "subject_id",
        "user_name",
        *(pair.split(":")[0] for pair in fields.split(",")),
    ]
    assert count == 4
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("1", "v-aaa"),
        ("1", "v-bbb"),
        ("2", "v-aaa"),
        ("2", "v-bbb"),
    ]
    by_key = dict(zip(rows[0], rows[2], strict=True))
    # A formula typed by a volunteer stays text in a spreadsheet; a marker reads as the word.
    assert by_key["scientificName"] == '\'=HYPERLINK("http://evil")'
    assert by_key["eventDate"] == "illegible"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2.5", "-2.5"),
        ("-44.0123,2.8765", "-44.0123,2.8765"),
        ("-", "-"),
        ("Quercus", "Quercus"),
        ("", ""),
    ],
)
def test_a_cell_that_would_run_as_a_formula_is_neutralised_and_numbers_are_not(text, expected):
    assert cell_safe(text) == expected


def test_the_consensus_csv_neutralises_formulas_in_values_and_in_metadata():
    record = sheet(1, scientificName=agreed('=HYPERLINK("http://evil")'))
    record = replace(record, metadata={"catalogNumber": "@SUM(A1)", "institution": "Montclair"})
    body, _, _ = write(results_csv_write, dataset(HERBARIUM), [record])
    archive = zipfile.ZipFile(io.BytesIO(body))
    row = next(csv.DictReader(io.StringIO(archive.read("herbier.csv").decode("utf-8"))))
    assert row["scientificName"] == '\'=HYPERLINK("http://evil")'
    assert row["metadata.catalogNumber"] == "'@SUM(A1)"


def test_metadata_that_is_not_text_is_written_as_json_and_numbers_as_written():
    keys = ("structure", "flag", "count", "ratio", "missing")
    record = replace(
        sheet(1),
        metadata={"structure": {"a": [1, "é"]}, "flag": True, "count": 3, "ratio": 0.5},
    )
    body, _, _ = write(results_csv_write, dataset(HERBARIUM, metadata_keys=keys), [record])
    archive = zipfile.ZipFile(io.BytesIO(body))
    row = next(csv.DictReader(io.StringIO(archive.read("herbier.csv").decode("utf-8"))))
    assert json.loads(row["metadata.structure"]) == {"a": [1, "é"]}
    assert row["metadata.structure"] == '{"a": [1, "é"]}'
    assert row["metadata.flag"] == "true"
    assert row["metadata.count"] == "3"
    assert row["metadata.ratio"] == "0.5"
    assert row["metadata.missing"] == ""


@pytest.mark.parametrize(
    ("writer", "name"),
    [(results_csv_write, "consensus"), (raw_csv_write, "transcriptions")],
)
def test_each_csv_package_says_that_formula_cells_carry_a_quote(writer, name):
    body, _, _ = write(writer, dataset(HERBARIUM), [sheet(1)])
    package = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("datapackage.json"))
    [resource] = package["resources"]
    assert resource["name"] == name
    assert "formula" in resource["description"]
    assert "'" in resource["description"]


def test_a_point_goes_out_with_its_latitude_and_longitude_in_labelled_columns():
    records = [sheet(1), sheet(2, coordinates=Value("", "blank", 1.0, 3, 3, "blank"))]
    body, _, _ = write(results_csv_write, dataset(HERBARIUM), records)
    archive = zipfile.ZipFile(io.BytesIO(body))
    rows = list(csv.DictReader(io.StringIO(archive.read("herbier.csv").decode("utf-8"))))
    assert rows[0]["coordinates"] == "44.0123,2.8765"  # the stored value, as before
    assert (rows[0]["coordinates.latitude"], rows[0]["coordinates.longitude"]) == (
        "44.0123",
        "2.8765",
    )
    assert rows[1]["coordinates.latitude"] == rows[1]["coordinates.longitude"] == ""
    schema = json.loads(archive.read("datapackage.json"))["resources"][0]["schema"]["fields"]
    types = {field["name"]: field for field in schema}
    assert types["coordinates.latitude"]["type"] == "number"
    assert "latitude,longitude" in types["coordinates"]["description"]
