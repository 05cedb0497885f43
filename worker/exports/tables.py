"""CSV exports: one row per task (the consensus) and one row per transcription (raw).

Both are Frictionless Data Packages in a zip: the CSV itself, RFC 4180 and UTF-8, untouched by
any preamble so that every reader opens it, and `datapackage.json` beside it carrying the
licence, the credits and the type of every column. The raw CSV is the flat format other
reconciliation tools read (`subject_id,user_name,<field>…`, rows of a subject together, in
arrival order), with `fields.txt` listing `name:type` pairs.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import IO, Any

from worker.consensus.geo import parse_point
from worker.exports.records import Dataset, TaskRecord, Value

# A cell a spreadsheet would run as a formula (=, @, + or - followed by more than a number).
# Plain numbers, dates, coordinates and the dash people type for "nothing" stay as they are.
_NUMBERISH = re.compile(r"[+\-]?[\d\s.,:;/°'\"NSEWnsew+\-]*")


def cell_safe(text: str) -> str:
    """Keep a hostile value from running as a spreadsheet formula: prefix it with a quote."""
    if not text:
        return text
    if text[0] in "=@\t\r" or (text[0] in "+-" and not _NUMBERISH.fullmatch(text)):
        return "'" + text
    return text


def metadata_cell(value: object) -> str:
    """A task's metadata value as a cell: text as is, numbers as written, structures, true and
    false as JSON, so that any reader can parse them back; nothing (null) as an empty cell, what
    a data package reads as a missing value."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return cell_safe(text)


# A point's parts, each in a column of its own after the point: "lat,lon" is one cell that
# nobody reading a spreadsheet can tell from "lon,lat", and a number per column is what
# spreadsheets and mapping tools read.
POINT_PARTS = ("latitude", "longitude")
# A settled point's georeference, after its parts (worker.exports.georeference).
POINT_GEOREFERENCE = (
    "coordinateUncertaintyInMeters",
    "georeferenceProtocol",
    "georeferenceSources",
    "georeferencedBy",
    "georeferenceVerificationStatus",
)


def results_columns(dataset: Dataset) -> list[str]:
    columns = ["subject_id", "file_name", "batch", "state", "confidence"]
    columns += [f"metadata.{key}" for key in dataset.metadata_keys]
    for spec in dataset.fields:
        columns.append(spec.key)
        if spec.type == "geopoint":
            columns += [f"{spec.key}.{part}" for part in POINT_PARTS]
        columns += [f"{spec.key}.status", f"{spec.key}.agreement", f"{spec.key}.method"]
        if spec.type == "geopoint":
            columns += [f"{spec.key}.{term}" for term in POINT_GEOREFERENCE]
    return columns


def point_cells(value: str) -> list[str]:
    """A stored point's latitude and longitude as two cells; two blanks for anything else."""
    point = parse_point(value) if value else None
    return ["", ""] if point is None else [f"{point[0]:.4f}", f"{point[1]:.4f}"]


def results_csv_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
) -> int:
    """Write the consensus export (zip: `<slug>.csv` and `datapackage.json`); return the rows."""
    columns = results_columns(dataset)
    name = f"{dataset.slug}.csv"
    rows = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(columns)
            for record in records:
                writer.writerow(_results_row(dataset, record))
                rows += 1
            text.flush()
            text.detach()
        schema = _results_schema(dataset, columns)
        archive.writestr("datapackage.json", _package(dataset, name, "consensus", schema))
    return rows


def _results_row(dataset: Dataset, record: TaskRecord) -> list[str]:
    confidence = record.confidence()
    row = [
        str(record.id),
        cell_safe(record.name),
        cell_safe(record.batch_name),
        record.state,
        "" if confidence is None else f"{confidence:.4f}",
    ]
    row += [metadata_cell(record.metadata.get(key)) for key in dataset.metadata_keys]
    for spec in dataset.fields:
        value = record.values.get(spec.key)
        parts = [] if spec.type != "geopoint" else point_cells(value.value if value else "")
        if value is None:
            row += ["", *parts, "", "", ""]
        else:
            row += [cell_safe(value.value), *parts, value.status, f"{value.agreement:.4f}"]
            row.append(value.method)
        if spec.type == "geopoint":
            row += georeference_cells(value)
    return row


