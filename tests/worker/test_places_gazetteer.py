"""The gazetteer's rows and keys (pure Python, no database)."""

from __future__ import annotations

import io

import pytest

from worker.places.gazetteer import (
    DUMP_COLUMNS,
    LINE_MAX_BYTES,
    AdminNames,
    PlaceRow,
    RowError,
    alternates_kept,
    dump_rows,
    key_forms,
    parse_dump_line,
    place_key,
)


def dump_line(geonames_id="2995024", name="Mauriac", **columns) -> str:
    values = {
        "asciiname": "Mauriac",
        "alternatenames": "Mauriac,Moriac,MRC,Мориак",
        "latitude": "45.21899",
        "longitude": "2.33353",
        "feature class": "P",
        "feature code": "PPL",
        "country code": "FR",
        "admin1 code": "84",
        "admin2 code": "15",
        "population": "3955",
        **{key.replace("_", " "): value for key, value in columns.items()},
    }
    order = DUMP_COLUMNS[2:]  # after the id and the name
    rest = [values.get(column, "") for column in order]
    rest[-2:] = ["Europe/Paris", "2024-01-01"]
    return "\t".join([geonames_id, name, *rest])


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("ST. ÉTIENNE", "saint etienne"),
        ("St-Etienne", "saint etienne"),
        ("Ste-Foy-lès-Lyon", "sainte foy les lyon"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("L’Île-Bouchard", "l ile bouchard"),
        ("Œuilly", "oeuilly"),
        ("Großenhain", "grossenhain"),
        ("Łódź", "lodz"),
        ("  Mauriac  (Cantal) ", "mauriac cantal"),
        ("Стокгольм", ""),
        ("Stanford", "stanford"),  # "st" only as a word
    ],
)
def test_a_name_is_folded_to_its_key(written, key):
    assert place_key(written) == key


def test_a_leading_article_gives_a_second_key():
    assert key_forms("Le Puy-en-Velay") == {"le puy en velay", "puy en velay"}
    assert key_forms("La") == {"la"}
    assert key_forms("Lespinasse") == {"lespinasse"}


def test_alternate_names_keep_latin_spellings_once_and_drop_codes():
    kept = alternates_kept(
        ["Lugdunum", "LYS", "Lyon", "Lyons", "lyons", "Лион", "", "x" * 300, "Lio\u202en"],
        main="Lyon",
    )
    assert kept == ("Lugdunum", "Lyons")


def test_a_good_dump_line_is_a_place():
    row = parse_dump_line(dump_line().encode())
    assert isinstance(row, PlaceRow)
    assert (row.geonames_id, row.name, row.country_code) == (2995024, "Mauriac", "FR")
    assert (row.admin1_code, row.admin2_code, row.population) == ("84", "15", 3955)
    assert row.alternate_names == ("Moriac",)
    assert (row.feature_class, row.feature_code) == ("P", "PPL")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2995024\tMauriac\tonly three", "3 columns, expected 19"),
        (dump_line(geonames_id="-4"), "geonameid: not a positive whole number"),
        (dump_line(geonames_id="abc"), "geonameid: not a positive whole number"),
        (dump_line(name=""), "name: empty"),
        (dump_line(name="x" * 201), "name: longer than 200"),
        (dump_line(name="Mau\x01riac"), "name: control characters"),
        (dump_line(latitude="91"), "latitude: out of range"),
        (dump_line(longitude="nan"), "longitude: out of range"),
        (dump_line(latitude="north"), "latitude: not a number"),
        (dump_line(feature_class="Z"), "feature class: unknown"),
        (dump_line(feature_code="ppl;drop"), "feature code: not a GeoNames code"),
        (dump_line(country_code="France"), "country code: not an ISO 3166-1 code"),
        (dump_line(population="-1"), "population: not a whole number"),
        (dump_line(admin1_code="x" * 21), "admin1 code: longer than 20"),
    ],
)
def test_a_bad_dump_line_says_why(line, reason):
    found = parse_dump_line(line.encode())
    assert isinstance(found, str)
    assert found.startswith(reason)


def test_a_line_that_is_not_utf8_is_refused():
    line = dump_line(alternatenames="").encode().replace(b"Mauriac", b"Mauriac\xe9", 1)
    assert parse_dump_line(line) == "not UTF-8 (byte 16)"


def test_dump_rows_number_bad_lines_and_skip_a_huge_one_unread():
    huge = dump_line(alternatenames="a," * LINE_MAX_BYTES)
    text = "\n".join(
        [dump_line(), "# a comment", huge, "", dump_line(latitude="x"), dump_line("2980104")]
    )
    rows = list(dump_rows(io.BytesIO(text.encode()), AdminNames()))
    assert [type(row).__name__ for row in rows] == ["PlaceRow", "RowError", "RowError", "PlaceRow"]
    assert rows[1] == RowError(3, f"longer than {LINE_MAX_BYTES} bytes")
    assert rows[2].line == 5
    assert rows[3].geonames_id == 2980104  # the line after the huge one is read whole


def test_a_dump_place_gets_its_region_and_departement_names():
    admin = AdminNames()
    [town, hamlet] = dump_rows(
        io.BytesIO(
            (
                dump_line()
                + "\n"
                + dump_line("99", "Le Vigean", latitude="45.2333", longitude="2.3667")
            ).encode()
        ),
        admin,
    )
    # Mauriac is a town of the towns' file; the hamlet beside it takes its region from its
    # admin1 code and its département from the nearest town of that region.
    assert (town.admin1_name, town.admin2_name) == ("Auvergne-Rhône-Alpes", "Cantal")
    assert (hamlet.admin1_name, hamlet.admin2_name) == ("Auvergne-Rhône-Alpes", "Cantal")
