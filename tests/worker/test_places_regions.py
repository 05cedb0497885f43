"""Regions as labels name them, and their boxes (pure Python, no database)."""

from __future__ import annotations

import json

import pytest

from worker.places import towns
from worker.places.regions import (
    MARGIN_DEGREES,
    in_region,
    region_box,
    region_country,
    region_names,
    region_of,
)

ISERE = region_of("Isère", "FR")


@pytest.mark.parametrize(
    ("written", "country"),
    [
        ("Isère", "FR"),
        ("ISERE", "FR"),
        ("isère", "fr"),
        ("Département de l'Isère", "FR"),
        ("Dépt. de l’Isère", "FR"),
        ("FR-38", ""),
        ("fr-38", "FR"),
    ],
)
def test_a_departement_is_read_however_a_label_writes_it(written, country):
    assert ISERE is not None
    assert region_of(written, country) == ISERE


@pytest.mark.parametrize(
    ("names", "country"),
    [
        (["Bayern", "Bavière", "Bavaria", "DE-BY"], "DE"),
        (["Catalunya", "Cataluña", "Catalonia", "ES-CT"], "ES"),
        (["Haute-Garonne", "Upper Garonne", "FR-31"], "FR"),
        (["Corse-du-Sud", "South Corsica", "FR-2A"], "FR"),
        (["Bretagne", "Brittany"], "FR"),
        (["Los Angeles County", "Los Angeles"], "US"),
    ],
)
def test_a_region_has_one_box_whatever_language_names_it(names, country):
    boxes = {region_box(name, country) for name in names}
    assert len(boxes) == 1
    assert None not in boxes


def test_a_state_and_a_county_of_the_same_name_are_the_state():
    new_york = region_box("New York", "US")
    assert new_york is not None
    assert in_region((42.65, -73.75), new_york)  # Albany, far from New York County


def test_without_the_country_only_an_iso_code_finds_its_region():
    assert region_of("Limburg") is None  # Belgium's and the Netherlands'
    assert region_of("Limburg", "BE") != region_of("Limburg", "NL")
    assert region_country("Limburg", "NL") == "NL"
    assert region_of("Isère") is None
    assert region_country("FR-38") == "FR"


@pytest.mark.parametrize("written", ["", "Atlantide", "x" * 300, "Isère-sur-Mars"])
def test_what_names_no_region_has_no_box(written):
    assert region_box(written, "FR") is None


def test_a_code_of_another_country_than_the_record_s_finds_nothing():
    assert region_of("FR-38", "IT") is None


def test_the_words_for_a_kind_of_division_are_dropped_but_the_name_is_kept():
    assert region_names("Provincia di Torino") == {"provincia di torino", "torino"}
    assert "nord" in region_names("Département du Nord")
    assert region_names("State") == {"state"}  # nothing but the word: kept as it is


def test_a_region_box_is_its_towns_widened_by_the_margin_at_least():
    box = region_box("Isère", "FR")
    assert box is not None
    # Isère's towns run from about 44.8° to 45.8° N and 4.8° to 6.1° E.
    assert box.south < 44.8 - MARGIN_DEGREES + 0.1
    assert box.north > 45.8 + MARGIN_DEGREES - 0.1
    assert in_region((45.1885, 5.7245), box)  # Grenoble
    assert not in_region((44.8378, -0.5792), box)  # Bordeaux


def test_a_country_s_towns_found_by_their_span_are_those_the_whole_file_gives(monkeypatch):
    everything = json.loads(towns._places_text())
    assert towns._spans() is not None  # else every look-up parses the whole file
    for code in ("FR", "US", "CI", "AD", "ZW", "ZZ"):
        expected = [place for place in everything if place["country_code"] == code]
        assert towns._places(code) == expected
        monkeypatch.setattr(towns, "_spans", lambda: None)
        assert towns._places(code) == expected
        monkeypatch.undo()
    assert towns.country_codes() == sorted({place["country_code"] for place in everything})


def test_towns_written_otherwise_are_found_by_parsing_the_whole_file(monkeypatch):
    town = '{"country_code":"%s","latitude":1.0,"longitude":2.0,"state":"S"}'
    together = "[" + ",".join([town % "AA", town % "AA", town % "BB"]) + "]"
    apart = "[" + ",".join([town % "AA", town % "BB", town % "AA"]) + "]"
    spans = towns._spans.__wrapped__
    monkeypatch.setattr(towns, "_places_text", lambda: together)
    assert spans() == {
        "AA": (1, len(town % "AA") * 2 + 2),
        "BB": (len(together) - 1 - len(town % "BB"), len(together) - 1),
    }
    monkeypatch.setattr(towns, "_places_text", lambda: apart)
    assert spans() is None  # one country's towns in two places: no span would hold them all
    monkeypatch.setattr(towns, "_places_text", lambda: together.replace("{", "{ ", 1))
    assert spans() is None  # a town not opening with its country code
