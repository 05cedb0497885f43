"""The output form among answers that differ only in punctuation, spacing or a number prefix."""

import pytest

from worker.consensus import AGREED

from .helpers import field


@pytest.mark.parametrize(
    ("answers", "printed"),
    [
        (["rochers siliceux;", "rochers siliceux;", "rochers siliceux"], "rochers siliceux"),
        (["3890,", "3890,", "3890"], "3890"),
    ],
)
def test_a_trailing_separator_is_left_out_when_the_answers_disagree(answers, printed):
    assert field("text", answers).value == printed


def test_a_number_prefix_is_left_out_when_others_typed_the_number_alone():
    outcome = field("text", ["no 3468", "no 3468", "3468"])
    assert (outcome.value, outcome.status) == ("3468", AGREED)


@pytest.mark.parametrize(
    ("answers", "printed"),
    [
        (["bord de chemin.", "bord de chemin.", "bord de chemin"], "bord de chemin"),
        (["4983.", "4983.", "4983"], "4983"),
        (["Rumex acetosa L", "Rumex acetosa L", "Rumex acetosa L."], "Rumex acetosa L."),
    ],
)
def test_a_disputed_final_full_stop_is_kept_after_an_initial_only(answers, printed):
    assert field("text", answers).value == printed


@pytest.mark.parametrize(
    ("answers", "printed"),
    [
        (
            ["Monte Renoso versant nord"] * 2 + ["Monte Renoso, versant nord"],
            "Monte Renoso, versant nord",
        ),
        (["A Moreau", "A Moreau", "A. Moreau"], "A. Moreau"),
        (["coteauxcalcaires", "coteauxcalcaires", "coteaux calcaires"], "coteaux calcaires"),
        (["Renoso ,versant", "Renoso ,versant", "Renoso, versant"], "Renoso, versant"),
    ],
)
def test_punctuation_and_spaces_one_reader_typed_inside_a_value_are_kept(answers, printed):
    assert field("text", answers).value == printed


@pytest.mark.parametrize(
    ("answers", "printed"),
    [
        (["Mont Ventoux", "Mont Ventoux", "Mont Ventoux."], "Mont Ventoux"),
        (["Down Beat."] * 2 + ["Down Beat"], "Down Beat."),
        (["https://x.org/a"] * 4 + ["https://x.org/a/"], "https://x.org/a"),
        (
            ["Monte Renoso versant nord"] * 4 + ["Monte Renoso, versant nord"],
            "Monte Renoso versant nord",
        ),
    ],
)
def test_the_vote_decides_where_slips_go_both_ways_or_most_typed_one_form(answers, printed):
    assert field("text", answers).value == printed


def test_forms_with_other_letters_never_compete_on_punctuation():
    # "St." is an abbreviation of "Saint", not a slip of punctuation.
    outcome = field("text", ["Saint Guilhem", "Saint Guilhem", "St. Guilhem"])
    assert outcome.value == "Saint Guilhem"


def test_answers_differing_only_in_a_slip_the_rules_settle_are_agreed_without_a_majority():
    outcome = field("text", ["4983.", "4983", ""])
    assert (outcome.value, outcome.status) == ("4983", AGREED)


def test_answers_differing_only_in_a_slip_that_goes_both_ways_still_need_a_majority():
    outcome = field("text", ["Mont Ventoux.", "Mont Ventoux", ""])
    assert outcome.status != AGREED
