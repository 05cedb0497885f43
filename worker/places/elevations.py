"""How high and how low land goes, per country: the bounds of a plausible stated elevation.

The highest and lowest points come from pyworldatlas (the CIA World Factbook's physical
geography, offline): Mont Blanc's 4,810 m for France, the Dead Sea's -431 m for Israel and
Jordan. Without a country, the bounds are the world's (Everest; the deepest land under ice).

A label's elevation is an estimate, often rounded and sometimes older than the summit's
survey, so a stated elevation is implausible only beyond `MARGIN_M` metres and
`MARGIN_SHARE` of the bound: a sheet from the top of Mont Blanc that says 4,850 m is not
held back; "12000" for 1200 is. Below, nothing down to sea level is too low anywhere.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from worker.places.stored import stored

MARGIN_M = 100.0
MARGIN_SHARE = 0.03


class Range(NamedTuple):
    """The lowest and highest land in metres, widened by the margin; `code` is the country's
    ISO 3166-1 code, "" for the world's bounds."""

    lowest: float
    highest: float
    code: str


@lru_cache(maxsize=512)
def elevation_range(code: str = "") -> Range:
    """The plausible elevations of the country with this ISO 3166-1 alpha-2 code, or of the
    world when the country is unknown or has no figures."""
    found = _extremes().get(code.upper()) if code else None
    if found is None:
        return _world()
    lowest, highest = found
    # Land that never goes down to the sea (Switzerland's lowest is 193 m) still has labels
    # that round low places to 0 or give a nearby shore's elevation: only below sea level
    # is too low.
    return _widened(min(lowest, 0.0), highest, code.upper())


def plausible(elevation: float, code: str = "") -> bool:
    bounds = elevation_range(code)
    return bounds.lowest <= elevation <= bounds.highest


def _widened(lowest: float, highest: float, code: str) -> Range:
    return Range(
        lowest - MARGIN_M - MARGIN_SHARE * abs(lowest),
        highest + MARGIN_M + MARGIN_SHARE * abs(highest),
        code,
    )


@lru_cache(maxsize=1)
def _world() -> Range:
    extremes = _extremes().values()
    return _widened(min(low for low, _ in extremes), max(high for _, high in extremes), "")


@lru_cache(maxsize=1)
def _extremes() -> dict[str, tuple[float, float]]:
    """(lowest, highest) in metres per ISO 3166-1 alpha-2 code, where both are known; stored
    once built (`worker.places.stored`)."""
    return stored(
        "elevations",
        _build_extremes,
        lambda extremes: {code: list(pair) for code, pair in extremes.items()},
        lambda table: {str(k): (float(low), float(high)) for k, (low, high) in table.items()},
    )


def _build_extremes() -> dict[str, tuple[float, float]]:
    from pyworldatlas import Atlas

    extremes: dict[str, tuple[float, float]] = {}
    atlas = Atlas()
    for country in atlas.countries():
        physical = country.geography.physical
        high, low = physical.highest_point, physical.lowest_point
        code = str(country.codes.alpha2 or "").upper()
        if len(code) == 2 and high is not None and low is not None:
            extremes[code] = (float(low.elevation_m), float(high.elevation_m))
    return extremes
