"""Demo herbarium sheets: a drawn plant and a printed label whose data is the ground truth."""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image, ImageDraw

from worker.demo import vocabulary as words
from worker.demo.drawing import (
    RGB,
    draw_italic,
    draw_text,
    font,
    largest_fitting_size,
    line_height,
    paper,
    paste_rgba,
    rotated_stamp,
    seeded_rng,
    text_width,
    wrap_text,
)
from worker.demo.plant import draw_plant

SHEET_SIZE = (1100, 1600)
LABEL_WIDTH = 560
MARGIN = 40


@dataclass(frozen=True)
class Coordinates:
    truth: str  # "lat,lon" with four decimals, exactly what the printed form converts to
    printed: str


@dataclass(frozen=True)
class Specimen:
    taxon: words.Taxon
    collector: str
    number: str
    date: tuple[int, int, int]  # year, month, day; 0 where the label does not give it
    region: words.Region
    locality: str
    habitat: str
    elevation: int | None
    coordinates: Coordinates | None
    institution: tuple[str, str, str]
    catalog_number: str


def herbarium_sheet(seed: int) -> tuple[Image.Image, dict[str, str], dict[str, str]]:
    """One sheet: (image, truth per field, metadata), entirely determined by the seed."""
    rng = seeded_rng(seed)
    specimen = random_specimen(rng)
    metadata = {"catalogNumber": specimen.catalog_number, "institution": specimen.institution[0]}
    return draw_sheet(specimen, rng), specimen_truth(specimen), metadata


# ---------------------------------------------------------------- the data


def random_specimen(rng: random.Random) -> Specimen:
    region = rng.choice(words.FRENCH_REGIONS if rng.random() < 0.8 else words.FOREIGN_REGIONS)
    date = random_date(rng)
    elevation = random_elevation(rng, region)
    institution = rng.choice(words.INSTITUTIONS)
    return Specimen(
        taxon=rng.choice(words.TAXA),
        collector=f"{rng.choice(words.COLLECTOR_INITIALS)} {rng.choice(words.COLLECTOR_SURNAMES)}",
        number=str(rng.randint(1, 4999)) if rng.random() < 0.75 else "",
        date=date,
        region=region,
        locality=random_locality(rng, region),
        habitat=random_habitat(rng, region, elevation) if rng.random() < 0.85 else "",
        elevation=elevation,
        coordinates=random_coordinates(rng, region) if coordinates_printed(rng, date[0]) else None,
        institution=institution,
        catalog_number=f"{institution[2]}{rng.randint(0, 999999):06d}",
    )


def random_date(rng: random.Random) -> tuple[int, int, int]:
    year = rng.randint(1850, 2015)
    precision = rng.random()
    if precision < 0.15:
        return (year, 0, 0)
    month = rng.randint(3, 10)  # the collecting season
    if precision < 0.4:
        return (year, month, 0)
    return (year, month, rng.randint(1, 30 if month in (4, 6, 9) else 31))


def random_elevation(rng: random.Random, region: words.Region) -> int | None:
    if rng.random() < 0.3:
        return None
    low, high = region.elevation
    step = rng.choice((10, 50))
    return max(step, round(rng.randint(low, high) / step) * step)


def random_locality(rng: random.Random, region: words.Region) -> str:
    town, other = rng.sample(region.towns, 2)
    river, massif = rng.choice(region.rivers), rng.choice(region.massifs)
    side = rng.choice(("nord", "sud", "est", "ouest"))
    patterns = (
        f"Environs {words.with_de(town)}",
        f"{town}, bords {words.with_de(river)}",
        f"Entre {town} et {other}",
        f"{words.capitalise_first(massif)}, au-dessus {words.with_de(town)}",
        f"Route {words.with_de(town)} {words.with_a(other)}",
        f"Vallée {words.with_de(river)}, près {words.with_de(town)}",
        f"{words.capitalise_first(massif)}, versant {side}",
    )
    return rng.choice(patterns)


