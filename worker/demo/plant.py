"""A pressed plant drawn with plain polygons: stems, leaves, flowers, roots and mounting tape.

Angles are in radians in image coordinates (y grows downwards), so "up" is -pi/2.
"""

from __future__ import annotations

import itertools
import math
import random

from PIL import ImageDraw

from worker.demo.drawing import RGB, Point, jitter_colour, rotate_point
from worker.demo.vocabulary import FLOWER_COLOURS, Taxon

UP = -math.pi / 2
DOWN = math.pi / 2
STEM: RGB = (98, 90, 54)
WOOD: RGB = (112, 90, 62)
ROOT: RGB = (124, 104, 76)
STRAW: RGB = (172, 152, 98)
LEAF_GREENS: tuple[RGB, ...] = ((88, 100, 58), (104, 112, 70), (76, 90, 60), (118, 110, 68))
TAPE: RGB = (243, 239, 226)
BOUNDS = (60.0, 60.0, 1040.0, 1540.0)  # keep the plant on the sheet


def draw_plant(draw: ImageDraw.ImageDraw, rng: random.Random, taxon: Taxon, ground: Point) -> None:
    green = rng.choice(LEAF_GREENS)
    flower = FLOWER_COLOURS.get(taxon.flower)
    if taxon.habit == "woody":
        main = draw_twig(draw, rng, ground, green, flower)
    elif taxon.habit == "grass":
        main = draw_grass(draw, rng, ground, green)
    else:
        main = draw_herb(draw, rng, ground, green, flower)
    draw_tape(draw, rng, main)


# ---------------------------------------------------------------- growth forms


def draw_herb(
    draw: ImageDraw.ImageDraw, rng: random.Random, ground: Point, green: RGB, flower: RGB | None
) -> list[Point]:
    draw_roots(draw, rng, ground, count=rng.randint(5, 9))
    for _ in range(rng.randint(4, 7)):
        angle = UP + rng.choice((-1, 1)) * rng.uniform(0.5, 1.3)
        length = rng.uniform(110, 190)
        draw_leaf(draw, rng, ground, angle, length, length * rng.uniform(0.25, 0.4), green, 0.8)
    stems = [
        grow(rng, ground, UP + rng.gauss(0, 0.15), rng.uniform(750, 1150), 0.06)
        for _ in range(rng.randint(1, 3))
    ]
    for stem in stems:
        draw_path(draw, stem, STEM, 6, 2)
        draw_leaves_along(draw, rng, stem, green, sizes=(130, 50), ratio=(0.25, 0.45), every=2)
        draw_flower_cluster(
            draw, rng, stem[-1], flower or green, count=rng.randint(1, 3), radius=(20, 36)
        )
        for branch in side_branches(rng, stem, count=rng.randint(0, 2), length=(120, 260)):
            draw_path(draw, branch, STEM, 3, 2)
            draw_flower_cluster(draw, rng, branch[-1], flower or green, count=1, radius=(16, 28))
    return stems[0]


