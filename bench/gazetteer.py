"""Gazetteer benchmark: searching places by name at the size of France's communes.

    python -m bench.gazetteer                          # SQLite, 35,000 French places
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crowd python -m bench.gazetteer
    python -m bench.gazetteer --world                  # and every built-in place of the world

Builds the gazetteer in a database of its own: a temporary SQLite file, or, when DATABASE_URL
names a PostgreSQL server, the database `<name>_bench_gazetteer` on it (created, then dropped).
France has about 35,000 communes; the built-in places (GeoNames' of 500 people or more) hold
15,362 French ones, so the rest are made from them as GeoNames writes smaller places: a real
commune's name with a suffix ("Mauriac-le-Haut", "Salers-sur-Maronne"), near it, in its
département, with a few hundred people. The printout says how many were made.

Then times `places_search` (the service the API calls) over a few hundred queries drawn from
the real communes: exact names, beginnings (3 to 6 letters), names typed without accents,
misspellings (one letter changed, dropped or doubled), each with and without `country="FR"`;
median and 99th percentile per query in ms, and how often the place sought is among the
results. As a reference in the same run, the plain search a platform would write first, an
unindexed scan (`name__icontains`, the most populous ten), over the same queries and table.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
COMMUNES = 35_000
SUFFIXES = ["le-Haut", "le-Bas", "sur-Dordogne", "sur-Loire", "en-Bresse", "la-Forêt",
            "les-Bains", "Saint-Martin", "le-Vieux", "la-Montagne", "des-Prés", "sur-Mer",
            "en-Vallée", "d'en-Haut", "lès-Pins", "Sainte-Marie"]  # fmt: skip
SYNTHETIC_IDS = 90_000_000


def database_url(argument: str) -> tuple[str, Callable[[], None]]:
    """The benchmark's own database (and how to drop it)."""
    url = argument or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        folder = tempfile.mkdtemp(prefix="bench-gazetteer-")
        path = Path(folder) / "gazetteer.sqlite3"
        return f"sqlite:///{path}", lambda: None
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'crowd'}_bench_gazetteer"
    admin = parts._replace(path="/postgres", scheme="postgresql").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return parts._replace(path=f"/{name}").geturl(), drop


