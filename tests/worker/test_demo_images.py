"""The demo image generator: reproducible pictures whose ground truth is in canonical form.

Pure Python: no database and no Django settings needed.
"""

from __future__ import annotations

import datetime
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from PIL import Image, ImageDraw

from worker.demo import (
    DemoItem,
    herbarium_items,
    iter_herbarium_items,
    iter_reference_items,
    reference_items,
)
from worker.demo import vocabulary as words
from worker.demo.drawing import font, seeded_rng
from worker.demo.glyphs import can_draw, draw_text
from worker.demo.herbarium import decimal_degrees, degrees_minutes_seconds, printed_date

HERBARIUM_FIELDS = {
    "scientificName",
    "recordedBy",
    "recordNumber",
    "eventDate",
    "country",
    "stateProvince",
    "locality",
    "habitat",
    "minimumElevationInMeters",
    "coordinates",
}
REFERENCE_FIELDS = {
    "type",
    "title",
    "authors",
    "container",
    "year",
    "volume",
    "pages",
    "publisher",
    "url",
}
ISO_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
COORDINATES = re.compile(r"^(-?\d{1,2}\.\d{4}),(-?\d{1,3}\.\d{4})$")
AUTHOR_LIST = re.compile(r"^[^,;]+, [^,;]+(; [^,;]+, [^,;]+)*$")
PAGES = re.compile(r"^(\d+)(?:-(\d+))?$")
SAMPLE = 100
Generator = Callable[..., list[DemoItem]]


@dataclass(frozen=True)
class Record:
    """An item without its image: a hundred images would take half a gigabyte."""

    filename: str
    truth: dict[str, str]
    metadata: dict[str, str]


def records(items: Iterable[DemoItem]) -> list[Record]:
    return [Record(item.filename, item.truth, item.metadata) for item in items]


@pytest.fixture(scope="module")
def sheets() -> list[Record]:
    return records(iter_herbarium_items(count=SAMPLE, seed=3))


@pytest.fixture(scope="module")
def cards() -> list[Record]:
    return records(iter_reference_items(count=SAMPLE, seed=3))


def assert_valid_partial_date(value: str) -> None:
    assert ISO_PARTIAL_DATE.match(value), value
    parts = [int(part) for part in value.split("-")]
    datetime.date(parts[0], *(parts[1:] + [1] * (3 - len(parts))))  # raises if impossible


# ---------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("generate", [herbarium_items, reference_items])
def test_the_same_seed_gives_identical_images_and_truths(generate: Generator) -> None:
    first, second = generate(count=3, seed=42), generate(count=3, seed=42)
    for a, b in zip(first, second, strict=True):
        assert (a.filename, a.truth, a.metadata) == (b.filename, b.truth, b.metadata)
        assert a.image.tobytes() == b.image.tobytes()


@pytest.mark.parametrize("generate", [herbarium_items, reference_items])
def test_a_different_seed_gives_different_items(generate: Generator) -> None:
    first, second = generate(count=3, seed=1), generate(count=3, seed=2)
    assert [item.truth for item in first] != [item.truth for item in second]
    assert first[0].image.tobytes() != second[0].image.tobytes()


@pytest.mark.parametrize("generate", [herbarium_items, reference_items])
def test_asking_for_more_items_leaves_the_first_ones_unchanged(generate: Generator) -> None:
    few, more = generate(count=2, seed=7), generate(count=4, seed=7)
    assert [item.truth for item in few] == [item.truth for item in more[:2]]
    assert few[1].image.tobytes() == more[1].image.tobytes()


def test_the_global_random_state_is_neither_used_nor_changed() -> None:
    random.seed(123)
    state = random.getstate()
    first = herbarium_items(count=1, seed=5)[0]
    assert random.getstate() == state
    random.seed(999)
    assert herbarium_items(count=1, seed=5)[0].image.tobytes() == first.image.tobytes()


