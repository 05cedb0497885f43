from worker.consensus import AGREED, BLANK, DISPUTED, NEEDS_MORE, Policy
from worker.consensus.markers import marker_of

from .helpers import field


def test_typed_placeholders_count_as_markers_not_values():
    assert marker_of("?") == "illegible"
    assert marker_of("illisible") == "illegible"
    assert marker_of("[illegible]") == "illegible"
    assert marker_of("s.n.") == "absent"
    assert marker_of("n/a") == "absent"
    assert marker_of("Quercus") is None


def test_absent_votes_can_win_and_the_value_is_blank():
    outcome = field("text", ["", "s.n.", "Quercus ilex", ""], markers={0: "absent"})
    assert (outcome.value, outcome.status) == ("", BLANK)


def test_everyone_leaving_a_field_blank_is_an_agreed_blank():
    outcome = field("date", ["", ""])
    assert (outcome.value, outcome.status, outcome.agreement) == ("", BLANK, 1.0)


def test_one_value_against_one_blank_needs_more_transcriptions():
    outcome = field("text", ["Quercus ilex L.", ""])
    assert outcome.value == "Quercus ilex L."
    assert outcome.status == NEEDS_MORE


def test_a_typed_value_outweighs_a_couple_of_blanks():
    assert field("number", ["650", "", ""]).value == "650"


def test_illegible_votes_push_the_field_to_review():
    outcome = field("text", ["?", "illisible", ""])
    assert outcome.status == NEEDS_MORE
    assert "could not read it" in outcome.explanation
    outcome = field("text", ["Quercus", "", ""], markers={1: "illegible", 2: "illegible"})
    assert outcome.status == NEEDS_MORE


def test_disagreement_at_the_maximum_is_disputed():
    outcome = field("number", ["650", "560", "605", "", "?"])
    assert outcome.status == DISPUTED


def test_a_single_transcription_is_never_enough():
    outcome = field("number", ["650"])
    assert outcome.status == NEEDS_MORE
    assert "at least 2" in outcome.explanation


def test_agreement_counts_blanks_as_weak_dissent():
    outcome = field("number", ["650", "650", ""])
    assert outcome.status == AGREED
    assert 0.8 < outcome.agreement < 1.0


LEARNT = Policy(blank_weights=(("f", 0.05),))


def test_a_trusted_lone_value_stands_against_one_blank_once_blanks_are_learnt_to_be_slips():
    outcome = field("text", ["Quercus ilex L.", ""], policy=LEARNT, weights=[1.5, 1.5])
    assert (outcome.value, outcome.status) == ("Quercus ilex L.", AGREED)


def test_a_lone_value_from_a_contributor_below_the_prior_still_needs_more():
    outcome = field("text", ["Quercus ilex L.", ""], policy=LEARNT, weights=[0.6, 1.5])
    assert outcome.status == NEEDS_MORE


def test_two_blanks_against_a_lone_value_still_ask_for_more():
    outcome = field("text", ["Quercus ilex L.", "", ""], policy=LEARNT, weights=[2.0, 1.0, 1.0])
    assert (outcome.value, outcome.status) == ("Quercus ilex L.", NEEDS_MORE)


def test_a_learnt_blank_share_replaces_the_fixed_one():
    fixed = field("number", ["650", "650", ""])
    learnt = field("number", ["650", "650", ""], policy=LEARNT)
    assert learnt.agreement > fixed.agreement
