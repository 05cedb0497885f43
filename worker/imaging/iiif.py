"""Static IIIF Image API 3.0 level-0 tiles of a task image, for OpenSeadragon and other viewers.

Layout written into `folder` (served as static files at `base_id`):

    info.json
    {x},{y},{w},{h}/{tw},{th}/0/default.jpg   tiles; region in full-resolution pixels
    full/{w},{h}/0/default.jpg                 scaled full images (`sizes`, and the top level)
    full/max/0/default.jpg                     the full image, only when it fits in one tile

Sizes are `w,h` and the full size is `max`: the canonical form of IIIF Image API 3.0 (4.7) and
exactly what OpenSeadragon's IIIFTileSource asks a version 3 service for (the `w,` form is
IIIF 2's). Which tiles exist is decided by the same arithmetic as OpenSeadragon's `getTileUrl`,
edge tiles and the smallest level included.

The pyramid is made scale by scale from one decoded image, each level reduced by 2 from the one
before (2x2 box mean, like `vips dzsave`), so memory stays near one decoded image plus a quarter
of it. Files are written into a sibling `<name>.tmp` folder that is renamed into place, under a
per-folder lock, so a failed or concurrent run never leaves a half-made folder; a complete
folder is left untouched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

IIIF_CONTEXT = "http://iiif.io/api/image/3/context.json"
IIIF_PROTOCOL = "http://iiif.io/api/image"
INFO_JSON = "info.json"
TILE_FILE = "0/default.jpg"  # rotation/quality.format
# Scaled full images are listed in `sizes` (and written) up to this longer side, besides the
# smallest level: enough for thumbnails and previews without re-encoding the big levels again.
SIZES_MAX_SIDE = 1024

# Modes whose colour space a JPEG tile keeps (so that their ICC profile still applies).
_SAME_COLOUR_SPACE = {"RGB", "RGBA", "RGBX", "L", "LA"}
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}


@dataclass(frozen=True)
class TileSet:
    info: dict[str, Any]  # the info.json document
    files: int  # JPEG files in the tile set (tiles and scaled full images)
    bytes: int  # bytes of the whole folder (JPEG files and info.json)


@dataclass(frozen=True)
class _File:
    path: str  # relative to the folder, e.g. "0,0,1024,1024/512,512/0/default.jpg"
    box: tuple[int, int, int, int]  # left, upper, right, lower in the level image


@dataclass(frozen=True)
class _Level:
    scale_factor: int
    width: int
    height: int
    files: tuple[_File, ...]


def iiif_tiles_write(
    image: Image.Image, *, folder: Path, base_id: str, tile_size: int = 512, quality: int = 85
) -> TileSet:
    """Write the static IIIF level-0 tile set of `image` into `folder`, unless already complete.

    `image` is tiled as it is: orient it (EXIF) before. RGB and L are tiled without a copy;
    other modes are converted to RGB first (transparency over white, 16-bit grey scaled down),
    which costs a second full image in memory. An ICC profile in `image.info` is embedded in
    every tile. `base_id` is the public URL of `folder` (a trailing slash is dropped).

    A folder whose info.json is the one we would write and whose files are all there is left
    as it is (whatever `quality` made it): `image` is not even loaded. Otherwise the whole
    set is made again and swapped in. The returned counts describe the tile set in the folder,
    the same whether this call made it or found it complete.
    """
    if tile_size < 1:
        raise ValueError(f"tile_size must be positive, not {tile_size}")
    if not 1 <= quality <= 100:
        raise ValueError(f"quality must be within 1..100, not {quality}")
    width, height = image.size
    if width < 1 or height < 1:
        raise ValueError(f"cannot tile an empty image ({width}×{height})")
    folder = Path(folder)
    levels = _levels(width, height, tile_size)
    info = _info(width, height, base_id=base_id, tile_size=tile_size, levels=levels)
    found = _complete(folder, info, levels)
    if found is not None:
        return found
    folder.parent.mkdir(parents=True, exist_ok=True)
    with _folder_lock(folder):
        found = _complete(folder, info, levels)  # made meanwhile by another worker
        if found is not None:
            return found
        staging = folder.with_name(folder.name + ".tmp")
        for leftover in (staging, folder.with_name(folder.name + ".old")):  # of a killed run
            shutil.rmtree(leftover, ignore_errors=True)
        staging.mkdir()
        try:
            files, size = _pyramid_write(image, staging, levels, quality=quality)
            size += _info_write(staging, info)
            _folder_replace(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return TileSet(info=info, files=files, bytes=size)


def iiif_info_make(
    width: int, height: int, *, base_id: str, tile_size: int = 512
) -> dict[str, Any]:
    """The info.json document of a `width` x `height` image tiled by `iiif_tiles_write`."""
    levels = _levels(width, height, tile_size)
    return _info(width, height, base_id=base_id, tile_size=tile_size, levels=levels)


def iiif_full_path(info: dict[str, Any], box: tuple[int, int]) -> str:
    """Path (relative to the folder) of the smallest scaled full image in `info["sizes"]` that
    still fills a thumbnail of the image fitted into `box`; the largest one if none does.

    Thumbnails and previews are made from it for a few milliseconds instead of reducing the
    full image again.
    """
    width, height = info["width"], info["height"]
    scale = min(box[0] / width, box[1] / height, 1.0)
    wanted = (width * scale, height * scale)
    sizes = sorted((size["width"], size["height"]) for size in info["sizes"])
    filling = [size for size in sizes if size[0] >= wanted[0] - 0.5 and size[1] >= wanted[1] - 0.5]
    chosen = filling[0] if filling else sizes[-1]
    if chosen == (width, height):
        return f"full/max/{TILE_FILE}"
    return f"full/{chosen[0]},{chosen[1]}/{TILE_FILE}"


def _info(
    width: int, height: int, *, base_id: str, tile_size: int, levels: list[_Level]
) -> dict[str, Any]:
    return {
        "@context": IIIF_CONTEXT,
        "id": base_id.rstrip("/"),
        "type": "ImageService3",
        "protocol": IIIF_PROTOCOL,
        "profile": "level0",
        "width": width,
        "height": height,
        "sizes": [
            {"width": level.width, "height": level.height}
            for level in reversed(levels)
            if _listed_in_sizes(
                level.scale_factor, level.width, level.height, levels[-1].scale_factor, tile_size
            )
        ],
        "tiles": [{"width": tile_size, "scaleFactors": [level.scale_factor for level in levels]}],
    }


def _levels(width: int, height: int, tile_size: int) -> list[_Level]:
    """Scale factors 1, 2, 4… until the level fits in one tile, with the files of each level.

    A level's files are its tiles and, when it is listed in `sizes`, its scaled full image. A
    path already made by a finer level (a 1-pixel corner region can be the same request at two
    scale factors) is left to that level.
    """
    dimensions = [(1, width, height)]
    while dimensions[-1][1] > tile_size or dimensions[-1][2] > tile_size:
        scale_factor = dimensions[-1][0] * 2
        dimensions.append(
            (scale_factor, _ceil_div(width, scale_factor), _ceil_div(height, scale_factor))
        )
    smallest = dimensions[-1][0]
    levels = []
    seen: set[str] = set()
    for scale_factor, level_width, level_height in dimensions:
        files = _level_tiles(width, height, tile_size, scale_factor)
        if _listed_in_sizes(scale_factor, level_width, level_height, smallest, tile_size):
            whole = (0, 0, level_width, level_height)
            files.append(_File(f"full/{level_width},{level_height}/{TILE_FILE}", whole))
            if scale_factor == 1:
                files.append(_File(f"full/max/{TILE_FILE}", whole))  # canonical full size
        kept = []
        for file in files:
            if file.path not in seen:
                seen.add(file.path)
                kept.append(file)
        levels.append(_Level(scale_factor, level_width, level_height, tuple(kept)))
    return levels


def _level_tiles(width: int, height: int, tile_size: int, scale_factor: int) -> list[_File]:
    """The files OpenSeadragon (IIIFTileSource.getTileUrl, version 3) requests for one level."""
    level_width, level_height = _ceil_div(width, scale_factor), _ceil_div(height, scale_factor)
    if level_width < tile_size and level_height < tile_size:
        size = (
            "max"
            if (level_width, level_height) == (width, height)
            else f"{level_width},{level_height}"
        )
        return [_File(f"full/{size}/{TILE_FILE}", (0, 0, level_width, level_height))]
    region_side = tile_size * scale_factor
    files = []
    for y in range(_ceil_div(level_height, tile_size)):
        for x in range(_ceil_div(level_width, tile_size)):
            region_x, region_y = x * region_side, y * region_side
            region_w = min(region_side, width - region_x)
            region_h = min(region_side, height - region_y)
            if (x, y, region_w, region_h) == (0, 0, width, height):
                region = "full"
            else:
                region = f"{region_x},{region_y},{region_w},{region_h}"
            size_w = min(tile_size, level_width - x * tile_size)
            size_h = min(tile_size, level_height - y * tile_size)
            size = "max" if (size_w, size_h) == (width, height) else f"{size_w},{size_h}"
            left, upper = x * tile_size, y * tile_size
            files.append(
                _File(f"{region}/{size}/{TILE_FILE}", (left, upper, left + size_w, upper + size_h))
            )
    return files


def _listed_in_sizes(
    scale_factor: int, level_width: int, level_height: int, smallest: int, tile_size: int
) -> bool:
    # The smallest level and the small ones above it: always the *smallest* levels, so that
    # OpenSeadragon 5.0, which takes `sizes` as the level sizes when there are as many of them
    # as levels (or one fewer), is never misled.
    limit = max(SIZES_MAX_SIDE, tile_size)
    return scale_factor == smallest or max(level_width, level_height) <= limit


def _pyramid_write(
    image: Image.Image, folder: Path, levels: list[_Level], *, quality: int
) -> tuple[int, int]:
    icc_profile = image.info.get("icc_profile") if image.mode in _SAME_COLOUR_SPACE else None
    options: dict[str, Any] = {"quality": quality, "optimize": False, "progressive": False}
    if icc_profile:
        options["icc_profile"] = icc_profile
    root = os.fspath(folder)
    made: set[str] = set()
    files = size = 0
    level_image = _jpeg_ready(image)
    for level in levels:
        if level.scale_factor > 1:
            level_image = level_image.reduce(2)  # the finer level is released here
        assert level_image.size == (level.width, level.height), (level_image.size, level)
        for file in level.files:
            _directories_make(root, file.path.rpartition("/")[0], made)
            if file.box == (0, 0, *level_image.size):
                tile = level_image
            else:
                tile = level_image.crop(file.box)
            with open(f"{root}/{file.path}", "wb") as stream:
                tile.save(stream, format="JPEG", **options)
                size += stream.tell()
            files += 1
    return files, size


def _directories_make(root: str, directory: str, made: set[str]) -> None:
    """`mkdir -p root/directory`, knowing which directories `made` holds already."""
    if directory in made:
        return
    parent, _, _ = directory.rpartition("/")
    if parent:
        _directories_make(root, parent, made)
    with suppress(FileExistsError):  # harmless if the folder was not empty
        os.mkdir(f"{root}/{directory}")
    made.add(directory)


def _jpeg_ready(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in _SIXTEEN_BIT:
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _info_write(folder: Path, info: dict[str, Any]) -> int:
    data = (json.dumps(info, indent=2) + "\n").encode()
    (folder / INFO_JSON).write_bytes(data)
    return len(data)


def _complete(folder: Path, info: dict[str, Any], levels: list[_Level]) -> TileSet | None:
    """The tile set in `folder` if it is the one we would write, with every file present."""
    try:
        data = (folder / INFO_JSON).read_bytes()
        if json.loads(data) != info:
            return None
        size = len(data)
        files = 0
        for level in levels:
            for file in level.files:
                file_size = (folder / file.path).stat().st_size
                if file_size == 0:
                    return None
                size += file_size
                files += 1
    except (OSError, ValueError):
        return None
    return TileSet(info=info, files=files, bytes=size)


def _folder_replace(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    # An incomplete or different tile set: swap it out, then remove it.
    old = folder.with_name(folder.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(folder, old)
    os.rename(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `<folder>.lock` (removed on release) while making `folder`."""
    lock_path = folder.with_name(folder.name + ".lock")
    while True:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            # The previous holder removes the file when done: only the one in place counts.
            try:
                current = os.stat(lock_path)
            except FileNotFoundError:
                continue
            held = os.fstat(descriptor)
            if (current.st_dev, current.st_ino) != (held.st_dev, held.st_ino):
                continue
            try:
                yield
            finally:
                os.unlink(lock_path)
            return
        finally:
            os.close(descriptor)


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)
