"""The recognition rules without Django: grades from agreed values, badges from facts."""

from __future__ import annotations

from worker.recognition import (
    GRADE_THRESHOLDS,
    MASTERY_COMPARED,
    Facts,
    badges_due,
    grade_of,
)


def test_everyone_starts_at_the_first_grade_with_the_way_to_the_second():
    start = grade_of(0)
    assert (start.grade, start.next_grade, start.next_at, start.missing, start.percent) == (
        1,
        2,
        GRADE_THRESHOLDS[1],
        GRADE_THRESHOLDS[1],
        0,
    )


def test_a_grade_is_reached_at_its_threshold_exactly():
    assert grade_of(GRADE_THRESHOLDS[2] - 1).grade == 2
    assert grade_of(GRADE_THRESHOLDS[2]).grade == 3
    halfway = (GRADE_THRESHOLDS[2] + GRADE_THRESHOLDS[3]) // 2
    assert grade_of(halfway).percent == 50


def test_the_last_grade_has_no_next():
    top = grade_of(GRADE_THRESHOLDS[-1] * 3)
    assert (top.grade, top.next_grade, top.missing, top.percent) == (
        len(GRADE_THRESHOLDS),
        None,
        0,
        100,
    )


def test_no_facts_earn_no_badge():
    assert badges_due(Facts()) == set()


def test_each_badge_is_due_from_its_own_fact():
    assert badges_due(Facts(transcriptions=1)) == {("first_transcription", "")}
    assert ("agreed_100", "") in badges_due(Facts(agreed=100))
    assert ("agreed_1000", "") not in badges_due(Facts(agreed=999))
    assert ("agreed_1000", "") in badges_due(Facts(agreed=1000))
    assert badges_due(Facts(kept=1)) == {("kept_by_curator", "")}
    assert badges_due(Facts(flags_confirmed=1)) == {("flag_confirmed", "")}
    assert badges_due(Facts(months=2)) == set()
    assert badges_due(Facts(months=3)) == {("three_months", "")}


def test_mastery_asks_enough_compared_fields_at_high_accuracy_per_type():
    facts = Facts(
        known={
            "date": (MASTERY_COMPARED, MASTERY_COMPARED - 1),  # 90 %
            "text": (MASTERY_COMPARED, MASTERY_COMPARED - 2),  # 80 %
            "geopoint": (MASTERY_COMPARED - 1, MASTERY_COMPARED - 1),  # too few
        }
    )
    assert badges_due(facts) == {("field_type_mastered", "date")}
