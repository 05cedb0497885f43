"""Tesseract, through pytesseract: one image in, its words with boxes and confidences out.

Tesseract reads printed labels and typed cards well and handwriting badly; its confidences say
which is which, word by word. The image is read whole (automatic page segmentation finds the
label's blocks and lines on the sheet), turned grey first, and downscaled when it has more
than `max_pixels` pixels: boxes are always given in the pixels of the full-size image, which
is what the viewer shows.

Failures are `OcrFailed` with a code the platform records and translates: the engine missing
on this machine, none of the asked languages installed, the image unreadable, the engine
running past its time, or the engine failing otherwise.
"""

from __future__ import annotations

import math
import re
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytesseract
from PIL import Image, UnidentifiedImageError

ENGINE = "tesseract"

# Reasons a reading fails (tasks.services.readings translates them).
ENGINE_MISSING = "engine_missing"
LANGUAGES_MISSING = "languages_missing"
UNREADABLE = "unreadable"
TIMEOUT = "timeout"
ENGINE_ERROR = "engine_error"

# Automatic page segmentation without orientation detection (osd is not needed: ingest has
# already turned the image upright from its EXIF orientation).
_CONFIG = "--psm 3"
# A language code as Tesseract names its models ("fra", "eng", "lat", "chi_sim").
_LANGUAGE = re.compile(r"^[a-z]{3}(_[a-z]+)?$")


class OcrFailed(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail[:500]


@dataclass(frozen=True)
class Word:
    text: str
    box: tuple[int, int, int, int]  # x, y, width, height in pixels of the full-size image
    confidence: float  # 0 to 100, Tesseract's own
    line: int  # one number per line of the image (blocks, paragraphs and lines flattened)
    block: int

    def as_data(self) -> dict[str, Any]:
        """The stored form: short keys, for thousands of words per image."""
        return {
            "t": self.text,
            "b": list(self.box),
            "c": round(self.confidence, 1),
            "l": self.line,
            "k": self.block,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Word:
        x, y, w, h = (int(part) for part in data["b"])
        return cls(
            text=str(data["t"]),
            box=(x, y, w, h),
            confidence=float(data.get("c", 0.0)),
            line=int(data.get("l", 0)),
            block=int(data.get("k", 0)),
        )


@dataclass(frozen=True)
class Reading:
    words: tuple[Word, ...]
    version: str
    languages: tuple[str, ...]  # the models used
    missing: tuple[str, ...]  # asked for, not installed here
    scale: float  # 1.0 read at full size; below 1 when downscaled first
    seconds: float


def reading_lines(words: Iterable[Word]) -> list[str]:
    """The text, one string per line, in reading order."""
    lines: dict[int, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return [" ".join(parts) for _line, parts in sorted(lines.items())]


@lru_cache(maxsize=1)
def engine_version() -> str:
    try:
        return str(pytesseract.get_tesseract_version())
    except (pytesseract.TesseractNotFoundError, OSError) as error:
        raise OcrFailed(ENGINE_MISSING, str(error)) from error


@lru_cache(maxsize=1)
def engine_languages() -> frozenset[str]:
    """The language models installed here."""
    try:
        return frozenset(pytesseract.get_languages(config=""))
    except (pytesseract.TesseractNotFoundError, OSError) as error:
        raise OcrFailed(ENGINE_MISSING, str(error)) from error


def languages_split(languages: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(installed, missing) among `languages`; names that are no language code are missing."""
    installed = engine_languages()
    usable = tuple(code for code in languages if _LANGUAGE.match(code) and code in installed)
    missing = tuple(code for code in languages if code not in usable)
    return usable, missing


def image_read(path: Path, *, languages: Sequence[str], timeout: float, max_pixels: int) -> Reading:
    """Read the image at `path`. Raises OcrFailed with the reason."""
    started = time.monotonic()
    version = engine_version()
    usable, missing = languages_split(languages)
    if not usable:
        raise OcrFailed(LANGUAGES_MISSING, "+".join(missing))
    picture, scale = _prepared(path, max_pixels)
    try:
        data = pytesseract.image_to_data(
            picture,
            lang="+".join(usable),
            config=_CONFIG,
            timeout=timeout,
            output_type=pytesseract.Output.DICT,
        )
    except RuntimeError as error:  # pytesseract's own, when it kills a process past `timeout`
        if "timeout" in str(error).lower():
            raise OcrFailed(TIMEOUT, f"{timeout:g} s") from error
        raise OcrFailed(ENGINE_ERROR, str(error)) from error
    except pytesseract.TesseractNotFoundError as error:
        raise OcrFailed(ENGINE_MISSING, str(error)) from error
    except (pytesseract.TesseractError, subprocess.SubprocessError, OSError) as error:
        raise OcrFailed(ENGINE_ERROR, str(error)) from error
    words = tuple(_words(data, scale))
    return Reading(
        words=words,
        version=version,
        languages=usable,
        missing=missing,
        scale=scale,
        seconds=round(time.monotonic() - started, 3),
    )


def _prepared(path: Path, max_pixels: int) -> tuple[Image.Image, float]:
    """The image in grey, no larger than `max_pixels`, and the scale it was brought to."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            scale = min(1.0, math.sqrt(max_pixels / (width * height))) if width * height else 1.0
            target = (max(1, int(width * scale)), max(1, int(height * scale)))
            if scale < 1.0:
                # JPEG decodes at 1/2, 1/4 or 1/8 of its size for almost nothing: a huge scan
                # is never held in memory at full size.
                image.draft("L", target)
            grey = image.convert("L")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise OcrFailed(UNREADABLE, str(error)) from error
    if grey.size != target:
        grey = grey.resize(target, Image.Resampling.LANCZOS)
    # The scale of the boxes back to the full-size image, from what was really read.
    return grey, grey.size[0] / width if width else 1.0


def _words(data: dict[str, list[Any]], scale: float) -> Iterable[Word]:
    lines: dict[tuple[int, int, int], int] = {}
    for index, text in enumerate(data.get("text", [])):
        text = str(text).strip()
        confidence = float(data["conf"][index])
        if not text or confidence < 0:
            continue
        block = int(data["block_num"][index])
        line_key = (block, int(data["par_num"][index]), int(data["line_num"][index]))
        line = lines.setdefault(line_key, len(lines) + 1)
        box = (
            round(int(data["left"][index]) / scale),
            round(int(data["top"][index]) / scale),
            max(1, round(int(data["width"][index]) / scale)),
            max(1, round(int(data["height"][index]) / scale)),
        )
        yield Word(text=text[:100], box=box, confidence=confidence, line=line, block=block)
