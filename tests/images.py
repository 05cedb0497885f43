"""Small generated files for ingest tests: images of every mode, and the bad ones."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from PIL import Image


def image_bytes(
    size: tuple[int, int] = (64, 48),
    *,
    mode: str = "RGB",
    format: str = "JPEG",
    seed: int = 0,
    **save: object,
) -> bytes:
    """A small image whose pixels depend on `seed` (so that different seeds never dedupe)."""
    image = Image.linear_gradient("L").resize(size)
    colour = Image.merge(
        "RGB", [image, image.point(lambda v: (v + 40 * seed) % 256), image.transpose(0)]
    )
    colour.putpixel((0, 0), (seed % 256, (seed // 256) % 256, 7))
    converted = colour if mode == "RGB" else colour.convert(mode)
    buffer = io.BytesIO()
    converted.save(buffer, format=format, **save)
    return buffer.getvalue()


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48)) -> bytes:
    return image_bytes(size, seed=seed)


def zip_bytes(
    entries: Iterable[tuple[str, bytes]], *, compression: int = zipfile.ZIP_STORED
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            archive.writestr(info, data)
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def noise_png(size: tuple[int, int] = (200, 200)) -> bytes:
    """An image that does not compress: its file is about 3 bytes a pixel."""
    import os

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