def test_the_generator_imports_neither_django_nor_anything_that_needs_settings() -> None:
    code = (
        "import sys, worker.demo; sys.exit(any(m.split('.')[0] == 'django' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------- the items


def test_filenames_are_unique(sheets: list[Record], cards: list[Record]) -> None:
    names = [item.filename for item in sheets + cards]
    assert len(set(names)) == len(names) == 2 * SAMPLE
    assert sheets[0].filename == "herbarium-0001.jpg"
    assert cards[-1].filename == f"reference-{SAMPLE:04d}.jpg"


def test_count_zero_gives_no_items() -> None:
    assert herbarium_items(count=0) == []
    assert reference_items(count=0) == []


def test_sheets_are_portrait_and_cards_are_landscape_rgb_images() -> None:
    for item in herbarium_items(count=3, seed=4):
        assert item.image.mode == "RGB"
        assert item.image.size == (1100, 1600)
    for item in reference_items(count=3, seed=4):
        assert item.image.mode == "RGB"
        assert item.image.size == (1400, 900)


def test_the_sheet_has_dark_label_text_in_its_lower_right_corner() -> None:
    sheet = herbarium_items(count=1, seed=4)[0].image
    corner = sheet.crop((560, 1150, 1060, 1560)).convert("L")
    assert sum(corner.histogram()[:90]) > 2000, "no printed label text found"


def test_the_card_has_typed_text_on_its_first_ruled_lines() -> None:
    card = reference_items(count=1, seed=4)[0].image
    lines = card.crop((90, 100, 1300, 260)).convert("L")
    assert sum(lines.histogram()[:100]) > 1000, "no typed text found"


def test_the_iterators_give_the_same_items_as_the_lists() -> None:
    listed, iterated = reference_items(count=2, seed=8), list(iter_reference_items(count=2, seed=8))
    assert [item.truth for item in listed] == [item.truth for item in iterated]
    assert listed[1].image.tobytes() == iterated[1].image.tobytes()


# ---------------------------------------------------------------- herbarium truth


def test_every_herbarium_truth_has_every_field_in_canonical_form(sheets: list[Record]) -> None:
    countries = {region.country for region in words.FRENCH_REGIONS + words.FOREIGN_REGIONS}
    departments = {region.department for region in words.FRENCH_REGIONS}
    for item in sheets:
        truth = item.truth
        assert set(truth) == HERBARIUM_FIELDS
        assert all(value == value.strip() for value in truth.values())
        assert re.match(r"^[A-Z][a-z]+ [a-z]+ \S.*$", truth["scientificName"])
        assert truth["recordedBy"]
        assert re.match(r"^(\d+)?$", truth["recordNumber"])
        assert_valid_partial_date(truth["eventDate"])
        assert truth["country"] in countries
        if truth["country"] == "France":
            assert truth["stateProvince"] in departments
        else:
            assert truth["stateProvince"] == ""
        assert truth["locality"]
        assert re.match(r"^(\d+)?$", truth["minimumElevationInMeters"])
        if truth["coordinates"]:
            match = COORDINATES.match(truth["coordinates"])
            assert match, truth["coordinates"]
            lat, lon = float(match[1]), float(match[2])
            assert -90 <= lat <= 90
            assert -180 <= lon <= 180


def test_about_half_the_labels_have_coordinates_and_most_come_from_france(
    sheets: list[Record],
) -> None:
    with_coordinates = sum(1 for item in sheets if item.truth["coordinates"])
    assert 0.3 * SAMPLE <= with_coordinates <= 0.7 * SAMPLE
    french = Counter(item.truth["country"] for item in sheets)["France"]
    assert 0.65 * SAMPLE <= french <= 0.92 * SAMPLE
    assert any(item.truth["recordNumber"] == "" for item in sheets)
    assert any(item.truth["minimumElevationInMeters"] == "" for item in sheets)
    assert {len(item.truth["eventDate"]) for item in sheets} == {4, 7, 10}


def test_the_metadata_gives_a_catalogue_number_and_an_institution(sheets: list[Record]) -> None:
    for item in sheets:
        assert re.match(r"^[A-Z]+\d{6}$", item.metadata["catalogNumber"])
        assert item.metadata["institution"]


def test_printed_coordinates_convert_exactly_to_the_truth() -> None:
    dms = degrees_minutes_seconds(45.18861, -1.55361)
    assert dms.printed == "45°11'19\"N  1°33'13\"W"
    assert dms.truth == "45.1886,-1.5536"
    decimal = decimal_degrees(seeded_rng(0), 45.188611, 5.724444)
    assert decimal.truth == "45.1886,5.7244"
    assert "45.1886" in decimal.printed
    assert "5.7244" in decimal.printed


def parse_printed_date(text: str) -> str:
    """What a careful volunteer would type for a date printed on a label."""
    roman = {numeral: index for index, numeral in enumerate(words.ROMAN_MONTHS, start=1)}
    months = {name: index for index, name in enumerate(words.MONTHS_FR, start=1)}
    if match := re.fullmatch(r"(\d{1,2})(?:er)? (\w+) (\d{4})", text):
        return f"{match[3]}-{months[match[2]]:02d}-{int(match[1]):02d}"
    if match := re.fullmatch(r"(\d{1,2})\.([IVX]+)\.(\d{4})", text):
        return f"{match[3]}-{roman[match[2]]:02d}-{int(match[1]):02d}"
    if match := re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", text):
        return f"{match[3]}-{match[2]}-{match[1]}"
    if match := re.fullmatch(r"([IVX]+)\.(\d{4})", text):
        return f"{match[2]}-{roman[match[1]]:02d}"
    if match := re.fullmatch(r"(\w+) (\d{4})", text):
        return f"{match[2]}-{months[match[1].lower()]:02d}"
    return text


@pytest.mark.parametrize(
    ("date", "iso"),
    [
        ((1898, 6, 12), "1898-06-12"),
        ((1898, 6, 1), "1898-06-01"),
        ((1898, 10, 0), "1898-10"),
        ((1898, 0, 0), "1898"),
    ],
)
def test_every_way_a_label_prints_a_date_means_the_iso_truth(
    date: tuple[int, int, int], iso: str
) -> None:
    rng = seeded_rng(1)
    printed = {printed_date(rng, date) for _ in range(40)}
    assert {parse_printed_date(text) for text in printed} == {iso}


# ---------------------------------------------------------------- reference truth


def test_reference_fields_follow_the_item_type(cards: list[Record]) -> None:
    for item in cards:
        truth, kind = item.truth, item.truth["type"]
        assert set(truth) == REFERENCE_FIELDS
        assert kind in {"article", "book", "chapter", "thesis", "webpage"}
        assert truth["title"]
        assert_valid_partial_date(truth["year"])
        assert bool(truth["container"]) == (kind in {"article", "chapter"}), truth
        assert bool(truth["publisher"]) == (kind in {"book", "thesis"}), truth
        assert bool(truth["url"]) == (kind == "webpage"), truth
        if kind != "article":
            assert truth["volume"] == "", truth
        if kind in {"book", "thesis", "webpage"}:
            assert truth["pages"] == "", truth
        if kind == "chapter":
            assert truth["pages"], truth


def test_reference_values_are_in_canonical_form(cards: list[Record]) -> None:
    for item in cards:
        truth = item.truth
        assert all(value == value.strip() for value in truth.values())
        if truth["authors"] or truth["type"] != "webpage":
            assert AUTHOR_LIST.match(truth["authors"]), truth["authors"]
        assert re.match(r"^(\d+)?$", truth["volume"])
        if truth["pages"]:
            match = PAGES.match(truth["pages"])
            assert match, truth["pages"]
            assert match[2] is None or int(match[1]) < int(match[2])
        if truth["url"]:
            url = urlparse(truth["url"])
            assert url.scheme == "https"
            assert url.hostname is not None
            assert url.hostname.endswith((".example.org", ".example.net", ".example.com"))


def test_every_reference_type_appears_and_articles_are_the_most_common(
    cards: list[Record],
) -> None:
    kinds = Counter(item.truth["type"] for item in cards)
    assert set(kinds) == {"article", "book", "chapter", "thesis", "webpage"}
    assert kinds.most_common(1)[0][0] == "article"


def test_each_card_has_a_card_number(cards: list[Record]) -> None:
    for item in cards:
        assert re.match(r"^BJ-\d{5}$", item.metadata["cardNumber"])


# ---------------------------------------------------------------- text rendering


def test_every_character_of_the_word_lists_can_be_drawn(
    sheets: list[Record], cards: list[Record]
) -> None:
    text = "".join(value for item in sheets + cards for value in item.truth.values())
    text += "".join(words.MONTHS_FR) + "\u2014 \u2013 œ Œ"
    assert [char for char in set(text) if not can_draw(char)] == []


@pytest.mark.parametrize(
    ("accented", "plain"), [("é", "e"), ("È", "E"), ("ç", "c"), ("î", "i"), ("œ", "o")]
)
def test_accented_letters_are_composed_rather_than_drawn_as_missing_boxes(
    accented: str, plain: str
) -> None:
    def render(text: str) -> bytes:
        image = Image.new("L", (60, 60), 0)
        draw_text(ImageDraw.Draw(image), (10, 10), text, font(30), 255)
        return image.tobytes()

    missing_box = render("\uffff")
    assert render(accented) not in (missing_box, render(plain))


# ---------------------------------------------------------------- speed


def test_generation_stays_fast() -> None:
    herbarium_items(count=2, seed=11)  # warm the glyph caches
    reference_items(count=2, seed=11)
    start = time.perf_counter()
    herbarium_items(count=5, seed=12)
    reference_items(count=5, seed=12)
    per_image = (time.perf_counter() - start) / 10
    # About 30 ms on one core; the bound is loose so that a busy machine does not fail it.
    assert per_image < 0.4
