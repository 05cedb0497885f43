import pytest

from worker.consensus import AGREED, Policy
from worker.consensus.dates import parse_date

from .helpers import field


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1898-06-12", (1898, 6, 12)),
        ("12/06/1898", (1898, 6, 12)),
        ("12 juin 1898", (1898, 6, 12)),
        ("1er juin 1898", (1898, 6, 1)),
        ("12 June 1898", (1898, 6, 12)),
        ("June 12th, 1898", (1898, 6, 12)),
        ("juin 1898", (1898, 6, None)),
        ("June 1898", (1898, 6, None)),
        ("06/1898", (1898, 6, None)),
        ("[1898]", (1898, None, None)),
        ("c. 1898", (1898, None, None)),
        ("1898 ?", (1898, None, None)),
        ("12.VI.1898", (1898, 6, 12)),
        ("[12 août 1898]", (1898, 8, 12)),
    ],
)
def test_common_label_date_forms_are_read(typed, expected):
    assert parse_date(typed) == expected


def test_slashed_dates_are_day_first_by_default_and_month_first_on_request():
    assert parse_date("12/06/1898") == (1898, 6, 12)
    assert parse_date("12/06/1898", day_first=False) == (1898, 12, 6)
    assert field("date", ["06/12/1898"] * 2, policy=Policy(day_first=False)).value == "1898-06-12"


def test_impossible_dates_and_garbage_are_not_dates():
    assert parse_date("31/02/1898") is None
    assert parse_date("asdf") is None
    assert parse_date("42") is None


def test_dates_typed_in_different_forms_agree_and_output_iso():
    outcome = field("date", ["12 juin 1898", "12/06/1898", "1898-06-12"])
    assert (outcome.value, outcome.status, outcome.agreement) == ("1898-06-12", AGREED, 1.0)


def test_partial_dates_agree_with_full_ones_at_their_shared_precision():
    outcome = field("date", ["1898-06-12", "1898", "12 juin 1898"])
    assert outcome.value == "1898-06-12"
    assert outcome.support == 3
    assert "partial dates" in outcome.explanation


def test_partial_dates_never_gain_invented_precision():
    assert field("date", ["juin 1898", "1898-06", "[1898]"]).value == "1898-06"
    assert field("date", ["1898", "c. 1898"]).value == "1898"


def test_a_different_year_does_not_agree():
    outcome = field("date", ["1931", "1913"])
    assert outcome.support == 1
    assert outcome.status != AGREED


def test_a_finer_date_one_person_gave_is_kept_but_a_curator_confirms_it():
    outcome = field("date", ["1876-05-17", "1876", "1876"])
    assert outcome.value == "1876-05-17"
    assert outcome.status != AGREED