def random_habitat(rng: random.Random, region: words.Region, elevation: int | None) -> str:
    coastal = region.elevation[0] <= 10

    def plausible(habitat: str) -> bool:
        if habitat == "Pâturages alpins":
            return elevation is not None and elevation >= 1400
        if habitat == "Sables maritimes":
            return coastal and (elevation is None or elevation <= 50)
        return True

    return rng.choice([habitat for habitat in words.HABITATS if plausible(habitat)])


def coordinates_printed(rng: random.Random, year: int) -> bool:
    # Old labels rarely carry coordinates; since GPS most do. About half overall.
    return rng.random() < (0.9 if year >= 1950 else 0.2)


def random_coordinates(rng: random.Random, region: words.Region) -> Coordinates:
    lat = region.lat + rng.uniform(-0.25, 0.25)
    lon = region.lon + rng.uniform(-0.25, 0.25)
    if rng.random() < 0.5:
        return degrees_minutes_seconds(lat, lon)
    return decimal_degrees(rng, lat, lon)


def degrees_minutes_seconds(lat: float, lon: float) -> Coordinates:
    lat_parts, lon_parts = _dms(lat), _dms(lon)
    printed = f"{_dms_text(lat_parts, 'NS')}  {_dms_text(lon_parts, 'EW')}"
    return Coordinates(truth=_truth(_from_dms(lat_parts), _from_dms(lon_parts)), printed=printed)


