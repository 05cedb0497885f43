"""Drawing helpers shared by the demo image generators: fonts, paper, text layout."""

from __future__ import annotations

import math
import random
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from worker.demo.glyphs import Font, draw_text, text_width

__all__ = ["Font", "draw_text", "text_width"]  # re-exported: callers need only this module

RGB = tuple[int, int, int]
Point = tuple[float, float]


def seeded_rng(seed: int) -> random.Random:
    # Demo pictures, not secrets: a reproducible Mersenne Twister is exactly what we want.
    return random.Random(seed)  # noqa: S311


def child_seeds(seed: int, count: int) -> list[int]:
    """One independent seed per item, so item n is the same whatever the count asked for."""
    master = seeded_rng(seed)
    return [master.getrandbits(64) for _ in range(count)]


@lru_cache(maxsize=64)
def font(size: int) -> Font:
    """Pillow's embedded scalable font: no font file is needed on the machine."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow < 10.1 or built without FreeType
        return ImageFont.load_default()


def jitter_colour(rng: random.Random, colour: RGB, spread: int) -> RGB:
    r, g, b = (max(0, min(255, c + rng.randint(-spread, spread))) for c in colour)
    return (r, g, b)


def paper(
    size: tuple[int, int], base: RGB, rng: random.Random, *, grain: int, blotch: int, age: int = 0
) -> Image.Image:
    """Paper colour with fine grain, broad uneven stains and (with age) edges darkened inward.

    Everything is summed in one grey layer, then coloured through per-channel tables in which
    darker also means yellower, as on old paper; that is several times faster than RGB arithmetic.
    """
    width, height = size
    fine = _tiled_noise(rng, size).point(_amplitude_table(grain))
    small = (max(2, width // 120), max(2, height // 120))
    broad = (
        _noise(rng, small).point(_amplitude_table(blotch)).resize(size, Image.Resampling.BILINEAR)
    )
    texture = ImageChops.add(fine, broad, offset=-128)
    if age:
        texture = ImageChops.subtract(texture, _edge_shadow(size, age))
    return Image.merge("RGB", [texture.point(table) for table in _ageing_tables(base)])


def _noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _tiled_noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """Full-size white noise from a quarter of the random bytes: one tile, flipped four ways."""
    width, height = size
    tile = _noise(rng, (width - width // 2, height - height // 2))
    noise = Image.new("L", size)
    noise.paste(tile, (0, 0))
    noise.paste(tile.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (width // 2, 0))
    noise.paste(tile.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (0, height // 2))
    noise.paste(tile.transpose(Image.Transpose.ROTATE_180), (width // 2, height // 2))
    return noise


@lru_cache(maxsize=32)
def _amplitude_table(amplitude: int) -> list[int]:
    """Maps uniform 0..255 onto 128 ± amplitude."""
    return [128 + (value - 128) * amplitude // 128 for value in range(256)]


@lru_cache(maxsize=8)
def _edge_shadow(size: tuple[int, int], depth: int) -> Image.Image:
    ramp = Image.new("L", (48, 48), 0)
    draw = ImageDraw.Draw(ramp)
    for step in range(4):
        draw.rectangle((step, step, 47 - step, 47 - step), outline=depth * (4 - step) // 4)
    return ramp.resize(size, Image.Resampling.BILINEAR)


@lru_cache(maxsize=64)
def _ageing_tables(base: RGB) -> tuple[list[int], ...]:
    gains = (0.75, 0.95, 1.5)  # blue fades fastest: darker paper turns yellow-brown
    return tuple(
        [max(0, min(255, round(channel + (value - 128) * gain))) for value in range(256)]
        for channel, gain in zip(base, gains, strict=True)
    )


def wrap_text(text: str, face: Font, max_width: float) -> list[str]:
    """Greedy word wrap measured in pixels; a word longer than a line is left whole."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, face) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def largest_fitting_size(text: str, max_width: float, start: int, smallest: int) -> int:
    size = start
    while size > smallest and text_width(text, font(size)) > max_width:
        size -= 1
    return size


def draw_italic(
    image: Image.Image, xy: Point, text: str, face: Font, fill: RGB, *, slant: float = 0.2
) -> float:
    """Pillow's default font has no italic, so shear an upright rendering; returns the advance."""
    advance = text_width(text, face)
    ascent, descent = _metrics(face)
    height = ascent + descent + 4
    extra = int(slant * height) + 2
    mask = Image.new("L", (int(advance) + extra + 4, height), 0)
    draw_text(ImageDraw.Draw(mask), (2, 2), text, face, 255)
    sheared = mask.transform(
        mask.size,
        Image.Transform.AFFINE,
        (1, slant, -slant * height, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    x, y = xy
    image.paste(Image.new("RGB", mask.size, fill), (round(x) - 2, round(y) - 2), sheared)
    return advance


def _metrics(face: Font) -> tuple[int, int]:
    if isinstance(face, ImageFont.FreeTypeFont):
        return face.getmetrics()
    box = face.getbbox("Hg")
    return int(box[3]), 2


def font_ascent(face: Font) -> int:
    return _metrics(face)[0]


def line_height(face: Font) -> int:
    ascent, descent = _metrics(face)
    return ascent + descent


def rotated_stamp(
    text_lines: list[str], size: int, colour: RGB, angle: float, *, oval: bool
) -> Image.Image:
    """A rubber-stamp impression (RGBA) with a frame, to be pasted at a slight angle."""
    face = font(size)
    widths = [text_width(line, face) for line in text_lines]
    pad = size
    width = int(max(widths)) + 2 * pad
    height = line_height(face) * len(text_lines) + pad
    stamp = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(stamp)
    ink = (*colour, 200)
    if oval:
        draw.ellipse((2, 2, width - 3, height - 3), outline=ink, width=3)
    else:
        draw.rectangle((2, 2, width - 3, height - 3), outline=ink, width=3)
    y = pad // 2
    for line, line_w in zip(text_lines, widths, strict=True):
        draw_text(draw, ((width - line_w) / 2, y), line, face, ink)
        y += line_height(face)
    return stamp.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


def paste_rgba(target: Image.Image, overlay: Image.Image, xy: tuple[int, int]) -> None:
    target.paste(overlay, xy, overlay)


def rotate_point(point: Point, angle: float) -> Point:
    cos, sin = math.cos(angle), math.sin(angle)
    return (point[0] * cos - point[1] * sin, point[0] * sin + point[1] * cos)
