"""Geopoints: decimal, degrees-minutes-seconds and hemisphere letters; agreement within a distance.

Output is `lat,lon` in decimal degrees to 4 places (about 11 m), the coordinate-wise
weighted median of the agreeing answers, so one misread digit inside the tolerance does not
pull the point the way a mean would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from worker.consensus.explain import Part
from worker.consensus.model import Reading, ValueConsensus, Vote, make_alternative
from worker.consensus.numbers import plurality
from worker.consensus.text import clean, read_parsed
from worker.places.bounds import MARGIN_DEGREES, Box, in_box

Point = tuple[float, float]

# Typographic look-alikes; the minus sign (U+2212) of typeset labels is a minus, but not the
# dashes, which may separate the two coordinates.
_SIGNS = str.maketrans(
    {"′": "'", "’": "'", "´": "'", "″": '"', "”": '"', "º": "°", "˚": "°", "\u2212": "-"}
)
_LAT = {"N": 1, "S": -1}
_LON = {"E": 1, "W": -1, "O": -1}  # O: ouest, on French labels
_EARTH_RADIUS_M = 6_371_000.0


# Words labels put before a coordinate ("Lat. 33.5329 Long. -5.2694", "Longitude : 5°43' E").
_LABEL = re.compile(r"\b(LATITUDE|LAT|LONGITUDE|LONG|LON|LNG)\b\.?\s*:?")
# Two numbers with decimal commas and nothing else: "45,1885 5,7245".
_DECIMAL_COMMA_PAIR = re.compile(r"^\s*-?\d+,\d+\s+-?\d+,\d+\s*$")


def _unlabelled(text: str) -> tuple[str, bool]:
    """The text with its coordinate labels turned into separators, and whether longitude was
    named first. Decimal commas are read where they cannot be the separator: between labels or
    semicolons without a decimal point anywhere, or in a pair of numbers split by a space."""
    named = [match.group(1).startswith("LAT") for match in _LABEL.finditer(text)]
    text = _LABEL.sub(" ; ", text)
    if ("." not in text and ";" in text) or _DECIMAL_COMMA_PAIR.match(text):
        text = re.sub(r"(\d),(?=\d)", r"\1.", text)
    return text, named == [False, True]


def _tokens(text: str) -> list[str] | None:
    """Numbers, hemisphere letters, unit signs and separators; None for anything else."""
    tokens: list[str] = []
    number = ""
    for ch in text.replace("''", '"'):
        if ch.isdigit() or (ch == "." and number) or (ch in "+-" and not number):
            number += ch
            continue
        if number:
            tokens.append(number)
            number = ""
        if ch in "NSEWO°'\",;":
            tokens.append(ch)
        elif ch not in " \t":
            return None
    if number:
        tokens.append(number)
    return tokens


# Two decimal numbers and a comma, "44.0123, 2.8765": how most answers are written.
_DECIMAL_PAIR = re.compile(r"(-?[0-9]+\.[0-9]+), ?(-?[0-9]+\.[0-9]+)")


@lru_cache(maxsize=1 << 16)
def parse_point(raw: str) -> Point | None:
    """(lat, lon) in decimal degrees, or None when the text is not a point."""
    pair = _DECIMAL_PAIR.fullmatch(raw)
    if pair is None:
        return parse_labelled(raw)
    # What `parse_labelled` makes of it (no label, letter or sign to read), at once.
    latitude, longitude = float(pair[1]), float(pair[2])
    if abs(latitude) > 90 or abs(longitude) > 180:
        return None
    return (latitude, longitude)


def parse_labelled(raw: str) -> Point | None:
    """`parse_point` for any text: labels, hemispheres, degrees, minutes and seconds."""
    text, longitude_first = _unlabelled(clean(raw).upper().translate(_SIGNS))
    tokens = _tokens(text)
    if not tokens:
        return None
    coordinates: list[tuple[list[float], str]] = []  # (degree parts, hemisphere letter)
    parts: list[float] = []
    letter = ""
    letters_first = tokens[0] in _LAT or tokens[0] in _LON
    for item in tokens:
        if item in _LAT or item in _LON:
            if letters_first:
                if parts or letter:
                    coordinates.append((parts, letter))
                parts, letter = [], item
            else:
                coordinates.append((parts, item))
                parts = []
        elif item in (",", ";"):
            if parts and not letters_first:
                coordinates.append((parts, ""))
                parts = []
        elif item == "°" and len(parts) > 1 and not letter:
            # A new degree value after a finished coordinate with no separator: 44°0'44" 2°52'
            coordinates.append((parts[:-1], ""))
            parts = parts[-1:]
        elif item in "°'\"":
            continue
        else:
            try:
                parts.append(float(item))
            except ValueError:
                return None
    if parts or letter:
        coordinates.append((parts, letter))
    if len(coordinates) == 1 and len(coordinates[0][0]) == 2 and not coordinates[0][1]:
        coordinates = [([coordinates[0][0][0]], ""), ([coordinates[0][0][1]], "")]  # "44.0 2.8"
    if len(coordinates) != 2:
        return None
    values = []
    for degree_parts, hemisphere in coordinates:
        if not 1 <= len(degree_parts) <= 3:
            return None
        value = abs(degree_parts[0])
        for index, part in enumerate(degree_parts[1:], 1):
            if not 0 <= part < 60:
                return None
            value += part / 60**index
        negative = degree_parts[0] < 0 or str(degree_parts[0]).startswith("-")
        sign = _LAT.get(hemisphere) or _LON.get(hemisphere) or (-1 if negative else 1)
        values.append((value * sign, hemisphere))
    (first, h1), (second, h2) = values
    # "E 2.8765 N 44.0123": the letters say which is which; "Long. 5.72 Lat. 45.18": the words.
    letters_swap = h1 in _LON or h2 in _LAT
    if letters_swap or (longitude_first and not (h1 or h2)):
        first, second = second, first
    if abs(first) > 90 or abs(second) > 180:
        return None
    return (first, second)


def format_point(point: Point) -> str:
    return f"{point[0]:.4f},{point[1]:.4f}"


def read_formatted(value: str) -> Point | None:
    """A point as `format_point` writes it (a consensus value), read without the label
    parser; any other text as `parse_point` reads it."""
    latitude, comma, longitude = value.partition(",")
    if comma:
        try:
            point = (float(latitude), float(longitude))
        except ValueError:
            pass
        else:
            if format_point(point) == value:
                return point
    return parse_point(value)


@lru_cache(maxsize=1 << 16)
def read_point(raw: str) -> Reading:
    return read_parsed(raw, parse_point, format_point)


def distance_m(a: Point, b: Point) -> float:
    """Great-circle distance (haversine), in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def consensus(
    votes: Sequence[Vote],
    tolerance_m: float,
    box: Box | None = None,
    region: Box | None = None,
    brief: bool = False,
) -> ValueConsensus:
    """Points within the tolerance of the heaviest point agree; a swapped one is turned back.

    With the record's country known (`box`, its bounding box), the order of latitude and
    longitude that lies in the country wins whatever the weights: two readers who swapped them
    do not outvote one who did not. So does the order that lies in the record's region
    (`region`, its box already widened by its margin), where the country does not decide."""
    points = [v for v in votes if not isinstance(v.reading.key[0], str)]  # type: ignore[index]
    if not points:
        return plurality(votes, method="unparsed", note=_NOT_A_POINT, brief=brief)
    groups: dict[Point, float] = {}
    for v in points:
        key: Point = v.reading.key  # type: ignore[assignment]
        groups[key] = groups.get(key, 0.0) + v.weight

    def near_weight(point: Point) -> float:
        return sum(w for p, w in groups.items() if _near(p, point, tolerance_m))

    # The centre is the point most answers are near; ties go to the smaller coordinates.
    centre = min(groups, key=lambda p: (-near_weight(p), -groups[p], p))
    # Answers near the centre in either orientation are the same reading; which orientation
    # is right goes to the heavier side, and the other side counts as dissent.
    direct: list[Vote] = []
    turned: list[Vote] = []
    for v in points:
        point: Point = v.reading.key  # type: ignore[assignment]
        if _near(point, centre, tolerance_m):
            direct.append(v)
        elif abs(point[1]) <= 90 and _near((point[1], point[0]), centre, tolerance_m):
            turned.append(v)
    direct_weight = sum(v.weight for v in direct)
    turned_weight = sum(v.weight for v in turned)
    flip = turned_weight > direct_weight + 1e-9
    by_place: Part | None = None
    if turned and (box is not None or region is not None):
        swapped_centre = (centre[1], centre[0])
        # The country's box gets the margin of its simplified outline; the region's box is
        # widened already.
        places = (("geo.country_order", box, MARGIN_DEGREES), ("geo.region_order", region, 0.0))
        for code, area, margin in places:
            if area is None:
                continue
            fits, turned_fits = in_box(centre, area, margin), in_box(swapped_centre, area, margin)
            if fits != turned_fits:
                flip, by_place = turned_fits, (code,)
                break
    if flip:
        direct, turned = turned, direct
        direct_weight, turned_weight = turned_weight, direct_weight
    swapped = len(turned)
    agreeing: list[tuple[Vote, Point]] = [(v, v.reading.key) for v in direct]  # type: ignore[misc]
    value = format_point(
        (
            _weighted_median([(p[0], v.weight) for v, p in agreeing]),
            _weighted_median([(p[1], v.weight) for v, p in agreeing]),
        )
    )
    weight = sum(v.weight for v, _ in agreeing)
    users = {v.user for v, _ in agreeing}
    rest = sum(v.weight for v in votes) - weight
    groups_out: dict[str, list[Vote]] = {}
    if not brief:
        for v in votes:
            if v.user not in users:
                groups_out.setdefault(v.reading.text, []).append(v)
    others = sorted(
        (
            make_alternative(t, sum(v.weight for v in g), tuple(sorted(v.user for v in g)))
            for t, g in groups_out.items()
        ),
        key=lambda a: (-a.weight, a.value),
    )
    note = within(tolerance_m)
    extra: tuple[Part, ...] = (("geo.swapped", swapped),) if swapped else ()
    if by_place is not None:
        extra = (*extra, by_place)
    return ValueConsensus(
        value=value,
        cluster_weight=direct_weight + turned_weight,
        agree_weight=weight,
        agree_users=tuple(sorted(users)),
        decisive=weight > rest + 1e-9
        and (by_place is not None or direct_weight > turned_weight + 1e-9),
        method="geopoint-swapped" if swapped else "geopoint",
        agree_note=note,
        extra_notes=extra,
        alternatives=()
        if brief
        else (make_alternative(value, weight, tuple(sorted(users))), *others),
    )


def _near(a: Point, b: Point, tolerance_m: float) -> bool:
    # Cheap reject first: a degree of latitude is about 111 km.
    if abs(a[0] - b[0]) * 111_000 > tolerance_m:
        return False
    return a == b or distance_m(a, b) <= tolerance_m


def _weighted_median(values: list[tuple[float, float]]) -> float:
    ordered = sorted(values)
    half = sum(w for _, w in ordered) / 2
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= half - 1e-12:
            return value
    return ordered[-1][0]


_NOT_A_POINT: Part = ("agree.not_a_point",)


def within(tolerance_m: float) -> Part:
    """The head of the explanation of points that agree within the tolerance."""
    return ("agree.within", metres(tolerance_m))


def metres(value: float) -> str:
    return f"{value / 1000:g} km" if value >= 1000 else f"{value:g} m"
