"""Reads for curators and for contributors' feedback."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from crowd.models import User
from tasks.georeference import georeference_shown
from tasks.models import (
    ContributorReliability,
    FieldResult,
    FieldStatus,
    Project,
    Resolution,
    Task,
    TaskClaim,
    TaskState,
    Transcription,
)
from tasks.shown import value_shown
from worker.template.steps import GEOREFERENCE, LABEL

SETTLED = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


def _rounded(weight: float | None) -> float | None:
    return None if weight is None else round(weight, 2)


def disputes_queue(
    *,
    project: Project,
    key: str | None = None,
    batch_id: int | None = None,
    contributor: str | None = None,
    status: str = FieldStatus.DISPUTED,
) -> QuerySet[FieldResult]:
    """Field results waiting for curators, most urgent first (see FieldResult.dispute_rank)."""
    # Training images are not data: their values are known answers, not curators' to settle.
    results = (
        FieldResult.objects.filter(project=project, status=status)
        .exclude(task__state=TaskState.REFERENCE)
        .select_related("task", "task__claim__curator")
    )
    if key:
        results = results.filter(key=key)
    if batch_id:
        results = results.filter(task__batch_id=batch_id)
    if contributor:
        transcribed = Transcription.objects.filter(
            project=project, user__username=contributor
        ).values("task_id")
        results = results.filter(task_id__in=transcribed)
    if status == FieldStatus.DISPUTED:
        return results.order_by("-dispute_rank", "pk")
    return results.order_by("-updated_at", "pk")


def dispute_counts(*, project: Project) -> dict[str, int]:
    rows = (
        FieldResult.objects.filter(project=project, status=FieldStatus.DISPUTED)
        .exclude(task__state=TaskState.REFERENCE)
        .order_by()
        .values_list("key")
        .annotate(n=Count("id"))
    )
    return dict(rows.values_list("key", "n"))


def claim_of(task: Task) -> dict[str, Any] | None:
    claim = (
        TaskClaim.objects.select_related("curator")
        .filter(task=task, expires_at__gt=timezone.now())
        .first()
    )
    if claim is None:
        return None
    return {
        "curator": claim.curator.public_name,
        "curator_id": claim.curator_id,
        "until": claim.expires_at,
    }


def task_review(*, task: Task) -> dict[str, Any]:
    """Everything a curator needs beside the image: each field's answers with who gave them and
    how reliable they are, the engine's suggestion and explanation, and the history."""
    specs = {spec.key: spec for spec in task.project.template.specs}
    results = list(FieldResult.objects.filter(task=task))
    user_ids = {int(u) for r in results for alt in r.alternatives for u in alt["users"]}
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "username"))
    # Only estimates made from settled answers: a reader with none yet votes with the default
    # weight, and "reliability 1.00" would pass that default off as a measure.
    weights: dict[tuple[int, str], float] = {
        (user_id, field_type): weight
        for user_id, field_type, weight in ContributorReliability.objects.filter(
            project=task.project, user_id__in=user_ids, total__gt=0
        ).values_list("user_id", "field_type", "weight")
    }
    history = _history(results)
    # What each contributor typed: an answer is listed in its normal form ("366" for
    # "1200 ft" in a field in metres), and a curator judges from what was written.
    answered = list(
        Transcription.objects.filter(task=task).values_list("user_id", "values", "georeference")
    )
    typed: dict[tuple[int, str], str] = {
        (user_id, key): str(value)
        for user_id, values, _ in answered
        for key, value in (values or {}).items()
    }
    # How each point was made (typed, placed on the map, found in the gazetteer), said.
    made: dict[tuple[int, str], str] = {
        (user_id, key): georeference_shown(
            entry, placed=key in specs and bool(specs[key].georeference)
        )
        for user_id, _, points in answered
        for key, entry in (points or {}).items()
        if isinstance(entry, dict)
    }
    fields = []
    for result in sorted(
        results, key=lambda r: list(specs).index(r.key) if r.key in specs else 999
    ):
        spec = specs.get(result.key)
        field_type = spec.type if spec else "text"
        fields.append(
            {
                "id": result.pk,
                "key": result.key,
                "label": spec.label if spec else {"fr": result.key, "en": result.key},
                "type": field_type,
                "status": result.status,
                "value": result.value,
                "shown": value_shown(result.value, field_type),
                "agreement": result.agreement,
                "explanation": result.explanation_text,
                # Older results have only their English text (see tasks.explanations).
                "explanation_lang": "" if result.explanation_parts else "en",
                "version": result.version,
                "answers": [
                    {
                        "value": alt["value"],
                        "shown": value_shown(alt["value"], field_type),
                        "count": len(alt["users"]),
                        "contributors": [
                            {
                                "username": names.get(int(u), "?"),
                                "reliability": _rounded(weights.get((int(u), field_type))),
                                "typed": typed.get((int(u), result.key), ""),
                                "made": made.get((int(u), result.key), ""),
                            }
                            for u in alt["users"]
                        ],
                    }
                    for alt in result.alternatives
                ],
                "history": history.get(result.pk, []),
            }
        )
    return {"task": task, "fields": fields, "claim": claim_of(task)}


