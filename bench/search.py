"""Results browser benchmark: its first page at 1,000,000 images, searched, filtered and sorted.

    python -m bench.search                   # 1,000,000 images
    python -m bench.search --images 100000 --repeat 10

Builds a herbarium project in a PostgreSQL database of its own (crowd_bench_search on the
server of BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/; created, then
dropped at the end unless --keep), straight in SQL: images in states as a running project has
them (most settled, some disputed, some still open, a few training images), ten field results
per reconciled image and three transcriptions, with scientific names, collectors and places
drawn from long-tailed lists (a few very common, most rare), a typo in 2 % of the answers, and
each image's search document and the project's vocabulary as the services write them. The
load checks no foreign key as it goes (`session_replication_role`): the role needs to be a
superuser, as the default `postgres` is.

Then times what the results page asks the database for, each query `--repeat` times after one
warm-up: `results_page` (the search's plan, the images found up to 1,001, the page's 50 with
their batch and known answer) and `settled_values` (the page's field results). Prints median
and 95th percentile in ms; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/")
DATABASE = "crowd_bench_search"
BATCH_SIZE = 10_000
USERS = 500
# Rarer and rarer: a value of rank r is drawn with a weight of 1 / r (Zipf's law).

_ONSETS = ["b", "br", "c", "ch", "d", "f", "g", "gr", "l", "m", "n", "p", "r", "s", "t", "v"]
_VOWELS = ["a", "e", "i", "o", "ou", "au", "é", "è"]
_CODAS = ["", "l", "n", "r", "s", "t", "ch", "ll", "rd", "x"]
_EPITHET_STEMS = ["alp", "mont", "sylv", "rip", "saxat", "palust", "camp", "glabr", "hirs",
                  "lut", "rubr", "alb", "nigr", "vir", "aur", "prat", "nemor", "arven"]  # fmt: skip
_EPITHET_ENDINGS = ["ensis", "ana", "atus", "ifolia", "oides", "icola", "ella", "inum", "osa",
                    "ica", "estris", "alis"]  # fmt: skip


def server_url(database: str) -> str:
    parts = urlsplit(SERVER_URL)
    return parts._replace(path=f"/{database}").geturl()


def database_create() -> None:
    import psycopg

    admin = server_url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def database_drop() -> None:
    from django.db import connections

    connections.close_all()
    import psycopg

    admin = server_url("postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": server_url(DATABASE),
        "REDIS_URL": "",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        # One connection, kept: the timings are the queries', not a pool's.
        "DB_POOL_SIZE": "0",
        "DB_CONN_MAX_AGE": "600",
    }


def django_setup() -> None:
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def names(rng: random.Random, count: int, syllables: tuple[int, int]) -> list[str]:
    """`count` distinct made-up names ("Bérnaulet"), for the long tails."""
    made: dict[str, None] = {}
    while len(made) < count:
        parts = [
            rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
            for _ in range(rng.randint(*syllables))
        ]
        made.setdefault("".join(parts).capitalize(), None)
    return list(made)


def vocabularies(rng: random.Random) -> dict[str, list[str]]:
    """The values drawn from, most common first."""
    from worker.demo import vocabulary as words

    genera = list(dict.fromkeys(taxon.binomial.split()[0] for taxon in words.TAXA))
    epithets = list(dict.fromkeys(taxon.binomial.split()[1] for taxon in words.TAXA))
    epithets += [stem + end for stem in _EPITHET_STEMS for end in _EPITHET_ENDINGS]
    genera += [name for name in names(rng, 400, (2, 3)) if name not in genera]
    authors = list(dict.fromkeys(taxon.author for taxon in words.TAXA))
    species = ["Quercus ilex L."]  # the commonest of all
    seen = set(species)
    while len(species) < 6_000:
        name = f"{rng.choice(genera)} {rng.choice(epithets)} {rng.choice(authors)}"
        if name not in seen:
            seen.add(name)
            species.append(name)
    surnames = list(words.COLLECTOR_SURNAMES) + names(rng, 4_000, (2, 3))
    collectors = [f"{rng.choice(words.COLLECTOR_INITIALS)} {surname}" for surname in surnames]
    towns = [town for region in words.FRENCH_REGIONS for town in region.towns]
    places = names(rng, 30_000, (2, 4))
    localities = [
        f"{rng.choice(['Env. de', 'Près de', 'Au-dessus de', 'Bords du ruisseau de'])} "
        f"{rng.choice(towns)}, lieu-dit {place}"
        for place in places
    ]
    return {
        "species": species,
        "collector": collectors,
        "locality": localities,
        "habitat": list(words.HABITATS),
        "region": [region.department for region in words.FRENCH_REGIONS],
    }


def typo(text: str) -> str:
    """A letter dropped from the first word: "Qercus ilex L."."""
    first, _, rest = text.partition(" ")
    return (first[:1] + first[2:] + " " + rest) if len(first) > 3 else text


def project_load(size: int) -> tuple[int, dict[str, list[str]]]:
    """The project and its data; returns its id and the lists values were drawn from."""
    from django.db import connection

    from crowd.models import User
    from tasks.models import Batch, Project, Template
    from tasks.presets import PRESETS
    from tasks.search_words import document_text, document_words, vocabulary_words

    rng = random.Random(1898)
    lists = vocabularies(rng)
    project = Project.objects.create(
        slug="bench-search", title_fr="Banc", title_en="Bench", status="active"
    )
    Template.objects.create(
        project=project, fields=PRESETS["herbarium"]["fields"], preset="herbarium"
    )
    users = User.objects.bulk_create(User(username=f"volunteer{n}") for n in range(USERS))
    batches = Batch.objects.bulk_create(
        Batch(project=project, name=f"Lot {n + 1}", state="done")
        for n in range((size + BATCH_SIZE - 1) // BATCH_SIZE)
    )
    with connection.cursor() as cursor:
        # The lists, each value with its folded words (what a document holds of it), and the
        # weight of its rank.
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_value (list text, rank int, value text, typo text, "
            "words text, typo_words text, PRIMARY KEY (list, rank))"
        )
        rows = []
        for name, values in lists.items():
            for rank, value in enumerate(values, start=1):
                typed = typo(value)
                rows.append(
                    (
                        name,
                        rank,
                        value,
                        typed,
                        " ".join(document_words([value])),
                        " ".join(document_words([typed])),
                    )
                )
        with cursor.copy(
            "COPY bench_value (list, rank, value, typo, words, typo_words) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        # Cumulative weights per list: a uniform draw picks a rank by binary search.
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_cumulative AS SELECT list, rank, "
            "(sum(1.0 / rank) OVER (PARTITION BY list ORDER BY rank) "
            "/ sum(1.0 / rank) OVER (PARTITION BY list))::float8 AS upto FROM bench_value"
        )
        cursor.execute("CREATE INDEX ON bench_cumulative (list, upto)")
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO tasks_task (project_id, batch_id, state, priority, target,
                transcription_count, shuffle_key, original_name, image, thumbnail, iiif_path,
                content_hash, metadata, image_width, image_height, created_at, updated_at,
                reconciled_at, reconcile_pending, agreement)
            SELECT %(project)s, %(batch)s + (g - 1) / %(batch_size)s, s.state, 0, 3,
                CASE WHEN s.state IN ('open', 'reference') THEN 0 ELSE 3 END, random(),
                'sheet-' || g || '.jpg', '', '', '', md5(g::text),
                jsonb_build_object('catalogNumber', 'MTC' || lpad(g::text, 7, '0'),
                    'institution', 'Montclair'),
                4000, 6000, s.created, s.created + (random() * interval '300 days'),
                CASE WHEN s.state IN ('open', 'reference') THEN NULL ELSE now() END, false,
                CASE s.state WHEN 'complete' THEN CASE WHEN random() < .8 THEN 1.0
                                                  ELSE round((.6 + random() * .4)::numeric, 4) END
                             WHEN 'resolved' THEN 1.0
                             WHEN 'disputed' THEN round((.3 + random() * .3)::numeric, 4)
                             WHEN 'needs_more' THEN round((.5 + random() * .2)::numeric, 4)
                END
            FROM generate_series(1, %(size)s) AS g
            CROSS JOIN LATERAL (
                SELECT CASE WHEN r < .55 THEN 'complete' WHEN r < .65 THEN 'resolved'
                            WHEN r < .73 THEN 'disputed' WHEN r < .78 THEN 'needs_more'
                            WHEN r < .985 THEN 'open' WHEN r < .99 THEN 'reference'
                            ELSE 'withdrawn' END AS state,
                       now() - interval '3 years' + g * (interval '2 years' / %(size)s) AS created
                FROM (SELECT random() + g * 0 AS r) AS draw
            ) AS s
            """,
            {
                "project": project.pk,
                "batch": batches[0].pk,
                "batch_size": BATCH_SIZE,
                "size": size,
            },
        )
        print(f"  images: {time.perf_counter() - started:.0f} s", flush=True)
        # Loading only: the rows are made consistent by construction, foreign keys unchecked.
        cursor.execute("SET session_replication_role = replica")
        started = time.perf_counter()
        # What each image holds: a rank drawn from each list, and whether an answer has a typo.
        cursor.execute(
            """
            CREATE UNLOGGED TABLE bench_pick AS
            SELECT t.id AS task_id, t.state, t.original_name, t.metadata,
                (SELECT rank FROM bench_cumulative c WHERE c.list = 'species'
                   AND c.upto >= d.species ORDER BY c.upto LIMIT 1) AS species,
                (SELECT rank FROM bench_cumulative c WHERE c.list = 'collector'
                   AND c.upto >= d.collector ORDER BY c.upto LIMIT 1) AS collector,
                1 + floor(random() * (SELECT count(*) FROM bench_value WHERE list = 'locality'))::int
                    AS locality,
                (SELECT rank FROM bench_cumulative c WHERE c.list = 'habitat'
                   AND c.upto >= d.habitat ORDER BY c.upto LIMIT 1) AS habitat,
                (SELECT rank FROM bench_cumulative c WHERE c.list = 'region'
                   AND c.upto >= d.region ORDER BY c.upto LIMIT 1) AS region,
                random() < .02 AS typo,
                (1 + t.id %% 9000)::text AS number,
                to_char(date '1850-01-01' + (t.id %% 50000)::int, 'YYYY-MM-DD') AS day,
                (200 + t.id %% 2500)::text AS elevation,
                round(44 + (t.id %% 1000) / 1000.0, 4)::text || ',' ||
                    round(5 + (t.id %% 997) / 1000.0, 4)::text AS point
            FROM tasks_task t
            -- One draw per image and list (random() in the subqueries' conditions would be
            -- drawn again for every row they scan).
            CROSS JOIN LATERAL (SELECT random() + t.id * 0 AS species, random() AS collector,
                random() AS habitat, random() AS region) AS d
            WHERE t.project_id = %s
            """,
            [project.pk],
        )
        cursor.execute("ALTER TABLE bench_pick ADD PRIMARY KEY (task_id)")
        print(f"  draws: {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        picked = """
            FROM bench_pick p
            JOIN bench_value sp ON sp.list = 'species' AND sp.rank = p.species
            JOIN bench_value co ON co.list = 'collector' AND co.rank = p.collector
            JOIN bench_value lo ON lo.list = 'locality' AND lo.rank = p.locality
            JOIN bench_value ha ON ha.list = 'habitat' AND ha.rank = p.habitat
            JOIN bench_value re ON re.list = 'region' AND re.rank = p.region
        """
        cursor.execute(
            f"""
            INSERT INTO tasks_fieldresult (project_id, task_id, key, value, status, agreement,
                support, n, method, alternatives, explanation, explanation_parts, agreeing,
                version, updated_at)
            SELECT %s, p.task_id, k.key,
                to_jsonb(CASE k.key WHEN 'scientificName' THEN sp.value
                    WHEN 'recordedBy' THEN co.value WHEN 'recordNumber' THEN p.number
                    WHEN 'eventDate' THEN p.day WHEN 'country' THEN 'France'
                    WHEN 'stateProvince' THEN re.value WHEN 'locality' THEN lo.value
                    WHEN 'habitat' THEN ha.value WHEN 'minimumElevationInMeters' THEN p.elevation
                    ELSE p.point END),
                CASE WHEN p.state = 'disputed' AND k.key = 'locality' THEN 'disputed'
                     WHEN p.state = 'needs_more' AND k.key = 'recordedBy' THEN 'needs_more'
                     WHEN p.state = 'resolved' AND k.key = 'scientificName' THEN 'resolved'
                     ELSE 'agreed' END,
                CASE WHEN p.state = 'disputed' AND k.key = 'locality' THEN .5 ELSE 1.0 END,
                3, 3, 'exact', '[]'::jsonb, '', '[]'::jsonb, '[]'::jsonb, 1, now()
            {picked}
            CROSS JOIN (VALUES ('scientificName'), ('recordedBy'), ('recordNumber'),
                ('eventDate'), ('country'), ('stateProvince'), ('locality'), ('habitat'),
                ('minimumElevationInMeters'), ('coordinates')) AS k(key)
            WHERE p.state NOT IN ('open', 'reference')
            """,
            [project.pk],
        )
        print(f"  field results: {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        cursor.execute(
            f"""
            INSERT INTO tasks_transcription (project_id, task_id, user_id, values, markers,
                idempotency_key, template_version, created_at, machine_fields, georeference)
            SELECT %s, p.task_id, %s + (p.task_id * 7 + j * 101) %% {USERS},
                jsonb_build_object('scientificName',
                    CASE WHEN p.typo AND j = 0 THEN sp.typo ELSE sp.value END,
                    'recordedBy', co.value, 'recordNumber', p.number, 'eventDate', p.day,
                    'country', 'France', 'stateProvince', re.value, 'locality', lo.value,
                    'habitat', ha.value, 'minimumElevationInMeters', p.elevation,
                    'coordinates', p.point),
                '{{}}'::jsonb, 't' || p.task_id || '-' || j, 1, now(), '[]'::jsonb, '{{}}'::jsonb
            {picked}
            CROSS JOIN generate_series(0, 2) AS j
            WHERE p.state NOT IN ('open', 'reference')
            """,
            [project.pk, users[0].pk],
        )
        print(f"  transcriptions: {time.perf_counter() - started:.0f} s", flush=True)
        started = time.perf_counter()
        # Documents as tasks.search_words writes them: the file name, the metadata, then the
        # values and answers (an answer's typo among them).
        cursor.execute(
            f"""
            INSERT INTO tasks_taskdocument (task_id, project_id, text, updated_at)
            SELECT p.task_id, %s, ' ' || replace(replace(p.original_name, '-', ' '), '.', ' ')
                || ' ' || lower(p.metadata ->> 'catalogNumber') || ' montclair ' ||
                CASE WHEN p.state IN ('open', 'reference') THEN ''
                ELSE sp.words || ' ' || co.words || ' ' || p.number || ' ' ||
                    replace(p.day, '-', ' ') || ' france ' || re.words || ' ' || lo.words ||
                    ' ' || ha.words || ' ' || p.elevation || ' ' ||
                    replace(replace(p.point, ',', ' '), '.', ' ') || ' ' ||
                    CASE WHEN p.typo THEN sp.typo_words || ' ' ELSE '' END
                END, now()
            {picked}
            """,
            [project.pk],
        )
        print(f"  documents: {time.perf_counter() - started:.0f} s", flush=True)
        words: set[str] = {"sheet", "jpg", "montclair", "france"}
        for row in rows:
            words.update(row[4].split())
            words.update(row[5].split())
        with cursor.copy("COPY tasks_searchword (project_id, word) FROM STDIN") as copy:
            for word in sorted(vocabulary_words(words)):
                copy.write_row((project.pk, word))
        cursor.execute("SET session_replication_role = DEFAULT")
        started = time.perf_counter()
        cursor.execute("DROP TABLE bench_pick, bench_cumulative")
        cursor.execute("VACUUM ANALYZE")
        print(f"  vacuum and analyze: {time.perf_counter() - started:.0f} s", flush=True)
    assert document_text(["a"]) == " a "  # the shape the SQL above writes
    return project.pk, lists


def measure(call, repeat: int) -> tuple[float, float, int]:
    """(median ms, 95th percentile ms, images found) of `repeat` calls after a warm-up."""
    found = call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, found


def queries(project_id: int, lists: dict[str, list[str]]) -> list[tuple[str, dict]]:
    from tasks.models import Batch, FieldResult, Task, Transcription

    # A collector drawn about 25 times at this size (a value of rank r is drawn n / (r H) times).
    size = Task.objects.filter(project_id=project_id).count()
    collectors = lists["collector"]
    harmonic = sum(1 / rank for rank in range(1, len(collectors) + 1))
    rank = max(1, min(len(collectors), round(size / (25 * harmonic))))
    rare_collector = collectors[rank - 1].split()[-1]
    # A place (30,000, drawn evenly: about 26 times each at 1,000,000 images) that is there.
    place = FieldResult.objects.filter(project_id=project_id, key="locality").order_by("pk")
    rare_place = str(place.values_list("value", flat=True)[100]).split()[-1]
    batches = list(Batch.objects.filter(project_id=project_id).order_by("pk"))
    batch = batches[min(5, len(batches) - 1)]
    volunteer = (
        Transcription.objects.filter(project_id=project_id)
        .values_list("user__username", flat=True)
        .first()
    )
    return [
        ("first page, no filter", {}),
        ("search a common word: quercus", {"query": "quercus"}),
        ("search a common word, accents: Quércus", {"query": "Quércus"}),
        (f"search a rare collector: {rare_collector}", {"query": rare_collector}),
        (f"search a rare place: {rare_place}", {"query": rare_place}),
        ("search a misspelling: Quercsu", {"query": "Quercsu"}),
        ("search two words: quercus ilex", {"query": "quercus ilex"}),
        ("disputed, lowest agreement first", {"state": "disputed", "sort": "agreement"}),
        ("a disputed field, latest activity first", {"field_status": "disputed", "sort": "-updated"}),
        ("one batch, sorted by state", {"batch_id": batch.pk, "sort": "state"}),
        ("one contributor's images, newest first", {"contributor": volunteer, "sort": "-id"}),
        ("search + state + sort: quercus, complete, agreement", {"query": "quercus", "state": "complete", "sort": "agreement"}),
        ("uploaded in one month, newest first", {"date_field": "created", "date_from": "month", "sort": "-id"}),
    ]  # fmt: skip


def main() -> None:
    global SERVER_URL
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--url", default=SERVER_URL, help="the PostgreSQL server (no database)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time the kept database again")
    args = parser.parse_args()
    SERVER_URL = args.url
    if not args.reuse:
        database_create()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True
        )
    django_setup()
    from datetime import timedelta

    from django.utils import timezone

    from tasks.models import Project
    from tasks.selectors.results_browser import ResultFilters, results_page, settled_values

    try:
        started = time.perf_counter()
        if args.reuse:
            project_id = Project.objects.get(slug="bench-search").pk
            lists = vocabularies(random.Random(1898))
        else:
            print(f"loading {args.images:,} images…", flush=True)
            project_id, lists = project_load(args.images)
            print(f"{args.images:,} images loaded in {time.perf_counter() - started:.0f} s")
        project = Project.objects.select_related("template").get(pk=project_id)
        types = {spec.key: spec.type for spec in project.template.specs}
        month = timezone.localdate() - timedelta(days=400)
        print(f"\n{'query':<56} {'median':>8} {'p95':>8} {'found':>8}")
        for label, asked in queries(project_id, lists):
            if asked.get("date_from") == "month":
                asked = {**asked, "date_from": month, "date_to": month + timedelta(days=30)}
            filters = ResultFilters(**asked)

            def page(filters: ResultFilters = filters) -> str:
                shown = results_page(project=project, filters=filters, with_training=True)
                settled_values(tasks=shown.tasks, types=types)
                return f"{'>' if shown.capped else ''}{shown.count:,}"

            median, p95, found = measure(page, args.repeat)
            print(f"{label:<56} {median:7.1f}  {p95:7.1f}  {found:>8}", flush=True)
    finally:
        if not args.keep:
            database_drop()


if __name__ == "__main__":
    main()