def georeference_cells(value: Value | None) -> list[str]:
    made = value.georeference if value is not None else None
    if made is None:
        return [""] * len(POINT_GEOREFERENCE)
    radius = "" if made.uncertainty_m is None else str(made.uncertainty_m)
    return [radius, made.protocol, made.sources, "|".join(made.by), made.verification]


def raw_csv_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
) -> int:
    """Write every transcription as typed (zip: CSV, `fields.txt`, `datapackage.json`).

    Returns the number of transcriptions written. Markers ("illegible", "not on the image") are
    written as the words a volunteer types for them, so other tools see them as such.
    """
    name = f"{dataset.slug}-transcriptions.csv"
    keys = [spec.key for spec in dataset.fields]
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(["subject_id", "user_name", *keys])
            for record in records:
                for entry in sorted(record.transcriptions, key=lambda e: e.at):
                    cells = [_raw_cell(entry.values, entry.markers, key) for key in keys]
                    writer.writerow([str(record.id), entry.contributor, *cells])
                    written += 1
            text.flush()
            text.detach()
        fields_line = ",".join(f"{spec.key}:{spec.type}" for spec in dataset.fields)
        archive.writestr("fields.txt", fields_line + "\n")
        schema = {
            "fields": [
                {"name": "subject_id", "type": "integer"},
                {"name": "user_name", "type": "string", "description": "pseudonymous contributor"},
                *({"name": key, "type": "string"} for key in keys),
            ]
        }
        archive.writestr("datapackage.json", _package(dataset, name, "transcriptions", schema))
    return written


MARKER_WORDS = {"illegible": "illegible", "absent": "s.n."}


def _raw_cell(values: Any, markers: Any, key: str) -> str:
    marker = markers.get(key)
    if marker in MARKER_WORDS:
        return MARKER_WORDS[marker]
    return cell_safe(str(values.get(key) or ""))


def _results_schema(dataset: Dataset, columns: list[str]) -> dict[str, Any]:
    types = {"subject_id": "integer", "confidence": "number"}
    descriptions = {
        "confidence": "lowest agreement over the task's non-blank fields (0 to 1)",
        "state": "open, needs_more, complete, disputed or resolved",
    }
    for spec in dataset.fields:
        types[f"{spec.key}.agreement"] = "number"
        descriptions[spec.key] = spec.label_in("en")
        if spec.type == "geopoint":
            descriptions[spec.key] += " (latitude,longitude in decimal degrees, WGS84)"
            for part in POINT_PARTS:
                types[f"{spec.key}.{part}"] = "number"
                descriptions[f"{spec.key}.{part}"] = f"{part}, decimal degrees (WGS84)"
            types[f"{spec.key}.coordinateUncertaintyInMeters"] = "integer"
            for term in POINT_GEOREFERENCE:
                descriptions[f"{spec.key}.{term}"] = f"Darwin Core {term} of the settled point"
        descriptions[f"{spec.key}.status"] = "agreed, needs_more, disputed, blank or resolved"
    return {
        "fields": [
            {"name": column, "type": types.get(column, "string")}
            | ({"description": descriptions[column]} if column in descriptions else {})
            for column in columns
        ],
        "primaryKey": "subject_id",
    }


_FORMULAS_NOTE = (
    "A cell that a spreadsheet would run as a formula (one starting with =, @, a tab, a carriage"
    " return, or + or - followed by more than a number) is written with a ' before it."
)


def _package(dataset: Dataset, path: str, kind: str, schema: dict[str, Any]) -> str:
    """A Frictionless Data Package descriptor: what the CSV is, under which licence, by whom."""
    descriptor = {
        "name": f"{dataset.slug}-{kind}".lower(),
        "title": dataset.title_in("en"),
        "description": dataset.description.get("en") or dataset.description.get("fr", ""),
        "homepage": dataset.url,
        "created": dataset.generated_at.isoformat(),
        "licenses": [
            {
                "name": dataset.licence.code,
                "path": dataset.licence.url,
                "title": dataset.licence.name,
            }
        ],
        "contributors": [
            {"title": credit.name, "role": "contributor", "transcriptions": credit.transcriptions}
            for credit in dataset.credits
        ],
        "resources": [
            {
                "name": kind,
                "path": path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": _FORMULAS_NOTE,
                "schema": schema,
            }
        ],
    }
    return json.dumps(descriptor, ensure_ascii=False, indent=2)
