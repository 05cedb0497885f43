"""Countries as labels write them, read as ISO 3166-1 alpha-2 codes (pure Python)."""

from __future__ import annotations

import gettext

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.places.countries import country_code, fold

COUNTRIES = sorted(pycountry.countries, key=lambda c: c.alpha_2)
FRENCH = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Espagne", "ES"),
        ("ESPAGNE.", "ES"),
        ("l'Espagne", "ES"),
        ("España", "ES"),
        ("Spain", "ES"),
        ("ESP", "ES"),
        ("Kingdom of Spain", "ES"),
        ("Maroc", "MA"),
        ("Royaume du Maroc", "MA"),
        ("République française", "FR"),
        ("Etats-Unis", "US"),
        ("U.S.A.", "US"),
        ("Suisse", "CH"),
        ("Schweiz", "CH"),
        ("Côte d’Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Turkey", "TR"),
        ("Bolivia", "BO"),
        ("Republic of Korea", "KR"),
    ],
)
def test_it_reads_a_country_as_labels_and_volunteers_write_it(written, code):
    assert country_code(written) == code


@pytest.mark.parametrize(("old", "code"), [("Zaïre", "CD"), ("Dahomey", "BJ"), ("Burma", "MM")])
def test_an_old_name_reads_as_the_country_that_holds_its_iso_number_today(old, code):
    assert country_code(old) == code


@pytest.mark.parametrize("split", ["USSR", "Yugoslavia", "Czechoslovakia"])
def test_a_country_that_split_reads_as_no_code_since_none_is_right(split):
    assert country_code(split) is None


@pytest.mark.parametrize("text", ["", "Doubs", "in", "es", "près de Grenoble", "x" * 500])
def test_what_names_no_country_reads_as_nothing(text):
    assert country_code(text) is None


def test_a_name_two_countries_share_reads_as_nothing_rather_than_a_guess():
    assert country_code("Korea") is None  # north or south
    assert country_code("Corée") is None


@given(st.sampled_from(COUNTRIES))
def test_every_iso_name_and_code_reads_back_as_its_country(country):
    code = country.alpha_2
    assert country_code(country.alpha_3) == code
    assert country_code(country.alpha_2) == code
    for name in (country.name, FRENCH.gettext(country.name)):
        if country_code(name) is not None:  # dropped only when another country shares it
            assert country_code(name) == code
    assert country_code(country.name) == code


@given(st.sampled_from(COUNTRIES), st.sampled_from(["upper", "lower", "title"]))
def test_case_and_accents_do_not_change_the_reading(country, case):
    name = FRENCH.gettext(country.name)
    assert country_code(getattr(name, case)()) == country_code(name)
    assert country_code(fold(name)) == country_code(name)
