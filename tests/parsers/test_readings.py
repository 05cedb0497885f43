"""The shared table of readings (readings.json), run against the Python readers.

Each entry is read twice: as the consensus engine reads a stored answer, and as submission
checks it (an answer the engine could not read is refused, with the field's message). The same
table runs against the transcription page's preview in readings.test.mjs (test_preview.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tasks.values import ValuesRejected, values_check
from worker.consensus.dates import read_date
from worker.consensus.geo import read_point
from worker.consensus.model import MARKERS, Reading
from worker.consensus.numbers import read_number
from worker.consensus.select import read_option
from worker.template import FieldSpec, Option

TABLE = json.loads((Path(__file__).parent / "readings.json").read_text(encoding="utf-8"))
TYPED_FIELDS = ("date", "number", "geopoint")


def _cases(kind: str) -> list[Any]:
    return [pytest.param(entry, id=f"{kind}:{entry['typed']!r}") for entry in TABLE[kind]]


def _spec(kind: str, options: list[dict[str, Any]] | None = None, unit: str = "") -> FieldSpec:
    vocabulary = tuple(
        Option(value=o["value"], label=o.get("label", {}), synonyms=tuple(o.get("synonyms", ())))
        for o in options or ()
    )
    return FieldSpec(
        key="answer", type=kind, label={"en": "Answer"}, vocabulary=vocabulary, unit=unit
    )


def _shown(reading: Reading) -> str | None:
    """The table's form of an engine reading: its normal text, the marker, or None."""
    if reading.kind in MARKERS:
        return reading.kind
    key = reading.key
    if reading.kind != "value" or (isinstance(key, tuple) and key[:1] == ("text",)):
        return None
    return reading.text


def _read(kind: str, entry: dict[str, Any]) -> str | None:
    typed = entry["typed"]
    if kind == "date":
        return _shown(read_date(typed, entry.get("day_first", True)))
    if kind == "number":
        return _shown(read_number(typed, entry.get("unit", "")))
    if kind == "geopoint":
        return _shown(read_point(typed))
    return _shown(read_option(typed, _spec("select", entry["options"])))


def _accepted(kind: str, entry: dict[str, Any]) -> bool:
    spec = _spec(kind, entry.get("options"), entry.get("unit", ""))
    try:
        values_check(specs=(spec,), values={"answer": entry["typed"]}, markers={})
    except ValuesRejected:
        return False
    return True


@pytest.mark.parametrize("entry", [c for kind in (*TYPED_FIELDS, "select") for c in _cases(kind)])
def test_the_engine_reads_each_answer_of_the_table_as_the_table_says(entry):
    kind = next(k for k in (*TYPED_FIELDS, "select") if entry in TABLE[k])
    assert _read(kind, entry) == entry["reading"]


@pytest.mark.parametrize("entry", [c for kind in (*TYPED_FIELDS, "select") for c in _cases(kind)])
def test_submission_accepts_exactly_the_answers_the_table_reads(entry):
    kind = next(k for k in (*TYPED_FIELDS, "select") if entry in TABLE[k])
    assert _accepted(kind, entry) == (entry["reading"] is not None)


def test_the_table_covers_every_typed_field_and_refusals_for_each():
    for kind in (*TYPED_FIELDS, "select"):
        readings = [entry["reading"] for entry in TABLE[kind]]
        assert None in readings, kind
        assert any(r is not None for r in readings), kind
    assert any(entry.get("day_first") is False for entry in TABLE["date"])
    with_unit = [entry["reading"] for entry in TABLE["number"] if entry.get("unit")]
    assert None in with_unit
    assert any(r is not None for r in with_unit)
