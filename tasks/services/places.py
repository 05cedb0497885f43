"""Loading the gazetteer: places written or updated by GeoNames id, with their names' keys.

Idempotent: a place already there is updated and its names replaced, never added twice, so
an import can run again (after a newer dump, or after being interrupted). Rows are written in
batches, each in one transaction: a place is never written without its names, and an import
stopped half-way leaves whole places only. Bad rows are counted with their line numbers and
reasons; the rest of the file goes on.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from tasks.models import GazetteerSource, Place, PlaceName
from worker.places.gazetteer import PlaceRow, RowError, place_keys

# Places written per transaction.
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
    never overwrite a dump's, which say more). Records the source (`GazetteerSource`)."""
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
    places = [
        Place(
            geonames_id=row.geonames_id,
            name=row.name,
            ascii_name=row.ascii_name,
            alternate_names=list(row.alternate_names),
            country_code=row.country_code,
            admin1_code=row.admin1_code,
            admin1_name=row.admin1_name,
            admin2_code=row.admin2_code,
            admin2_name=row.admin2_name,
            latitude=row.latitude,
            longitude=row.longitude,
            feature_class=row.feature_class,
            feature_code=row.feature_code,
            population=row.population,
            source=source[:100],
        )
        for row in rows
    ]
    names = [
        PlaceName(place_id=row.geonames_id, key=key, country_code=row.country_code)
        for row in rows
        for key in sorted(place_keys(row))
    ]
    with transaction.atomic():
        Place.objects.bulk_create(
            places,
            update_conflicts=True,
            unique_fields=["geonames_id"],
            update_fields=_UPDATED_FIELDS,
        )
        PlaceName.objects.filter(place_id__in=[row.geonames_id for row in rows]).delete()
        PlaceName.objects.bulk_create(names, batch_size=2_000)
    report.written += len(rows)
