"""Demo bibliography index cards (a jazz bibliography), typed, with their data as ground truth."""

from __future__ import annotations

import random
import re
import textwrap
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageDraw

from worker.demo import vocabulary as words
from worker.demo.drawing import (
    RGB,
    Font,
    draw_text,
    font,
    font_ascent,
    jitter_colour,
    paper,
    paste_rgba,
    rotated_stamp,
    seeded_rng,
    text_width,
)

CARD_SIZE = (1400, 900)
RED_LINE_Y = 150
RULE_SPACING = 52
LEFT = 90
PITCH = 19  # typewriter: every character takes the same width
TYPE_SIZE = 28
CHARS_PER_LINE = (CARD_SIZE[0] - LEFT - 80) // PITCH
KINDS = ("article", "book", "chapter", "thesis", "webpage")
KIND_WEIGHTS = (45, 25, 15, 7, 8)
YEARS = {
    "article": (1935, 2015),
    "book": (1945, 2018),
    "chapter": (1950, 2018),
    "thesis": (1970, 2018),
    "webpage": (1998, 2022),
}
STAMPS = {
    "article": "ARTICLE",
    "book": "OUVRAGE",
    "chapter": "CHAPITRE",
    "thesis": "THÈSE",
    "webpage": "SITE WEB",
}


@dataclass(frozen=True)
class Reference:
    kind: str
    authors: list[tuple[str, str]]  # (surname, given name)
    title: str
    container: str
    date: tuple[int, int, int]  # year, month, day; 0 where the card does not give it
    volume: str
    pages: str
    publisher: str
    url: str
    card_number: str


def reference_card(seed: int) -> tuple[Image.Image, dict[str, str], dict[str, str]]:
    """One card: (image, truth per field, metadata), entirely determined by the seed."""
    rng = seeded_rng(seed)
    reference = random_reference(rng)
    metadata = {
        "cardNumber": reference.card_number,
        "collection": "Fichier bibliographique du jazz",
    }
    return draw_card(reference, rng), reference_truth(reference), metadata


# ---------------------------------------------------------------- the data


def random_reference(rng: random.Random) -> Reference:
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    year = rng.randint(*YEARS[kind])
    title = random_title(rng, kind, year)
    container = random_container(rng, kind, year)
    article, chapter = kind == "article", kind == "chapter"
    return Reference(
        kind=kind,
        authors=random_authors(rng, kind),
        title=title,
        container=container,
        date=random_date(rng, kind, year),
        volume=random_issue(rng, container, year) if article and rng.random() < 0.9 else "",
        pages=random_pages(rng, chapter) if chapter or (article and rng.random() < 0.9) else "",
        publisher=random_publisher(rng, kind),
        url=random_url(rng, title, year) if kind == "webpage" else "",
        card_number=f"BJ-{rng.randint(1, 99999):05d}",
    )


def random_person(rng: random.Random) -> tuple[str, str]:
    return (rng.choice(words.SURNAMES), rng.choice(words.FIRST_NAMES))


def random_authors(rng: random.Random, kind: str) -> list[tuple[str, str]]:
    if kind == "webpage" and rng.random() < 0.2:
        return []
    count = 1 if kind == "webpage" else rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
    authors: list[tuple[str, str]] = []
    while len(authors) < count:
        person = random_person(rng)
        if person[0] not in (surname for surname, _ in authors):
            authors.append(person)
    return authors


def _known_by(options: tuple[tuple[str, int], ...], year: int) -> list[str]:
    return [name for name, since in options if since <= year] or [options[0][0]]


def random_title(rng: random.Random, kind: str, year: int) -> str:
    patterns = words.THESIS_TITLE_PATTERNS if kind == "thesis" else words.TITLE_PATTERNS
    musician, place = rng.choice(_known_by(words.MUSICIANS, year)), rng.choice(words.PLACES)
    return rng.choice(patterns).format(
        musician=musician,
        de_musician=words.with_de(musician),
        style=rng.choice(_known_by(words.STYLES, year)),
        place=place,
        de_place=words.with_de(place),
    )


