"""The OCR engine for the tests that need it: Debian's `tesseract-ocr` with its French, English
and Latin models (installed by .ci/run). Tests skip without it, and fail under
CROWD_REQUIRE_SERVICES=1. Also: images of printed text to read."""

from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.servers import missing

LANGUAGES = {"fra", "eng", "lat"}


@pytest.fixture
def tesseract():
    """Needs the engine and its models; clears the engine's cached answers."""
    from worker.ocr import tesseract as engine

    if shutil.which("tesseract") is None:
        missing("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-fra …)")
    engine.engine_version.cache_clear()
    engine.engine_languages.cache_clear()
    lacking = LANGUAGES - engine.engine_languages()
    if lacking:
        missing(f"tesseract lacks the models {sorted(lacking)} (tesseract-ocr-fra, -eng, -lat)")
    yield
    engine.engine_version.cache_clear()
    engine.engine_languages.cache_clear()


def label_image(
    lines: list[str], *, size: tuple[int, int] = (900, 360), origin: tuple[int, int] = (40, 40)
) -> Image.Image:
    """Black print on white, 40 pixels high: what a typed card looks like to the engine."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    face = ImageFont.load_default(size=40)
    x, y = origin
    for line in lines:
        draw.text((x, y), line, font=face, fill="black")
        y += 64
    return image


def label_jpeg(lines: list[str], **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    label_image(lines, **kwargs).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()