def draw_twig(
    draw: ImageDraw.ImageDraw, rng: random.Random, ground: Point, green: RGB, flower: RGB | None
) -> list[Point]:
    main = grow(rng, ground, UP + rng.uniform(-0.35, 0.35), rng.uniform(1000, 1250), 0.05)
    twigs = side_branches(rng, main, count=rng.randint(3, 5), length=(200, 420))
    leaf_scale = rng.uniform(0.4, 1.0)  # heather-sized to beech-sized
    for path, width in [(main, 11), *((twig, 5) for twig in twigs)]:
        draw_path(draw, path, WOOD, width, max(2, width // 2))
    for path in [main, *twigs]:
        sizes = (150 * leaf_scale, 90 * leaf_scale)
        draw_leaves_along(draw, rng, path[2:], green, sizes=sizes, ratio=(0.4, 0.6), every=1)
        if flower is not None:
            draw_flower_cluster(
                draw, rng, path[-1], flower, count=rng.randint(2, 4), radius=(10, 18)
            )
    return main


def draw_grass(
    draw: ImageDraw.ImageDraw, rng: random.Random, ground: Point, green: RGB
) -> list[Point]:
    draw_roots(draw, rng, ground, count=rng.randint(10, 16))
    for _ in range(rng.randint(4, 8)):
        angle = UP + rng.choice((-1, 1)) * rng.uniform(0.15, 0.7)
        draw_leaf(draw, rng, ground, angle, rng.uniform(250, 500), rng.uniform(10, 16), green, 0.5)
    culms = [
        grow(rng, ground, UP + rng.gauss(0, 0.12), rng.uniform(800, 1150), 0.03)
        for _ in range(rng.randint(3, 6))
    ]
    for culm in culms:
        draw_path(draw, culm, STRAW, 4, 2)
        draw_leaves_along(
            draw,
            rng,
            culm[3:-6],
            green,
            sizes=(260, 180),
            ratio=(0.04, 0.06),
            every=6,
            spread=(0.2, 0.4),
        )
        draw_panicle(draw, rng, culm[-1])
    return culms[0]


# ---------------------------------------------------------------- organs


def grow(
    rng: random.Random, start: Point, angle: float, length: float, wobble: float, step: float = 36.0
) -> list[Point]:
    """A gently wandering path; it leans back toward its first direction so it never curls."""
    points, heading = [start], angle
    x, y = start
    for _ in range(max(2, int(length / step))):
        heading += rng.gauss(0, wobble) + (angle - heading) * 0.15
        x = min(max(x + step * math.cos(heading), BOUNDS[0]), BOUNDS[2])
        y = min(max(y + step * math.sin(heading), BOUNDS[1]), BOUNDS[3])
        points.append((x, y))
    return points


def heading_at(path: list[Point], index: int) -> float:
    a, b = path[max(0, index - 1)], path[min(len(path) - 1, index + 1)]
    return math.atan2(b[1] - a[1], b[0] - a[0])


def side_branches(
    rng: random.Random, path: list[Point], *, count: int, length: tuple[float, float]
) -> list[list[Point]]:
    branches = []
    for _ in range(count):
        index = rng.randint(len(path) // 3, max(len(path) // 3, len(path) - 3))
        angle = heading_at(path, index) + rng.choice((-1, 1)) * rng.uniform(0.5, 0.9)
        branches.append(grow(rng, path[index], angle, rng.uniform(*length), 0.08, step=24))
    return branches


def draw_path(
    draw: ImageDraw.ImageDraw, path: list[Point], colour: RGB, start_width: int, end_width: int
) -> None:
    last = max(1, len(path) - 2)
    for index, (a, b) in enumerate(itertools.pairwise(path)):
        width = round(start_width + (end_width - start_width) * index / last)
        draw.line((a, b), fill=colour, width=width)
        radius = width / 2
        draw.ellipse((b[0] - radius, b[1] - radius, b[0] + radius, b[1] + radius), fill=colour)


def leaf_outline(
    base: Point, angle: float, length: float, width: float, bluntness: float
) -> list[Point]:
    """bluntness < 1 puts the widest part near the base, > 1 toward the tip."""
    left, right = [], []
    for step in range(13):
        t = step / 12
        half = width / 2 * math.sin(math.pi * t**bluntness)
        left.append(rotate_point((t * length, -half), angle))
        right.append(rotate_point((t * length, half), angle))
    return [(base[0] + x, base[1] + y) for x, y in left + right[::-1]]


def draw_leaf(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    base: Point,
    angle: float,
    length: float,
    width: float,
    green: RGB,
    bluntness: float,
) -> None:
    colour = jitter_colour(rng, green, 10)
    vein = tuple(max(0, c - 28) for c in colour)
    draw.polygon(leaf_outline(base, angle, length, width, bluntness), fill=colour, outline=vein)
    tip = rotate_point((length * 0.92, 0), angle)
    draw.line((base, (base[0] + tip[0], base[1] + tip[1])), fill=vein, width=2)


def draw_leaves_along(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    path: list[Point],
    green: RGB,
    *,
    sizes: tuple[float, float],
    ratio: tuple[float, float],
    every: int,
    spread: tuple[float, float] = (0.6, 1.1),
) -> None:
    """Alternate leaves, shrinking from sizes[0] at the bottom to sizes[1] at the top."""
    indices = range(1, len(path) - 1, every)
    for order, index in enumerate(indices):
        side = 1 if order % 2 else -1
        angle = heading_at(path, index) + side * rng.uniform(*spread)
        t = index / max(1, len(path) - 1)
        length = (sizes[0] + (sizes[1] - sizes[0]) * t) * rng.uniform(0.8, 1.2)
        draw_leaf(
            draw,
            rng,
            path[index],
            angle,
            length,
            length * rng.uniform(*ratio),
            green,
            rng.uniform(0.6, 1.2),
        )


def draw_flower_cluster(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    centre: Point,
    colour: RGB,
    *,
    count: int,
    radius: tuple[float, float],
) -> None:
    for _ in range(count):
        r = rng.uniform(*radius)
        offset = rotate_point((rng.uniform(0, r * 1.6), 0), rng.uniform(0, 2 * math.pi))
        draw_flower(draw, rng, (centre[0] + offset[0], centre[1] + offset[1]), r, colour)


def draw_flower(
    draw: ImageDraw.ImageDraw, rng: random.Random, centre: Point, radius: float, colour: RGB
) -> None:
    petals = rng.randint(5, 6)
    turn = rng.uniform(0, 2 * math.pi)
    petal_colour = jitter_colour(rng, colour, 8)
    edge = tuple(max(0, c - 35) for c in petal_colour)
    for petal in range(petals):
        angle = turn + petal * 2 * math.pi / petals
        outline = leaf_outline(centre, angle, radius, radius * 0.75, 1.4)
        draw.polygon(outline, fill=petal_colour, outline=edge)
    heart = radius * 0.28
    draw.ellipse(
        (centre[0] - heart, centre[1] - heart, centre[0] + heart, centre[1] + heart),
        fill=(150, 120, 60),
    )


def draw_panicle(draw: ImageDraw.ImageDraw, rng: random.Random, top: Point) -> None:
    for _ in range(rng.randint(4, 8)):
        branch = grow(
            rng,
            top,
            DOWN + rng.choice((-1, 1)) * rng.uniform(2.2, 2.9),
            rng.uniform(40, 120),
            0.1,
            step=12,
        )
        draw_path(draw, branch, STRAW, 2, 1)
        for point in branch[1::2]:
            angle = heading_at(branch, 1) + rng.uniform(-0.4, 0.4)
            draw_leaf(draw, rng, point, angle, rng.uniform(16, 26), rng.uniform(6, 9), STRAW, 1.0)


def draw_roots(draw: ImageDraw.ImageDraw, rng: random.Random, ground: Point, *, count: int) -> None:
    for _ in range(count):
        root = grow(rng, ground, DOWN + rng.uniform(-0.8, 0.8), rng.uniform(50, 150), 0.35, step=12)
        draw_path(draw, root, ROOT, 3, 1)


def draw_tape(draw: ImageDraw.ImageDraw, rng: random.Random, path: list[Point]) -> None:
    """Gummed paper strips holding the specimen to the sheet, across the main stem."""
    for _ in range(rng.randint(2, 4)):
        index = rng.randint(1, len(path) - 2)
        across = heading_at(path, index) + math.pi / 2 + rng.gauss(0, 0.1)
        centre = path[index]
        corners = [
            rotate_point(corner, across) for corner in ((-38, -9), (38, -9), (38, 9), (-38, 9))
        ]
        strip = [(centre[0] + x, centre[1] + y) for x, y in corners]
        draw.polygon(strip, fill=TAPE, outline=(200, 192, 170))