def _history(results: list[FieldResult]) -> dict[int, list[dict[str, Any]]]:
    rows = (
        Resolution.objects.filter(field_result__in=results)
        .select_related("curator")
        .order_by("created_at", "pk")
    )
    history: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        history.setdefault(row.field_result_id, []).append(
            {
                "decision": row.decision,
                "curator": row.curator.public_name,
                "reason": row.reason,
                "note": row.note,
                "before": row.value_before,
                "after": row.value_after,
                "at": row.created_at,
            }
        )
    return history


def contributor_feedback(*, project: Project, user: User, limit: int = 50) -> dict[str, Any]:
    """How often a contributor's answers agree with settled values, and what curators decided
    on their answers that went to review: how volunteers learn the project's conventions."""
    tasks = Transcription.objects.filter(project=project, user=user).values("task_id")
    settled = FieldResult.objects.filter(task_id__in=tasks, status__in=SETTLED).values_list(
        "task_id", "key", "agreeing"
    )
    # Each answer is theirs in one step (worker/template/steps.py): a field of the other step
    # of an image was not theirs to answer.
    answered = set(
        Transcription.objects.filter(project=project, user=user).values_list("task_id", "step")
    )
    steps = {
        spec.key: GEOREFERENCE if spec.georeference else LABEL for spec in project.template.specs
    }
    total = agreed = 0
    for task_id, key, agreeing in settled.iterator(chunk_size=2000):
        if (task_id, steps.get(key, LABEL)) not in answered:
            continue
        total += 1
        agreed += user.pk in agreeing
    mine = {
        (t.task_id, t.step): t for t in Transcription.objects.filter(project=project, user=user)
    }
    outcomes = []
    resolutions = (
        Resolution.objects.filter(field_result__task_id__in=tasks)
        .exclude(decision="reopen")
        .select_related("field_result")
        .order_by("-created_at")[:limit]
    )
    types = {spec.key: spec.type for spec in project.template.specs}
    for resolution in resolutions:
        result = resolution.field_result
        transcription = mine.get((result.task_id, steps.get(result.key, LABEL)))
        if transcription is None:
            continue  # a decision on a field of the step they did not answer
        typed = transcription.values.get(result.key, "") if transcription else ""
        outcomes.append(
            {
                "task": result.task_id,
                "key": result.key,
                "yours": typed,
                "your_marker": transcription.markers.get(result.key, "") if transcription else "",
                "settled": resolution.value_after,
                "settled_shown": value_shown(resolution.value_after, types.get(result.key, "")),
                "decision": resolution.decision,
                "reason": resolution.reason,
                "note": resolution.note,
                "agreed": user.pk in result.agreeing,
                "at": resolution.created_at,
            }
        )
    return {
        "settled": total,
        "agreed": agreed,
        "rate": round(agreed / total, 3) if total else None,
        "outcomes": outcomes,
    }
