"""Derivatives of a task image: a normalised JPEG original and a thumbnail."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps

THUMBNAIL_SIZE = (400, 400)


@dataclass(frozen=True)
class Derivatives:
    original: bytes  # JPEG
    thumbnail: bytes  # JPEG
    width: int
    height: int
    sha256: str  # of `original`


def derivatives_make(image: Image.Image, *, quality: int = 90) -> Derivatives:
    """Normalise `image` (EXIF orientation, RGB) and make its JPEG original and thumbnail."""
    upright = ImageOps.exif_transpose(image)
    rgb = upright.convert("RGB") if upright.mode != "RGB" else upright
    original = _jpeg(rgb, quality=quality)
    thumb = rgb.copy()
    thumb.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    return Derivatives(
        original=original,
        thumbnail=_jpeg(thumb, quality=85),
        width=rgb.width,
        height=rgb.height,
        sha256=hashlib.sha256(original).hexdigest(),
    )


def _jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
