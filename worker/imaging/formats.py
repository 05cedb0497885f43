"""The image formats the platform opens, and the only names and types it stores them under.

A file's extension on disk, and so the Content-Type it is served with, comes from the format
Pillow decoded, never from the name the file came with: a GIF whose comment holds a script,
uploaded as `x.html`, is stored as `….gif` and served as `image/gif`. Pillow is only ever
asked to open these formats, so no user file reaches Ghostscript (EPS), an SVG or ICO parser,
or any of the rarely used decoders Pillow carries. No Django.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

# Pillow's format name → (stored extension, media type).
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": (".jpg", "image/jpeg"),
    # Cameras write a second picture after the first; Pillow's JPEG opener names them MPO.
    "MPO": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "TIFF": (".tif", "image/tiff"),
    "WEBP": (".webp", "image/webp"),
    "JPEG2000": (".jp2", "image/jp2"),
    "GIF": (".gif", "image/gif"),
    "BMP": (".bmp", "image/bmp"),
}
# What `Image.open(..., formats=OPENABLE)` may try (MPO comes through the JPEG opener).
OPENABLE: tuple[str, ...] = ("JPEG", "PNG", "TIFF", "WEBP", "JPEG2000", "GIF", "BMP")
# The media types of every extension the platform writes under MEDIA_ROOT.
MEDIA_TYPES: dict[str, str] = dict(IMAGE_FORMATS.values())


def format_extension(image_format: str | None) -> str:
    """The stored extension of a decoded format (`""` for anything not allowed)."""
    return IMAGE_FORMATS.get(image_format or "", ("", ""))[0]


def image_open(path: Path) -> Image.Image:
    """`Image.open` limited to the allowed formats (raises as Pillow does)."""
    return Image.open(path, formats=OPENABLE)


def format_sniff(path: Path) -> str | None:
    """The allowed image format the file's header declares, or None. Reads the header only."""
    try:
        with warnings.catch_warnings():
            # Size limits are ingest's to judge and explain; a header is all this reads.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with image_open(path) as image:
                found = str(image.format or "")
    except Exception:
        # Whatever Pillow raises on a header it cannot read means "none of ours".
        return None
    return found if found in IMAGE_FORMATS else None
