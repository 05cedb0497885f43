"""Darwin Core Archive: `meta.xml`, `eml.xml` and `occurrence.txt` in a zip (GBIF's format).

Only settled tasks (complete, or resolved by a curator) are records: an archive is what a
herbarium publishes, and a disputed value is not ready for that. Each template field maps to
Darwin Core through its `mapping.dwc` (a geopoint to `decimalLatitude` and
`decimalLongitude`); per-image metadata whose key is a Darwin Core term (`catalogNumber`,
`institutionCode`…) goes out too, and an `occurrenceID` or a `basisOfRecord` there is the
record's. A `stateProvince` given as an ISO 3166-2 code ("FR-38") goes out as its name
("Isère"). A record's `country`, as the label names it ("Espagne"), also goes out as its ISO
3166-1 `countryCode` ("ES"), unless a field or the metadata gives that code. The consensus confidence is in `occurrenceRemarks` (words) and `dynamicProperties`
(JSON, per field).
"""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable
from typing import IO
from xml.etree import ElementTree as ET

import pycountry

from worker.exports.records import Dataset, TaskRecord
from worker.places.countries import country_code
from worker.template.standards import DARWIN_CORE_TERMS

DWC = "http://rs.tdwg.org/dwc/terms/"
DCTERMS = "http://purl.org/dc/terms/"
# Darwin Core terms that are Dublin Core's (the others are in the dwc namespace).
_DC_TERMS = frozenset(
    {
        "type",
        "modified",
        "language",
        "license",
        "rightsHolder",
        "accessRights",
        "bibliographicCitation",
        "references",
    }
)
# What a herbarium's sheet is unless the template or the task's metadata says otherwise.
BASIS_OF_RECORD = "PreservedSpecimen"
# How the record's point was made (worker.exports.georeference), beside decimalLatitude and
# decimalLongitude, unless the template or the metadata gives a term itself.
GEOREFERENCE_TERMS = (
    "coordinateUncertaintyInMeters",
    "georeferenceProtocol",
    "georeferenceSources",
    "georeferencedBy",
    "georeferenceVerificationStatus",
)
_OWN_TERMS = (
    "occurrenceID",
    "basisOfRecord",
    "license",
    "associatedMedia",
    "occurrenceRemarks",
    "dynamicProperties",
)


def term_uri(term: str) -> str:
    return (DCTERMS if term in _DC_TERMS else DWC) + term


def occurrence_id(dataset: Dataset, task_id: int) -> str:
    """A persistent, globally unique id: the same task gets the same id in every export."""
    if dataset.uid:
        return f"urn:uuid:{uuid.uuid5(uuid.UUID(dataset.uid), str(task_id))}"
    name = f"{dataset.base_url}/projects/{dataset.slug}/tasks/{task_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


class _Columns:
    """Which term each column holds and where each field's values go."""

    def __init__(self, dataset: Dataset):
        self.terms: list[str] = ["occurrenceID", "basisOfRecord", "license"]
        # (key, whether the value is "lat,lon" split over its terms, the parts whose term the
        # field holds): a geopoint whose latitude term another field took keeps its longitude.
        self.fields: list[tuple[str, bool, list[int]]] = []
        self.basis_field = ""  # the field mapped to basisOfRecord, which has its own column
        # The geopoint whose latitude the record's decimalLatitude is: its georeference terms.
        self.point_field = ""
        # Fields mapped to the terms an earlier field took, by that field: their value fills
        # the columns where the earlier one has none (the point placed in a georeference step,
        # worker/template/steps.py, where the label printed no coordinates).
        self.fallbacks: dict[str, list[str]] = {}
        owners: dict[tuple[str, ...], str] = {}
        taken = set(_OWN_TERMS)
        for spec in dataset.fields:
            mapped = spec.mapping.get("dwc")
            if not mapped:
                continue
            terms = [mapped] if isinstance(mapped, str) else [str(term) for term in mapped]
            if terms == ["basisOfRecord"] and not self.basis_field:
                self.basis_field = spec.key
            split = spec.type == "geopoint" and len(terms) == 2
            owner = owners.setdefault(tuple(terms), spec.key)
            if owner != spec.key:
                self.fallbacks.setdefault(owner, []).append(spec.key)
            parts = []
            for part, term in enumerate(terms):
                if term not in taken:
                    taken.add(term)
                    parts.append(part)
                    self.terms.append(term)
            if parts:
                self.fields.append((spec.key, split, parts))
                if split and terms[0] == "decimalLatitude" and 0 in parts:
                    self.point_field = spec.key
        self.metadata = [
            key for key in dataset.metadata_keys if key in DARWIN_CORE_TERMS and key not in taken
        ]
        self.terms += self.metadata
        taken.update(self.metadata)
        self.georeference = (
            [term for term in GEOREFERENCE_TERMS if term not in taken] if self.point_field else []
        )
        self.terms += self.georeference
        # Fields whose values go out as stateProvince: an ISO 3166-2 code goes out as its name.
        self.region_fields = {
            key for key, _, _ in self.fields if _term_of(dataset, key) == "stateProvince"
        }
        # Where the country's name comes from when its code is derived: a field or the metadata.
        self.country_field = next(
            (key for key, _, _ in self.fields if _term_of(dataset, key) == "country"), ""
        )
        self.country_code = "countryCode" not in taken and "countryCode" not in self.metadata
        self.country_code = self.country_code and bool(
            self.country_field or "country" in self.metadata
        )
        if self.country_code:
            self.terms.append("countryCode")
        self.terms += ["associatedMedia", "occurrenceRemarks", "dynamicProperties"]