def random_container(rng: random.Random, kind: str, year: int) -> str:
    if kind == "article":
        return rng.choice(_known_by(words.PERIODICALS, year))
    if kind != "chapter":
        return ""
    surname, given = random_person(rng)
    return rng.choice(words.BOOK_TITLE_PATTERNS).format(
        place=rng.choice(words.PLACES),
        style=rng.choice(_known_by(words.STYLES, year)),
        author=f"{given} {surname}",
    )


def random_date(rng: random.Random, kind: str, year: int) -> tuple[int, int, int]:
    if kind == "article" and rng.random() < 0.25:
        return (year, rng.randint(1, 12), 0)
    if kind == "webpage" and rng.random() < 0.4:
        return (year, rng.randint(1, 12), rng.randint(1, 28))
    return (year, 0, 0)


def random_issue(rng: random.Random, periodical: str, year: int) -> str:
    """Roughly ten issues a year since the periodical started."""
    since = dict(words.PERIODICALS)[periodical]
    return str(max(1, (year - since) * rng.randint(8, 11) + rng.randint(1, 11)))


def random_pages(rng: random.Random, chapter: bool) -> str:
    first = rng.randint(5, 280) if chapter else rng.randint(2, 80)
    last = first + (rng.randint(8, 40) if chapter else rng.randint(0, 9))
    return str(first) if last == first else f"{first}-{last}"


def random_publisher(rng: random.Random, kind: str) -> str:
    if kind == "book":
        return rng.choice(words.PUBLISHERS)
    if kind == "thesis":
        return rng.choice(words.UNIVERSITIES)
    return ""


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def random_url(rng: random.Random, title: str, year: int) -> str:
    # Short enough to be typed on one card line.
    path = slug(title)[:26].rstrip("-")
    return f"https://{rng.choice(words.WEB_DOMAINS)}/{year}/{path}"


def reference_truth(reference: Reference) -> dict[str, str]:
    year, month, day = reference.date
    date = "-".join([f"{year:04d}"] + [f"{part:02d}" for part in (month, day) if part])
    return {
        "type": reference.kind,
        "title": reference.title,
        "authors": "; ".join(f"{surname}, {given}" for surname, given in reference.authors),
        "container": reference.container,
        "year": date,
        "volume": reference.volume,
        "pages": reference.pages,
        "publisher": reference.publisher,
        "url": reference.url,
    }


# ---------------------------------------------------------------- how a card types it


def typed_heading(rng: random.Random, reference: Reference) -> str:
    if not reference.authors:
        return "(Sans auteur)"
    if rng.random() < 0.7:
        return " ; ".join(f"{surname.upper()}, {given}" for surname, given in reference.authors)
    return ". — ".join(f"{surname.upper()} ({given})" for surname, given in reference.authors)


def typed_date(reference: Reference) -> str:
    year, month, day = reference.date
    if not month:
        return str(year)
    month_name = words.MONTHS_FR[month - 1]
    if not day:
        return f"{month_name} {year}"
    return f"mis en ligne le {'1er' if day == 1 else day} {month_name} {year}"


def typed_imprint(rng: random.Random, reference: Reference) -> str:
    """The paragraph after the title, as a cataloguer would type it for this kind of item."""
    date = typed_date(reference)
    pages = f"p. {reference.pages}" if reference.pages else ""
    if reference.kind == "article":
        issue = (
            rng.choice(("n° {}", "vol. {}", "no {}")).format(reference.volume)
            if reference.volume
            else ""
        )
        parts = [f"In : {reference.container}", issue, date, pages]
        return ", ".join(part for part in parts if part) + "."
    if reference.kind == "chapter":
        return f"In : {reference.container}, {date}, {pages}."
    if reference.kind == "book":
        place = rng.choice(("Paris : ", ""))
        return f"{place}{reference.publisher}, {date}."
    if reference.kind == "thesis":
        return f"Thèse de doctorat, {reference.publisher}, {date}."
    return f"[En ligne], {date}. URL :"


# ---------------------------------------------------------------- the card


