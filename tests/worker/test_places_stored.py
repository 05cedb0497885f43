"""The place tables kept on disk are the tables the data builds, and only those."""

import json

import pytest

from worker.places import bounds, countries, elevations, regions, stored


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWD_CACHE_DIR", str(tmp_path))
    return tmp_path


def stored_twice(name, build, encode, decode):
    """The table as built (and stored), then as read back from the file."""
    built = stored.stored(name, build, encode, decode)
    read = stored.stored(name, pytest.fail, encode, decode)  # must not be built again
    return built, read


def test_every_table_reads_back_as_it_was_built(cache):
    assert (
        stored_twice(
            "countries",
            lambda: (countries._build_codes(), countries._build_names()),
            list,
            countries._decode,
        )
        == ((countries._build_codes(), countries._build_names()),) * 2
    )
    assert countries._tables() == (countries._build_codes(), countries._build_names())
    built, read = stored_twice(
        "country-boxes",
        bounds._build_boxes,
        lambda boxes: {code: list(box) for code, box in boxes.items()},
        lambda table: {k: bounds.Box(*box) for k, box in table.items()},
    )
    assert built == read == bounds._boxes()
    assert all(type(box) is bounds.Box for box in read.values())
    assert elevations._extremes() == elevations._build_extremes()
    assert regions._subdivision_codes() == regions._build_subdivision_codes()
    for code in ("FR", "ES", "US", "CH"):
        tables = regions._build_tables(code)
        assert stored_twice(
            f"regions-{code.lower()}",
            lambda tables=tables: tables,
            regions._encode,
            regions._decode,
        ) == (tables, tables)
        assert all(type(box) is bounds.Box for box in tables.boxes.values())


def test_iso_codes_are_found_as_pycountry_finds_them():
    import pycountry

    table = regions._subdivision_codes()
    for text in ("FR-38", "fr-38", "ES-CT", "US-NY", "GB-KEN", "XX-1"):
        found = pycountry.subdivisions.get(code=text.upper())
        expected = None if found is None else (found.code, found.country_code)
        assert table.get(text.upper().lower()) == expected


def test_a_table_stored_from_other_data_or_code_is_built_again(cache, monkeypatch):
    assert stored.stored("elevations", lambda: {"a": 1}, dict, dict) == {"a": 1}
    assert stored.stored("elevations", lambda: {"a": 2}, dict, dict) == {"a": 1}
    monkeypatch.setattr(stored, "data_stamp", lambda: "0" * 64)  # an upgraded package
    assert stored.stored("elevations", lambda: {"a": 3}, dict, dict) == {"a": 3}


def test_a_damaged_file_is_built_again_and_written_over(cache):
    assert stored.stored("elevations", lambda: {"a": 1}, dict, dict) == {"a": 1}
    (path,) = cache.glob("places-*/elevations.json")
    for damaged in ("", "{", "[]", '{"stamp": 1}', json.dumps({"name": "elevations"})):
        path.write_text(damaged)
        assert stored.stored("elevations", lambda: {"a": 2}, dict, dict) == {"a": 2}
        assert json.loads(path.read_text())["table"] == {"a": 2}
    content = json.loads(path.read_text())
    path.write_text(json.dumps({**content, "name": "countries"}))  # another table's file
    assert stored.stored("elevations", lambda: {"a": 3}, dict, dict) == {"a": 3}


def test_without_a_cache_directory_tables_are_built_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("CROWD_CACHE_DIR", "")
    assert stored.stored("elevations", lambda: {"a": 1}, dict, dict) == {"a": 1}
    assert stored.stored("elevations", lambda: {"a": 2}, dict, dict) == {"a": 2}
    unwritable = tmp_path / "file"
    unwritable.write_text("")
    monkeypatch.setenv("CROWD_CACHE_DIR", str(unwritable))  # not a directory
    assert stored.stored("elevations", lambda: {"a": 3}, dict, dict) == {"a": 3}
    # A name that is no file name is never one.
    monkeypatch.setenv("CROWD_CACHE_DIR", str(tmp_path))
    assert stored.stored("../x", lambda: {"a": 4}, dict, dict) == {"a": 4}
    assert not list(tmp_path.glob("**/*.json"))