def _dms(value: float) -> tuple[int, int, int, int]:
    total = round(abs(value) * 3600)
    return (1 if value >= 0 else -1, total // 3600, total // 60 % 60, total % 60)


def _dms_text(parts: tuple[int, int, int, int], hemispheres: str) -> str:
    sign, degrees, minutes, seconds = parts
    return f"{degrees}°{minutes:02d}'{seconds:02d}\"{hemispheres[0 if sign > 0 else 1]}"


def _from_dms(parts: tuple[int, int, int, int]) -> float:
    sign, degrees, minutes, seconds = parts
    return sign * (degrees + minutes / 60 + seconds / 3600)


def decimal_degrees(rng: random.Random, lat: float, lon: float) -> Coordinates:
    lat, lon = round(lat, 4), round(lon, 4)
    north, east = "N" if lat >= 0 else "S", "E" if lon >= 0 else "W"
    if rng.random() < 0.5:
        printed = f"{north} {abs(lat):.4f}  {east} {abs(lon):.4f}"
    else:
        printed = f"Lat. {lat:.4f}  Long. {lon:.4f}"
    return Coordinates(truth=_truth(lat, lon), printed=printed)


def _truth(lat: float, lon: float) -> str:
    return f"{round(lat, 4) + 0.0:.4f},{round(lon, 4) + 0.0:.4f}"  # + 0.0 turns -0.0 into 0.0


def specimen_truth(specimen: Specimen) -> dict[str, str]:
    return {
        "scientificName": f"{specimen.taxon.binomial} {specimen.taxon.author}",
        "recordedBy": specimen.collector,
        "recordNumber": specimen.number,
        "eventDate": iso_date(specimen.date),
        "country": specimen.region.country,
        "stateProvince": specimen.region.department,
        "locality": specimen.locality,
        "habitat": specimen.habitat,
        "minimumElevationInMeters": "" if specimen.elevation is None else str(specimen.elevation),
        "coordinates": "" if specimen.coordinates is None else specimen.coordinates.truth,
    }


def iso_date(date: tuple[int, int, int]) -> str:
    year, month, day = date
    parts = [f"{year:04d}"] + [f"{part:02d}" for part in (month, day) if part]
    return "-".join(parts)


# ---------------------------------------------------------------- how a label prints it


def printed_date(rng: random.Random, date: tuple[int, int, int]) -> str:
    year, month, day = date
    if not month:
        return str(year)
    name, roman = words.MONTHS_FR[month - 1], words.ROMAN_MONTHS[month - 1]
    if not day:
        return rng.choice((f"{roman}.{year}", f"{name} {year}", f"{name.capitalize()} {year}"))
    day_text = "1er" if day == 1 else str(day)
    return rng.choice(
        (f"{day_text} {name} {year}", f"{day}.{roman}.{year}", f"{day:02d}/{month:02d}/{year}")
    )


def printed_geography(rng: random.Random, region: words.Region) -> str:
    if not region.department:
        return rng.choice((region.country.upper(), f"{region.country}."))
    return rng.choice(
        (
            f"FRANCE — {region.department}",
            f"{region.department} (France)",
            f"France, dép. {region.department}",
        )
    )


def printed_collector(rng: random.Random, specimen: Specimen) -> str:
    prefix = rng.choice(("Leg.", "Leg.", "Coll.", "Récolté par"))
    number = f"   n° {specimen.number}" if specimen.number else ""
    return f"{prefix} {specimen.collector}{number}"


def label_for(rng: random.Random, specimen: Specimen) -> Label:
    region = specimen.region
    subtitle = f"Flore {words.COUNTRY_WITH_DE[region.country]}"
    if region.country != "France":
        subtitle = f"Plantes {words.COUNTRY_WITH_DE[region.country]}"
    details = [printed_geography(rng, region), specimen.locality]
    if specimen.habitat:
        details.append(rng.choice(("", "Hab. : ")) + specimen.habitat)
    if specimen.elevation is not None:
        details.append(
            rng.choice(("Alt. {} m", "alt. env. {} m", "Altitude : {} m")).format(
                specimen.elevation
            )
        )
    if specimen.coordinates is not None:
        details.append(specimen.coordinates.printed)
    return Label(
        header=specimen.institution[1],
        subtitle=subtitle,
        italic_name=specimen.taxon.binomial,
        author=specimen.taxon.author,
        details=details,
        collector=printed_collector(rng, specimen),
        date=printed_date(rng, specimen.date),
    )


# ---------------------------------------------------------------- the printed label

LABEL_PADDING = 22
BODY_SIZE = 22


@dataclass(frozen=True)
class Label:
    header: str
    subtitle: str
    italic_name: str
    author: str
    details: list[str]
    collector: str
    date: str


@dataclass(frozen=True)
class Row:
    kind: str  # "centre", "name", "left", "split" (text left, extra right) or "rule"
    text: str = ""
    size: int = BODY_SIZE
    extra: str = ""

    def height(self) -> int:
        return 16 if self.kind == "rule" else line_height(font(self.size)) + 6


def label_rows(label: Label, inner: int) -> list[Row]:
    header_size = largest_fitting_size(label.header, inner, 22, 14)
    name_size = largest_fitting_size(f"{label.italic_name} {label.author}", inner - 8, 32, 20)
    rows = [Row("centre", label.header, header_size), Row("centre", label.subtitle, 18)]
    rows += [Row("rule"), Row("name", label.italic_name, name_size, label.author)]
    for detail in label.details:
        rows += [Row("left", line) for line in wrap_text(detail, font(BODY_SIZE), inner)]
    rows.append(Row("rule"))
    body = font(BODY_SIZE)
    if text_width(f"{label.collector}    {label.date}", body) <= inner:
        rows.append(Row("split", label.collector, extra=label.date))
    else:
        rows += [Row("left", label.collector), Row("left", label.date)]
    return rows


def draw_label(
    sheet: Image.Image, rng: random.Random, label: Label, *, width: int, corner: tuple[int, int]
) -> None:
    rows = label_rows(label, width - 2 * LABEL_PADDING)
    height = sum(row.height() for row in rows) + 2 * LABEL_PADDING
    left, top = corner[0] - width, corner[1] - height
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((left + 5, top + 5, corner[0] + 5, corner[1] + 5), fill=(170, 160, 130))
    sheet.paste(paper((width, height), (247, 243, 229), rng, grain=5, blotch=4), (left, top))
    draw.rectangle((left + 8, top + 8, corner[0] - 8, corner[1] - 8), outline=(60, 52, 44), width=3)
    draw.rectangle((left + 14, top + 14, corner[0] - 14, corner[1] - 14), outline=(60, 52, 44))
    ink: RGB = (40 + rng.randint(-10, 10), 34 + rng.randint(-8, 8), 30 + rng.randint(-8, 8))
    y = top + LABEL_PADDING
    for row in rows:
        draw_row(sheet, draw, row, (left + LABEL_PADDING, y), width - 2 * LABEL_PADDING, ink)
        y += row.height()


def draw_row(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    row: Row,
    origin: tuple[int, int],
    inner: int,
    ink: RGB,
) -> None:
    x, y = origin
    face = font(row.size)
    if row.kind == "rule":
        draw.line((x + inner // 4, y + 7, x + 3 * inner // 4, y + 7), fill=ink, width=1)
    elif row.kind == "centre":
        draw_text(draw, (x + (inner - text_width(row.text, face)) / 2, y), row.text, face, ink)
    elif row.kind == "name":
        advance = draw_italic(sheet, (x + 4, y), row.text, face, ink)
        draw_text(draw, (x + 4 + advance + text_width(" ", face) + 4, y), row.extra, face, ink)
    else:
        draw_text(draw, (x, y), row.text, face, ink)
        if row.extra:
            draw_text(draw, (x + inner - text_width(row.extra, face), y), row.extra, face, ink)


# ---------------------------------------------------------------- the sheet


def draw_sheet(specimen: Specimen, rng: random.Random) -> Image.Image:
    base: RGB = (240 + rng.randint(-4, 4), 231 + rng.randint(-4, 4), 211 + rng.randint(-6, 6))
    sheet = paper(SHEET_SIZE, base, rng, grain=9, blotch=7, age=30)
    draw = ImageDraw.Draw(sheet)
    draw_plant(draw, rng, specimen.taxon, ground=(rng.randint(280, 520), SHEET_SIZE[1] - 120))
    draw_barcode(draw, specimen.catalog_number, (SHEET_SIZE[0] - MARGIN - 260, MARGIN + 10))
    draw_institution_stamp(sheet, rng, specimen.institution[2])
    draw_label(sheet, rng, label_for(rng, specimen), width=LABEL_WIDTH, corner=_lower_right())
    return sheet


def _lower_right() -> tuple[int, int]:
    return (SHEET_SIZE[0] - MARGIN, SHEET_SIZE[1] - MARGIN)


def draw_barcode(draw: ImageDraw.ImageDraw, code: str, origin: tuple[int, int]) -> None:
    x, y = origin
    draw.rectangle((x - 12, y - 10, x + 272, y + 118), fill=(250, 250, 246))
    for char in f"*{code}*":
        # A stable, code-dependent pattern of narrow and wide bars (not a real symbology).
        pattern = (ord(char) * 2654435761) >> 7
        for bit in range(9):
            width = 4 if pattern >> bit & 1 else 2
            if bit % 2 == 0:
                draw.rectangle((x, y, x + width - 1, y + 70), fill=(20, 20, 20))
            x += width
        x += 2
        if x > origin[0] + 255:
            break
    draw_text(draw, (origin[0], y + 78), code, font(24), (20, 20, 20))


def draw_institution_stamp(sheet: Image.Image, rng: random.Random, prefix: str) -> None:
    colour = rng.choice(((92, 60, 120), (150, 50, 50), (50, 70, 130)))
    stamp = rotated_stamp(["HERBIER", prefix], 26, colour, rng.uniform(-12, 12), oval=True)
    paste_rgba(sheet, stamp, (rng.randint(50, 130), rng.randint(50, 110)))
