"""Export writers, read back with independent readers: csv, json, python-dwca-reader,
citeproc-py, bibtexparser and iiif-prezi3. No database: writers take plain records."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zipfile
from dataclasses import replace
from datetime import UTC, datetime

import bibtexparser
import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from dwca.read import DwCAReader
from iiif_prezi3 import Collection, Manifest

from tasks.presets import PRESETS
from worker.exports import FORMATS, counting
from worker.exports.dwca import occurrence_id
from worker.exports.iiif import iiif_write, manifest_chunks
from worker.exports.records import (
    LICENCES,
    Alternative,
    Credit,
    Dataset,
    Decision,
    Entry,
    TaskRecord,
    Value,
)
from worker.exports.references import bibtex_write, csl_json_write, names_parse
from worker.exports.tables import cell_safe, raw_csv_write, results_csv_write
from worker.template import template_parse
from worker.template.standards import CSL_VARIABLES

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HERBARIUM = template_parse(PRESETS["herbarium"]["fields"])
REFERENCE = template_parse(PRESETS["reference"]["fields"])


def dataset(fields, **changes):
    values = {
        "slug": "herbier",
        "title": {"fr": "Herbier de Montclair", "en": "Montclair herbarium"},
        "description": {"fr": "Des planches.", "en": "Sheets."},
        "url": "https://example.org/projects/herbier/",
        "base_url": "https://example.org",
        "licence": LICENCES["CC-BY-4.0"],
        "credits": (Credit("Jeanne Baret", 12), Credit("Aimé Bonpland", 3)),
        "fields": fields,
        "metadata_keys": ("catalogNumber", "institution"),
        "generated_at": WHEN,
        "tasks": 3,
        "publisher": "Crowd",
    }
    return Dataset(**(values | changes))


def agreed(text, agreement=1.0, method="exact"):
    return Value(
        value=text, status="agreed", agreement=agreement, support=3, answers=3, method=method
    )


def sheet(task_id, state="complete", batch=(1, "Lot A"), **values):
    base = {
        "scientificName": agreed("Quercus ilex L."),
        "eventDate": agreed("1898-06-12", method="date"),
        "coordinates": agreed("44.0123,2.8765", method="geopoint"),
        "locality": agreed("Grenoble,\tau bord\nde l'Isère"),
        "recordNumber": Value("", "blank", 1.0, 3, 3, "blank"),
    }
    base.update(values)
    return TaskRecord(
        id=task_id,
        name=f"sheet-{task_id}.jpg",
        state=state,
        batch_id=batch[0],
        batch_name=batch[1],
        metadata={"catalogNumber": f"MTC{task_id:04d}", "institution": "Montclair"},
        image_url=f"https://example.org/media/projects/1/originals/{task_id}.jpg",
        image_service=f"https://example.org/media/projects/1/iiif/{task_id}",
        width=2000,
        height=3000,
        values=base,
        transcriptions=(
            Entry("v-aaa", WHEN, {"scientificName": "Quercus ilex", "eventDate": "12/06/1898"}),
            Entry(
                "v-bbb",
                WHEN.replace(hour=13),
                {"scientificName": '=HYPERLINK("http://evil")', "eventDate": ""},
                {"eventDate": "illegible"},
            ),
        ),
        transcription_count=2,
        reconciled_at=WHEN,
    )


def template(*fields):
    """A template of text fields: (key, {standard: term}) pairs, a geopoint when the key says so."""
    return template_parse(
        [
            {
                "key": key,
                "type": "geopoint" if key == "coordinates" else "text",
                "label": {"en": key, "fr": key},
                "mapping": mapping,
            }
            for key, mapping in fields
        ]
    )


def write(writer, data, records):
    out = io.BytesIO()
    seen: list[int] = []
    # The platform counts records for progress as the writer reads them (every one, written or
    # not); the tests count the same way.
    count = writer(out, data, counting(records, seen.append))
    return out.getvalue(), count, seen


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


def test_json_lines_give_every_value_its_provenance():
    decided = Value(
        "1898-06-12",
        "resolved",
        0.5,
        1,
        2,
        "curator",
        version=3,
        alternatives=(
            Alternative("1898-06-12", 1.0, ("v-aaa",)),
            Alternative("1898-12-06", 1.0, ("v-bbb",)),
        ),
        decision=Decision("typed", "misread", "v-curator", WHEN, "1898-12-06"),
    )
    body, count, _ = write(
        FORMATS["jsonl"].writer, dataset(HERBARIUM), [sheet(1, state="resolved", eventDate=decided)]
    )
    lines = [json.loads(line) for line in gzip.decompress(body).decode("utf-8").splitlines()]
    assert count == 1
    assert len(lines) == 2
    head, task = lines
    assert head["record"] == "dataset"
    assert head["licence"]["id"] == "CC-BY-4.0"
    assert head["credits"][0] == {"name": "Jeanne Baret", "transcriptions": 12}
    value = task["values"]["eventDate"]
    assert value["method"] == "curator"
    assert value["version"] == 3
    assert value["alternatives"][1] == {
        "value": "1898-12-06",
        "weight": 1.0,
        "contributors": ["v-bbb"],
    }
    assert value["curator_decision"]["value_before"] == "1898-12-06"
    assert value["curator_decision"]["at"] == WHEN.isoformat()
    assert [t["contributor"] for t in task["transcriptions"]] == ["v-aaa", "v-bbb"]
    assert task["transcriptions"][1]["markers"] == {"eventDate": "illegible"}


def test_json_lines_write_the_pseudonyms_of_contributors_exactly_as_given():
    given = ("v-7f3a9c", "v-0b12de", "v-7f3a9c-2")
    value = Value(
        "Quercus ilex L.",
        "agreed",
        0.75,
        3,
        4,
        "exact",
        alternatives=(Alternative("Quercus ilex L.", 3.0, given), Alternative("Q. ilex", 1.0, ())),
    )
    body, _, _ = write(
        FORMATS["jsonl"].writer, dataset(HERBARIUM), [sheet(1, scientificName=value)]
    )
    task = json.loads(gzip.decompress(body).decode("utf-8").splitlines()[1])
    alternatives = task["values"]["scientificName"]["alternatives"]
    assert [alt["contributors"] for alt in alternatives] == [list(given), []]
    assert [entry["contributor"] for entry in task["transcriptions"]] == ["v-aaa", "v-bbb"]


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


def reference(task_id, **values):
    base = {
        "type": agreed("article", method="select"),
        "title": agreed("Hommage à Lester Young {et autres} 100% & co"),
        "authors": agreed("Panassié, Hugues; Charles Delaunay"),
        "container": agreed("Jazz Hot"),
        "year": agreed("1947-03", method="date"),
        "volume": agreed("112"),
        "pages": agreed("12-15"),
    }
    base.update(values)
    return TaskRecord(
        id=task_id,
        name=f"card-{task_id}.jpg",
        state="complete",
        batch_id=None,
        batch_name="",
        metadata={},
        image_url="",
        image_service="",
        width=None,
        height=None,
        values=base,
    )


# citeproc-py ignores CSL 1.0.2 variables it does not format (license) and says so.
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_csl_json_items_are_read_and_formatted_by_a_citation_processor():
    records = [
        reference(1),
        reference(
            2, type=agreed("thesis"), title=Value("Le free jazz", "disputed", 0.5, 1, 2, "exact")
        ),
    ]
    body, count, _ = write(csl_json_write, dataset(REFERENCE, slug="biblio"), records)
    items = json.loads(body)
    assert count == 2
    first = items[0]
    assert first["type"] == "article-journal"
    assert first["author"] == [
        {"family": "Panassié", "given": "Hugues"},
        {"family": "Delaunay", "given": "Charles"},
    ]
    assert first["issued"] == {"date-parts": [[1947, 3]]}
    assert first["license"] == LICENCES["CC-BY-4.0"].url
    assert "title" not in items[1]
    assert "Not settled yet: title." in items[1]["note"]
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem("task-1")]))
    text = str(bibliography.bibliography()[0])
    assert "Panassié" in text
    assert "Jazz Hot" in text
    assert "1947" in text


def test_bibtex_entries_parse_with_an_independent_parser():
    records = [reference(1), reference(2, type=agreed("chapter"), container=agreed("Le Jazz"))]
    body, count, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), records)
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert count == 2
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == ["task1", "task2"]
    article = library.entries[0]
    assert article.entry_type == "article"
    assert article["author"] == "Panassié, Hugues and Delaunay, Charles"
    assert article["journal"] == "Jazz Hot"
    assert article["year"] == "1947"
    assert article["month"] == "mar"
    assert article["title"] == (
        r"Hommage à Lester Young \textbraceleft{}et autres\textbraceright{} 100\% \& co"
    )
    assert library.entries[1].entry_type == "incollection"
    assert library.entries[1]["booktitle"] == "Le Jazz"
    # The header is `%` lines before the first entry: a comment to every reader.
    assert body.startswith(b"% ")
    [comment] = library.comments
    assert "CC BY 4.0" in comment.comment
    assert "Jeanne Baret (12)" in comment.comment


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Vian, Boris", [{"family": "Vian", "given": "Boris"}]),
        (
            "Boris Vian; André Hodeir",
            [{"family": "Vian", "given": "Boris"}, {"family": "Hodeir", "given": "André"}],
        ),
        ("Anonyme", [{"literal": "Anonyme"}]),
        (
            "Vian, Boris et Hodeir, André",
            [{"family": "Vian", "given": "Boris"}, {"family": "Hodeir", "given": "André"}],
        ),
    ],
)
def test_author_lists_become_csl_names(text, names):
    assert names_parse(text) == names


CSL_NAME_VARIABLES = """author chair collection-editor compiler composer container-author
contributor curator director editor editorial-director executive-producer guest host
illustrator interviewer narrator organizer original-author performer producer recipient
reviewed-author script-writer series-creator translator""".split()
CSL_DATE_VARIABLES = "accessed available-date event-date issued original-date submitted".split()


@pytest.mark.parametrize("variable", CSL_NAME_VARIABLES)
def test_every_csl_name_variable_is_written_as_names(variable):
    assert variable in CSL_VARIABLES  # a template may map a field to it
    data = dataset(template(("who", {"csl": variable})), slug="biblio")
    body, _, _ = write(csl_json_write, data, [reference(1, who=agreed("Vian, Boris; UNESCO"))])
    [item] = json.loads(body)
    assert item[variable] == [{"family": "Vian", "given": "Boris"}, {"literal": "UNESCO"}]


@pytest.mark.parametrize("variable", CSL_DATE_VARIABLES)
def test_every_csl_date_variable_is_written_as_a_date(variable):
    assert variable in CSL_VARIABLES
    data = dataset(template(("when", {"csl": variable})), slug="biblio")
    body, _, _ = write(csl_json_write, data, [reference(1, when=agreed("1947-03-12"))])
    [item] = json.loads(body)
    assert item[variable] == {"date-parts": [[1947, 3, 12]]}


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("1947", {"date-parts": [[1947]]}),
        ("1947-03", {"date-parts": [[1947, 3]]}),
        ("1898-1899", {"literal": "1898-1899"}),
        ("c. 1950", {"literal": "c. 1950"}),
        ("1947-²", {"literal": "1947-²"}),
        ("1947-13", {"literal": "1947-13"}),
    ],
)
# citeproc-py ignores CSL 1.0.2 variables it does not format (license) and says so.
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_a_date_that_is_not_iso_goes_out_as_a_literal_and_the_export_goes_on(text, date):
    records = [reference(1, year=agreed(text)), reference(2)]
    body, count, _ = write(csl_json_write, dataset(REFERENCE, slug="biblio"), records)
    items = json.loads(body)
    assert count == 2
    assert items[0]["issued"] == date
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("harvard-cite-them-right", validate=False),
        CiteProcJSON(items),
        formatter.plain,
    )
    bibliography.register(Citation([CitationItem("task-1")]))
    assert text.split("-")[0] in str(bibliography.bibliography()[0])
    body, _, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), records[:1])
    entry = bibtexparser.parse_string(body.decode("utf-8")).entries[0]
    assert entry["year"] == (text.split("-")[0] if "date-parts" in date else text)


def bibtex_library(*records):
    body, _, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), list(records))
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert not library.failed_blocks
    return library


# The only LaTeX a text field may hold: the escapes the writer makes.
ESCAPES = {
    "textbraceleft",
    "textbraceright",
    "textbackslash",
    "textasciicircum",
    "textasciitilde",
    "&",
    "%",
    "$",
    "#",
    "_",
}


def assert_inert(value):
    """Braces balance counted as classic BibTeX does (a backslash does not protect a brace),
    and no command but the writer's escapes."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, value
    assert depth == 0, value
    assert set(re.findall(r"\\([A-Za-z]+|.)", value)) <= ESCAPES, value


