"""Trust in the engine: values backed only by unproven contributors are never accepted, and an
unproven contributor's vote weighs less than a proven one's."""

from __future__ import annotations

from worker.consensus import (
    AGREED,
    BLANK,
    COMPLETE,
    DISPUTED,
    NEEDS_MORE,
    Policy,
    Submission,
    reconcile_task,
)
from worker.consensus.decide import UNPROVEN_REASON

from .helpers import spec

FIELDS = [spec("name", "text"), spec("year", "number"), spec("date", "date")]
VALUES = {"name": "Quercus ilex L.", "year": "1898", "date": "12 juin 1898"}


def _submissions(*trust: bool, values: dict[str, str] | None = None) -> list[Submission]:
    return [
        Submission(user=f"u{index}", values=values or VALUES, trusted=trusted)
        for index, trusted in enumerate(trust)
    ]


def test_two_unproven_contributors_agreeing_ask_for_another_reader_with_the_reason():
    outcome = reconcile_task(FIELDS, _submissions(False, False), Policy(max_transcriptions=3))
    assert outcome.decision == NEEDS_MORE
    for result in outcome.fields.values():
        assert result.status == NEEDS_MORE
        assert UNPROVEN_REASON in result.explanation
        assert result.support == 2  # what they gave is still shown, just not settled


def test_unproven_contributors_only_go_to_curators_at_the_maximum():
    outcome = reconcile_task(
        FIELDS, _submissions(False, False, False), Policy(max_transcriptions=3)
    )
    assert outcome.decision == DISPUTED
    assert {r.status for r in outcome.fields.values()} == {DISPUTED}


def test_blanks_left_by_unproven_contributors_alone_are_not_settled_either():
    blank = {"name": "", "year": "", "date": ""}
    outcome = reconcile_task(FIELDS, _submissions(False, False, values=blank), Policy())
    assert {r.status for r in outcome.fields.values()} == {NEEDS_MORE}


def test_one_proven_contributor_agreeing_with_an_unproven_one_settles_the_value():
    outcome = reconcile_task(FIELDS, _submissions(True, False), Policy())
    assert outcome.decision == COMPLETE
    assert {r.status for r in outcome.fields.values()} == {AGREED}
    blank = {"name": "", "year": "", "date": ""}
    outcome = reconcile_task(FIELDS, _submissions(False, True, values=blank), Policy())
    assert {r.status for r in outcome.fields.values()} == {BLANK}


def test_two_different_forms_backed_only_by_unproven_contributors_are_not_settled():
    # The general rule (not the unanimous shortcut): same name, typed differently.
    submissions = [
        Submission(user="a", values={"name": "Quercus ilex L."}, trusted=False),
        Submission(user="b", values={"name": "quercus ilex l."}, trusted=False),
        Submission(user="c", values={"name": "Quercus ilex L."}, trusted=False),
    ]
    result = reconcile_task([spec("name", "text")], submissions, Policy()).fields["name"]
    assert result.status == NEEDS_MORE
    assert UNPROVEN_REASON in result.explanation


def test_an_unproven_contributor_with_a_high_learnt_weight_still_weighs_at_most_the_cap():
    # Two unproven accounts claiming the cap weight 3 against one proven reader: the proven
    # reader's answer leads, the pair's cannot settle.
    submissions = [
        Submission(user="a", values={"year": "1898"}, weights={"number": 3.0}, trusted=False),
        Submission(user="b", values={"year": "1898"}, weights={"number": 3.0}, trusted=False),
        Submission(user="c", values={"year": "1899"}, weights={"number": 1.5}, trusted=True),
    ]
    result = reconcile_task([spec("year", "number")], submissions, Policy()).fields["year"]
    assert result.value == "1899"
    assert result.status != AGREED
    weights = {alt.value: alt.weight for alt in result.alternatives}
    assert weights["1898"] == Policy().unproven_weight * 2


def test_a_newcomer_weighs_less_than_a_proven_contributor_at_the_prior():
    submissions = [
        Submission(user="new", values={"year": "1898"}, trusted=False),
        Submission(user="old", values={"year": "1899"}, trusted=True),
    ]
    result = reconcile_task([spec("year", "number")], submissions, Policy()).fields["year"]
    assert result.value == "1899"
    assert result.alternatives[0].weight > result.alternatives[1].weight


def test_without_trust_information_the_engine_behaves_as_before():
    outcome = reconcile_task(
        FIELDS, [Submission(user="a", values=VALUES), Submission(user="b", values=VALUES)]
    )
    assert outcome.decision == COMPLETE
