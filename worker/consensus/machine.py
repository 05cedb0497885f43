"""The machine reading as a voter: one more submission, built from the OCR text of the image.

The engine never learns where on a label a field is printed; what it can tell is whether an
answer people gave is printed on the image. So the machine votes, in a field, for the one
answer among the people's that it finds best in its text (the answer's folded words, in order, on
one line or across two, within a small edit distance), and stays out of the field otherwise:
when no answer is found (handwriting, a value written differently from the label's text, a
date typed as ISO), when two different answers are found as well as each other (the
collector's name typed in the locality), and in blank fields. It never proposes a value of its own, so it cannot
bring in a reading nobody made; it breaks ties between people, which is where adaptive
redundancy asks for one more transcription.

Answers built from the machine's words are not independent of it: in a field where anyone
took machine words (the provenance their transcription records), the machine does not vote,
since its evidence is already in those answers.

Its weight per field type is learnt from settled values, as a contributor's is
(reliability.py); it never counts as a transcription, nor proves a value alone (model.py).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence

from rapidfuzz import fuzz

from worker.consensus.model import UNASKED, Submission
from worker.template import FieldSpec

MACHINE = "machine"
# Field types the machine may vote in: their answers are copied from the label as printed.
VOTING_TYPES = frozenset({"text", "select", "number", "date"})
# How close (0-100) an answer's folded text must come to a stretch of the machine's text.
MATCH_SCORE = 90.0
# Of two answers both found, the better must be this much closer to be voted for.
MARGIN = 1.0
# Answers shorter than this are too easily found by chance ("L.", "12").
MIN_LENGTH = 3

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def folded(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: how answers and text compare."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", bare)).strip()


def machine_score(answer: str, lines: Sequence[str]) -> float:
    """How closely (0-100) `answer` is printed in the machine's `lines` (already `folded`),
    on one line or across two that follow each other: 100 when it is there letter for
    letter."""
    wanted = folded(answer)
    if len(wanted) < MIN_LENGTH:
        return 0.0
    best = 0.0
    for index, line in enumerate(lines):
        if wanted in line:
            return 100.0
        pair = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if len(pair) >= len(wanted):
            best = max(best, fuzz.partial_ratio(wanted, pair))
    return best


def machine_finds(answer: str, lines: Sequence[str]) -> bool:
    return machine_score(answer, lines) >= MATCH_SCORE


def machine_submission(
    fields: Sequence[FieldSpec],
    submissions: Sequence[Submission],
    text: str,
    *,
    weights: Mapping[str, float] | None = None,
    taken: Collection[str] = (),
) -> Submission | None:
    """The machine's vote on a task whose people gave `submissions`, from the text it read
    (lines separated by newlines); None when it votes in no field. `weights`: per field type,
    learnt (the prior, 1, when unknown). `taken`: the fields into which someone inserted
    machine words (their answers' provenance), where the machine does not vote."""
    lines = [line for line in (folded(raw) for raw in text.splitlines()) if line]
    if not lines:
        return None
    values: dict[str, str] = {}
    markers: dict[str, str] = {}
    for spec in fields:
        voting = spec.type in VOTING_TYPES and spec.key not in taken
        choice = _field_vote(spec, submissions, lines) if voting else None
        if choice is None:
            markers[spec.key] = UNASKED
        else:
            values[spec.key] = choice
    if not values:
        return None
    return Submission(
        user=MACHINE,
        values=values,
        markers=markers,
        weights=dict(weights or {}),
        trusted=True,
        machine=True,
    )


def _field_vote(spec: FieldSpec, submissions: Sequence[Submission], lines: list[str]) -> str | None:
    key = spec.key
    answers: dict[str, str] = {}  # folded -> the first answer typed that way
    for submission in submissions:
        if submission.machine or submission.markers.get(key) == UNASKED:
            continue
        raw = str(submission.values.get(key) or "").strip()
        if raw and key not in submission.markers:
            answers.setdefault(folded(raw), raw)
    scored = sorted(
        ((machine_score(raw, lines), raw) for shape, raw in sorted(answers.items()) if shape),
        reverse=True,
    )
    found = [(score, raw) for score, raw in scored if score >= MATCH_SCORE]
    if not found:
        return None
    # Two answers found as well as each other (both printed, in different places): no vote.
    if len(found) > 1 and found[0][0] - found[1][0] < MARGIN:
        return None
    return found[0][1]