@pytest.mark.parametrize(
    "text",
    [
        "\\url{x}}, note = {injected",
        "\\url{}\\input{/etc/passwd}",
        "}}\n@misc{evil, title = {x",
        "x^2 ~ y {un}balanced}} \\",
    ],
)
def test_nothing_typed_in_a_field_escapes_its_bibtex_value(text):
    library = bibtex_library(
        reference(1, title=agreed(text), container=agreed(text), authors=agreed(text))
    )
    [entry] = library.entries
    assert entry.key == "task1"
    assert sorted(entry.fields_dict) == sorted(
        ["author", "title", "journal", "year", "month", "volume", "pages", "note", "copyright"]
    )
    for name in ("title", "journal", "author", "note"):
        assert_inert(entry[name])
    assert entry["note"].startswith("Transcribed by the volunteers")


def test_special_characters_are_spelled_out_in_bibtex():
    [entry] = bibtex_library(reference(1, title=agreed("x^2 ~ {y}"))).entries
    assert entry["title"] == (
        r"x\textasciicircum{}2 \textasciitilde{} \textbraceleft{}y\textbraceright{}"
    )


def test_a_literal_author_keeps_its_protective_braces_around_escaped_text():
    library = bibtex_library(reference(1, authors=agreed("R&D_Lab; Vian, Boris")))
    assert library.entries[0]["author"] == r"{R\&D\_Lab} and Vian, Boris"


