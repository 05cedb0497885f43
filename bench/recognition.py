"""Recognition benchmark: a volunteer's grade, the project's rankings and credits, and a badge
award, on a project of 100,000 images.

    python -m bench.recognition                  # 100,000 images, 3 answers each
    python -m bench.recognition --images 1000000 --repeat 10

Builds a project in a PostgreSQL database of its own (crowd_bench_recognition on the server of
BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/; dropped at the end unless
--keep), straight in SQL: `--users` volunteers (a long tail: a few very busy, most with a few
answers), three answers per image spread over 12 months, each with the agreed values a
reconciliation would write (0 to 10 of 10 fields, most agreed), a fifth of the volunteers
ranked and credited. Then times each read the pages make (median and 95th percentile in ms,
after one warm-up) and prints the plan of the all-time ranking; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from bench.search import ROOT, database_create, database_drop, django_setup, env

DATABASE = "crowd_bench_recognition"


def load(images: int, users: int) -> tuple[int, list[int]]:
    from django.db import connection

    from crowd.models import User
    from tasks.models import Project, Template
    from tasks.presets import PRESETS

    project = Project.objects.create(slug="bench", title_fr="Banc", title_en="Bench")
    Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"])
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO crowd_user (username, email, password, is_superuser, is_staff,
                   is_active, date_joined, first_name, last_name, display_name, credit_me,
                   email_verified, preferred_language, rank_me, profile_public)
               SELECT 'v' || n, 'v' || n || '@example.org', '!', false, false, true, now(),
                   '', '', 'Volunteer ' || n, n %% 5 = 0, true, '', n %% 5 = 0, false
               FROM generate_series(1, %s) n""",
            [users],
        )
        cursor.execute(
            """INSERT INTO tasks_task (project_id, state, priority, target, transcription_count,
                   shuffle_key, original_name, image, thumbnail, iiif_path, content_hash,
                   metadata, created_at, updated_at, reconcile_pending)
               SELECT %s, 'complete', 0, 3, 3, random(), 'i' || n, '', '', '', '', '{}',
                   now(), now(), false
               FROM generate_series(1, %s) n""",
            [project.pk, images],
        )
        first_user = User.objects.order_by("pk").values_list("pk", flat=True)[0]
        # Three distinct volunteers per image, drawn with a long tail (floor of users * r^3).
        cursor.execute(
            """INSERT INTO tasks_answertally (project_id, task_id, user_id, month, agreed, kept)
               SELECT %s, t.id, u.user_id,
                   date_trunc('month', now() - (random() * 365 || ' days')::interval)::date,
                   greatest(0, 10 - floor(random() * random() * 12))::int, 0
               FROM tasks_task t
               CROSS JOIN LATERAL (
                   SELECT DISTINCT %s + floor(%s * power(random() + t.id * 0, 3))::int AS user_id
                   FROM generate_series(1, 3)
               ) u
               WHERE t.project_id = %s
               ON CONFLICT DO NOTHING""",
            [project.pk, first_user, users, project.pk],
        )
        cursor.execute("ANALYZE")
    busiest = list(
        User.objects.filter(pk__gte=first_user).order_by("pk").values_list("pk", flat=True)[:3]
    )
    return project.pk, busiest


def timed(name: str, run: Callable[[], object], repeat: int) -> None:
    run()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"{name:<40} median {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    import bench.search as search

    search.DATABASE = DATABASE
    database_create()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env(), check=True)
    django_setup()
    from django.db import connection

    from tasks.models import AnswerTally, Project
    from tasks.selectors.recognition import (
        agreed_values,
        project_credited,
        project_ranking,
        ranking_months,
    )
    from tasks.services.recognition import badges_award

    try:
        started = time.perf_counter()
        project_id, busiest = load(args.images, args.users)
        project = Project.objects.get(pk=project_id)
        rows = AnswerTally.objects.filter(project=project).count()
        print(
            f"{args.images:,} images, {rows:,} tallies, {args.users:,} volunteers "
            f"(loaded in {time.perf_counter() - started:.0f} s)"
        )
        month = ranking_months(project=project)[0]
        heavy = AnswerTally.objects.filter(project=project, user_id=busiest[0]).count()
        timed(
            f"grade of the busiest ({heavy:,} answers)",
            lambda: agreed_values(project=project, user_id=busiest[0]),
            args.repeat,
        )
        timed("ranking, all time", lambda: project_ranking(project=project), args.repeat)
        timed(
            "ranking, one month",
            lambda: project_ranking(project=project, month=month),
            args.repeat,
        )
        timed("months with agreed values", lambda: ranking_months(project=project), args.repeat)
        timed("credits (top 100)", lambda: project_credited(project=project, limit=100), 5)
        timed(
            "badge award for 3 volunteers",
            lambda: badges_award(project=project, user_ids=busiest),
            args.repeat,
        )
        query = (
            AnswerTally.objects.filter(project=project, user__rank_me=True, user__is_active=True)
            .order_by()
            .values("user_id")
        )
        from django.db.models import Sum

        ranking = query.annotate(total=Sum("agreed")).order_by("-total", "user_id")[:50]
        with connection.cursor() as cursor:
            sql, params = ranking.query.sql_with_params()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            print("\n".join(row[0] for row in cursor.fetchall()))
    finally:
        if not args.keep:
            database_drop()


if __name__ == "__main__":
    main()
