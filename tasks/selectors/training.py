"""Reads for training: a contributor's known-answer record and level, what a check shows them,
and a project's tutorial and field guide."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Sum
from django.utils.translation import get_language

from crowd.models import User
from tasks.models import (
    ContributorReliability,
    GuideEntry,
    KnownAnswer,
    KnownAnswerCheck,
    KnownAnswerUse,
    Lease,
    LeaseState,
    Project,
    Task,
    TaskState,
    Transcription,
    TutorialStep,
)
from tasks.models.work import ASSIGNABLE_STATES
from tasks.roles import Capability, project_can
from worker.template import FieldSpec
from worker.training import (
    KnownAnswerRates,
    Level,
    Record,
    known_answer_due,
    known_answer_rate,
    level_missing,
    level_reached,
    levels_parse,
)


def known_answer_rates() -> KnownAnswerRates:
    every_new = settings.KNOWN_ANSWER_EVERY_NEW
    every_trusted = max(settings.KNOWN_ANSWER_EVERY_TRUSTED, every_new)
    return KnownAnswerRates(
        new_rate=1 / every_new if every_new else 0.0,
        trusted_rate=1 / every_trusted if every_new else 0.0,
        trusted_after=settings.KNOWN_ANSWER_TRUSTED_AFTER,
        good_accuracy=settings.KNOWN_ANSWER_GOOD_PERCENT / 100,
    )


def training_record(*, project: Project, user: User, practice: bool | None = None) -> Record:
    """`user`'s answers on known-answer images of `project` (only blind ones with
    practice=False, only practice ones with True, both with None)."""
    checks = KnownAnswerCheck.objects.filter(project=project, user=user)
    if practice is not None:
        checks = checks.filter(practice=practice)
    totals = checks.aggregate(images=Count("id"), compared=Sum("compared"), matched=Sum("matched"))
    return Record(
        images=totals["images"] or 0,
        compared=totals["compared"] or 0,
        matched=totals["matched"] or 0,
    )


def answers_since_last_check(*, project: Project, user: User, limit: int = 1000) -> int:
    """Real images `user` transcribed in `project` since their last known-answer image."""
    last = KnownAnswerCheck.objects.filter(project=project, user=user, practice=False).aggregate(
        at=Max("created_at")
    )["at"]
    answers = Transcription.objects.filter(project=project, user=user)
    if last is not None:
        answers = answers.filter(created_at__gt=last)
    return answers.order_by()[:limit].count()


def known_answers_in_use(*, project: Project, use: str) -> QuerySet[KnownAnswer]:
    return KnownAnswer.objects.filter(project=project, use=use, active=True)


def project_levels(project: Project) -> tuple[Level, ...]:
    try:
        return levels_parse(project.levels)
    except ValueError:
        return ()  # refused when saved; an old row that no longer parses gates nothing


def contributor_level(*, project: Project, user: User) -> int:
    """`user`'s level in `project` (practice and blind known answers together). Leads and
    curators are at every level: they set the answers."""
    levels = project_levels(project)
    if not levels:
        return 1
    if project_can(user, project, Capability.CURATE):
        return len(levels) + 1
    return level_reached(levels, training_record(project=project, user=user))


def level_progress(*, project: Project, user: User) -> dict[str, Any]:
    """What the contributor's page shows: their level, and what the next one asks."""
    levels = project_levels(project)
    record = training_record(project=project, user=user)
    level = contributor_level(project=project, user=user)
    missing = level_missing(levels, record, level + 1)
    return {
        "level": level,
        "levels": len(levels) + 1,
        "answers": record.images,
        "accuracy": round(100 * record.accuracy, 1) if record.accuracy is not None else None,
        "next": None
        if missing is None
        else {"level": level + 1, "answers_missing": missing[0], "accuracy": missing[1]},
        "min_level": project.min_level if levels else 1,
    }


def locked_fields(*, project: Project, specs: tuple[FieldSpec, ...], level: int) -> list[str]:
    """Keys of the fields a contributor at `level` may not answer yet."""
    if not project_levels(project):
        return []
    return [spec.key for spec in specs if spec.level > level]


def locked_for(*, project: Project, user: User, specs: tuple[FieldSpec, ...]) -> list[str]:
    """Keys of the fields `user` may not answer yet in `project` (none without levels)."""
    if not project_levels(project) or all(spec.level <= 1 for spec in specs):
        return []
    return locked_fields(
        project=project, specs=specs, level=contributor_level(project=project, user=user)
    )


def _note_in(notes: Any, key: str) -> str:
    note = notes.get(key) if isinstance(notes, dict) else None
    if not isinstance(note, dict):
        return ""
    if (get_language() or "fr").startswith("en"):
        return str(note.get("en") or note.get("fr") or "")
    return str(note.get("fr") or note.get("en") or "")


