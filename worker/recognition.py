"""Recognition rules without Django: a volunteer's grade in a project and the badges their
record earns. The platform counts; these functions decide.

Grades and badges reward care, not speed: they count **agreed values**, a volunteer's answers
to a field that match the value the project settled on (by agreement or by a curator), never
raw submissions. A fast, careless volunteer sends many answers and few of them are agreed; a
careful one climbs faster with fewer. Grades are not the training levels of
`worker/training.py`, which gate fields on known-answer accuracy: a grade gates nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Agreed values each grade asks, the first being where everyone starts. A herbarium sheet has
# about ten fields, eight of them agreed on a typical image: grade 2 comes with the first few
# images, grade 4 after some sixty careful ones, the last after more than a thousand.
GRADE_THRESHOLDS: tuple[int, ...] = (0, 20, 100, 500, 2000, 10000)


@dataclass(frozen=True)
class GradeProgress:
    grade: int  # 1 .. len(GRADE_THRESHOLDS)
    agreed: int
    next_grade: int | None  # None at the top
    next_at: int | None  # agreed values the next grade asks
    missing: int  # agreed values still to go (0 at the top)
    percent: int  # progress from this grade's threshold to the next, 0..100 (100 at the top)


def grade_of(agreed: int, thresholds: tuple[int, ...] = GRADE_THRESHOLDS) -> GradeProgress:
    """The grade `agreed` values reach, and how far the next one is."""
    agreed = max(0, agreed)
    grade = sum(1 for threshold in thresholds if agreed >= threshold)
    if grade >= len(thresholds):
        return GradeProgress(grade, agreed, None, None, 0, 100)
    low, high = thresholds[grade - 1], thresholds[grade]
    percent = int(100 * (agreed - low) / (high - low))
    return GradeProgress(grade, agreed, grade + 1, high, high - agreed, percent)


# Badge kinds. A badge is earned once per project (per field type for mastery) and kept.
FIRST_TRANSCRIPTION = "first_transcription"
AGREED_100 = "agreed_100"
AGREED_1000 = "agreed_1000"
FIELD_TYPE_MASTERED = "field_type_mastered"
KEPT_BY_CURATOR = "kept_by_curator"
FLAG_CONFIRMED = "flag_confirmed"
THREE_MONTHS = "three_months"

BADGE_KINDS: tuple[str, ...] = (
    FIRST_TRANSCRIPTION,
    AGREED_100,
    AGREED_1000,
    FIELD_TYPE_MASTERED,
    KEPT_BY_CURATOR,
    FLAG_CONFIRMED,
    THREE_MONTHS,
)

# Mastering a field type: this many of its fields compared with a blind known answer (never
# practice, whose answers the volunteer sees), at this accuracy or better.
MASTERY_COMPARED = 10
MASTERY_ACCURACY = 0.9
# Months (calendar months with at least one agreed value) for the faithful volunteer's badge.
MONTHS_ACTIVE = 3


@dataclass(frozen=True)
class Facts:
    """What a volunteer did in one project, as the platform counted it."""

    transcriptions: int = 0  # answers that count (not voided)
    agreed: int = 0  # agreed values
    kept: int = 0  # disputed values a curator settled on their answer
    months: int = 0  # calendar months in which they gave an answer that was agreed
    known: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # type: (compared, matched)
    flags_confirmed: int = 0  # images they flagged that a curator confirmed interesting


def badges_due(facts: Facts) -> set[tuple[str, str]]:
    """Every badge (kind, detail) the facts earn; detail is the field type for mastery, ""
    otherwise. Pure and total: the caller stores what is not stored yet."""
    due: set[tuple[str, str]] = set()
    if facts.transcriptions >= 1:
        due.add((FIRST_TRANSCRIPTION, ""))
    if facts.agreed >= 100:
        due.add((AGREED_100, ""))
    if facts.agreed >= 1000:
        due.add((AGREED_1000, ""))
    if facts.kept >= 1:
        due.add((KEPT_BY_CURATOR, ""))
    if facts.flags_confirmed >= 1:
        due.add((FLAG_CONFIRMED, ""))
    if facts.months >= MONTHS_ACTIVE:
        due.add((THREE_MONTHS, ""))
    for field_type, (compared, matched) in facts.known.items():
        if compared >= MASTERY_COMPARED and matched >= MASTERY_ACCURACY * compared:
            due.add((FIELD_TYPE_MASTERED, field_type))
    return due
