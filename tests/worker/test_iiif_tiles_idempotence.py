"""IIIF tile sets are made once and atomically: a run again changes nothing, a failed or killed
run leaves nothing half-made, two workers make one set. No database."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from PIL import Image

from tests.worker.tiles import files_in, sheet, write
from worker.imaging.iiif import TileSet, iiif_tiles_write

# --- Idempotence and atomicity -------------------------------------------------------------------


def test_running_again_on_a_complete_folder_changes_nothing(tmp_path):
    image = sheet(1100, 700)
    first = write(image, tmp_path / "sheet")
    stamps = {path: path.stat().st_mtime_ns for path in (tmp_path / "sheet").rglob("*")}

    again = write(image, tmp_path / "sheet")

    assert again == first
    assert {path: path.stat().st_mtime_ns for path in (tmp_path / "sheet").rglob("*")} == stamps
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet"]


def test_the_counts_describe_the_tile_set_in_the_folder(tmp_path):
    tiles = write(sheet(1100, 700), tmp_path / "sheet")

    written = list(files_in(tmp_path / "sheet"))
    assert tiles.files == sum(1 for path in written if path.suffix == ".jpg") == 10
    assert tiles.bytes == sum(path.stat().st_size for path in written)


def test_a_failure_midway_leaves_no_folder_behind(tmp_path, monkeypatch):
    saves = 0
    save = Image.Image.save

    def save_failing_on_the_fifth_tile(
        self: Image.Image, fp: Any, *args: Any, **kwargs: Any
    ) -> None:
        nonlocal saves
        saves += 1
        if saves == 5:
            raise OSError("No space left on device")
        save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save_failing_on_the_fifth_tile)
    image = sheet(1100, 700)

    with pytest.raises(OSError, match="No space left"):
        write(image, tmp_path / "tiles" / "sheet")

    assert list((tmp_path / "tiles").iterdir()) == []  # no folder, no .tmp, no .lock
    monkeypatch.setattr(Image.Image, "save", save)
    assert write(image, tmp_path / "tiles" / "sheet").files == 10


def test_the_leftovers_of_a_killed_run_are_replaced(tmp_path):
    (tmp_path / "sheet.tmp" / "0,0,512,512").mkdir(parents=True)
    (tmp_path / "sheet.old" / "full").mkdir(parents=True)
    (tmp_path / "sheet.lock").touch()

    write(sheet(1100, 700), tmp_path / "sheet")

    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet"]


def test_an_incomplete_folder_is_made_again(tmp_path):
    image = sheet(1100, 700)
    first = write(image, tmp_path / "sheet")
    (tmp_path / "sheet" / "1024,512,76,188/76,188/0/default.jpg").unlink()

    again = write(image, tmp_path / "sheet")

    assert again == first
    assert (tmp_path / "sheet" / "1024,512,76,188/76,188/0/default.jpg").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet"]


def test_a_folder_for_another_address_is_made_again(tmp_path):
    image = sheet(600, 400)
    write(image, tmp_path / "sheet")

    moved = iiif_tiles_write(
        image, folder=tmp_path / "sheet", base_id="https://cdn.example.org/t/1"
    )

    info = json.loads((tmp_path / "sheet" / "info.json").read_text())
    assert info["id"] == moved.info["id"] == "https://cdn.example.org/t/1"


def test_two_workers_on_the_same_image_make_one_tile_set(tmp_path):
    image = sheet(1100, 700)
    image.load()
    results: list[TileSet] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(write(image.copy(), tmp_path / "sheet"))
        except BaseException as error:  # reported below
            errors.append(error)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert len(results) == 4
    assert all(result == results[0] for result in results)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["sheet"]
    assert write(image, tmp_path / "sheet") == results[0]