def check_feedback(*, check: KnownAnswerCheck, specs: tuple[FieldSpec, ...]) -> dict[str, Any]:
    """Field by field: what matched, what the expert read and why (the lead's note)."""
    known = check.known_answer
    language = (get_language() or "fr")[:2]
    fields = []
    for spec in specs:
        outcome = check.outcome.get(spec.key)
        if not isinstance(outcome, dict):
            continue
        fields.append(
            {
                "key": spec.key,
                "label": spec.label_in(language),
                "match": bool(outcome.get("match")),
                "expected": str(known.values.get(spec.key) or ""),
                "expected_marker": str(known.markers.get(spec.key) or ""),
                "given": str(check.values.get(spec.key) or ""),
                "given_marker": str(check.markers.get(spec.key) or ""),
                "note": _note_in(known.notes, spec.key),
            }
        )
    return {
        "practice": check.practice,
        "compared": check.compared,
        "matched": check.matched,
        "fields": fields,
    }


def practice_progress(*, project: Project, user: User) -> dict[str, int]:
    total = known_answers_in_use(project=project, use=KnownAnswerUse.PRACTICE).count()
    done = KnownAnswerCheck.objects.filter(project=project, user=user, practice=True).count()
    return {"total": total, "done": min(done, total)}


def tutorial_steps(*, project: Project) -> list[TutorialStep]:
    return list(TutorialStep.objects.filter(project=project).order_by("position", "pk"))


def guide_entries(*, project: Project) -> list[GuideEntry]:
    """The field guide in template order (entries of fields no longer in it are left out)."""
    order = {key: index for index, key in enumerate(project.template.field_keys())}
    entries = GuideEntry.objects.filter(project=project, field_key__in=order).prefetch_related(
        "examples"
    )
    return sorted(entries, key=lambda entry: order[entry.field_key])


def contributors_training(*, project: Project, limit: int = 500) -> list[dict[str, Any]]:
    """For leads, per contributor: known-answer accuracy per field, weights, answers given."""
    per_field: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    images: dict[int, int] = defaultdict(int)
    rows = KnownAnswerCheck.objects.filter(project=project, practice=False).values_list(
        "user_id", "outcome"
    )
    for user_id, outcome in rows.iterator(chunk_size=2000):
        images[user_id] += 1
        for key, result in (outcome or {}).items():
            if isinstance(result, dict):
                tally = per_field[user_id][key]
                tally[0] += 1
                tally[1] += bool(result.get("match"))
    answers = dict(
        Transcription.objects.filter(project=project)
        .order_by()
        .values_list("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    weights: dict[int, dict[str, float]] = defaultdict(dict)
    for user_id, field_type, weight in ContributorReliability.objects.filter(
        project=project
    ).values_list("user_id", "field_type", "weight"):
        weights[user_id][field_type] = round(weight, 2)
    ids = sorted(set(answers) | set(images), key=lambda uid: -answers.get(uid, 0))[:limit]
    names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    keys = project.template.field_keys()
    out = []
    for user_id in ids:
        fields = per_field.get(user_id, {})
        out.append(
            {
                "user_id": user_id,
                "username": names.get(user_id, ""),
                "answers": answers.get(user_id, 0),
                "known_images": images.get(user_id, 0),
                "accuracy": {
                    key: round(100 * fields[key][1] / fields[key][0], 1)
                    for key in keys
                    if key in fields and fields[key][0]
                },
                "weights": weights.get(user_id, {}),
            }
        )
    return out


# --- Serving them ---------------------------------------------------------------------------


def known_answer_wanted(*, project: Project, user: User) -> bool:
    """Whether `user`'s next image should be a known-answer one (see worker.training): only
    while the project has real work for them too, and known answers to serve."""
    if not known_answers_in_use(project=project, use=KnownAnswerUse.KNOWN).exists():
        return False
    rate = known_answer_rate(
        training_record(project=project, user=user, practice=False), known_answer_rates()
    )
    if rate <= 0:
        return False
    since = answers_since_last_check(project=project, user=user)
    draw = random.random()  # noqa: S311 (which image is a check must not be predictable, not secret)
    return known_answer_due(rate=rate, since_last=since, draw=draw)


def known_task_pick(*, project: Project, user: User, use: str) -> Task | None:
    """A `use` known-answer image `user` never met; practice in the order the lead made them,
    blind ones at random so that nobody can tell them by their turn."""
    met = Lease.objects.filter(task=OuterRef("task"), user=user).exclude(state=LeaseState.EXPIRED)
    answered = KnownAnswerCheck.objects.filter(task=OuterRef("task"), user=user)
    candidates = (
        known_answers_in_use(project=project, use=use)
        .exclude(Exists(met))
        .exclude(Exists(answered))
        .filter(task__state=TaskState.REFERENCE)
    )
    order = "task_id" if use == KnownAnswerUse.PRACTICE else "?"
    known = candidates.order_by(order).select_related("task").first()
    return known.task if known is not None else None


def project_has_real_work(*, project: Project) -> bool:
    return Task.objects.filter(project=project, state__in=ASSIGNABLE_STATES).exists()
