"""Loading the gazetteer: places written or updated by GeoNames id, with their names' keys.

Idempotent: a place already there is updated and its names replaced, never added twice, so
an import can run again (after a newer dump). The whole import is one transaction, written in
batches: an import that stops half-way (a damaged archive, a full disk, Ctrl-C) leaves the
gazetteer as it was, and the search never serves half a dump. Bad rows are counted with their
line numbers and reasons; the rest of the file goes on.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tasks.models import GazetteerSource, Place, PlaceName
from worker.places.gazetteer import PlaceRow, RowError, place_keys

# Places written per batch of statements (the import is one transaction).
BATCH_SIZE = 1_000
# Bad rows listed in a report (all are counted).
ERRORS_LISTED = 100

_UPDATED_FIELDS = [
    "name",
    "ascii_name",
    "alternate_names",
    "country_code",
    "admin1_code",
    "admin1_name",
    "admin2_code",
    "admin2_name",
    "latitude",
    "longitude",
    "feature_class",
    "feature_code",
    "population",
    "source",
    "updated_at",
]


@dataclass
class ImportReport:
    written: int = 0
    skipped: int = 0  # of other countries or feature classes than asked for
    kept: int = 0  # written by another source, left as they are (`keep_others`)
    bad: int = 0
    errors: list[RowError] = field(default_factory=list)


def places_import(
    *,
    rows: Iterable[PlaceRow | RowError],
    source: str,
    version: str = "",
    countries: Collection[str] | None = None,
    feature_classes: Collection[str] | None = None,
    dry_run: bool = False,
    keep_others: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Write `rows` into the gazetteer, those of `countries` and
    `feature_classes` only when given. With `dry_run`, check them and write nothing; with
    `keep_others`, leave the places another source wrote as they are (the built-in places
    never overwrite a dump's, which say more). Records the source (`GazetteerSource`).

    One transaction: an exception raised while `rows` are read or written (a damaged file)
    writes nothing at all."""
    with nullcontext() if dry_run else transaction.atomic():
        return _import(
            rows=rows,
            source=source,
            version=version,
            countries=countries,
            feature_classes=feature_classes,
            dry_run=dry_run,
            keep_others=keep_others,
            batch_size=batch_size,
        )


def _import(
    *,
    rows: Iterable[PlaceRow | RowError],
    source: str,
    version: str,
    countries: Collection[str] | None,
    feature_classes: Collection[str] | None,
    dry_run: bool,
    keep_others: bool,
    batch_size: int,
) -> ImportReport:
    report = ImportReport()
    wanted = {code.upper() for code in countries} if countries else None
    classes = set(feature_classes) if feature_classes else None
    batch: dict[int, PlaceRow] = {}
    for row in rows:
        if isinstance(row, RowError):
            report.bad += 1
            if len(report.errors) < ERRORS_LISTED:
                report.errors.append(row)
            continue
        if (wanted is not None and row.country_code not in wanted) or (
            classes is not None and row.feature_class not in classes
        ):
            report.skipped += 1
            continue
        batch.pop(row.geonames_id, None)  # the same place twice in a file: the later row wins
        batch[row.geonames_id] = row
        if len(batch) >= batch_size:
            _write(batch, report, source=source, dry_run=dry_run, keep=keep_others)
            batch = {}
    _write(batch, report, source=source, dry_run=dry_run, keep=keep_others)
    if not dry_run:
        GazetteerSource.objects.update_or_create(
            name=source[:200],
            defaults={"version": version[:200], "places": report.written},
        )
    return report


def _write(
    batch: dict[int, PlaceRow], report: ImportReport, *, source: str, dry_run: bool, keep: bool
) -> None:
    if not batch or dry_run:
        report.written += len(batch)
        return
    if keep:
        others = Place.objects.filter(pk__in=list(batch)).exclude(source=source[:100])
        for geonames_id in others.values_list("pk", flat=True):
            del batch[geonames_id]
            report.kept += 1
    rows = list(batch.values())
    if not rows:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    places = [
        (
            row.geonames_id,
            row.name,
            row.ascii_name,
            json.dumps(list(row.alternate_names), ensure_ascii=False),
            row.country_code,
            row.admin1_code,
            row.admin1_name,
            row.admin2_code,
            row.admin2_name,
            row.latitude,
            row.longitude,
            row.feature_class,
            row.feature_code,
            row.population,
            source[:100],
            now,
        )
        for row in rows
    ]
    names = [
        (row.geonames_id, key, row.country_code) for row in rows for key in sorted(place_keys(row))
    ]
    with connection.cursor() as cursor:
        for chunk in _chunks(places, len(_COLUMNS)):
            cursor.execute(_upsert_sql(len(chunk)), [value for place in chunk for value in place])
        for chunk in _chunks([(row.geonames_id,) for row in rows], 1):
            cursor.execute(
                f"DELETE FROM {_names_table()} WHERE place_id IN ({_marks(len(chunk), 1)})",  # noqa: S608
                [geonames_id for (geonames_id,) in chunk],
            )
        for chunk in _chunks(names, 3):
            cursor.execute(
                f"INSERT INTO {_names_table()} (place_id, key, country_code) "  # noqa: S608
                f"VALUES {_marks(len(chunk), 3)}",
                [value for name in chunk for value in name],
            )
    report.written += len(rows)


def _chunks(rows: list[tuple[Any, ...]], width: int) -> Iterator[list[tuple[Any, ...]]]:
    """`rows` in pieces that stay under the database's number of bound values per statement."""
    most = getattr(connection.features, "max_query_params", None) or 30_000
    size = max(1, min(most, 30_000) // width)
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _marks(rows: int, width: int) -> str:
    """Placeholders for `rows` rows of `width` values: "(%s, %s), (%s, %s)"."""
    if width == 1:
        return ", ".join(["%s"] * rows)
    row = "(" + ", ".join(["%s"] * width) + ")"
    return ", ".join([row] * rows)


# Statements written by hand: Django's bulk_create spent most of an import's time building
# them (two thirds of 80 s for 60,000 places); an upsert by GeoNames id is one statement on
# PostgreSQL and SQLite alike.
_COLUMNS = ["geonames_id", *_UPDATED_FIELDS]


def _names_table() -> str:
    return connection.ops.quote_name(PlaceName._meta.db_table)


def _upsert_sql(rows: int) -> str:
    """INSERT … ON CONFLICT (geonames_id) DO UPDATE of `rows` places; column names are the
    model's, values all bound."""
    quote = connection.ops.quote_name
    json_value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    row = ", ".join(json_value if name == "alternate_names" else "%s" for name in _COLUMNS)
    values = ", ".join([f"({row})"] * rows)
    updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in _UPDATED_FIELDS)
    return (
        f"INSERT INTO {quote(Place._meta.db_table)} ({', '.join(map(quote, _COLUMNS))}) "  # noqa: S608
        f"VALUES {values} ON CONFLICT ({quote('geonames_id')}) DO UPDATE SET {updates}"
    )
