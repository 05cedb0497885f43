"""Text drawing that survives Pillow's embedded font.

`ImageFont.load_default(size=...)` needs no font file, but its font has no accented letters,
no œ and no dashes, and French labels are full of them. Missing characters are composed here:
the base letter from the font plus an accent drawn with lines and dots, rendered four times
larger and reduced so it is smoothed like the real glyphs, then cached per character and size.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Ink = int | tuple[int, ...]  # a grey level or an RGB(A) colour
SCALE = 4
LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"}
DASHES = {"\u2013": 0.5, "\u2014": 0.9}  # en and em dash, width in em
ACUTE, GRAVE, CIRCUMFLEX, DIAERESIS, CEDILLA, TILDE, RING = (
    "\u0301",
    "\u0300",
    "\u0302",
    "\u0308",
    "\u0327",
    "\u0303",
    "\u030a",
)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont:
    loaded = ImageFont.load_default(size=size)
    assert isinstance(loaded, ImageFont.FreeTypeFont)
    return loaded


@lru_cache(maxsize=4096)
def has_glyph(char: str) -> bool:
    """Whether the embedded font draws this character itself (not its "missing" box)."""
    return _render(char) != _render("\uffff") or char.isspace()


def _render(text: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((4, 4), text, font=_font(24), fill=255)
    return image.tobytes()


def can_draw(char: str) -> bool:
    if has_glyph(char) or char in LIGATURES or char in DASHES:
        return True
    base, marks = _decompose(char)
    return has_glyph(base) and all(mark in _MARKS for mark in marks)


def _decompose(char: str) -> tuple[str, str]:
    """The base letter and its combining accents: "é" gives ("e", "\u0301")."""
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0], decomposed[1:]


def text_width(text: str, face: Font) -> float:
    if not isinstance(face, ImageFont.FreeTypeFont):
        return face.getlength(text)
    width = 0.0
    for run, native in _segments(text):
        width += face.getlength(run) if native else _composed(run, int(face.size))[1]
    return width


def draw_text(
    draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, face: Font, fill: Ink
) -> None:
    """Like `draw.text(xy, text, font=face, fill=fill)`, composing the characters the font lacks."""
    if not isinstance(face, ImageFont.FreeTypeFont):
        draw.text(xy, text, font=face, fill=fill)
        return
    x, y = xy
    for run, native in _segments(text):
        if native:
            draw.text((x, y), run, font=face, fill=fill)
            x += face.getlength(run)
        else:
            mask, advance, pad = _composed(run, int(face.size))
            draw.bitmap((round(x) - pad, round(y) - pad), mask, fill=fill)
            x += advance


def _segments(text: str) -> list[tuple[str, bool]]:
    """Runs of characters the font has, and single characters to compose."""
    segments: list[tuple[str, bool]] = []
    run = ""
    for char in text:
        if has_glyph(char):
            run += char
            continue
        if run:
            segments.append((run, True))
            run = ""
        segments.append((char, False))
    if run:
        segments.append((run, True))
    return segments


@lru_cache(maxsize=4096)
def _composed(char: str, size: int) -> tuple[Image.Image, float, int]:
    """(mask, advance, padding): the mask's origin sits `padding` pixels up-left of the pen."""
    pad = max(2, size // 4)
    big = _font(size * SCALE)
    em = size * SCALE
    width = int(big.getlength(LIGATURES.get(char, "M")) + em) + 2 * pad * SCALE
    canvas = Image.new("L", (width, int(em * 1.6) + 2 * pad * SCALE), 0)
    draw = ImageDraw.Draw(canvas)
    origin = (pad * SCALE, pad * SCALE)
    advance = _draw_composed(draw, origin, char, big, em)
    small = canvas.resize((canvas.width // SCALE, canvas.height // SCALE), Image.Resampling.BOX)
    return small, advance / SCALE, pad


def _draw_composed(
    draw: ImageDraw.ImageDraw,
    origin: tuple[int, int],
    char: str,
    big: ImageFont.FreeTypeFont,
    em: int,
) -> float:
    x, y = origin
    stroke = max(2, round(em * 0.075))
    if char in DASHES:
        middle = y + _ink_box("x", big)[1] + (_ink_box("x", big)[3] - _ink_box("x", big)[1]) * 0.55
        length = em * DASHES[char]
        draw.line((x + em * 0.05, middle, x + em * 0.05 + length, middle), fill=255, width=stroke)
        return length + em * 0.1
    if char in LIGATURES:
        first, second = LIGATURES[char][0], LIGATURES[char][1]
        draw.text((x, y), first, font=big, fill=255)
        overlap = big.getlength(first) * 0.18
        draw.text((x + big.getlength(first) - overlap, y), second, font=big, fill=255)
        return big.getlength(first) + big.getlength(second) - overlap
    base, marks = _decompose(char)
    if not has_glyph(base):
        base = "?"
    draw.text((x, y), base, font=big, fill=255)
    left, top, right, bottom = _ink_box(base, big)
    if base in "ij" and marks:  # the accent replaces the dot
        top = _ink_box("x", big)[1]
        draw.rectangle((x + left - 2, y, x + right + 2, y + top - stroke // 2), fill=0)
    box = (x + left, y + top, x + right, y + bottom)
    for mark in marks:
        _MARKS.get(mark, _no_mark)(draw, box, em, stroke, base.isupper())
    return big.getlength(base)


@lru_cache(maxsize=256)
def _ink_box(char: str, big: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    """Where a glyph actually puts ink, relative to the pen (font boxes are not precise enough)."""
    image = Image.new("L", (int(big.size * 2), int(big.size * 2)), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=big, fill=255)
    return image.getbbox() or (0, 0, int(big.size // 2), int(big.size))


Box = tuple[float, float, float, float]


def _accent_base(box: Box, em: int, upper: bool) -> tuple[float, float, float]:
    """Centre x, the y just above the letter, and the accent height (flatter on capitals)."""
    left, top, right, _ = box
    return (left + right) / 2, top - em * 0.06, em * (0.13 if upper else 0.2)


def _acute(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, h = _accent_base(box, em, upper)
    draw.line((cx - em * 0.06, y, cx + em * 0.08, y - h), fill=255, width=stroke)


def _grave(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, h = _accent_base(box, em, upper)
    draw.line((cx + em * 0.06, y, cx - em * 0.08, y - h), fill=255, width=stroke)


def _circumflex(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, h = _accent_base(box, em, upper)
    points = [(cx - em * 0.13, y), (cx, y - h), (cx + em * 0.13, y)]
    draw.line(points, fill=255, width=stroke, joint="curve")


def _diaeresis(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, _ = _accent_base(box, em, upper)
    r = stroke * 0.75
    for dx in (-em * 0.11, em * 0.11):
        draw.ellipse((cx + dx - r, y - 2.4 * r, cx + dx + r, y - 0.4 * r), fill=255)


def _tilde(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, h = _accent_base(box, em, upper)
    w, dy = em * 0.13, h * 0.35
    points = [
        (cx - w, y - dy),
        (cx - w / 2, y - 2 * dy),
        (cx + w / 2, y - dy),
        (cx + w, y - 2 * dy),
    ]
    draw.line(points, fill=255, width=stroke, joint="curve")


def _ring(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    cx, y, _ = _accent_base(box, em, upper)
    r = em * 0.08
    draw.ellipse((cx - r, y - 2 * r, cx + r, y), outline=255, width=stroke)


def _cedilla(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    left, _, right, bottom = box
    cx = (left + right) / 2
    points = [
        (cx, bottom - stroke),
        (cx + em * 0.03, bottom + em * 0.09),
        (cx + em * 0.09, bottom + em * 0.15),
    ]
    points += [(cx, bottom + em * 0.22), (cx - em * 0.07, bottom + em * 0.2)]
    draw.line(points, fill=255, width=max(2, stroke - 2), joint="curve")


def _no_mark(draw: ImageDraw.ImageDraw, box: Box, em: int, stroke: int, upper: bool) -> None:
    """Unknown marks are dropped: the bare letter reads better than a box."""


_MARKS = {
    ACUTE: _acute,
    GRAVE: _grave,
    CIRCUMFLEX: _circumflex,
    DIAERESIS: _diaeresis,
    CEDILLA: _cedilla,
    TILDE: _tilde,
    RING: _ring,
}
