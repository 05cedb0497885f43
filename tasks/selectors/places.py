"""Searching the gazetteer: places by name, within a country and a region when known.

A query is folded as the names were (`worker.places.gazetteer.place_key`: accents,
punctuation, "St" for "Saint"), then looked up three ways, each through an index:
- exact: a name whose key is the query's;
- prefix: a name whose key begins with it (PostgreSQL: LIKE 'key%' on a `varchar_pattern_ops`
  index; SQLite: the key range [key, next key) on its plain index);
- fuzzy, when those find nothing: names spelt like it (pg_trgm's `%` on its trigram index;
  without it, rapidfuzz over the names that begin with the query's first two letters, found
  by the same prefix index). Not when they find something: a name that is a place's, or begins
  one, is more likely that place than a misspelling, and the comparison costs more than the
  two index lookups together (bench/gazetteer.py).
Places are ranked exact, then prefix, then fuzzy (by closeness), then those of the region
asked for, then by population. A country (code or name in any label language) restricts the
search; so does a region the places of that country know (a name, an ISO 3166-2 code or a
GeoNames admin code); a region no division answers to only ranks the places whose region is
spelt like it first.

The user's text only ever reaches the database as bound values, folded to letters, digits and
spaces (no LIKE wildcard can survive the folding, and Django escapes them in any case).
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from tasks.models import GazetteerSource, Place, PlaceName
from tasks.selectors.results_browser import trigrams_available
from worker.places.countries import country_code, fold
from worker.places.gazetteer import has_control_characters, place_key
from worker.places.regions import division_local_name, region_divisions, region_names

QUERY_MAX_LENGTH = 100
# Letters and digits a query needs before it is searched: one letter prefixes half the names.
QUERY_MIN_LETTERS = 2
COUNTRY_MAX_LENGTH = 100
REGION_MAX_LENGTH = 200
LIMIT_DEFAULT = 10
LIMIT_MAX = 20
# Names fetched per way of matching, before ranking: the most populous first.
CANDIDATES = 200
# Without pg_trgm: names compared in Python at most, and how alike (Jaro-Winkler's similarity,
# 0-100, which weighs the first letters most, as names are misspelt) a name must be:
# "mauriak" is 94 like "mauriac", "moriac" 86, "aurillak" 85 like "aurignac".
FUZZY_CANDIDATES = 20_000
FUZZY_MIN_SCORE = 85.0
# Fuzzy matches are ranked by closeness in steps of this many points, then as the others.
FUZZY_STEP = 5.0

EXACT, PREFIX, FUZZY = "exact", "prefix", "fuzzy"
_RANK = {EXACT: 0, PREFIX: 1, FUZZY: 2}
# A GeoNames admin code as a region: "84", "15", "2A", "IDF".
_ADMIN_CODE = re.compile(r"^[0-9A-Za-z]{1,6}$")


class PlaceQueryError(ValueError):
    """A search parameter that cannot be searched with: `field` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class PlaceHit:
    place: Place
    match: str  # EXACT, PREFIX or FUZZY
    score: float  # how alike, 0-100 (100 for exact and prefix matches)
    in_region: bool

    @property
    def region(self) -> str:
        return place_region(self.place)

    def label(self) -> str:
        """ "Mauriac, Cantal, France", the country in the active language."""
        parts = [self.place.name, self.region, country_name(self.place.country_code)]
        return ", ".join(part for part in parts if part)


def gazetteer_source_loaded(name: str, version: str) -> bool:
    """Whether the source `name` was loaded at this version."""
    return GazetteerSource.objects.filter(name=name, version=version).exists()


def places_search(
    query: str,
    *,
    country: str | None = None,
    region: str | None = None,
    limit: int = LIMIT_DEFAULT,
) -> list[PlaceHit]:
    """The places best answering `query`, `limit` at most, best first. Raises
    `PlaceQueryError` for a parameter that cannot be searched with (too long, control
    characters, an unknown country, a limit out of 1…`LIMIT_MAX`); a query too short to search
    finds nothing."""
    _check_text("q", query, QUERY_MAX_LENGTH)
    if not 1 <= limit <= LIMIT_MAX:
        raise PlaceQueryError("limit", _("Ask for 1 to %(max)d places.") % {"max": LIMIT_MAX})
    code = None
    if country and country.strip():
        _check_text("country", country, COUNTRY_MAX_LENGTH)
        code = country_code(country)
        if code is None and len(country.strip()) <= 3:  # a code in lower case: "fr"
            code = country_code(country.strip().upper())
        if code is None:
            raise PlaceQueryError(
                "country",
                _("“%(country)s” is not a country: give its ISO code (FR) or its name.")
                % {"country": country.strip()},
            )
    region_text = ""
    if region and region.strip():
        _check_text("region", region, REGION_MAX_LENGTH)
        region_text = region.strip()
    key = place_key(query)
    if sum(ch.isalnum() for ch in key) < QUERY_MIN_LETTERS:
        return []
    names = PlaceName.objects.all()
    if code:
        names = names.filter(country_code=code)
    within = _region_filter(region_text, code)
    if within is not None:
        names = names.filter(within)
    found: dict[int, tuple[str, float]] = {}
    for place_id in _ordered(names.filter(key=key)):
        found.setdefault(place_id, (EXACT, 100.0))
    for place_id in _ordered(names.filter(_prefix(key)).exclude(key=key)):
        found.setdefault(place_id, (PREFIX, 100.0))
    if not found:
        for place_id, score in _fuzzy(names, key):
            found.setdefault(place_id, (FUZZY, score))
    places = Place.objects.in_bulk(list(found))
    forms = _region_forms(region_text) if region_text and within is None else frozenset()
    hits = [
        PlaceHit(
            place=place,
            match=found[pk][0],
            score=found[pk][1],
            in_region=within is not None or _in_region(place, forms),
        )
        for pk, place in places.items()
    ]
    hits.sort(key=_rank)
    return hits[:limit]