def test_a_web_address_is_written_verbatim_and_cannot_break_the_entry():
    url = "http://example.org/a b?q=1%2C#top}}, note = {injected\\"
    [entry] = bibtex_library(reference(1, type=agreed("webpage"), url=agreed(url))).entries
    assert entry.entry_type == "misc"
    safe = "http://example.org/a%20b?q=1%2C#top%7D%7D,%20note%20=%20%7Binjected%5C"
    assert entry["url"] == safe
    assert entry["howpublished"] == "\\url{" + safe.replace("%", r"\%").replace("#", r"\#") + "}"
    assert_inert(entry["howpublished"].removeprefix("\\url{").removesuffix("}"))
    assert entry["note"].startswith("Transcribed by the volunteers")


def test_the_bibtex_header_brings_in_no_entry_whatever_the_title_and_names():
    data = dataset(
        REFERENCE,
        slug="biblio",
        title={"en": "Jazz\n@misc{evil, title = {x}}"},
        credits=(Credit("boris@example.org", 2),),
    )
    body, _, _ = write(bibtex_write, data, [reference(1)])
    header = body.decode("utf-8").split("\n\n")[0]
    assert "@" not in header
    assert all(line.startswith("% ") for line in header.splitlines())
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == ["task1"]
    assert "boris(at)example.org (2)" in library.comments[0].comment


