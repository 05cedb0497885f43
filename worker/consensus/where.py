"""Where a record was collected, checked: its point against its country and region, its
elevation against how high and low land goes there.

The engine settles the other fields first; the record's country and region are then what
the institution's metadata says, else what the readers agree on in a field mapped to Darwin
Core's `country`/`countryCode` and `stateProvince` (a misread one would hold good values
back, so only an agreed one counts). A point outside them, or an elevation beyond the
country's highest or lowest land, is never accepted without a curator.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from worker.consensus import geo
from worker.consensus.decide import unsettled
from worker.consensus.explain import Part
from worker.consensus.model import FieldOutcome, Policy, make_outcome
from worker.consensus.numbers import parse_number
from worker.consensus.units import METRES
from worker.places.bounds import Box, country_box, in_box
from worker.places.countries import country_code
from worker.places.elevations import elevation_range
from worker.places.regions import in_region, region_box, region_country
from worker.template import FieldSpec

COUNTRY_TERMS = ("country", "countryCode")
REGION_TERMS = ("stateProvince",)
# Keys a template may give its region field without mapping it (the metadata's too).
REGION_KEYS = ("stateProvince", "state", "province", "region")
# A region is a finer thing to read than a country, and a neighbouring one is an easy slip
# of the eye down a list: only a region every reader gave (this share of them) holds a point
# back.
REGION_SHARE = 1.0
ELEVATION_TERMS = ("minimumElevationInMeters", "maximumElevationInMeters", "verbatimElevation")
# A region's name as the explanation quotes it is cut to this many characters.
_QUOTED = 60


class Place(NamedTuple):
    """The record's country (ISO 3166-1 code) and region (as named), and their boxes."""

    country: str
    box: Box | None
    region: str
    region_box: Box | None


NOWHERE = Place("", None, "", None)


def record_place(
    fields: Sequence[FieldSpec],
    outcomes: Mapping[str, FieldOutcome],
    country: str = "",
    region: str = "",
) -> Place:
    """The record's country and region: the metadata's (`country`, `region`), else the
    agreed values of the template's country and region fields."""
    countries, regions = place_fields(fields)
    code = _code(country) if country else _agreed(countries, outcomes, _code)
    name = region or _agreed(regions, outcomes, str, REGION_SHARE)
    return _place(code, name)


@lru_cache(maxsize=4096)
def _place(code: str, name: str) -> Place:
    region_at = region_box(name, code) if name else None
    if not code and region_at is not None:
        code = region_country(name)
    if not code and not region_at:
        return NOWHERE
    return Place(code, country_box(code) if code else None, name.strip(), region_at)


class Settled(NamedTuple):
    """What some fields' outcomes settle of the record's place: the country and the region
    they give it as `record_place` reads them ("" when they give none), or None when a field
    it is read from is not among them. Given to `record_place` as the metadata's, with those
    fields left out, a settled country and region make the same place."""

    country: str | None
    region: str | None


def place_settled(fields: Sequence[FieldSpec], outcomes: Mapping[str, FieldOutcome]) -> Settled:
    """What `outcomes`, the outcomes of some of `fields`, settle of the record's place."""
    countries, regions = place_fields(fields)
    country = _agreed(countries, outcomes, str) if _all_in(countries, outcomes) else None
    region = _agreed(regions, outcomes, str, REGION_SHARE) if _all_in(regions, outcomes) else None
    return Settled(country, region)


def _all_in(fields: Sequence[FieldSpec], outcomes: Mapping[str, FieldOutcome]) -> bool:
    return all(spec.key in outcomes for spec in fields)


def place_may_change(spec: FieldSpec, settled: Settled) -> bool:
    """Whether the field's outcome may change with what is not settled of the place: a
    geopoint's with the country or the region; an elevation's with the country, and with the
    region when no country field names one (the region's country is the record's then)."""
    if spec.type == "geopoint":
        return settled.country is None or settled.region is None
    if is_elevation(spec):
        country = settled.country
        return country is None or (not _code(country) and settled.region is None)
    return False


# The place fields of the last template asked about: a file, or a batch of a project's tasks,
# is reconciled task after task with the same fields. Only for a tuple of fields, which cannot
# change under the same identity (kept alive here).
_LAST_FIELDS: list[tuple[tuple[FieldSpec, ...], tuple[list[FieldSpec], list[FieldSpec]]]] = []


def place_fields(fields: Sequence[FieldSpec]) -> tuple[list[FieldSpec], list[FieldSpec]]:
    """The fields the record's country is read from, and those its region is, in order."""
    if _LAST_FIELDS and _LAST_FIELDS[0][0] is fields:
        return _LAST_FIELDS[0][1]
    found = (
        [spec for spec in fields if names_country(spec)],
        [spec for spec in fields if names_region(spec)],
    )
    if type(fields) is tuple:
        _LAST_FIELDS[:] = [(fields, found)]
    return found


