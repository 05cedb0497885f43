"""JSON lines exports: every value with its provenance, contributors by pseudonym. No database:
writers take plain records."""

from __future__ import annotations

import gzip
import json

from tests.worker.export_records import HERBARIUM, WHEN, dataset, sheet, write
from worker.exports import FORMATS
from worker.exports.records import (
    Alternative,
    Decision,
    Value,
)


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