def test_iiif_manifests_per_batch_load_with_iiif_prezi3():
    records = [sheet(1), sheet(2), sheet(3, batch=(2, "Lot B"))]
    body, count, _ = write(iiif_write, dataset(HERBARIUM), records)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert count == 3
    assert sorted(archive.namelist()) == [
        "collection.json",
        "manifests/batch-1.json",
        "manifests/batch-2.json",
    ]
    collection = Collection(**json.loads(archive.read("collection.json")))
    assert len(collection.items) == 2
    data = json.loads(archive.read("manifests/batch-1.json"))
    manifest = Manifest(**data)
    assert manifest.rights == LICENCES["CC-BY-4.0"].url
    assert len(manifest.items) == 2
    assert "Jeanne Baret (12)" in data["requiredStatement"]["value"]["en"][0]
    canvas = data["items"][0]
    painting = canvas["items"][0]["items"][0]
    assert painting["body"]["service"][0]["type"] == "ImageService3"
    annotations = {a["id"].rsplit("/", 1)[1]: a for a in canvas["annotations"][0]["items"]}
    assert annotations["scientificName"]["body"]["value"] == "Quercus ilex L."
    assert annotations["scientificName"]["motivation"] == "describing"
    assert annotations["scientificName"]["target"] == canvas["id"]
    assert "recordNumber" not in annotations  # blank values are not annotations
    assert len(json.loads(archive.read("manifests/batch-2.json"))["items"]) == 1


