"""The per-image ingest pipeline: from an uploaded file to tiles and a thumbnail. No Django.

    sha256 = file_sha256(path)                    # of the bytes as uploaded: the dedupe key
    made = image_ingest(path, tiles_folder=..., thumbnail_path=..., base_id=..., max_pixels=...)

`image_ingest` opens the file with Pillow, trying only the allowed formats
(`worker.imaging.formats`), `verify()`s it, reopens it (verify leaves the image
unusable), refuses more than `max_pixels` before decoding anything (decompression bombs),
decodes, applies the EXIF orientation in place, converts to RGB where a JPEG tile could not
hold the mode (CMYK, 16-bit, palette, transparency flattened on white), writes the static IIIF
level-0 tile set (`iiif_tiles_write`, atomic) and a thumbnail reduced from the tile set's
smallest scaled full image that fills it (a few milliseconds, instead of reducing the full
image again). One decoded image is in memory at a time, plus a quarter of it while tiling.

Every way a file can be bad ends in `ImageRejected` with a stable `code` and plain `params`,
which the Django side turns into a sentence in the reader's language. Anything else raised is
a bug or the machine (a full disk), not the file's fault.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from worker.imaging.formats import IMAGE_FORMATS, image_open
from worker.imaging.iiif import TileSet, iiif_full_path, iiif_tiles_write

THUMBNAIL_SIZE = (400, 400)
THUMBNAIL_QUALITY = 85

# Codes of ImageRejected, and what their params hold.
NOT_IMAGE = "not_image"  # {"kind": one of FILE_KINDS, or "" when unknown}
EMPTY = "empty"  # {}
TRUNCATED = "truncated"  # {}
CORRUPT = "corrupt"  # {"detail": Pillow's message}
TOO_MANY_PIXELS = "too_many_pixels"  # {"pixels", "limit", "width", "height"} (0 when unknown)

# Magic numbers of what is most often mistaken for an image in a batch.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "office"),
    (b"{\\rtf", "rtf"),
    (b"<!DOCTYPE html", "html"),
    (b"<html", "html"),
    (b"<svg", "svg"),
    (b"<?xml", "xml"),
    (b"%!PS", "postscript"),
    (b"\xc5\xd0\xd3\xc6", "postscript"),  # EPS with a binary preview
    (b"\x1f\x8b", "gzip"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
)
FILE_KINDS = (
    "pdf",
    "zip",
    "office",
    "rtf",
    "html",
    "svg",
    "xml",
    "postscript",
    "gzip",
    "rar",
    "7z",
    "text",
)
_SIXTEEN_BIT = {"I;16", "I;16L", "I;16B", "I;16N", "I"}
_ALPHA = {"RGBA", "RGBa", "LA", "La", "PA"}
_RGB_FAMILY = {"RGBA", "RGBa", "RGBX", "P", "PA"}
_PILLOW_BOMB = re.compile(r"\((\d+) pixels\) exceeds limit of (\d+) pixels")


class ImageRejected(Exception):
    """The file cannot become a task; `code` and `params` say why."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Ingested:
    width: int  # upright, as tiled
    height: int
    format: str  # Pillow's name of the file's format: JPEG, TIFF, PNG…
    mode: str  # the file's mode before conversion
    tiles: TileSet
    thumbnail_size: tuple[int, int]
    steps: dict[str, float] = field(default_factory=dict)  # CPU seconds, when timed


def file_sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def image_ingest(
    path: Path,
    *,
    tiles_folder: Path,
    thumbnail_path: Path,
    base_id: str,
    max_pixels: int,
    tile_size: int = 512,
    quality: int = 85,
    on_step: Callable[[str], None] | None = None,
) -> Ingested:
    """Check the image in `path`, then write its tile set into `tiles_folder` and its thumbnail
    at `thumbnail_path` (a JPEG).

    Raises ImageRejected before writing anything when the file is not a usable image. Both
    outputs appear whole or not at all (staged, then renamed); complete ones are left as they
    are, so running it again makes nothing twice. Outputs of a run that fails after tiling are
    the caller's to discard (they are named by content and may be shared).
    """
    step = on_step or (lambda name: None)
    size = path.stat().st_size
    if size == 0:
        raise ImageRejected(EMPTY)
    with _opened(path, max_pixels) as probe:
        try:
            probe.verify()
        except Exception as error:
            raise _decode_rejection(error) from error
    step("verify")
    with _opened(path, max_pixels) as image:
        file_format, file_mode = str(image.format or ""), image.mode
        try:
            image.load()
        except Exception as error:
            raise _decode_rejection(error) from error
        step("decode")
        ImageOps.exif_transpose(image, in_place=True)
        upright = image_normalise(image)
        step("orient+RGB")
        tiles = iiif_tiles_write(
            upright, folder=tiles_folder, base_id=base_id, tile_size=tile_size, quality=quality
        )
        del upright
        step("tiles")
    thumbnail_size = thumbnail_write(tiles_folder, tiles.info, thumbnail_path)
    step("thumbnail")
    return Ingested(
        width=tiles.info["width"],
        height=tiles.info["height"],
        format=file_format,
        mode=file_mode,
        tiles=tiles,
        thumbnail_size=thumbnail_size,
    )


