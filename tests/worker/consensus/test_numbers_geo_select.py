import pytest

from worker.consensus import AGREED, NEEDS_MORE
from worker.consensus.geo import parse_point
from worker.consensus.numbers import parse_number, plain
from worker.template import Option

from .helpers import field


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("650", "650"),
        ("650 m", "650"),
        ("650m", "650"),
        ("1 200", "1200"),
        ("1,200", "1200"),
        ("1.200", "1200"),
        ("12,5", "12.5"),
        ("alt. 1200 m", "1200"),
        ("650 mètres", "650"),
    ],
)
def test_numbers_are_read_through_units_and_separators(typed, expected):
    number = parse_number(typed)
    assert number is not None
    assert plain(number) == expected


def test_numbers_agree_exactly_and_output_a_plain_number():
    outcome = field("number", ["1 200 m", "1200", "1,200"])
    assert (outcome.value, outcome.status) == ("1200", AGREED)
    assert field("number", ["1200", "1260"]).support == 1


@pytest.mark.parametrize(
    "typed",
    [
        "44.0123, 2.8765",
        "N 44.0123 E 2.8765",
        "44.0123 N, 2.8765 E",
        "E 2.8765 N 44.0123",
        "44°0'44\"N 2°52'35\"E",
    ],
)
def test_points_are_read_in_decimal_dms_and_hemisphere_forms(typed):
    lat, lon = parse_point(typed)
    assert abs(lat - 44.0123) < 0.001
    assert abs(lon - 2.8765) < 0.001


def test_west_and_south_hemispheres_are_negative():
    assert parse_point("S 12.5 W 3.25") == (-12.5, -3.25)
    assert parse_point("12°30'0\"S 3°15'0\"O") == (-12.5, -3.25)


def test_points_within_the_tolerance_agree_and_output_lat_lon_to_four_decimals():
    outcome = field("geopoint", ["44.0123, 2.8765", "N 44.0123 E 2.8765", "44°0'44\"N 2°52'35\"E"])
    assert outcome.status == AGREED
    assert outcome.value == "44.0123,2.8765"


def test_a_point_beyond_the_tolerance_does_not_agree():
    outcome = field("geopoint", ["44.0123, 2.8765", "44.0723, 2.8765"])
    assert outcome.support == 1


def test_a_swapped_latitude_and_longitude_is_detected_and_outvoted():
    outcome = field("geopoint", ["44.0123, 2.8765", "2.8765, 44.0123", "44.0123, 2.8765"])
    assert outcome.value == "44.0123,2.8765"
    assert "swapped" in outcome.explanation
    assert outcome.support == 2


VOCABULARY = (Option("Isère", synonyms=("Isere", "38")), Option("Savoie"), Option("Drôme"))


def test_select_answers_map_to_options_through_synonyms_and_folding():
    outcome = field("select", ["isere", "38", "Isère"], vocabulary=VOCABULARY)
    assert (outcome.value, outcome.status, outcome.agreement) == ("Isère", AGREED, 1.0)


def test_select_is_a_weighted_plurality():
    outcome = field(
        "select", ["Savoie", "Drôme", "Drôme"], vocabulary=VOCABULARY, weights=[3, 1, 1]
    )
    assert outcome.value == "Savoie"
    assert outcome.status == NEEDS_MORE


def test_an_answer_outside_the_vocabulary_is_never_accepted():
    outcome = field("select", ["Atlantis", "Atlantis"], vocabulary=VOCABULARY)
    assert outcome.status == NEEDS_MORE
