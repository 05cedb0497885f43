"""Where the map beside a geopoint field opens: the record's region, else its country."""

from __future__ import annotations

from functools import lru_cache

from worker.places.bounds import Box, country_box
from worker.places.countries import country_code
from worker.places.regions import region_box

# Names longer than this are no country or region: refused before any look-up.
NAME_MAX = 100


@lru_cache(maxsize=4096)
def map_area(*, country: str = "", region: str = "") -> Box | None:
    """The box of `region` (in `country` when given, as named, coded "FR-15" or "15"…),
    else of `country` (a name in English or French, or an ISO code); None when neither is
    known. Cached: pages ask for the same few places all day."""
    code = (country_code(country) or "") if country.strip() else ""
    if region.strip():
        found = region_box(region, code)
        if found is not None:
            return found
    return country_box(code) if code else None
