"""Contributors' figures in a project: how much they transcribed, how often their answers
agree with the settled values, when they were last active."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, QuerySet

from crowd.models import User
from tasks.models import FieldResult, Project, Transcription
from tasks.selectors.review import SETTLED


def contributors_ranked(*, project: Project) -> QuerySet[Any]:
    """One row per contributor of `project` (`user_id`, `transcriptions`, `last_active`), most
    transcriptions first. Rows are plain values: paginate them, then `contributor_stats_fill`."""
    return (
        Transcription.objects.filter(project=project)
        .values("user_id")
        .annotate(transcriptions=Count("id"), last_active=Max("created_at"))
        .order_by("-transcriptions", "user_id")
    )


def contributor_stats_fill(
    *, project: Project, rows: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Names and agreement for a page of `contributors_ranked` rows.

    Agreement is the share of settled values (agreed, blank or resolved) on the images a
    contributor transcribed that their answer agrees with: the rate each contributor sees on
    their feedback page. Reads the settled results of the page's images once, whatever the
    page's size."""
    rows = list(rows)
    ids = [row["user_id"] for row in rows]
    names = {
        user.pk: user for user in User.objects.filter(pk__in=ids).only("username", "display_name")
    }
    transcribers: dict[int, list[int]] = defaultdict(list)
    for task_id, user_id in Transcription.objects.filter(
        project=project, user_id__in=ids
    ).values_list("task_id", "user_id"):
        transcribers[task_id].append(user_id)
    settled: dict[int, int] = defaultdict(int)
    agreed: dict[int, int] = defaultdict(int)
    results = FieldResult.objects.filter(
        project=project,
        status__in=SETTLED,
        task_id__in=Transcription.objects.filter(project=project, user_id__in=ids).values(
            "task_id"
        ),
    ).values_list("task_id", "agreeing")
    for task_id, agreeing in results.iterator(chunk_size=2000):
        for user_id in transcribers.get(task_id, ()):
            settled[user_id] += 1
            agreed[user_id] += user_id in agreeing
    out = []
    for row in rows:
        user_id = row["user_id"]
        user = names.get(user_id)
        out.append(
            {
                "username": user.username if user else "",
                "display_name": user.public_name if user else "",
                "transcriptions": row["transcriptions"],
                "last_active": row["last_active"],
                "settled": settled[user_id],
                "agreed": agreed[user_id],
                "agreement_rate": round(agreed[user_id] / settled[user_id], 3)
                if settled[user_id]
                else None,
            }
        )
    return out


def contributor_stats(*, project: Project, user: User) -> dict[str, Any]:
    """One contributor's figures in `project` (zeros when they have not transcribed yet)."""
    row = contributors_ranked(project=project).filter(user_id=user.pk).first() or {
        "user_id": user.pk,
        "transcriptions": 0,
        "last_active": None,
    }
    [stats] = contributor_stats_fill(project=project, rows=[row])
    return stats
