"""Character-level alignment of one answer onto another, and the vote built on it.

Answers of the same reading differ in a few places (a typo, a dropped accent, a missing
word), so the common prefix and suffix are stripped before the quadratic alignment runs on
what is left: most alignments cost a handful of steps instead of a full table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

# Above this many table cells the two answers are not the same reading for the vote.
MAX_CELLS = 2500


@dataclass(frozen=True, slots=True)
class Edits:
    """How an answer differs from the base: replaced base positions and inserted text."""

    distance: int  # edit distance on the folded characters
    replaced: dict[int, str]  # base position -> what the answer has there ("" = nothing)
    inserted: dict[int, str]  # slot before base position (len(base) = at the end) -> text


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b` when at most `limit`, else `limit + 1`.

    RapidFuzz's, in C: answers are compared pairwise in every field where they differ, and
    its bounded distance gives up as soon as the limit is passed, as ours did.
    """
    return Levenshtein.distance(a, b, score_cutoff=limit)


def align(base: str, base_folded: str, other: str, other_folded: str) -> Edits | None:
    """The edits that turn `base` into `other`, aligned on their folded characters.

    Folded strings have one character per original character, so positions carry over;
    a position whose folded characters match still records the original character when it
    differs (case, accent), since the vote is about the verbatim form.
    """
    lb, lo = len(base_folded), len(other_folded)
    start = 0
    shortest = min(lb, lo)
    while start < shortest and base_folded[start] == other_folded[start]:
        start += 1
    end = 0
    while end < shortest - start and base_folded[lb - 1 - end] == other_folded[lo - 1 - end]:
        end += 1
    mid_a, mid_b = base_folded[start : lb - end], other_folded[start : lo - end]
    if len(mid_a) * len(mid_b) > MAX_CELLS:
        return None
    replaced: dict[int, str] = {}
    inserted: dict[int, str] = {}
    # Matched prefix and suffix: only case or accent can differ there.
    if base[:start] != other[:start]:
        for i in range(start):
            if base[i] != other[i]:
                replaced[i] = other[i]
    if end and base[lb - end :] != other[lo - end :]:
        for k in range(1, end + 1):
            if base[lb - k] != other[lo - k]:
                replaced[lb - k] = other[lo - k]
    distance = _align_middle(
        mid_a, mid_b, base[start : lb - end], other[start : lo - end], start, replaced, inserted
    )
    return Edits(distance, replaced, inserted)


def _align_middle(
    a: str,
    b: str,
    a_text: str,
    b_text: str,
    offset: int,
    replaced: dict[int, str],
    inserted: dict[int, str],
) -> int:
    if not a:
        if b_text:
            inserted[offset] = b_text
        return len(b)
    if not b:
        for i in range(len(a)):
            replaced[offset + i] = ""
        return len(a)
    rows, cols = len(a), len(b)
    table = [list(range(cols + 1))]
    for i in range(1, rows + 1):
        row = [i]
        ca = a[i - 1]
        above = table[i - 1]
        for j in range(1, cols + 1):
            cost = above[j - 1] + (ca != b[j - 1])
            if above[j] + 1 < cost:
                cost = above[j] + 1
            if row[j - 1] + 1 < cost:
                cost = row[j - 1] + 1
            row.append(cost)
        table.append(row)
    # Walk back from the end; insertions collect per slot, in reading order.
    i, j = rows, cols
    pending: list[str] = []
    while i > 0 or j > 0:
        here = table[i][j]
        if i > 0 and j > 0 and here == table[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if pending:
                inserted[offset + i] = "".join(reversed(pending))
                pending = []
            if a_text[i - 1] != b_text[j - 1]:
                replaced[offset + i - 1] = b_text[j - 1]
            i, j = i - 1, j - 1
        elif i > 0 and here == table[i - 1][j] + 1:
            if pending:
                inserted[offset + i] = "".join(reversed(pending))
                pending = []
            replaced[offset + i - 1] = ""
            i -= 1
        else:
            pending.append(b_text[j - 1])
            j -= 1
    if pending:
        inserted[offset] = "".join(reversed(pending))
    return table[rows][cols]


@dataclass(frozen=True, slots=True)
class VoteResult:
    text: str
    min_share: float  # the weakest winning weight share over every disputed position
    min_count: int  # the fewest contributors behind a winner at a disputed position


def vote(
    base: str, base_weight: float, base_count: int, members: Sequence[tuple[Edits, float, int]]
) -> VoteResult:
    """Rebuild the text position by position from the base and the aligned members.

    `members` are (edits, weight, number of contributors) per distinct form. Every disputed
    position and gap goes to the weighted majority of the participants; a tie keeps the
    base's character, so nobody's insertion wins without a majority.
    """
    total = base_weight + sum(weight for _, weight, _ in members)
    everyone = base_count + sum(count for _, _, count in members)
    if not members or total <= 0:
        return VoteResult(base, 1.0, everyone)
    positions: dict[int, dict[str, list[float]]] = {}
    slots: dict[int, dict[str, list[float]]] = {}
    for edits, weight, count in members:
        for table, edits_of_kind in ((positions, edits.replaced), (slots, edits.inserted)):
            for where, text in edits_of_kind.items():
                entry = table.setdefault(where, {}).setdefault(text, [0.0, 0])
                entry[0] += weight
                entry[1] += count
    min_share, min_count = 1.0, everyone
    out: list[str] = []
    for index in range(len(base) + 1):
        inserts = slots.get(index)
        if inserts is not None:
            text, share, count = _winner(inserts, "", total, everyone)
            min_share, min_count = min(min_share, share), min(min_count, count)
            out.append(text)
        if index == len(base):
            break
        tally = positions.get(index)
        if tally is None:
            out.append(base[index])
        else:
            text, share, count = _winner(tally, base[index], total, everyone)
            min_share, min_count = min(min_share, share), min(min_count, count)
            out.append(text)
    return VoteResult("".join(out), min_share, min_count)


def _winner(
    tally: dict[str, list[float]], default: str, total: float, everyone: int
) -> tuple[str, float, int]:
    best = default
    best_weight = total - sum(weight for weight, _ in tally.values())
    best_count = everyone - int(sum(count for _, count in tally.values()))
    # Sorted, so that equal weights resolve the same way whatever the order of the answers.
    for text, (weight, count) in sorted(tally.items()):
        if weight > best_weight + 1e-9:
            best, best_weight, best_count = text, weight, int(count)
    return best, best_weight / total, best_count
