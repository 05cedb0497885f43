"""The consensus benchmark times a run that reads the place tables, and says when it built them."""

from __future__ import annotations

from pathlib import Path

from bench.consensus import place_tables_ready
from tests.worker.consensus.test_cli import FIELDS, write_transcriptions
from worker.places.stored import tables_directory

# A record with a country and a point: checking the point needs the country's place tables.
PLACED = "name:text,country:select,point:geopoint"


def prepared(directory: Path, *, placed: bool = True) -> Path:
    if not placed:
        write_transcriptions(directory / "transcriptions.csv")
        return directory
    rows = ["subject_id,user_name,name,country,point"]
    for subject in range(4):
        rows += [f'S{subject},v{k},Quercus ilex L.,France,"43.6, 3.9"' for k in range(3)]
    (directory / "transcriptions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return directory


def test_a_first_run_builds_the_place_tables_and_its_rate_is_printed(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CROWD_CACHE_DIR", str(cache))
    directory = prepared(tmp_path)
    place_tables_ready(directory, PLACED)
    said = capsys.readouterr().out
    assert f"built and kept in {cache} by a first run" in said
    assert "subjects/s" in said
    assert tables_directory(cache).is_dir()
    assert (directory / "reconciled-first.csv").exists()


def test_kept_place_tables_need_no_first_run(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    tables_directory(cache).mkdir(parents=True)
    monkeypatch.setenv("CROWD_CACHE_DIR", str(cache))
    directory = prepared(tmp_path)
    place_tables_ready(directory, PLACED)
    assert capsys.readouterr().out.strip() == f"place tables: already kept in {cache}"
    assert not (directory / "reconciled-first.csv").exists()


def test_without_a_cache_every_run_builds_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CROWD_CACHE_DIR", "")
    place_tables_ready(prepared(tmp_path), PLACED)
    assert "not kept (CROWD_CACHE_DIR is empty)" in capsys.readouterr().out


def test_a_file_without_places_is_said_to_need_none(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CROWD_CACHE_DIR", str(cache))
    place_tables_ready(prepared(tmp_path, placed=False), FIELDS)
    assert "none needed by this file" in capsys.readouterr().out
