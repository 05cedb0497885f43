"""Moderation reads: who is blocked or voided in a project, the audit trail, and the
contributors whose answers agree with settled values far less often than the project's."""

from __future__ import annotations

import statistics
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from tasks.models import ContributorVoid, Project, ProjectBlock
from tasks.selectors.stats import contributor_stats_fill, contributors_ranked


def contributor_void_active(*, project_id: int, user_id: int) -> ContributorVoid | None:
    """The void decision a new transcription of this person in this project falls under."""
    return ContributorVoid.objects.filter(
        project_id=project_id, user_id=user_id, lifted_at__isnull=True
    ).first()


def project_blocks(*, project: Project) -> QuerySet[ProjectBlock]:
    """Every block of the project, lifted ones included, newest first: the audit trail."""
    return (
        ProjectBlock.objects.filter(project=project)
        .select_related("user", "created_by", "lifted_by")
        .order_by("-created_at", "-pk")
    )


def project_voids(*, project: Project) -> QuerySet[ContributorVoid]:
    """Every void decision of the project, lifted ones included, newest first."""
    return (
        ContributorVoid.objects.filter(project=project)
        .select_related("user", "created_by", "lifted_by")
        .order_by("-created_at", "-pk")
    )


def project_outliers(*, project: Project) -> dict[str, Any]:
    """Contributors whose agreement rate is below the project's median by more than
    OUTLIER_MARGIN_PERCENT points, among those with at least OUTLIER_MIN_SETTLED settled values on their
    images (fewer say nothing about a person). The median is taken over the same contributors,
    so one prolific bad actor cannot drag it down by much. Lowest rate first, each with whether
    they are blocked or voided now.

    Reads every contributor's figures: a page for leads, not a hot path."""
    min_settled = settings.OUTLIER_MIN_SETTLED
    margin = settings.OUTLIER_MARGIN_PERCENT / 100
    rows = contributor_stats_fill(project=project, rows=contributors_ranked(project=project))
    measured = [row for row in rows if row["settled"] >= min_settled]
    median = (
        statistics.median(row["agreed"] / row["settled"] for row in measured) if measured else None
    )
    outliers: list[dict[str, Any]] = []
    if median is not None:
        threshold = median - margin
        outliers = sorted(
            (row for row in measured if row["agreed"] / row["settled"] < threshold),
            key=lambda row: (row["agreed"] / row["settled"], row["username"]),
        )
    names = [row["username"] for row in outliers]
    blocked = set(
        ProjectBlock.objects.filter(
            project=project, lifted_at__isnull=True, user__username__in=names
        ).values_list("user__username", flat=True)
    )
    voided = set(
        ContributorVoid.objects.filter(
            project=project, lifted_at__isnull=True, user__username__in=names
        ).values_list("user__username", flat=True)
    )
    for row in outliers:
        row["blocked"] = row["username"] in blocked
        row["voided"] = row["username"] in voided
    return {
        "median": round(median, 3) if median is not None else None,
        "margin": margin,
        "min_settled": min_settled,
        "measured": len(measured),
        "outliers": outliers,
    }
