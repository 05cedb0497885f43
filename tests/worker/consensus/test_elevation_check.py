"""Elevations checked against how high and low land goes in the record's country: beyond it,
a value is never accepted without a curator (pure Python, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.worker.consensus.helpers import spec
from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.model import AGREED, NEEDS_MORE
from worker.places.countries import country_code
from worker.places.elevations import elevation_range, plausible
from worker.template import FieldSpec

ELEVATION = FieldSpec(
    key="elevation",
    type="number",
    label={"en": "Elevation"},
    mapping={"dwc": "minimumElevationInMeters"},
    unit="m",
)


def reconcile(value, country="", field=ELEVATION):
    fields = [spec("country", "text"), field]
    submissions = [
        Submission(user=f"u{index}", values={"country": country, field.key: value})
        for index in range(3)
    ]
    return reconcile_task(fields, submissions, Policy()).fields[field.key]


def test_an_elevation_above_the_country_s_highest_land_is_held():
    outcome = reconcile("8200", "France")  # 820 m with a stray zero
    assert outcome.status == NEEDS_MORE
    assert "8200 m is above the highest land of the record's country (FR" in outcome.explanation


def test_the_top_of_mont_blanc_as_an_old_label_rounds_it_is_accepted():
    assert reconcile("4850", "France").status == AGREED


def test_without_a_country_only_what_no_land_reaches_is_held():
    assert reconcile("8000").status == AGREED
    held = reconcile("12000")
    assert held.status == NEEDS_MORE
    assert "above the highest land on Earth" in held.explanation


@pytest.mark.parametrize(
    ("value", "country", "status"),
    [
        ("-500", "France", NEEDS_MORE),
        ("-20", "France", AGREED),
        ("0", "Suisse", AGREED),  # Switzerland's lowest is 193 m: sea level is not too low
        ("-420", "Israël", AGREED),  # the Dead Sea's shore
        ("-1000", "Israël", NEEDS_MORE),
    ],
)
def test_only_what_lies_well_below_the_country_s_lowest_land_is_too_low(value, country, status):
    assert reconcile(value, country).status == status


def test_an_elevation_in_feet_is_checked_in_metres():
    feet = FieldSpec(key="altitude", type="number", label={"en": "Altitude"}, unit="ft")
    assert reconcile("15000", "France", feet).status == AGREED  # 4,572 m
    held = reconcile("20000", "France", feet)  # 6,096 m
    assert held.status == NEEDS_MORE
    assert "6096 m is above" in held.explanation


def test_a_number_that_is_not_an_elevation_is_not_checked():
    count = FieldSpec(key="sheets", type="number", label={"en": "Sheets"})
    assert reconcile("12000", "France", count).status == AGREED


@settings(deadline=None)
@given(
    st.sampled_from(["France", "Espagne", "Maroc", "Suisse", "Pays-Bas", "Japon", ""]),
    st.floats(0, 1),
)
def test_any_elevation_between_sea_level_and_the_bound_is_accepted(country, share):
    bounds = elevation_range(country_code(country) or "")
    value = int(share * bounds.highest)
    assert reconcile(str(value), country).status == AGREED


@given(st.floats(-20_000, 20_000, allow_nan=False))
def test_the_range_always_holds_sea_level_and_the_highest_land(elevation):
    for code in ("FR", "CH", "IL", "NL", ""):
        bounds = elevation_range(code)
        assert bounds.lowest < 0 < 4000 < bounds.highest or code in ("NL", "IL")
        assert (bounds.lowest <= elevation <= bounds.highest) == plausible(elevation, code)