def iiif_archive(records):
    body, count, seen = write(iiif_write, dataset(HERBARIUM), records)
    return zipfile.ZipFile(io.BytesIO(body)), count, seen


def test_iiif_does_not_annotate_values_that_are_not_settled():
    record = sheet(
        1,
        state="disputed",
        scientificName=Value("Quercus ilex L.", "disputed", 0.5, 1, 2, "exact"),
        eventDate=Value("1898-06-12", "needs_more", 1.0, 1, 1, "date"),
    )
    archive, _, _ = iiif_archive([record])
    canvas = json.loads(archive.read("manifests/batch-1.json"))["items"][0]
    keys = {a["id"].rsplit("/", 1)[1] for a in canvas["annotations"][0]["items"]}
    assert keys == {"coordinates", "locality"}


def test_the_painted_image_says_its_own_format():
    names = ["a.png", "b.TIF", "c.jp2", "d.webp", "e.jpeg?v=2", "f"]
    records = [
        replace(sheet(i), image_url=f"https://example.org/media/{name}")
        for i, name in enumerate(names, start=1)
    ]
    archive, _, _ = iiif_archive(records)
    manifest = json.loads(archive.read("manifests/batch-1.json"))
    Manifest(**manifest)
    bodies = [canvas["items"][0]["items"][0]["body"] for canvas in manifest["items"]]
    assert [body.get("format") for body in bodies] == [
        "image/png",
        "image/tiff",
        "image/jp2",
        "image/webp",
        "image/jpeg",
        None,  # unknown: better unsaid than wrong
    ]


def test_a_task_without_an_image_or_its_size_is_no_canvas_but_still_counts_as_progress():
    records = [
        sheet(1),
        replace(sheet(2), image_url=""),
        replace(sheet(3), width=None),
        replace(sheet(4), height=0),
    ]
    archive, count, seen = iiif_archive(records)
    assert count == 1
    assert seen == [1, 2, 3, 4]
    manifest = json.loads(archive.read("manifests/batch-1.json"))
    assert [canvas["id"].rsplit("/", 1)[1] for canvas in manifest["items"]] == ["1"]
    assert all(canvas["width"] > 1 and canvas["height"] > 1 for canvas in manifest["items"])


def test_a_batch_with_no_canvas_has_no_manifest_and_is_not_in_the_collection():
    records = [
        replace(sheet(1, batch=(1, "Lot A")), image_url=""),
        sheet(2, batch=(2, "Lot B")),
        replace(sheet(3, batch=(3, "Lot C")), width=None),
    ]
    archive, count, seen = iiif_archive(records)
    assert count == 1
    assert seen == [1, 2, 3]
    assert sorted(archive.namelist()) == ["collection.json", "manifests/batch-2.json"]
    collection = json.loads(archive.read("collection.json"))
    Collection(**collection)
    assert [item["id"].split("/")[-2] for item in collection["items"]] == ["batch-2"]


def test_a_live_manifest_of_a_batch_with_no_canvas_is_still_a_json_document():
    records = [replace(sheet(1), image_url="")]
    counted: list[int] = []
    text = "".join(
        manifest_chunks(dataset(HERBARIUM), 1, "Lot A", counting(records, counted.append))
    )
    assert json.loads(text)["items"] == []
    assert counted == [1]
