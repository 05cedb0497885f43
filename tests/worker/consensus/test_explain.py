"""Explanations as codes with parameters: the catalogue, its English, and its stored form."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.explain import CATALOGUE, as_data, english, english_part, from_data
from worker.template import FieldSpec

# What a code looks like: "agree.exactly", "no_majority".
CODE = re.compile(r"[a-z_]+\.[a-z_]+|no_majority")
ENGINE = Path(__file__).resolve().parents[3] / "worker" / "consensus"


def sample(code: str, count: int = 2) -> tuple[object, ...]:
    """A part of `code` with plausible parameters."""
    return (code, *("1 km" if name == "distance" else count for name in CATALOGUE[code].params))


def codes_in_engine_source() -> set[str]:
    """Every string that starts a tuple literal in the engine: the codes of the parts it makes."""
    found = set()
    for path in ENGINE.glob("*.py"):
        if path.name == "explain.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and node.elts:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and CODE.fullmatch(str(first.value)):
                    found.add(str(first.value))
    return found


def test_every_code_the_engine_writes_is_in_the_catalogue():
    codes = codes_in_engine_source()
    assert {"agree.exactly", "dissent.blank", "reason.threshold", "geo.swapped"} <= codes
    assert codes - set(CATALOGUE) == set()


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_renders_in_english_with_its_parameters(code):
    part = sample(code, 7)
    text = english_part(part)
    assert "%(" not in text
    assert text.strip()
    for value in part[1:]:
        assert str(value) in text


def test_english_picks_the_plural_by_the_count():
    assert english([("text.outvoted", 1)]) == "1 similar reading outvoted letter by letter"
    assert english([("text.outvoted", 2)]) == "2 similar readings outvoted letter by letter"


def test_an_outcome_keeps_its_parts_and_says_them_in_english():
    spec = FieldSpec(key="name", type="text", label={"fr": "Nom", "en": "Name"})
    rows = [
        Submission(user, {"name": text})
        for user, text in (("a", "Quercus"), ("b", "Quercus"), ("c", ""))
    ]
    outcome = reconcile_task([spec], rows, Policy()).fields["name"]
    assert outcome.notes == (("agree.exactly", 2, 3), ("dissent.blank", 1))
    assert outcome.explanation == "2 of 3 agree exactly; 1 left it blank"


def test_parts_go_to_json_and_back_unchanged():
    parts = (("agree.within", "1 km", 2, 3), ("geo.swapped", 1), ("reason.threshold", 50, 60))
    data = as_data(parts)
    assert data[0] == {"code": "agree.within", "params": {"distance": "1 km", "support": 2, "n": 3}}
    assert from_data(data) == parts


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "agree.exactly",
        [{"code": "no.such.code", "params": {}}],
        [{"code": "agree.exactly", "params": {"support": 2}}],
        [{"code": "agree.exactly", "params": {"support": 2, "n": 3, "extra": 1}}],
        [{"code": "agree.exactly", "params": {"support": [2], "n": 3}}],
        [{"code": "agree.exactly"}],
        ["agree.exactly"],
    ],
)
def test_stored_parts_that_are_not_exactly_known_are_refused(data):
    assert from_data(data) is None
