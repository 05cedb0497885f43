"""For the IIIF tile tests: the tile requests OpenSeadragon makes, computed from info.json alone
by a port of its IIIFTileSource (`getTileUrl`, `getNumTiles` and the `sizes` handling of the
version in package.json, 5.0.1, and of its current main branch), the real OpenSeadragon's
loader, and test images."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageStat

from worker.imaging.iiif import TileSet, iiif_tiles_write

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