def names_country(spec: FieldSpec) -> bool:
    """Whether `record_place` reads the record's country from this field."""
    return spec.mapping.get("dwc") in COUNTRY_TERMS or spec.key in COUNTRY_TERMS


def names_region(spec: FieldSpec) -> bool:
    """Whether `record_place` reads the record's region from this field."""
    return spec.mapping.get("dwc") in REGION_TERMS or spec.key in REGION_KEYS


def names_place(spec: FieldSpec) -> bool:
    """Whether `record_place` reads the record's country or region from this field."""
    return names_country(spec) or names_region(spec)


def is_checked(spec: FieldSpec) -> bool:
    """Whether the field's outcome is checked against the record's place (a geopoint, an
    elevation), so that it changes when the place does."""
    return spec.type == "geopoint" or is_elevation(spec)


def _agreed(
    fields: Sequence[FieldSpec],
    outcomes: Mapping[str, FieldOutcome],
    read: Callable[[str], str],
    share: float = 0.0,
) -> str:
    """The accepted value of the first of `fields` that has one, read; with `share`, only
    when at least that share of the readers gave it."""
    for spec in fields:
        found = outcomes.get(spec.key)
        if found and found.value and found.accepted and found.agreement + 1e-9 >= share:
            return read(found.value)
    return ""


@lru_cache(maxsize=4096)
def _code(country: str) -> str:
    return country_code(country) or ""


def held_outside(outcome: FieldOutcome, place: Place, n: int, policy: Policy) -> FieldOutcome:
    """The outcome, unless its point lies outside the record's country or region: then a
    curator or more readers must settle it, whatever the agreement (a point in the wrong
    place is a misread label or a wrong place, and either is for a person to see)."""
    if not outcome.value:
        return outcome
    return _held(outcome, _outside(outcome.value, place), n, policy)


# As many as a file's points, each checked again in every pass.
@lru_cache(maxsize=1 << 16)
def _outside(value: str, place: Place) -> tuple[Part, ...]:
    point = geo.read_formatted(value)
    if point is None:
        return ()
    swapped = (point[1], point[0])
    notes: list[Part] = []
    if place.box is not None and not in_box(point, place.box):
        fits = in_box(swapped, place.box)
        notes.append(("geo.outside_swap_fits" if fits else "geo.outside", place.country))
    if place.region_box is not None and not in_region(point, place.region_box):
        fits = in_region(swapped, place.region_box)
        code = "geo.outside_region_swap_fits" if fits else "geo.outside_region"
        notes.append((code, place.region[:_QUOTED]))
    return tuple(notes)


def is_elevation(spec: FieldSpec) -> bool:
    """A number field that holds an elevation: mapped to a Darwin Core elevation term, or so
    keyed ("altitude", "elevation")."""
    if spec.type != "number":
        return False
    if spec.mapping.get("dwc") in ELEVATION_TERMS:
        return True
    key = spec.key.casefold()
    return "elevation" in key or "altitude" in key


def held_implausible(
    outcome: FieldOutcome, spec: FieldSpec, place: Place, n: int, policy: Policy
) -> FieldOutcome:
    """The outcome, unless its elevation lies above the highest land of the record's country
    (of the world without one) or below its lowest: then a person must look."""
    if not outcome.value:
        return outcome
    return _held(outcome, _implausible(outcome.value, spec.unit, place.country), n, policy)


@lru_cache(maxsize=1 << 16)
def _implausible(value: str, unit: str | None, country: str) -> tuple[Part, ...]:
    number = parse_number(value, unit)
    if number is None:
        return ()
    metres = float(Fraction(number) * METRES.get(unit or "m", Fraction(1)))
    bounds = elevation_range(country)
    if bounds.lowest <= metres <= bounds.highest:
        return ()
    above = metres > bounds.highest
    shown = f"{metres:.0f}"
    if bounds.code:
        limit = f"{(bounds.highest if above else bounds.lowest):.0f}"
        note: Part = ("elevation.above" if above else "elevation.below", shown, bounds.code, limit)
    else:
        note = ("elevation.above_earth" if above else "elevation.below_earth", shown)
    return (note,)


def _held(outcome: FieldOutcome, notes: Sequence[Part], n: int, policy: Policy) -> FieldOutcome:
    if not notes:
        return outcome
    return make_outcome(
        key=outcome.key,
        value=outcome.value,
        status=unsettled(n, policy) if outcome.accepted else outcome.status,
        agreement=outcome.agreement,
        support=outcome.support,
        n=outcome.n,
        method=outcome.method,
        alternatives=outcome.alternatives,
        notes=(*outcome.notes, *notes),
        agreeing=outcome.agreeing,
    )
