"""Where a country lies: a bounding box per ISO 3166-1 code, from countryinfo's outlines.

The boxes are worked out from the outlines the first time one is asked for, never typed in.
The outlines are simplified (small-scale Natural Earth shapes): coasts are cut short and small
islands near them are missing (the Balearics' east, the Canaries, Madeira), and a few
countries have none (Hungary, Serbia, most islands states): those have no box, so nothing is
checked for them. `MARGIN_DEGREES` covers the cut coasts and the near islands.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from worker.places.stored import stored

# About 165 km of latitude: more than the simplified outlines cut off a coast or leave out a
# near island (Minorca lies 1.2° east of Spain's outline), much less than latitude and
# longitude swapped move a point anywhere but near the line where they are equal (a swap
# moves it by |lat - lon| degrees along both axes).
MARGIN_DEGREES = 1.5


class Box(NamedTuple):
    """South, north, west, east in decimal degrees; `west > east` when it crosses 180°."""

    south: float
    north: float
    west: float
    east: float


def country_box(code: str) -> Box | None:
    """The bounding box of the country with this ISO 3166-1 alpha-2 code, if its outline is known."""
    return _boxes().get(code.upper())


def in_box(point: tuple[float, float], box: Box, margin: float = MARGIN_DEGREES) -> bool:
    """Whether (lat, lon) lies in the box widened by `margin` degrees on every side."""
    lat, lon = point
    if not box.south - margin <= lat <= box.north + margin:
        return False
    west, east = box.west - margin, box.east + margin
    if east - west >= 360:
        return True
    # Measured eastwards from the west edge, so a box across 180° needs no special case.
    return (lon - west) % 360 <= (east - west) % 360


@lru_cache(maxsize=1)
def _boxes() -> dict[str, Box]:
    """The countries' boxes, stored once built (`worker.places.stored`)."""
    return stored(
        "country-boxes",
        _build_boxes,
        lambda boxes: {code: list(box) for code, box in boxes.items()},
        lambda table: {str(k): Box(*(float(x) for x in box)) for k, box in table.items()},
    )


def _build_boxes() -> dict[str, Box]:
    from countryinfo import CountryInfo

    boxes: dict[str, Box] = {}
    for info in CountryInfo.all().values():
        code = str((info.get("ISO") or {}).get("alpha2") or "").upper()
        shape = info.get("geoJSON") or {}
        points = [p for feature in shape.get("features") or () for p in _positions(feature)]
        if len(code) == 2 and points and code not in boxes:
            boxes[code] = box_around(points)
    return boxes


def _positions(feature: dict[str, Any]) -> Iterator[tuple[float, float]]:
    def walk(node: Any) -> Iterator[tuple[float, float]]:
        if node and isinstance(node[0], (int, float)):
            yield float(node[0]), float(node[1])
        else:
            for child in node:
                yield from walk(child)

    yield from walk((feature.get("geometry") or {}).get("coordinates") or [])


def box_around(points: list[tuple[float, float]]) -> Box:
    """The smallest box around (lon, lat) points: across 180° when that is narrower (Fiji,
    Russia)."""
    lats = [lat for _, lat in points]
    lons = sorted({((lon + 180) % 360) - 180 for lon, _ in points})
    # The widest empty stretch of longitude is outside the box; the box is the rest.
    gaps = [(lons[i + 1] - lons[i], i + 1) for i in range(len(lons) - 1)]
    gaps.append((lons[0] + 360 - lons[-1], 0))
    _, start = max(gaps)
    west, east = lons[start], lons[start - 1]
    return Box(min(lats), max(lats), west, east)
