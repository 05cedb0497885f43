"""The gazetteer's search: names however they are written, restricted and ranked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.models import Place, PlaceName
from tasks.selectors import places as selector
from tasks.selectors.places import PlaceQueryError, places_search
from tests.tasks.places import gazetteer_small

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def gazetteer():
    return gazetteer_small()


def ids(hits):
    return [hit.place.pk for hit in hits]


def names(hits):
    return [(hit.place.name, hit.region) for hit in hits]


@pytest.mark.parametrize(
    "query",
    [
        "Saint-Flour",
        "saint flour",
        "ST FLOUR",
        "St. Flour",
        "st-flour",
        "Saint Flour",
        "sâint-flöur",
    ],
)
def test_a_name_is_found_however_its_accents_saint_and_hyphens_are_written(query):
    assert ids(places_search(query))[:1] == [2980104]


@pytest.mark.parametrize(
    "query", ["Sainte-Foy-lès-Lyon", "Ste Foy les Lyon", "ste-foy-lès-lyon", "SAINTE FOY"]
)
def test_sainte_and_ste_are_one_word(query):
    assert ids(places_search(query))[:1] == [2980919]


@pytest.mark.parametrize("query", ["L'Haÿ-les-Roses", "l hay les roses", "L’Hay-les-Roses"])
def test_apostrophes_are_spaces(query):
    assert ids(places_search(query))[:1] == [3005825]


def test_a_leading_article_may_be_left_out():
    assert ids(places_search("Puy-en-Velay")) == [2986495]
    assert places_search("Puy-en-Velay")[0].match == "exact"


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("Lugdunum", 2996944),  # Latin
        ("Lyons", 2996944),  # English
        ("Barcelone", 3128760),  # French
        ("Fort-Libre", 2980104),  # Saint-Flour's revolutionary name
        ("Anicium", 2986495),
    ],
)
def test_alternate_and_old_names_are_found(query, found):
    hits = places_search(query)
    assert ids(hits)[:1] == [found]
    assert hits[0].match == "exact"


def test_codes_and_other_scripts_are_not_names():
    assert 2996944 not in ids(places_search("LYS"))  # an airport's code
    assert set(PlaceName.objects.filter(place_id=2988507).values_list("key", flat=True)) == {
        "paris",
        "lutetia",
        "parigi",
    }


@pytest.mark.parametrize("country", ["US", "us", "United States", "États-Unis", "Estados Unidos"])
def test_a_country_restricts_by_code_or_name_in_any_language(country):
    assert ids(places_search("Paris", country=country)) == [4717560]


def test_without_a_country_the_most_populous_namesake_comes_first():
    assert ids(places_search("Paris")) == [2988507, 4717560]


@pytest.mark.parametrize("region", ["Cantal", "FR-15", "cantal", "Département du Cantal"])
def test_a_region_known_to_the_country_restricts(region):
    hits = places_search("Mauriac", country="FR", region=region)
    assert ids(hits) == [2995024]
    assert hits[0].in_region


def test_a_region_may_be_a_geonames_admin_code():
    assert set(ids(places_search("Mauriac", country="FR", region="75"))) == {9000001, 9000002}


def test_a_region_no_division_answers_to_ranks_its_places_first_without_restricting():
    # Auvergne, a region until 2016, is no division today: places of the region whose name
    # begins with it come first; the others stay.
    hits = places_search("Mauriac", country="FR", region="Auvergne")
    assert ids(hits) == [2995024, 9000001, 9000002]
    assert [hit.in_region for hit in hits] == [True, False, False]


def test_exact_names_come_before_prefixes_before_misspellings_then_by_population():
    hits = places_search("Mauriac", country="FR")
    assert names(hits) == [
        ("Mauriac", "Gironde"),  # exact, 6,000 people
        ("Mauriac", "Cantal"),  # exact, 3,955
        ("Mauriac-sur-Dordogne", "Corrèze"),  # a prefix, although 50,000
    ]
    assert [hit.match for hit in hits] == ["exact", "exact", "prefix"]


@pytest.mark.parametrize("trigrams", [True, False])
def test_a_misspelt_name_is_found(trigrams, monkeypatch):
    if trigrams and not (connection.vendor == "postgresql" and selector.trigrams_available()):
        pytest.skip("pg_trgm is PostgreSQL's")
    monkeypatch.setattr(selector, "trigrams_available", lambda: trigrams)
    hits = places_search("Aurillak")
    assert ids(hits)[:1] == [3035843]
    assert hits[0].match == "fuzzy"
    assert ids(places_search("Mauriak", country="FR", region="Cantal")) == [2995024]


def test_a_limit_cuts_the_list():
    assert len(places_search("Mauriac", limit=1)) == 1
    with pytest.raises(PlaceQueryError) as refused:
        places_search("Mauriac", limit=21)
    assert refused.value.field == "limit"


@pytest.mark.parametrize("query", ["", " ", "M", "m-", "%", "%%", "__", "'"])
def test_an_empty_or_one_letter_query_finds_nothing(query):
    assert places_search(query) == []


def test_like_wildcards_are_letters_folded_away_never_wildcards():
    # Not "anything, then uriac": at most a name spelt like "uriac".
    assert {hit.match for hit in places_search("%uriac")} <= {"fuzzy"}
    assert {hit.match for hit in places_search("M_uriac")} <= {"fuzzy"}
    assert 2995024 in ids(places_search("Mau%"))  # "mau", a prefix as typed


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("q", {"query": "x" * 101}),
        ("q", {"query": "Mauriac\x00"}),
        ("q", {"query": "Mau\nriac"}),
        ("q", {"query": "Mau\u202eriac"}),
        ("country", {"query": "Paris", "country": "Atlantis"}),
        ("country", {"query": "Paris", "country": "F\tR"}),
        ("region", {"query": "Paris", "region": "r" * 201}),
    ],
)
def test_hostile_parameters_are_refused_with_the_field_named(field, kwargs):
    query = kwargs.pop("query")
    with pytest.raises(PlaceQueryError) as refused:
        places_search(query, **kwargs)
    assert refused.value.field == field


def test_the_label_names_the_country_in_the_readers_language():
    [hit] = places_search("Barcelona")
    assert hit.label() == "Barcelona, Barcelona, Spain"
    with translation.override("fr"):
        assert hit.label() == "Barcelona, Barcelona, Espagne"
    assert places_search("Mauriac", region="Cantal", country="FR")[0].label() == (
        "Mauriac, Cantal, France"
    )


def test_the_prefix_search_walks_an_index():
    """On a table large enough for the planner to prefer it, the search's prefix lookups go
    through the names' index (EXPLAIN), on PostgreSQL and on SQLite."""
    Place.objects.bulk_create(
        Place(geonames_id=10_000_000 + n, name=f"Lieu {n}", latitude=0, longitude=0)
        for n in range(20_000)
    )
    PlaceName.objects.bulk_create(
        (
            PlaceName(place_id=10_000_000 + n, key=f"lieu {n:05d}", country_code="FR")
            for n in range(20_000)
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    names = PlaceName.objects.filter(selector._prefix("lieu 0123")).values_list("place_id")
    plan = names.explain()
    assert "place_name_key" in plan, plan
    within = PlaceName.objects.filter(country_code="FR").filter(selector._prefix("lieu 0123"))
    plan = within.values_list("place_id").explain()
    assert "place_name_country_key" in plan or "place_name_key" in plan, plan
    assert within.count() == 10


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=120), country=st.text(max_size=8), region=st.text(max_size=12))
def test_any_text_finds_places_or_is_refused_never_fails(query, country, region):
    field = ""
    try:
        hits = places_search(query, country=country, region=region)
    except PlaceQueryError as refused:
        field, hits = refused.field, []
    assert field in {"", "q", "country", "region"}
    assert len(hits) <= 10