def django_setup(url: str) -> None:
    os.environ.update({"DATABASE_URL": url, "REDIS_URL": "", "DEBUG": "1", "LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def synthetic(real: list[Any], count: int, rng: random.Random) -> list[Any]:
    """`count` smaller places made from real ones, GeoNames-like."""
    from worker.places.gazetteer import PlaceRow, ascii_name

    made = []
    for n in range(count):
        base = rng.choice(real)
        name = f"{base.name}-{SUFFIXES[n % len(SUFFIXES)]}"
        if n >= len(SUFFIXES) * len(real):
            name += f" {n}"
        made.append(
            PlaceRow(
                geonames_id=SYNTHETIC_IDS + n,
                name=name,
                ascii_name=ascii_name(name),
                alternate_names=(),
                country_code="FR",
                latitude=base.latitude + rng.uniform(-0.05, 0.05),
                longitude=base.longitude + rng.uniform(-0.05, 0.05),
                feature_class="P",
                feature_code="PPL",
                population=rng.randint(20, 499),
                admin1_code=base.admin1_code,
                admin1_name=base.admin1_name,
                admin2_name=base.admin2_name,
            )
        )
    return made


def misspelt(name: str, rng: random.Random) -> str:
    """One letter changed, dropped or doubled, after the first two."""
    if len(name) < 5:
        return name + name[-1]
    at = rng.randrange(2, len(name) - 1)
    change = rng.choice(("replace", "drop", "double"))
    if change == "replace":
        letter = rng.choice([c for c in "aeiourstlnm" if c != name[at].lower()])
        return name[:at] + letter + name[at + 1 :]
    if change == "drop":
        return name[:at] + name[at + 1 :]
    return name[:at] + name[at] + name[at:]


def queries(real: list[Any], per_kind: int, rng: random.Random) -> list[tuple[str, str, int]]:
    """(kind, query, the GeoNames id sought)."""
    from worker.places.gazetteer import ascii_name

    accented = [row for row in real if ascii_name(row.name) != row.name]
    made: list[tuple[str, str, int]] = []
    for row in rng.sample(real, per_kind):
        made.append(("exact", row.name, row.geonames_id))
    for row in rng.sample(real, per_kind):
        made.append(("prefix", row.name[: rng.randint(3, 6)], row.geonames_id))
    for row in rng.sample(accented, per_kind):
        made.append(("no accents", ascii_name(row.name), row.geonames_id))
    for row in rng.sample([r for r in real if len(r.name) >= 6], per_kind):
        made.append(("misspelt", misspelt(row.name, rng), row.geonames_id))
    return made


def timed(search: Callable[[str, str | None], list[int]], items: list[tuple[str, str, int]],
          country: str | None) -> dict[str, tuple[list[float], int]]:  # fmt: skip
    found: dict[str, tuple[list[float], int]] = {}
    for kind, query, sought in items:
        started = time.perf_counter()
        ids = search(query, country)
        elapsed = (time.perf_counter() - started) * 1000
        times, hits = found.get(kind, ([], 0))
        times.append(elapsed)
        found[kind] = (times, hits + (sought in ids))
    return found


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def report(label: str, results: dict[str, tuple[list[float], int]]) -> list[float]:
    every: list[float] = []
    for kind, (times, hits) in results.items():
        every += times
        print(
            f"  {label:<26} {kind:<11} median {statistics.median(times):7.2f} ms  "
            f"p99 {p99(times):7.2f} ms  found {hits}/{len(times)}"
        )
    print(
        f"  {label:<26} {'all':<11} median {statistics.median(every):7.2f} ms  "
        f"p99 {p99(every):7.2f} ms"
    )
    return every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="Default: DATABASE_URL, else SQLite.")
    parser.add_argument("--places", type=int, default=COMMUNES, help="French places in all.")
    parser.add_argument("--queries", type=int, default=50, help="Queries per kind and scope.")
    parser.add_argument("--world", action="store_true", help="Every built-in place as well.")
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    url, drop = database_url(args.database_url)
    try:
        django_setup(url)
        run(args, rng)
    finally:
        drop()


def run(args: argparse.Namespace, rng: random.Random) -> None:
    from django.db import connection

    from tasks.models import Place, PlaceName
    from tasks.selectors import places as selector
    from tasks.services.places import places_import
    from worker.places.gazetteer import builtin_rows

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    real = list(builtin_rows(None if args.world else ["FR"]))
    french = [row for row in real if row.country_code == "FR"]
    made = synthetic(french, max(0, args.places - len(french)), rng)
    started = time.perf_counter()
    report_ = places_import(rows=[*real, *made], source="bench")
    loaded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"gazetteer: {Place.objects.count():,} places ({len(french):,} real French ones, "
        f"{len(made):,} made from them, {len(real) - len(french):,} of other countries), "
        f"{PlaceName.objects.count():,} names; loaded in {loaded:.1f} s "
        f"({report_.written / loaded:,.0f} places/s)"
    )
    fuzzy = (
        "pg_trgm"
        if connection.vendor == "postgresql" and selector.trigrams_available()
        else ("rapidfuzz over the names of the first two letters")
    )
    print(f"misspellings: {fuzzy}")
    items = queries(french, args.queries, rng)

    def search(query: str, country: str | None) -> list[int]:
        return [hit.place.pk for hit in selector.places_search(query, country=country)]

    def scan(query: str, country: str | None) -> list[int]:
        rows = Place.objects.filter(name__icontains=query)
        if country:
            rows = rows.filter(country_code=country)
        return list(rows.order_by("-population").values_list("pk", flat=True)[:10])

    for query, country in (("Mauriac", None), ("Mauriac", "FR")):  # warm-up: caches, plans
        search(query, country)
        scan(query, country)
    print(f"{len(items) * 2} queries ({args.queries} per kind, with and without a country):")
    ours: list[float] = []
    plain: list[float] = []
    for country in (None, "FR"):
        scope = "country FR" if country else "no country"
        ours += report(f"places_search, {scope}", timed(search, items, country))
        plain += report(f"icontains scan, {scope}", timed(scan, items, country))
    print(
        f"overall: places_search median {statistics.median(ours):.2f} ms, p99 {p99(ours):.2f} "
        f"ms; icontains scan median {statistics.median(plain):.2f} ms, p99 {p99(plain):.2f} ms; "
        f"scan / search = {statistics.median(plain) / statistics.median(ours):.1f}× (median), "
        f"{p99(plain) / p99(ours):.1f}× (p99)"
    )
    plan = (
        PlaceName.objects.filter(country_code="FR")
        .filter(selector._prefix("saint fl"))
        .order_by("-place__population")
        .values_list("place_id")[:200]
        .explain()
    )
    print("plan of a prefix lookup (saint fl, FR):")
    print("  " + plan.replace("\n", "\n  "))


if __name__ == "__main__":
    main()