def _check_text(field: str, text: str, longest: int) -> None:
    if len(text) > longest:
        raise PlaceQueryError(field, _("Write at most %(max)d characters here.") % {"max": longest})
    if has_control_characters(text):
        raise PlaceQueryError(field, _("Control characters (tabs, line breaks…) are refused."))


def _rank(hit: PlaceHit) -> tuple[int, float, int, int, str, int]:
    closeness = -(hit.score // FUZZY_STEP) if hit.match == FUZZY else 0.0
    return (
        _RANK[hit.match],
        closeness,
        0 if hit.in_region else 1,
        -hit.place.population,
        hit.place.name,
        hit.place.pk,
    )


def _ordered(names: QuerySet[PlaceName]) -> list[int]:
    """The places of these names, the most populous first, `CANDIDATES` names at most."""
    rows = names.order_by("-place__population").values_list("place_id", flat=True)
    return list(dict.fromkeys(rows[:CANDIDATES]))


def _prefix(key: str) -> Q:
    if connection.vendor == "postgresql":
        # LIKE 'key%': the varchar_pattern_ops index, whatever the database's collation.
        return Q(key__startswith=key)
    # Keys hold only [0-9a-z ]: those beginning with `key` are the range [key, key'), key'
    # being `key` with its last character the next one; SQLite compares text byte by byte.
    return Q(key__gte=key, key__lt=key[:-1] + chr(ord(key[-1]) + 1))


def _fuzzy(names: QuerySet[PlaceName], key: str) -> list[tuple[int, float]]:
    """Places of names spelt like `key`, the closest first, with how alike (0-100)."""
    if connection.vendor == "postgresql" and trigrams_available():
        rows = (
            names.filter(key__trigram_similar=key)
            .annotate(similarity=TrigramSimilarity("key", key))
            .order_by("-similarity")
            .values_list("place_id", "similarity")[:CANDIDATES]
        )
        return [(place_id, float(similarity) * 100) for place_id, similarity in rows]
    # The names that begin with the query's first two letters (its first for a short query):
    # a misspelling rarely touches them, and one letter would compare some 5,000 French names
    # (12 ms) where two compare a few hundred (bench/gazetteer.py).
    head = key[:1] if len(key) < 4 else key[:2]
    candidates = dict(
        names.filter(_prefix(head)).values_list("pk", "key")[:FUZZY_CANDIDATES].iterator()
    )
    matches = process.extract(
        key,
        candidates,
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=FUZZY_MIN_SCORE / 100,
        limit=CANDIDATES,
    )
    ids = [name_id for _, _, name_id in matches]
    place_of = dict(PlaceName.objects.filter(pk__in=ids).values_list("pk", "place_id"))
    return [(place_of[name_id], float(score) * 100) for _, score, name_id in matches]


def _region_filter(region: str, code: str | None) -> Q | None:
    """The names of places in the region `region` names, when a division answers to it: a
    name or an ISO 3166-2 code (regions.py reads them) or a GeoNames admin code (with a
    country). None when none does."""
    if not region:
        return None
    within = Q()
    found = False
    for level, name in region_divisions(region, code or ""):
        within |= Q(**{f"place__admin{level + 1}_name": name})
        found = True
    if code and _ADMIN_CODE.match(region):
        upper = region.upper()
        within |= Q(place__admin1_code=upper) | Q(place__admin2_code=upper)
        found = (
            found
            or Place.objects.filter(
                Q(admin1_code=upper) | Q(admin2_code=upper), country_code=code
            ).exists()
        )
    return within if found else None


def _region_forms(region: str) -> frozenset[str]:
    return region_names(region) | {fold(region)}


def _in_region(place: Place, forms: frozenset[str]) -> bool:
    """Whether the place's region or département is spelt as one of `forms`, or begins with
    one ("Auvergne" for Auvergne-Rhône-Alpes)."""
    if not forms:
        return False
    names = region_names(place.admin1_name) | region_names(place.admin2_name)
    codes = {fold(place.admin1_code), fold(place.admin2_code)} - {""}
    if forms & codes:
        return True
    return any(name == form or name.startswith(form + " ") for name in names for form in forms)


# "Département du Nord" is "Nord" beside a town's name.
_DIVISION_WORDS = re.compile(
    r"^(?:Département|Department|Provincia|Província|Province|Région|Region|Comunidad)"
    r"\s+(?:de la |de l['’]|du |des |de |di |del |d['’]|of )?",
    re.IGNORECASE,
)


def place_region(place: Place) -> str:
    """The division shown beside a place's name: its département or county where known,
    else its region or state."""
    level, division = (1, place.admin2_name) if place.admin2_name else (0, place.admin1_name)
    division = division_local_name(place.country_code, level, division)
    return _DIVISION_WORDS.sub("", division) or division


def country_name(code: str) -> str:
    """The country's name in the active language ("Espagne" in French), its code if unknown."""
    return _country_name(code, translation.get_language() or "en")


@lru_cache(maxsize=4096)
def _country_name(code: str, language: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code
    name = str(getattr(country, "common_name", "") or country.name)
    local = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language.split("-")[0]], fallback=True
    )
    return local.gettext(name)
