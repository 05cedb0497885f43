"""Geopoints checked against the record's region: the order that lies in it wins, and a point
outside it is never accepted without a curator (pure Python, no database)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.worker.consensus.helpers import spec
from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.model import AGREED, DISPUTED, NEEDS_MORE
from worker.places.bounds import country_box, in_box
from worker.places.regions import in_region, region_box
from worker.template import FieldSpec

FIELDS = [
    spec("country", "text"),
    FieldSpec(
        key="province", type="text", label={"en": "Province"}, mapping={"dwc": "stateProvince"}
    ),
    spec("coordinates", "geopoint"),
]


def reconcile(points, region="", country="", regions=None, policy=None, metadata_region=""):
    submissions = [
        Submission(
            user=f"u{index}",
            values={
                "country": country,
                "province": (regions or [region] * len(points))[index],
                "coordinates": point,
            },
        )
        for index, point in enumerate(points)
    ]
    outcome = reconcile_task(FIELDS, submissions, policy or Policy(), region=metadata_region)
    return outcome.fields["coordinates"]


def test_a_point_outside_its_departement_is_never_accepted_however_many_agree():
    policy = Policy(max_transcriptions=3)
    outcome = reconcile(["44.8378, -0.5792"] * 3, "Isère", "France", policy=policy)  # Bordeaux
    assert outcome.status == DISPUTED
    assert "outside the record's region (Isère)" in outcome.explanation


def test_the_order_that_lies_in_the_region_wins_where_the_country_cannot_tell():
    # Kazan, 55.79 N 49.12 E, in Tatarstan; swapped, 49.12 N 55.79 E is still inside the box
    # of Russia, but not in Tatarstan: the region decides.
    kazan, swapped = "55.7887, 49.1221", "49.1221, 55.7887"
    outcome = reconcile([swapped, swapped, kazan], "Republic of Tatarstan", country="Russie")
    assert outcome.value == "55.7887,49.1221"
    assert "the order that lies in the record's region wins" in outcome.explanation


def test_without_a_country_a_region_s_iso_code_gives_it():
    # 44.35 N 1.73 E is in the Lot (FR-46); swapped it lies in the Indian Ocean, outside France.
    outcome = reconcile(["1.7252, 44.3471", "1.7252,44.3471", "44.3471, 1.7252"], "FR-46")
    assert outcome.value == "44.3471,1.7252"
    assert "lies in the record's country" in outcome.explanation


def test_a_unanimous_swapped_point_waits_and_says_the_swap_would_fit_the_region():
    outcome = reconcile(["5.7245, 45.1885"] * 3, "Isère", "France")
    assert outcome.status == NEEDS_MORE
    assert "would lie in it with latitude and longitude swapped" in outcome.explanation


def test_a_point_in_its_region_is_accepted():
    outcome = reconcile(["45.1885, 5.7245"] * 3, "Isère", country="France")
    assert outcome.status == AGREED
    assert outcome.explanation.count("outside") == 0


def test_a_region_the_readers_do_not_all_give_holds_no_point_back():
    outcome = reconcile(
        ["45.1885, 5.7245"] * 3, country="France", regions=["Gironde", "Gironde", "Isère"]
    )
    assert outcome.status == AGREED


def test_the_metadata_region_comes_before_the_transcribed_one():
    outcome = reconcile(["45.1885, 5.7245"] * 3, "Isère", "France", metadata_region="Gironde")
    assert outcome.status == NEEDS_MORE
    assert "(Gironde)" in outcome.explanation


@pytest.mark.parametrize("region", ["", "Atlantide", "Dauphiné"])
def test_an_unknown_region_checks_nothing(region):
    assert reconcile(["45.1885, 5.7245"] * 3, region, "France").status == AGREED


REGIONS = [
    ("Isère", "FR"),
    ("Finistère", "FR"),
    ("Bouches-du-Rhône", "FR"),
    ("Bavaria", "DE"),
    ("Andalusia", "ES"),
    ("Piedmont", "IT"),
    ("California", "US"),
    ("Queensland", "AU"),
]


@st.composite
def point_in_region(draw):
    name, country = draw(st.sampled_from(REGIONS))
    box = region_box(name, country)
    assert box is not None
    lat = draw(st.floats(box.south, box.north))
    lon = draw(st.floats(box.west, box.east))
    return name, country, (round(lat, 4), round(lon, 4))


@settings(deadline=None)
@given(point_in_region())
def test_a_point_in_its_region_s_box_is_never_held_by_the_region(drawn):
    name, country, (lat, lon) = drawn
    box = region_box(name, country)
    assert box is not None
    assume(in_region((lat, lon), box))  # rounding to 4 places may step over the edge
    outcome = reconcile([f"{lat:.4f},{lon:.4f}"] * 3, name, country)
    assert outcome.status == AGREED, outcome.explanation


@settings(deadline=None)
@given(point_in_region(), st.integers(1, 2))
def test_a_point_swapped_by_most_readers_is_read_back_in_the_region_s_order(drawn, swaps):
    name, country, (lat, lon) = drawn
    box = region_box(name, country)
    assert box is not None
    # Well inside a region that is not symmetric about the line lat = lon: the swapped
    # point lies outside it.
    assume(in_region((lat, lon), box) and abs(lon) <= 90 and not in_region((lon, lat), box))
    right, swapped = f"{lat:.4f},{lon:.4f}", f"{lon:.4f},{lat:.4f}"
    outcome = reconcile([swapped] * swaps + [right] * (3 - swaps), name, country)
    assert outcome.value == right
    country_at = country_box(country)
    assert country_at is None or in_box((lat, lon), country_at)
