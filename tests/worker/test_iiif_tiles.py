"""Static IIIF Image API 3.0 level-0 tiles: what OpenSeadragon asks for must be there.

Pure Python: no database needed. The tile requests are computed from info.json alone by a
port of OpenSeadragon's IIIFTileSource (`getTileUrl`, `getNumTiles` and the `sizes` handling of
the version in package.json, 5.0.1, and of its current main branch); when node and
node_modules are there, the real OpenSeadragon is asked too.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageStat

from worker.imaging.iiif import TileSet, iiif_full_path, iiif_info_make, iiif_tiles_write

BASE_ID = "https://media.example.org/tiles/sheet-1"
OSD_VERSIONS = ["5.0.1", "main"]
ROOT = Path(__file__).resolve().parents[2]
OSD_BUILD = ROOT / "node_modules/openseadragon/build/openseadragon/openseadragon.js"
# Loads the real OpenSeadragon (with just enough of a browser stubbed for it to load) and prints,
# for each info.json read from stdin, every tile URL its IIIFTileSource can request.
OSD_URLS_JS = """
const fs = require('fs'), vm = require('vm');
const noop = () => {};
const element = () => ({style: {}, getContext: () => null, addEventListener: noop, setAttribute: noop});
const document = {
  createElement: element, documentElement: {style: {}, addEventListener: noop, removeEventListener: noop},
  addEventListener: noop, removeEventListener: noop, body: {style: {}}, getElementsByTagName: () => [],
  querySelector: () => null,
};
const window = {
  navigator: {userAgent: 'node', appVersion: '5.0', appName: 'Netscape', maxTouchPoints: 0},
  document, location: {protocol: 'https:', href: 'https://example.org/', search: ''},
  addEventListener: noop, removeEventListener: noop, devicePixelRatio: 1, setTimeout, clearTimeout,
  XMLHttpRequest: function () {}, Image: function () {}, console,
};
window.window = window;
const context = vm.createContext(Object.assign(window, {Math, JSON, Date, Promise}));
const code = fs.readFileSync(process.argv[1], 'utf8');  // ends with a //# comment line
vm.runInContext(code + '\\n;this.OSD = OpenSeadragon;', context);
const urls = JSON.parse(fs.readFileSync(0, 'utf8')).map((info) => {
  const source = new context.OSD.IIIFTileSource(context.OSD.IIIFTileSource.prototype.configure(info, '', null));
  const found = [];
  for (let level = source.minLevel || 0; level <= source.maxLevel; level++) {
    const tiles = source.getNumTiles(level);
    for (let y = 0; y < tiles.y; y++) for (let x = 0; x < tiles.x; x++) found.push(source.getTileUrl(level, x, y));
  }
  return found.map((url) => url.slice(info.id.length + 1));
});
console.log(JSON.stringify(urls));
"""


# --- OpenSeadragon's IIIF level-0 requests, from info.json alone ---------------------------------


def js_round(value: float) -> int:
    return math.floor(value + 0.5)  # Math.round: halves go up


def openseadragon_level_sizes(info: dict[str, Any], max_level: int, osd: str) -> list[Any] | None:
    """`levelSizes`: the exact level sizes OpenSeadragon takes from `sizes`, when it does."""
    if not info.get("sizes"):
        return None
    ordered = sorted(info["sizes"], key=lambda size: size["width"])
    width, height = info["width"], info["height"]
    if osd == "5.0.1":
        if len(ordered) not in (max_level, max_level + 1):
            return None
        if len(ordered) == max_level:
            ordered.append({"width": width, "height": height})
        return ordered
    if ordered[-1]["width"] < width and ordered[-1]["height"] < height:
        ordered.append({"width": width, "height": height})
    if len(ordered) != max_level + 1:
        return None
    factors = info["tiles"][0]["scaleFactors"]
    if len(factors) == len(ordered):
        for index, size in enumerate(ordered):
            factor = factors[len(ordered) - index - 1]
            if js_round(width / size["width"]) != factor:
                return None
            if js_round(height / size["height"]) != factor:
                return None
    return ordered


def openseadragon_requests(info: dict[str, Any], osd: str = "5.0.1") -> dict[str, tuple[int, int]]:
    """Every tile URL (relative to `id`) OpenSeadragon may request, with its pixel size."""
    width, height = info["width"], info["height"]
    tiles = info["tiles"][0]
    tile_width = tiles["width"]
    tile_height = tiles.get("height", tile_width)
    max_level = round(math.log2(max(tiles["scaleFactors"])))
    level_sizes = openseadragon_level_sizes(info, max_level, osd)
    requests = {}
    for level in range(max_level + 1):
        scale = 0.5 ** (max_level - level)
        if level_sizes:
            level_width = level_sizes[level]["width"]
            level_height = level_sizes[level]["height"]
            columns = math.ceil(level_width / tile_width)
            rows = math.ceil(level_height / tile_height)
        else:
            level_width, level_height = math.ceil(width * scale), math.ceil(height * scale)
            columns = math.ceil(scale * width / tile_width)
            rows = math.ceil(scale * height / tile_height)
        region_tile_width = js_round(tile_width / scale)
        region_tile_height = js_round(tile_height / scale)
        for y in range(rows):
            for x in range(columns):
                if level_width < tile_width and level_height < tile_height:
                    if (level_width, level_height) == (width, height):
                        size = "max"
                    else:
                        size = f"{level_width},{level_height}"
                    region = "full"
                    pixels = (level_width, level_height)
                else:
                    region_x, region_y = x * region_tile_width, y * region_tile_height
                    region_w = min(region_tile_width, width - region_x)
                    region_h = min(region_tile_height, height - region_y)
                    if (x, y, region_w, region_h) == (0, 0, width, height):
                        region = "full"
                    else:
                        region = f"{region_x},{region_y},{region_w},{region_h}"
                    size_w = min(tile_width, level_width - x * tile_width)
                    size_h = min(tile_height, level_height - y * tile_height)
                    size = "max" if (size_w, size_h) == (width, height) else f"{size_w},{size_h}"
                    pixels = (size_w, size_h)
                requests[f"{region}/{size}/0/default.jpg"] = pixels
    return requests


def sizes_requests(info: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """The scaled full images `sizes` promises, as IIIF 3 clients ask for them (`w,h`)."""
    return {
        f"full/{size['width']},{size['height']}/0/default.jpg": (size["width"], size["height"])
        for size in info["sizes"]
    }


# --- Helpers -------------------------------------------------------------------------------------


def sheet(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Smooth gradients with a few sharp shapes: content a misplaced tile cannot hide."""
    horizontal = Image.linear_gradient("L").resize((width, height))
    vertical = Image.linear_gradient("L").rotate(90).resize((width, height))
    image = Image.merge("RGB", [horizontal, vertical, ImageChops.invert(horizontal)])
    draw = ImageDraw.Draw(image)
    for index in range(6):
        left, top = width * index // 7, height * index // 7
        draw.ellipse(
            [left, top, left + max(1, width // 9), top + max(1, height // 9)], fill=(250, 30, 90)
        )
    return image.convert(mode) if mode != "RGB" else image


def write(image: Image.Image, folder: Path, **options: Any) -> TileSet:
    return iiif_tiles_write(image, folder=folder, base_id=BASE_ID, **options)


def files_in(folder: Path) -> Iterator[Path]:
    return (path for path in sorted(folder.rglob("*")) if path.is_file())


def mean_difference(first: Image.Image, second: Image.Image) -> float:
    assert first.size == second.size
    difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    return max(ImageStat.Stat(difference).mean)


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
