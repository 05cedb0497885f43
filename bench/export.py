"""Export benchmark: time and peak memory of each export format at growing project sizes.

    python bench/export.py                                   # 10k, 100k and 1M tasks
    python bench/export.py --sizes 10000 --formats csv,jsonl

Each size is a herbarium project loaded straight into PostgreSQL (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/crowd_bench_export, recreated): settled tasks in batches of
10,000, ten field results each with their alternatives, three transcriptions each. Each export
runs as `manage.py export_project` in its own process, whose peak resident memory the kernel
reports when it ends. The reference is PostgreSQL writing the same field results as CSV
itself (`COPY … TO STDOUT`), the floor for any CSV export. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crowd_bench_export"
)
BATCH_SIZE = 10_000
USERS = 300


def database_recreate() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    admin = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    name = parts.path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": "",
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": "/tmp/crowd-bench-media",
    }


def django_setup() -> None:
    os.environ.update(env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# Text of each field per task, as SQL (%% is the modulo: the statements take parameters).
FIELD_VALUES = """
    CASE k.key
      WHEN 'scientificName' THEN (ARRAY['Quercus ilex L.', 'Abies alba Mill.',
           'Digitalis purpurea L.', 'Brachypodium pinnatum (L.) P.Beauv.'])[1 + t.id %% 4]
      WHEN 'recordedBy' THEN (ARRAY['J.-M. Dufresne', 'A. Vallier', 'L. Girerd'])[1 + t.id %% 3]
      WHEN 'recordNumber' THEN (t.id %% 9000)::text
      WHEN 'eventDate' THEN to_char(date '1850-01-01' + (t.id %% 50000)::int, 'YYYY-MM-DD')
      WHEN 'country' THEN 'France'
      WHEN 'stateProvince' THEN (ARRAY['Isère', 'Savoie', 'Haute-Savoie', 'Drôme'])[1 + t.id %% 4]
      WHEN 'locality' THEN 'Le Valais, au-dessus de Zermatt ' || (t.id %% 977)
      WHEN 'habitat' THEN 'Éboulis calcaires'
      WHEN 'minimumElevationInMeters' THEN (200 + t.id %% 2500)::text
      ELSE round(44 + (t.id %% 1000) / 1000.0, 4)::text || ',' || round(5 + (t.id %% 997) / 1000.0, 4)::text
    END"""


def project_load(size: int) -> str:
    """A settled herbarium project of `size` tasks; returns its slug."""
    from django.db import connection

    from crowd.models import User
    from tasks.models import Batch, Project, Template
    from tasks.presets import PRESETS

    slug = f"bench-{size}"
    project = Project.objects.create(
        slug=slug, title_fr=f"Banc {size}", title_en=f"Bench {size}", status="active"
    )
    Template.objects.create(
        project=project, fields=PRESETS["herbarium"]["fields"], preset="herbarium"
    )
    users = User.objects.bulk_create(
        User(username=f"{slug}-v{n}", display_name=f"Volunteer {n}", credit_me=n % 2 == 0)
        for n in range(USERS)
    )
    batches = Batch.objects.bulk_create(
        Batch(project=project, name=f"Lot {n + 1}", state="done")
        for n in range((size + BATCH_SIZE - 1) // BATCH_SIZE)
    )
    first_batch, first_user = batches[0].pk, users[0].pk
    keys = [field["key"] for field in PRESETS["herbarium"]["fields"]]
    key_rows = ", ".join(f"('{key}')" for key in keys)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tasks_task (project_id, batch_id, state, priority, target,
                transcription_count, shuffle_key, original_name, image, thumbnail, iiif_path,
                content_hash, metadata, image_width, image_height, created_at, updated_at,
                reconciled_at, reconcile_pending)
            SELECT %s, %s + (g - 1) / %s, 'complete', 0, 3, 3, random(), 'sheet-' || g || '.jpg',
                'projects/' || %s || '/originals/' || g || '.jpg', '',
                'projects/' || %s || '/iiif/' || g, md5(g::text),
                jsonb_build_object('catalogNumber', 'MTC' || g, 'institution', 'Montclair'),
                4000, 6000, now(), now(), now(), false
            FROM generate_series(1, %s) AS g
            """,
            [project.pk, first_batch, BATCH_SIZE, project.pk, project.pk, size],
        )
        cursor.execute(
            f"""
            INSERT INTO tasks_fieldresult (project_id, task_id, key, value, status, agreement,
                support, n, method, alternatives, explanation, agreeing, version, updated_at)
            SELECT t.project_id, t.id, k.key, to_jsonb({FIELD_VALUES}), 'agreed', 1.0, 3, 3,
                'exact', jsonb_build_array(jsonb_build_object('value', {FIELD_VALUES},
                    'weight', 3.0, 'users', jsonb_build_array(%s + t.id %% {USERS},
                    %s + (t.id + 101) %% {USERS}, %s + (t.id + 202) %% {USERS}))),
                '', '[]'::jsonb, 1, now()
            FROM tasks_task t CROSS JOIN (VALUES {key_rows}) AS k(key)
            WHERE t.project_id = %s
            """,  # noqa: S608 (constants only)
            [first_user, first_user, first_user, project.pk],
        )
        values = ", ".join(f"'{key}', {FIELD_VALUES.replace('k.key', repr(key))}" for key in keys)
        cursor.execute(
            f"""
            INSERT INTO tasks_transcription (project_id, task_id, user_id, values, markers,
                idempotency_key, template_version, created_at, machine_fields, georeference)
            SELECT t.project_id, t.id, %s + (t.id + j * 101) %% {USERS},
                jsonb_build_object({values}), '{{}}'::jsonb, 't' || t.id, 1,
                now() + j * interval '1 minute', '[]'::jsonb, '{{}}'::jsonb
            FROM tasks_task t CROSS JOIN generate_series(0, 2) AS j
            WHERE t.project_id = %s
            """,  # noqa: S608 (constants only)
            [first_user, project.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return slug


def copy_reference(slug: str, target: Path) -> float:
    """PostgreSQL writing the project's field results as CSV: the floor for a CSV export."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor, open(target, "wb") as out:
        sql = (
            "COPY (SELECT r.task_id, r.key, r.value #>> '{}', r.status, r.agreement, r.method "
            "FROM tasks_fieldresult r JOIN tasks_project p ON p.id = r.project_id "
            "WHERE p.slug = %s ORDER BY r.task_id, r.key) TO STDOUT WITH CSV HEADER"
        )
        with cursor.cursor.copy(sql, [slug]) as copy:
            for block in copy:
                out.write(block)
    return time.perf_counter() - started


def export_measure(slug: str, fmt: str, target: Path) -> tuple[float, float, int]:
    """Run one export in its own process: (seconds, peak resident MiB, file bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "export_project", slug, "-f", fmt, "-o", str(target)],
        cwd=ROOT,
        env=env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"export {fmt} of {slug} failed: {process.stderr.read().decode()}")  # type: ignore[union-attr]
    return seconds, usage.ru_maxrss / 1024, target.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--formats", default="csv,raw-csv,jsonl,dwca,iiif")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database and the projects already loaded"
    )
    args = parser.parse_args()
    if not args.reuse:
        database_recreate()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)
    django_setup()
    from tasks.models import Project

    formats = args.formats.split(",")
    peaks: dict[str, list[float]] = {fmt: [] for fmt in formats}
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            slug = f"bench-{size}"
            if not Project.objects.filter(slug=slug).exists():
                project_load(size)
                print(f"{size:>9,} tasks loaded in {time.perf_counter() - started:.0f} s")
            reference = copy_reference(slug, Path(folder) / "reference.csv")
            print(f"  reference: PostgreSQL COPY of the field results as CSV: {reference:.1f} s")
            for fmt in formats:
                seconds, peak, size_bytes = export_measure(slug, fmt, Path(folder) / f"out.{fmt}")
                peaks[fmt].append(peak)
                ratio = f", {seconds / reference:.1f}x the reference" if fmt == "csv" else ""
                print(
                    f"  {fmt:<8} {seconds:7.1f} s  {size / seconds:9,.0f} tasks/s  "
                    f"peak {peak:6.1f} MiB  file {size_bytes / 2**20:8.1f} MiB{ratio}"
                )
    print("peak memory by size (MiB): " + "; ".join(
        f"{fmt} " + " / ".join(f"{p:.0f}" for p in values) for fmt, values in peaks.items()
    ))  # fmt: skip


if __name__ == "__main__":
    main()
