"""Geopoints checked against the record's country: the order that lies in it wins, and a point
outside it is never accepted without a curator (pure Python, no database)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tests.worker.consensus.helpers import spec
from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.model import AGREED, DISPUTED, NEEDS_MORE
from worker.places.bounds import MARGIN_DEGREES, country_box, in_box

FIELDS = [spec("country", "text"), spec("coordinates", "geopoint")]


def reconcile(points, country="", countries=None, policy=None):
    submissions = [
        Submission(
            user=f"u{index}",
            values={"country": (countries or [country] * len(points))[index], "coordinates": p},
        )
        for index, p in enumerate(points)
    ]
    return reconcile_task(FIELDS, submissions, policy or Policy()).fields["coordinates"]


def test_two_readers_who_swapped_latitude_and_longitude_lose_to_the_one_the_country_backs():
    # Morocco: 33.5329 N, 5.2694 W. Swapped, the point is in the Indian Ocean off Somalia.
    outcome = reconcile(["-5.2694, 33.5329", "-5.2694,33.5329", "33.5329, -5.2694"], "Maroc")
    assert outcome.value == "33.5329,-5.2694"
    assert outcome.status != AGREED  # one reader of three backs it: more readers are asked
    assert "lies in the record's country" in outcome.explanation


def test_without_a_country_the_swapped_majority_still_wins_as_before():
    outcome = reconcile(["-5.2694, 33.5329", "-5.2694,33.5329", "33.5329, -5.2694"], "")
    assert outcome.value == "-5.2694,33.5329"
    assert outcome.method == "geopoint-swapped"


def test_the_doubs_specimen_keeps_its_latitude_first_when_two_readers_swap_it():
    points = ["6.5600, 47.4000", "6.56, 47.40", "47.4000, 6.5600", "47.40,6.56", "47.4, 6.56"]
    outcome = reconcile(points[:2] + points[2:], "France")
    assert outcome.value == "47.4000,6.5600"
    assert outcome.status == AGREED  # three of five in the right order, the country agrees


def test_a_point_outside_its_country_is_never_accepted_however_many_agree():
    policy = Policy(max_transcriptions=3)
    outcome = reconcile(["40.4168, -3.7038"] * 3, "Maroc", policy=policy)  # Madrid
    assert outcome.value == "40.4168,-3.7038"
    assert outcome.status == DISPUTED
    assert "outside the record's country (MA)" in outcome.explanation


def test_a_unanimous_swapped_point_waits_and_says_the_swap_would_fit():
    outcome = reconcile(["-5.2694, 33.5329"] * 3, "Maroc")
    assert outcome.status == NEEDS_MORE
    assert "would lie in it with latitude and longitude swapped" in outcome.explanation


def test_a_country_the_readers_disagree_on_holds_no_point_back():
    # Grenoble, agreed by all three; the country read three ways, none of them agreed.
    grenoble = ["45.1885,5.7245"] * 3
    misread = reconcile(grenoble, countries=["Maroc", "Espagne", "Italie"])
    assert misread.status == AGREED
    assert reconcile(grenoble, "Maroc").status != AGREED  # agreed, the country does count


def test_the_metadata_country_comes_before_the_transcribed_one():
    submissions = [
        Submission(user=f"u{i}", values={"country": "Espagne", "coordinates": "33.5329,-5.2694"})
        for i in range(3)
    ]
    spain = reconcile_task(FIELDS, submissions, Policy()).fields["coordinates"]
    morocco = reconcile_task(FIELDS, submissions, Policy(), country="MA").fields["coordinates"]
    assert spain.status == NEEDS_MORE
    assert morocco.status == AGREED


def test_a_point_on_a_coast_the_outline_cuts_short_is_still_in_its_country():
    # Mahón, Minorca, east of the simplified outline of Spain.
    outcome = reconcile(["39.8885, 4.2658"] * 3, "Espagne")
    assert outcome.status == AGREED


@pytest.mark.parametrize("country", ["", "Atlantide", "Hongrie"])
def test_an_unknown_country_or_one_without_an_outline_checks_nothing(country):
    outcome = reconcile(["-5.2694, 33.5329"] * 3, country)
    assert outcome.status == AGREED


def test_a_box_across_the_antimeridian_holds_points_on_both_sides():
    fiji = country_box("FJ")
    assert fiji is not None
    assert in_box((-17.8, 178.4), fiji)
    assert in_box((-16.5, -179.9), fiji)
    assert not in_box((-17.8, 170.0), fiji)


COUNTRIES = ["FR", "ES", "MA", "IT", "CH", "PT", "DE", "GR", "DZ", "TN", "US", "BR", "AU", "IN"]


@st.composite
def point_in(draw):
    code = draw(st.sampled_from(COUNTRIES))
    box = country_box(code)
    assert box is not None
    lat = draw(st.floats(box.south, box.north))
    lon = draw(st.floats(box.west, box.east))
    return code, (round(lat, 4), round(lon, 4))


@given(point_in(), st.integers(1, 2))
def test_a_point_in_its_box_swapped_by_most_readers_is_read_back_in_the_right_order(drawn, swaps):
    code, (lat, lon) = drawn
    box = country_box(code)
    assert box is not None
    assume(abs(lon) <= 90 and not in_box((lon, lat), box))
    right, swapped = f"{lat:.4f},{lon:.4f}", f"{lon:.4f},{lat:.4f}"
    outcome = reconcile([swapped] * swaps + [right] * (3 - swaps), code)
    assert outcome.value == right
    assert in_box((lat, lon), box, MARGIN_DEGREES)


@given(point_in())
def test_a_point_agreed_in_its_country_is_accepted_as_it_was_without_one(drawn):
    code, (lat, lon) = drawn
    answers = [f"{lat:.4f},{lon:.4f}"] * 3
    assert reconcile(answers, code) == reconcile(answers, "")
