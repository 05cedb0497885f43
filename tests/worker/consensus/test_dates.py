import calendar
import datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

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


ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
OLD_MONTHS = {9: "7bre", 10: "8bre", 11: "9bre", 12: "Xbre"}
DASHES = st.sampled_from(["-", "–", "—", " au ", " to ", "-", "‒", "−"])
DATES = st.dates(min_value=datetime.date(1000, 1, 1), max_value=datetime.date(2099, 12, 31))


@given(DATES)
def test_any_date_written_day_roman_month_year_reads_back_to_itself(date):
    typed = f"{date.day}.{ROMAN_MONTHS[date.month - 1]}.{date.year}"
    assert parse_date(typed) == (date.year, date.month, date.day)


@given(DATES.filter(lambda d: d.month >= 9), st.sampled_from(["", " ", "."]))
def test_the_old_numbered_names_of_september_to_december_read_as_those_months(date, gap):
    typed = f"{date.day}{gap or ' '}{OLD_MONTHS[date.month]} {date.year}"
    assert parse_date(typed) == (date.year, date.month, date.day)


@given(DATES, st.integers(min_value=1, max_value=30), DASHES, st.booleans())
def test_a_range_of_days_within_a_month_reads_as_that_month(date, length, dash, roman):
    last_day = calendar.monthrange(date.year, date.month)[1]
    end = min(date.day + length, last_day)
    assume(end > date.day)
    month = ROMAN_MONTHS[date.month - 1] if roman else MONTH_WORDS[date.month - 1]
    typed = f"{date.day}{dash}{end} {month} {date.year}"
    assert parse_date(typed) == (date.year, date.month, None)
    # Backwards, the range is no date: refused rather than guessed.
    assert parse_date(f"{end}{dash}{date.day} {month} {date.year}") is None


@given(st.integers(1000, 2099), st.integers(1, 11), st.integers(1, 11), DASHES)
def test_a_range_of_months_reads_as_its_year(year, first, span, dash):
    last = min(first + span, 12)
    typed = f"{ROMAN_MONTHS[first - 1]}{dash}{ROMAN_MONTHS[last - 1]}.{year}"
    assert parse_date(typed) == (year, None, None)


MONTH_WORDS = (
    "janv.",
    "Febr.",
    "Mart.",
    "Apr.",
    "Mai",
    "Jun.",
    "Jul.",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12-15.VI.1898", (1898, 6, None)),
        ("du 12 au 15 juin 1898", (1898, 6, None)),
        ("June 12-15, 1898", (1898, 6, None)),
        ("VI-VII.1898", (1898, None, None)),
        ("25 Xbre 1898", (1898, 12, 25)),
        ("die 12 Junii 1898", (1898, 6, 12)),
        ("12. März 1898", (1898, 3, 12)),
        ("anno 1898", (1898, None, None)),
        ("1ᵉʳ juin 1898", (1898, 6, 1)),
        ("12。VI。1898", (1898, 6, 12)),
        ("12 Auguſt 1898", (1898, 8, 12)),
    ],
)
def test_old_label_conventions_are_read_as_their_writers_meant(typed, expected):
    assert parse_date(typed) == expected


def test_a_range_agrees_with_readers_who_typed_one_of_its_days_and_claims_no_day():
    # Two readers typed the label's range, one its first day: the range says June 1898, and
    # the day only one reader gave is kept for a curator to confirm, never agreed alone.
    outcome = field("date", ["12-15.VI.1898", "12–15 juin 1898", "12.VI.1898"])
    assert outcome.value == "1898-06-12"
    assert outcome.support == 3
    assert outcome.status != AGREED
    assert field("date", ["12-15.VI.1898", "12–15 juin 1898"]).value == "1898-06"


def test_a_range_across_years_is_not_a_date():
    assert parse_date("1898-1899") is None
    assert parse_date("XII.1898-I.1899") is None
