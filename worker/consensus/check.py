"""Compare a contributor's answers with known answers (an expert's values), field by field.

Two answers match when the engine would count them as the same value: the comparison is the
consensus itself, run on the two of them (an expert and the contributor), so "12 juin 1898"
matches "12/06/1898", points match within the project's tolerance and a text matches once
folded as the engine folds it. Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from worker.consensus.engine import canonical_order, reconcile_field
from worker.consensus.markers import marker_of
from worker.consensus.model import ILLEGIBLE, MARKERS, Policy, Submission
from worker.template import FieldSpec

# The two voters of a comparison; sorted so, their order never changes an outcome.
EXPECTED = "0-expected"
GIVEN = "1-given"


@dataclass(frozen=True)
class FieldCheck:
    key: str
    type: str
    match: bool
    expected: str  # the known answer, as the engine writes it ("" for a blank field)
    given: str  # the contributor's answer, as typed ("" when left blank)
    given_marker: str = ""  # "illegible" or "absent" when the contributor marked the field


def expected_unchecked(value: object, marker: str | None) -> bool:
    """Whether an expected value leaves its field uncompared: the expert marked it illegible,
    or typed a placeholder that says so ("non lisible", "???")."""
    return marker == ILLEGIBLE or marker_of(str(value or "")) == ILLEGIBLE


def answers_check(
    fields: Sequence[FieldSpec],
    *,
    expected: Mapping[str, str],
    expected_markers: Mapping[str, str] | None = None,
    given: Mapping[str, str],
    given_markers: Mapping[str, str] | None = None,
    policy: Policy | None = None,
    keys: Sequence[str] | None = None,
) -> list[FieldCheck]:
    """Each field of `fields` (or only those in `keys`) compared: known answer against given.

    A field that both leave blank (or mark absent) is not compared: an account that types
    nothing would otherwise score on every empty field of a label. A field the known answer
    marks illegible is not compared either (nobody can be right about it)."""
    base = policy or Policy()
    # Two voters of equal weight, both trusted, and a threshold that needs both.
    pair_policy = replace(base, min_transcriptions=2, max_transcriptions=2, agreement_threshold=1.0)
    expected_markers = expected_markers or {}
    given_markers = {k: v for k, v in (given_markers or {}).items() if v in MARKERS}
    pair = canonical_order(
        [
            Submission(EXPECTED, dict(expected), dict(expected_markers)),
            Submission(GIVEN, dict(given), given_markers),
        ]
    )
    wanted = set(keys) if keys is not None else None
    checks = []
    for spec in fields:
        if wanted is not None and spec.key not in wanted:
            continue
        if expected_unchecked(expected.get(spec.key), expected_markers.get(spec.key)):
            continue
        if _empty(expected.get(spec.key), expected_markers.get(spec.key)) and _empty(
            given.get(spec.key), given_markers.get(spec.key)
        ):
            continue
        outcome = reconcile_field(spec, pair, pair_policy)
        match = outcome.accepted and set(outcome.agreeing) == {EXPECTED, GIVEN}
        checks.append(
            FieldCheck(
                key=spec.key,
                type=spec.type,
                match=match,
                expected=_expected_text(outcome.value, outcome.accepted, expected, spec.key),
                given=str(given.get(spec.key) or ""),
                given_marker=given_markers.get(spec.key, ""),
            )
        )
    return checks


def _empty(value: str | None, marker: str | None) -> bool:
    return not (value or "").strip() and marker in (None, "", "absent")


def _expected_text(value: str, accepted: bool, expected: Mapping[str, str], key: str) -> str:
    # When both agreed, the engine's canonical form; otherwise the expert's text as written.
    if accepted and value:
        return value
    return str(expected.get(key) or "")