def image_normalise(image: Image.Image) -> Image.Image:
    """The image as a JPEG tile can hold it: RGB, or L for 8-bit grey (no copy for either).

    Transparency is flattened on white; 16-bit grey is scaled down to 8 bits. A colour profile
    is kept only where the colour space stays RGB (a CMYK or grey profile would lie about RGB).
    """
    if image.mode in ("RGB", "L"):
        return image
    profile = image.info.get("icc_profile")
    if image.mode in _SIXTEEN_BIT:
        converted = image.convert("I").point(lambda value: value * (1 / 256)).convert("RGB")
    elif image.mode in _ALPHA or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        converted = Image.new("RGB", image.size, (255, 255, 255))
        converted.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode == "F":
        converted = image.convert("L").convert("RGB")
    else:  # P, 1, CMYK, YCbCr, LAB, HSV…
        converted = image.convert("RGB")
    converted.info.pop("icc_profile", None)
    if profile and image.mode in _RGB_FAMILY:
        converted.info["icc_profile"] = profile
    return converted


def thumbnail_write(tiles_folder: Path, info: dict[str, Any], path: Path) -> tuple[int, int]:
    """Write the thumbnail (fit in THUMBNAIL_SIZE, LANCZOS) reduced from the tile set's smallest
    scaled full image that fills it; staged then renamed. Returns its size."""
    size = thumbnail_size(info["width"], info["height"])
    with Image.open(
        tiles_folder / iiif_full_path(info, THUMBNAIL_SIZE), formats=("JPEG",)
    ) as source:
        thumbnail = source.resize(size, Image.Resampling.LANCZOS)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        thumbnail.save(
            staging, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True, progressive=True
        )
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    return size


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def file_kind(path: Path) -> str:
    """What a file that is not an image seems to be, from its first bytes ("" if unknown)."""
    with open(path, "rb") as stream:
        head = stream.read(64)
    stripped = head.lstrip()
    for signature, kind in _SIGNATURES:
        if head.startswith(signature) or stripped.lower().startswith(signature.lower()):
            return kind
    if head and all(32 <= byte < 127 or byte in b"\t\r\n" for byte in head):
        return "text"
    return ""


class _Opened:
    """`Image.open` that turns what Pillow raises about the file into ImageRejected and checks
    the pixel count from the header, before any pixel is decoded."""

    def __init__(self, path: Path, max_pixels: int) -> None:
        self.path = path
        self.max_pixels = max_pixels
        self.image: Image.Image | None = None

    def __enter__(self) -> Image.Image:
        try:
            with warnings.catch_warnings():
                # Pillow warns between its limit and twice it; our own check below decides.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                image = image_open(self.path)
        except UnidentifiedImageError:
            raise ImageRejected(NOT_IMAGE, kind=file_kind(self.path)) from None
        except Image.DecompressionBombError as error:
            match = _PILLOW_BOMB.search(str(error))
            pixels = int(match.group(1)) if match else 0
            raise ImageRejected(
                TOO_MANY_PIXELS, pixels=pixels, limit=self.max_pixels, width=0, height=0
            ) from None
        except Exception as error:
            raise _decode_rejection(error) from error
        self.image = image
        if image.format not in IMAGE_FORMATS:
            image.close()
            raise ImageRejected(NOT_IMAGE, kind=file_kind(self.path))
        width, height = image.size
        if width < 1 or height < 1:
            image.close()
            raise ImageRejected(CORRUPT, detail=f"{width}×{height} pixels")
        if width * height > self.max_pixels:
            image.close()
            raise ImageRejected(
                TOO_MANY_PIXELS,
                pixels=width * height,
                limit=self.max_pixels,
                width=width,
                height=height,
            )
        return image

    def __exit__(self, *exc: object) -> None:
        if self.image is not None:
            self.image.close()


def _opened(path: Path, max_pixels: int) -> _Opened:
    return _Opened(path, max_pixels)


def _decode_rejection(error: Exception) -> ImageRejected:
    if isinstance(error, ImageRejected):
        return error
    message = str(error) or type(error).__name__
    if "truncated" in message.lower() or isinstance(error, EOFError):
        return ImageRejected(TRUNCATED)
    if isinstance(error, Image.DecompressionBombError):
        match = _PILLOW_BOMB.search(message)
        pixels, limit = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        return ImageRejected(TOO_MANY_PIXELS, pixels=pixels, limit=limit, width=0, height=0)
    if isinstance(error, (OSError, SyntaxError, ValueError, struct.error, IndexError)):
        return ImageRejected(CORRUPT, detail=message[:200])
    raise error