def draw_card(reference: Reference, rng: random.Random) -> Image.Image:
    base: RGB = (246 + rng.randint(-3, 3), 242 + rng.randint(-3, 3), 230 + rng.randint(-5, 5))
    card = paper(CARD_SIZE, base, rng, grain=6, blotch=6, age=18)
    draw = ImageDraw.Draw(card)
    draw_rules(draw)
    ink = jitter_colour(rng, (38, 36, 48), 8)
    draw_heading(draw, rng, typed_heading(rng, reference), ink)
    number_at = (CARD_SIZE[0] - 80 - len(reference.card_number) * 15, 58)
    type_line(draw, rng, number_at, reference.card_number, font(22), (150, 50, 50), pitch=15)
    draw_body(draw, rng, reference, ink)
    kind_stamp = rotated_stamp(
        [STAMPS[reference.kind]], 30, (96, 62, 130), rng.uniform(-7, 7), oval=False
    )
    paste_rgba(
        card, kind_stamp, (LEFT + rng.randint(0, 40), CARD_SIZE[1] - 150 + rng.randint(-10, 10))
    )
    draw_punch_hole(draw)
    return card


def draw_heading(draw: ImageDraw.ImageDraw, rng: random.Random, heading: str, ink: RGB) -> None:
    """The main entry sits above the red line; a long one climbs onto a second line."""
    lines = textwrap.wrap(heading, width=CHARS_PER_LINE, break_on_hyphens=False)
    for lines_above, line in enumerate(reversed(lines)):
        baseline = RED_LINE_Y - 14 - lines_above * 42
        type_line(draw, rng, (LEFT, baseline), line, font(TYPE_SIZE), ink)


def draw_body(
    draw: ImageDraw.ImageDraw, rng: random.Random, reference: Reference, ink: RGB
) -> None:
    body = paragraph(f"{reference.title}.") + paragraph(typed_imprint(rng, reference))
    if reference.url:
        body.append(reference.url)  # never wrapped: a URL split over two lines is hard to read
    for rule, line in enumerate(body, start=1):
        type_line(
            draw, rng, (LEFT, RED_LINE_Y + rule * RULE_SPACING - 9), line, font(TYPE_SIZE), ink
        )


def paragraph(text: str) -> list[str]:
    """Library-card indentation: the first line starts further right than the following ones."""
    lines = textwrap.wrap(text, width=CHARS_PER_LINE - 4, break_on_hyphens=False)
    first, rest = lines[0], " ".join(lines[1:])
    tail = textwrap.wrap(rest, width=CHARS_PER_LINE, break_on_hyphens=False) if rest else []
    return ["    " + first, *tail]


def draw_rules(draw: ImageDraw.ImageDraw) -> None:
    width, height = CARD_SIZE
    draw.line((0, RED_LINE_Y, width, RED_LINE_Y), fill=(200, 86, 80), width=3)
    for y in range(RED_LINE_Y + RULE_SPACING, height - 30, RULE_SPACING):
        draw.line((0, y, width, y), fill=(158, 182, 210), width=2)


def type_line(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    baseline_start: tuple[int, int],
    text: str,
    face: Font,
    ink: RGB,
    *,
    pitch: int = PITCH,
) -> None:
    """Each character centred in its own fixed-width cell, slightly uneven like a typebar."""
    x, baseline = baseline_start
    top = baseline - font_ascent(face)
    for char in text:
        if not char.isspace():
            shade = rng.randint(-10, 40)  # a worn ribbon prints some letters lighter
            colour = (min(255, ink[0] + shade), min(255, ink[1] + shade), min(255, ink[2] + shade))
            offset = (pitch - text_width(char, face)) / 2
            draw_text(draw, (x + offset, top + rng.choice((0, 0, 0, 1, -1))), char, face, colour)
        x += pitch


def draw_punch_hole(draw: ImageDraw.ImageDraw) -> None:
    # The rod hole of a card catalogue drawer: the scanner lid shows through it.
    cx, cy, r = CARD_SIZE[0] // 2, CARD_SIZE[1] - 48, 20
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(70, 70, 74))
