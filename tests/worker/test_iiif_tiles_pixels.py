"""IIIF tiles' pixels: each tile shows its region of the source, colour modes and ICC profiles
carry over, thumbnails come from the tile set. No database."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, ImageStat

from tests.worker.tiles import BASE_ID, files_in, mean_difference, sheet, write
from worker.imaging.iiif import iiif_full_path, iiif_info_make

# --- Pixels --------------------------------------------------------------------------------------


def test_a_tile_matches_the_same_region_of_the_source_within_jpeg_tolerance(tmp_path):
    source = sheet(1300, 900)
    write(source, tmp_path / "sheet")

    with Image.open(tmp_path / "sheet" / "512,512,512,388/512,388/0/default.jpg") as tile:
        assert mean_difference(tile, source.crop((512, 512, 1024, 900))) < 3
    with Image.open(tmp_path / "sheet" / "1024,0,276,900/138,450/0/default.jpg") as tile:
        region = source.crop((1024, 0, 1300, 900)).resize((138, 450), Image.Resampling.BOX)
        assert mean_difference(tile, region) < 3
    with Image.open(tmp_path / "sheet" / "full/325,225/0/default.jpg") as whole:
        assert mean_difference(whole, source.resize((325, 225), Image.Resampling.BOX)) < 3


def test_a_misplaced_tile_would_be_noticed(tmp_path):
    source = sheet(1300, 900)
    write(source, tmp_path / "sheet")

    with Image.open(tmp_path / "sheet" / "512,512,512,388/512,388/0/default.jpg") as tile:
        assert mean_difference(tile, source.crop((0, 512, 512, 900))) > 20


def test_greyscale_stays_greyscale_and_transparency_is_flattened_on_white(tmp_path):
    write(sheet(300, 200, "L"), tmp_path / "grey")
    transparent = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    write(transparent, tmp_path / "clear")

    with Image.open(tmp_path / "grey" / "full/max/0/default.jpg") as tile:
        assert tile.mode == "L"
    with Image.open(tmp_path / "clear" / "full/max/0/default.jpg") as tile:
        assert tile.mode == "RGB"
        assert min(ImageStat.Stat(tile).mean) > 250


def test_sixteen_bit_greyscale_is_scaled_down_not_clipped(tmp_path):
    image = Image.new("I;16", (64, 64), 40_000)
    write(image, tmp_path / "deep")

    with Image.open(tmp_path / "deep" / "full/max/0/default.jpg") as tile:
        assert ImageStat.Stat(tile).mean[0] == pytest.approx(40_000 / 256, abs=2)


def test_the_icc_profile_of_the_source_goes_into_every_tile(tmp_path):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = sheet(600, 400)
    image.info["icc_profile"] = profile
    write(image, tmp_path / "sheet")

    for path in files_in(tmp_path / "sheet"):
        if path.suffix == ".jpg":
            with Image.open(path) as tile:
                assert tile.info.get("icc_profile") == profile, path


# --- Thumbnails from the tile set ----------------------------------------------------------------


def test_the_full_image_for_a_thumbnail_is_the_smallest_listed_that_fills_it(tmp_path):
    info = iiif_info_make(6000, 4000, base_id=BASE_ID)

    assert iiif_full_path(info, (400, 400)) == "full/750,500/0/default.jpg"
    assert iiif_full_path(info, (300, 300)) == "full/375,250/0/default.jpg"
    assert iiif_full_path(info, (2000, 2000)) == "full/750,500/0/default.jpg"  # the largest
    small = iiif_info_make(300, 200, base_id=BASE_ID)
    assert iiif_full_path(small, (400, 400)) == "full/max/0/default.jpg"
    tiles = write(sheet(1100, 700), tmp_path / "sheet")
    assert (tmp_path / "sheet" / iiif_full_path(tiles.info, (400, 400))).is_file()


def test_tiles_are_baseline_jpegs_at_the_quality_asked(tmp_path):
    write(sheet(600, 400), tmp_path / "low", quality=40)
    write(sheet(600, 400), tmp_path / "high", quality=95)

    low = (tmp_path / "low" / "0,0,512,400/512,400/0/default.jpg").read_bytes()
    high = (tmp_path / "high" / "0,0,512,400/512,400/0/default.jpg").read_bytes()
    assert len(low) < len(high)
    with Image.open(io.BytesIO(high)) as tile:
        assert not tile.info.get("progressive")
