"""Static IIIF Image API 3.0 level-0 tiles: what OpenSeadragon asks for must be there.

Pure Python: no database needed. The tile requests are computed from info.json alone by a
port of OpenSeadragon's IIIFTileSource (tests/worker/tiles.py); when node and node_modules are
there, the real OpenSeadragon is asked too.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from PIL import Image

from tests.worker.tiles import (
    BASE_ID,
    OSD_BUILD,
    OSD_URLS_JS,
    OSD_VERSIONS,
    files_in,
    openseadragon_requests,
    sheet,
    sizes_requests,
    write,
)
from worker.imaging.iiif import iiif_info_make

# --- info.json -----------------------------------------------------------------------------------


def test_info_json_is_a_valid_iiif_3_level_0_document_with_the_image_dimensions(tmp_path):
    tiles = write(sheet(1100, 700), tmp_path / "sheet")

    info = json.loads((tmp_path / "sheet" / "info.json").read_text())
    assert info == tiles.info
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == BASE_ID
    assert info["type"] == "ImageService3"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"] == "level0"
    assert (info["width"], info["height"]) == (1100, 700)
    assert info["tiles"] == [{"width": 512, "scaleFactors": [1, 2, 4]}]
    assert info["sizes"] == [{"width": 275, "height": 175}, {"width": 550, "height": 350}]


def test_the_id_has_no_trailing_slash_so_that_viewers_do_not_request_double_slashes():
    info = iiif_info_make(100, 100, base_id=BASE_ID + "/")

    assert info["id"] == BASE_ID


def test_scale_factors_go_on_until_the_whole_image_fits_in_one_tile():
    info = iiif_info_make(6000, 4000, base_id=BASE_ID)

    assert info["tiles"][0]["scaleFactors"] == [1, 2, 4, 8, 16]  # 375 x 250 at 16
    assert info["sizes"] == [{"width": 375, "height": 250}, {"width": 750, "height": 500}]


# --- Every tile OpenSeadragon requests -----------------------------------------------------------


@pytest.mark.parametrize("osd", OSD_VERSIONS)
@pytest.mark.parametrize(
    ("width", "height", "tile_size"),
    [
        (1, 1, 512),
        (10_000, 3, 512),
        (3, 2_000, 256),
        (511, 300, 512),
        (512, 512, 512),
        (513, 511, 512),
        (1024, 1024, 512),
        (1100, 700, 512),
        (2000, 1500, 512),
        (2049, 1537, 256),
        (1500, 1000, 1024),
    ],
)
def test_every_tile_openseadragon_requests_exists_with_the_pixel_size_it_expects(
    tmp_path, osd, width, height, tile_size
):
    tiles = write(sheet(width, height), tmp_path / "sheet", tile_size=tile_size)

    wanted = openseadragon_requests(tiles.info, osd) | sizes_requests(tiles.info)
    for path, size in wanted.items():
        with Image.open(tmp_path / "sheet" / path) as tile:
            assert tile.format == "JPEG", path
            assert tile.size == size, path
    # Nothing else is written but info.json and the canonical `max` of a small full image.
    written = {
        path.relative_to(tmp_path / "sheet").as_posix() for path in files_in(tmp_path / "sheet")
    }
    assert written - set(wanted) <= {"info.json", "full/max/0/default.jpg"}
    assert tiles.files == len(written) - 1


@pytest.mark.skipif(
    shutil.which("node") is None or not OSD_BUILD.exists(),
    reason="needs node and node_modules (npm ci)",
)
def test_the_real_openseadragon_requests_exactly_what_the_port_predicts_and_it_all_exists(
    tmp_path,
):
    shapes = [(1, 1, 512), (10_000, 3, 512), (513, 511, 512), (1100, 700, 512), (2049, 1537, 256)]
    shapes += [(5000, 7000, 512), (6000, 4000, 512), (7000, 5000, 256)]  # info.json only
    infos = [
        iiif_info_make(width, height, base_id=BASE_ID, tile_size=size)
        for width, height, size in shapes
    ]

    done = subprocess.run(
        ["node", "-e", OSD_URLS_JS, str(OSD_BUILD)],
        input=json.dumps(infos),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    for (width, height, size), info, urls in zip(
        shapes, infos, json.loads(done.stdout), strict=True
    ):
        assert set(urls) == set(openseadragon_requests(info)), (width, height, size)
        if width * height <= 4_000_000:
            write(sheet(width, height), tmp_path / f"{width}x{height}", tile_size=size)
            missing = [url for url in urls if not (tmp_path / f"{width}x{height}" / url).is_file()]
            assert missing == [], (width, height, size)


def test_edge_tiles_have_the_remaining_width_and_height(tmp_path):
    write(sheet(1100, 700), tmp_path / "sheet")

    expected = {
        "0,0,512,512/512,512": (512, 512),
        "1024,0,76,512/76,512": (76, 512),  # right edge
        "0,512,512,188/512,188": (512, 188),  # bottom edge
        "1024,512,76,188/76,188": (76, 188),  # corner
        "0,0,1024,700/512,350": (512, 350),  # scale factor 2
        "1024,0,76,700/38,350": (38, 350),
        "full/275,175": (275, 175),  # scale factor 4: the whole image in one tile
    }
    for prefix, size in expected.items():
        with Image.open(tmp_path / "sheet" / prefix / "0" / "default.jpg") as tile:
            assert tile.size == size, prefix


def test_an_image_that_fits_in_one_tile_is_served_as_full_max(tmp_path):
    write(sheet(512, 512), tmp_path / "sheet")

    assert openseadragon_requests(json.loads((tmp_path / "sheet" / "info.json").read_text())) == {
        "full/max/0/default.jpg": (512, 512)
    }
    assert (tmp_path / "sheet" / "full/512,512/0/default.jpg").is_file()  # as listed in sizes


# --- Extreme shapes ------------------------------------------------------------------------------


def test_a_complete_folder_is_found_without_loading_the_image(tmp_path):
    source = tmp_path / "sheet.jpg"
    sheet(1100, 700).save(source)
    with Image.open(source) as image:
        first = write(image, tmp_path / "sheet")
    with Image.open(source) as image:
        again = write(image, tmp_path / "sheet")
        assert image.tile  # still not decoded

    assert again == first


def test_a_1x1_image_is_one_full_image(tmp_path):
    tiles = write(Image.new("RGB", (1, 1), (200, 100, 50)), tmp_path / "dot")

    assert tiles.info["tiles"] == [{"width": 512, "scaleFactors": [1]}]
    assert tiles.info["sizes"] == [{"width": 1, "height": 1}]
    assert openseadragon_requests(tiles.info) == {"full/max/0/default.jpg": (1, 1)}
    with Image.open(tmp_path / "dot" / "full/max/0/default.jpg") as dot:
        assert dot.size == (1, 1)
        pixel = dot.convert("RGB").getpixel((0, 0))
        assert pixel == pytest.approx((200, 100, 50), abs=8)


def test_a_very_thin_10000x3_image_is_tiled_along_its_length(tmp_path):
    tiles = write(sheet(10_000, 3), tmp_path / "thin")

    assert tiles.info["tiles"][0]["scaleFactors"] == [1, 2, 4, 8, 16, 32]
    requests = openseadragon_requests(tiles.info)
    assert requests["9728,0,272,3/272,3/0/default.jpg"] == (272, 3)
    assert requests["8192,0,1808,3/113,1/0/default.jpg"] == (113, 1)
    assert requests["full/313,1/0/default.jpg"] == (313, 1)
    assert len(requests) == 20 + 10 + 5 + 3 + 2 + 1
    for path, size in requests.items():
        with Image.open(tmp_path / "thin" / path) as tile:
            assert tile.size == size


def test_an_empty_image_is_refused(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        write(Image.new("RGB", (0, 0)), tmp_path / "none")
    assert list(tmp_path.iterdir()) == []
