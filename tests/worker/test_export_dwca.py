"""Darwin Core archives, read back with python-dwca-reader. No database: writers take plain
records."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from dwca.read import DwCAReader

from tests.worker.export_records import HERBARIUM, agreed, dataset, sheet, template, write
from worker.exports import FORMATS
from worker.exports.dwca import occurrence_id
from worker.exports.records import (
    LICENCES,
    Credit,
    Value,
)


def test_the_darwin_core_archive_reads_back_with_dwca_reader(tmp_path):
    records = [
        sheet(1),
        sheet(2, state="disputed"),  # not settled: not published
        sheet(3, scientificName=agreed("Abies alba Mill.", method="curator"), state="resolved"),
    ]
    body, count, seen = write(FORMATS["dwca"].writer, dataset(HERBARIUM), records)
    path = tmp_path / "herbier.zip"
    path.write_bytes(body)
    assert count == 2
    assert seen == [1, 2, 3]
    with DwCAReader(str(path)) as archive:
        rows = list(archive)
        assert archive.descriptor.core.type == "http://rs.tdwg.org/dwc/terms/Occurrence"
        eml = archive.metadata
    assert [row.id for row in rows] == [
        occurrence_id(dataset(HERBARIUM), 1),
        occurrence_id(dataset(HERBARIUM), 3),
    ]
    first = rows[0].data
    dwc = "http://rs.tdwg.org/dwc/terms/"
    assert first[dwc + "scientificName"] == "Quercus ilex L."
    assert first[dwc + "eventDate"] == "1898-06-12"
    assert first[dwc + "decimalLatitude"] == "44.0123"
    assert first[dwc + "decimalLongitude"] == "2.8765"
    assert first[dwc + "catalogNumber"] == "MTC0001"
    assert first[dwc + "locality"] == "Grenoble, au bord de l'Isère"  # no tab, no line break
    assert first["http://purl.org/dc/terms/license"] == LICENCES["CC-BY-4.0"].url
    assert "consensus confidence 1.00" in first[dwc + "occurrenceRemarks"]
    dynamic = json.loads(first[dwc + "dynamicProperties"])
    assert dynamic["consensus"]["eventDate"] == {"status": "agreed", "agreement": 1.0}
    assert "decided by a curator: scientificName" in rows[1].data[dwc + "occurrenceRemarks"]
    # The EML names the licence and the credited volunteers with their counts.
    rights = eml.find(".//intellectualRights//ulink")
    assert rights.get("url") == LICENCES["CC-BY-4.0"].url
    names = [el.text for el in eml.findall(".//associatedParty/individualName/surName")]
    assert names == ["Jeanne Baret", "Aimé Bonpland"]
    assert "Jeanne Baret (12)" in eml.find(".//additionalInfo/para").text


def test_occurrence_ids_are_stable_from_one_export_to_the_next():
    assert occurrence_id(dataset(HERBARIUM), 7) == occurrence_id(
        dataset(HERBARIUM, generated_at=datetime(2030, 1, 1, tzinfo=UTC)), 7
    )
    assert occurrence_id(dataset(HERBARIUM), 7) != occurrence_id(dataset(HERBARIUM), 8)


def dwca_rows(tmp_path, data, records):
    body, _, _ = write(FORMATS["dwca"].writer, data, records)
    path = tmp_path / "archive.zip"
    path.write_bytes(body)
    with DwCAReader(str(path)) as archive:
        return list(archive), archive.metadata


DWC = "http://rs.tdwg.org/dwc/terms/"


def test_the_archive_xml_stays_well_formed_whatever_control_characters_the_names_carry(tmp_path):
    data = dataset(
        HERBARIUM,
        title={"en": "Montclair\x0b herbarium", "fr": "Herbier\x0c"},
        description={"en": "Sheets\x00 and\ttabs\nand lines."},
        credits=(Credit("Jeanne\x01 Baret", 12),),
        publisher="Crowd\x1f",
    )
    # The reader parses meta.xml and eml.xml with ElementTree: an ill-formed document raises.
    rows, eml = dwca_rows(tmp_path, data, [sheet(1)])
    assert len(rows) == 1
    assert eml.find("dataset/title").text == "Montclair herbarium"
    assert eml.find(".//associatedParty/individualName/surName").text == "Jeanne Baret"
    assert eml.find("dataset/abstract/para").text == "Sheets and\ttabs\nand lines."


def test_the_credited_volunteers_have_a_role_from_gbifs_vocabulary(tmp_path):
    _, eml = dwca_rows(tmp_path, dataset(HERBARIUM), [sheet(1)])
    roles = [el.text for el in eml.findall(".//associatedParty/role")]
    assert roles == ["contentProvider", "contentProvider"]


def test_basis_of_record_comes_from_a_mapped_field_then_the_metadata_then_the_default(tmp_path):
    fields = HERBARIUM + template(("basis", {"dwc": "basisOfRecord"}))
    records = [
        sheet(1, basis=agreed("HumanObservation")),
        replace(sheet(2), metadata={"basisOfRecord": "FossilSpecimen"}),
        sheet(3, basis=Value("LivingSpecimen", "disputed", 0.5, 1, 2, "exact")),
    ]
    rows, _ = dwca_rows(tmp_path, dataset(fields), records)
    assert [row.data[DWC + "basisOfRecord"] for row in rows] == [
        "HumanObservation",
        "FossilSpecimen",
        "PreservedSpecimen",
    ]


def test_an_occurrence_id_from_the_metadata_is_the_records_id(tmp_path):
    own = replace(sheet(1), metadata={"occurrenceID": "urn:catalog:MTC:V:0001"})
    rows, _ = dwca_rows(tmp_path, dataset(HERBARIUM), [own, sheet(2)])
    assert [row.id for row in rows] == [
        "urn:catalog:MTC:V:0001",
        occurrence_id(dataset(HERBARIUM), 2),
    ]
    assert [row.data[DWC + "occurrenceID"] for row in rows] == [row.id for row in rows]


def test_a_geopoint_whose_latitude_term_is_taken_writes_only_its_longitude(tmp_path):
    fields = template(
        ("scientificName", {"dwc": "scientificName"}),
        ("latitude", {"dwc": "decimalLatitude"}),
        ("coordinates", {"dwc": ["decimalLatitude", "decimalLongitude"]}),
    )
    record = sheet(1, latitude=agreed("45.1885"))
    rows, _ = dwca_rows(tmp_path, dataset(fields), [record])
    data = rows[0].data
    assert data[DWC + "decimalLatitude"] == "45.1885"
    assert data[DWC + "decimalLongitude"] == "2.8765"


def test_the_country_goes_out_with_its_iso_code_beside_the_name_the_label_gives(tmp_path):
    fields = HERBARIUM  # its country field maps to dwc:country
    records = [
        sheet(1, country=agreed("Espagne")),
        sheet(2, country=agreed("Maroc")),
        sheet(3, country=agreed("Atlantide")),
        sheet(4, country=Value("France", "disputed", 0.5, 1, 2, "exact")),
    ]
    rows, _ = dwca_rows(tmp_path, dataset(fields), records)
    assert [row.data[DWC + "country"] for row in rows] == ["Espagne", "Maroc", "Atlantide", ""]
    assert [row.data[DWC + "countryCode"] for row in rows] == ["ES", "MA", "", ""]


def test_a_country_code_from_the_metadata_is_kept_and_a_country_there_is_coded(tmp_path):
    coded = dataset(HERBARIUM, metadata_keys=("country", "countryCode"))
    own = replace(sheet(1), metadata={"country": "Espagne", "countryCode": "PT"})
    (tmp_path / "coded").mkdir()
    rows, _ = dwca_rows(tmp_path / "coded", coded, [own])
    assert rows[0].data[DWC + "countryCode"] == "PT"
    named = dataset(
        template(("scientificName", {"dwc": "scientificName"})), metadata_keys=("country",)
    )
    (tmp_path / "named").mkdir()
    rows, _ = dwca_rows(
        tmp_path / "named", named, [replace(sheet(1), metadata={"country": "Suisse"})]
    )
    assert rows[0].data[DWC + "countryCode"] == "CH"


def test_a_region_given_as_its_iso_code_goes_out_as_its_name(tmp_path):
    fields = template(
        ("scientificName", {"dwc": "scientificName"}),
        ("province", {"dwc": "stateProvince"}),
    )
    records = [
        sheet(1, province=agreed("FR-38")),
        sheet(2, province=agreed("es-ct")),
        sheet(3, province=agreed("Dauphiné")),  # a name, kept as the label writes it
        sheet(4, province=agreed("XX-99")),
    ]
    rows, _ = dwca_rows(tmp_path, dataset(fields), records)
    assert [row.data[DWC + "stateProvince"] for row in rows] == [
        "Isère",
        "Catalunya",
        "Dauphiné",
        "XX-99",
    ]
