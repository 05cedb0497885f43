"""Small pictures for tutorials and field guides: an uploaded image, or a crop of a project's
image, checked as ingest checks images and written as one modest JPEG. No Django."""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

from worker.imaging.formats import image_open
from worker.imaging.ingest import (
    CORRUPT,
    EMPTY,
    NOT_IMAGE,
    TOO_MANY_PIXELS,
    ImageRejected,
    image_normalise,
)

MAX_SIDE = 1600  # enough for a label crop on a wide screen
QUALITY = 85


def picture_make(
    source: Path | IO[bytes],
    *,
    max_pixels: int,
    box: tuple[float, float, float, float] | None = None,
) -> bytes:
    """A JPEG of `source` (its upright orientation), cropped to `box` when given: (left, top,
    width, height) as fractions of the upright image, and reduced to fit MAX_SIDE.

    Raises ImageRejected (the codes of `worker.imaging.ingest`) for anything but an image of
    an allowed format under `max_pixels`; ValueError for a box outside the image or empty."""
    if box is not None:
        left, top, width, height = box
        if not (0 <= left < 1 and 0 <= top < 1 and 0 < width <= 1 and 0 < height <= 1):
            raise ValueError("the crop must lie inside the image")
        if left + width > 1.0001 or top + height > 1.0001:
            raise ValueError("the crop must lie inside the image")
    image = _open_checked(source, max_pixels=max_pixels)
    image = ImageOps.exif_transpose(image) or image
    if box is not None:
        left, top, width, height = box
        w, h = image.size
        area = (
            int(left * w),
            int(top * h),
            max(int(left * w) + 1, min(w, round((left + width) * w))),
            max(int(top * h) + 1, min(h, round((top + height) * h))),
        )
        image = image.crop(area)
    image = image_normalise(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def _open_checked(source: Path | IO[bytes], *, max_pixels: int) -> Image.Image:
    data = source.read_bytes() if isinstance(source, Path) else source.read()
    if not data:
        raise ImageRejected(EMPTY)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with image_open(io.BytesIO(data)) as probe:  # type: ignore[arg-type]
                width, height = probe.size
                if width * height > max_pixels:
                    raise ImageRejected(
                        TOO_MANY_PIXELS,
                        pixels=width * height,
                        limit=max_pixels,
                        width=width,
                        height=height,
                    )
                probe.verify()
            image = image_open(io.BytesIO(data))  # type: ignore[arg-type]
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(
            TOO_MANY_PIXELS, pixels=0, limit=max_pixels, width=0, height=0
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(NOT_IMAGE, kind="") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageRejected(CORRUPT, detail=str(error)[:200]) from None
    return image