def _term_of(dataset: Dataset, key: str) -> str:
    for spec in dataset.fields:
        if spec.key == key:
            mapped = spec.mapping.get("dwc")
            return mapped if isinstance(mapped, str) else ""
    return ""


def dwca_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
) -> int:
    """Write the archive; return the number of occurrences (settled tasks) written."""
    columns = _Columns(dataset)
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.xml", meta_xml(columns.terms))
        archive.writestr("eml.xml", eml_xml(dataset))
        with archive.open("occurrence.txt", "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
            text.write("\t".join(["id", *columns.terms]) + "\n")
            for record in records:
                if not record.settled:
                    continue
                row = _row(dataset, columns, record)
                text.write("\t".join(_tsv(cell) for cell in row) + "\n")
                written += 1
            text.flush()
            text.detach()
    return written


def region_name(text: str) -> str:
    """A region as Darwin Core's stateProvince wants it, a name: an ISO 3166-2 code ("FR-38")
    is written as the division's ISO name ("Isère"); a name is kept as the label writes it."""
    code = text.strip().upper()
    if "-" not in code or len(code) > 6:
        return text
    found = pycountry.subdivisions.get(code=code)
    return text if found is None else _BRACKETS.sub("", str(found.name))


# ISO writes a second language's name in brackets: "Catalunya [Cataluña]".
_BRACKETS = re.compile(r"\s*\[[^\]]*\]")


def _settled(record: TaskRecord, key: str) -> str:
    value = record.values.get(key)
    return value.value if value is not None and value.settled else ""


def _metadata(record: TaskRecord, key: str) -> str:
    found = record.metadata.get(key)
    return "" if found is None else str(found).strip()


def _row(dataset: Dataset, columns: _Columns, record: TaskRecord) -> list[str]:
    # The institution's own occurrenceID, when the images came with one, is the one GBIF knows.
    identifier = _metadata(record, "occurrenceID") or occurrence_id(dataset, record.id)
    basis = (
        (_settled(record, columns.basis_field) if columns.basis_field else "")
        or _metadata(record, "basisOfRecord")
        or BASIS_OF_RECORD
    )
    row = [identifier, identifier, basis, dataset.licence.url]
    for key, split, parts in columns.fields:
        text = _settled(record, key)
        for other in columns.fallbacks.get(key, ()):
            text = text or _settled(record, other)
        if split:
            latitude, _, longitude = text.partition(",")
            coordinates = (latitude.strip(), longitude.strip())
            row += [coordinates[part] for part in parts]
        else:
            if key in columns.region_fields:
                text = region_name(text)
            row += [text if part == 0 else "" for part in parts]
    for key in columns.metadata:
        found = record.metadata.get(key)
        text = "" if found is None else str(found)
        row.append(region_name(text) if key == "stateProvince" else text)
    if columns.georeference:
        row += _georeference(record, columns)
    if columns.country_code:
        country = (
            _settled(record, columns.country_field)
            if columns.country_field
            else _metadata(record, "country")
        )
        row.append(country_code(country) or "")
    row.append(record.image_url)
    row.append(_remarks(record))
    row.append(
        json.dumps(
            {
                "consensus": {
                    key: {"status": value.status, "agreement": round(value.agreement, 4)}
                    for key, value in record.values.items()
                },
                "transcriptions": record.transcription_count,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
    )
    return row


def _georeference(record: TaskRecord, columns: _Columns) -> list[str]:
    """The georeference terms of the point the row carries: the label's, else the point a
    later field mapped to the same terms gave (a georeference step's)."""
    key = columns.point_field
    for other in columns.fallbacks.get(columns.point_field, ()):
        if _settled(record, key):
            break
        key = other
    value = record.values.get(key)
    made = value.georeference if value is not None and value.settled else None
    if made is None:
        return [""] * len(columns.georeference)
    cells = {
        "coordinateUncertaintyInMeters": ""
        if made.uncertainty_m is None
        else str(made.uncertainty_m),
        "georeferenceProtocol": made.protocol,
        "georeferenceSources": made.sources,
        "georeferencedBy": "|".join(made.by),
        "georeferenceVerificationStatus": made.verification,
    }
    return [cells[term] for term in columns.georeference]


def _remarks(record: TaskRecord) -> str:
    confidence = record.confidence()
    parts = ["Transcribed by volunteers and reconciled field by field"]
    if confidence is not None:
        parts.append(f"consensus confidence {confidence:.2f} (lowest field agreement)")
    curated = sorted(key for key, value in record.values.items() if value.method == "curator")
    if curated:
        parts.append("decided by a curator: " + ", ".join(curated))
    return "; ".join(parts) + "."


def _tsv(cell: str) -> str:
    # The archive declares no quoting: a tab or a line break inside a value would split it.
    return " ".join(cell.split()) if any(c in cell for c in "\t\r\n") else cell


def meta_xml(terms: list[str]) -> str:
    ET.register_namespace("", "http://rs.tdwg.org/dwc/text/")
    ns = "{http://rs.tdwg.org/dwc/text/}"
    root = ET.Element(f"{ns}archive", {"metadata": "eml.xml"})
    core = ET.SubElement(
        root,
        f"{ns}core",
        {
            "encoding": "UTF-8",
            "fieldsTerminatedBy": "\\t",
            "linesTerminatedBy": "\\n",
            "fieldsEnclosedBy": "",
            "ignoreHeaderLines": "1",
            "rowType": DWC + "Occurrence",
        },
    )
    files = ET.SubElement(core, f"{ns}files")
    ET.SubElement(files, f"{ns}location").text = "occurrence.txt"
    ET.SubElement(core, f"{ns}id", {"index": "0"})
    for index, term in enumerate(terms, start=1):
        ET.SubElement(core, f"{ns}field", {"index": str(index), "term": term_uri(term)})
    return _xml(root)


def eml_xml(dataset: Dataset) -> str:
    """EML 2.1.1 (GBIF profile): title, abstract, licence and the credited volunteers."""
    eml = "eml://ecoinformatics.org/eml-2.1.1"
    ET.register_namespace("eml", eml)
    root = ET.Element(
        f"{{{eml}}}eml",
        {
            "packageId": f"{dataset.url}#{dataset.generated_at:%Y%m%dT%H%M%S}",
            "system": dataset.base_url,
            "scope": "system",
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
        },
    )
    ds = ET.SubElement(root, "dataset")
    ET.SubElement(ds, "alternateIdentifier").text = dataset.url
    ET.SubElement(
        ds, "title", {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
    ).text = dataset.title_in("en")
    publisher = dataset.publisher or dataset.base_url
    for role in ("creator", "metadataProvider"):
        party = ET.SubElement(ds, role)
        ET.SubElement(party, "organizationName").text = publisher
        ET.SubElement(party, "onlineUrl").text = dataset.url
    for credit in dataset.credits:
        party = ET.SubElement(ds, "associatedParty")
        name = ET.SubElement(party, "individualName")
        ET.SubElement(name, "surName").text = credit.name
        # GBIF's role vocabulary (rs.gbif.org/vocabulary/gbif/agent_role.xml) has no
        # transcriber. The volunteers wrote the records' text from the sheets: they provided
        # the content. "processor" is for those who rework data that already exist;
        # "originator" and "author" would claim the collection or a publication.
        ET.SubElement(party, "role").text = "contentProvider"
    ET.SubElement(ds, "pubDate").text = dataset.generated_at.date().isoformat()
    abstract = ET.SubElement(ds, "abstract")
    for language in ("en", "fr"):
        text = dataset.description.get(language)
        if text:
            ET.SubElement(abstract, "para").text = text
    if not len(abstract):
        ET.SubElement(abstract, "para").text = dataset.title_in("en")
    if dataset.credits:
        info = ET.SubElement(ds, "additionalInfo")
        ET.SubElement(info, "para").text = (
            "Transcriptions by volunteers who chose to be named: " + dataset.credits_line() + "."
        )
    rights = ET.SubElement(ds, "intellectualRights")
    para = ET.SubElement(rights, "para")
    para.text = "This work is licensed under a "
    link = ET.SubElement(para, "ulink", {"url": dataset.licence.url})
    ET.SubElement(link, "citetitle").text = dataset.licence.name
    link.tail = " licence."
    distribution = ET.SubElement(ds, "distribution", {"scope": "document"})
    online = ET.SubElement(distribution, "online")
    ET.SubElement(online, "url", {"function": "information"}).text = dataset.url
    contact = ET.SubElement(ds, "contact")
    ET.SubElement(contact, "organizationName").text = publisher
    ET.SubElement(contact, "onlineUrl").text = dataset.url
    return _xml(root)


# What XML 1.0 forbids in a document, escaped or not: C0 controls but tab and line breaks, lone
# surrogates and the two non-characters. ElementTree would write them and make it ill-formed.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _xml(root: ET.Element) -> str:
    """The document as text, with every text and attribute made fit for XML 1.0."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for name, value in list(element.attrib.items()):
            element.set(name, xml_text(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
