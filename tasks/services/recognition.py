"""Recognition writes: each image's agreed-value tallies, and badges awarded once with their
date (rules in worker/recognition.py, reads in tasks.selectors.recognition).

Tallies are refreshed in the transaction that changes what they count (a reconciliation, a
curator's decision), under the image's row lock those hold, so they never disagree with the
field results; `manage.py recognition_rebuild` writes them for data that predates them."""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from crowd.models import User
from tasks.models import (
    AnswerTally,
    Badge,
    FieldResult,
    FieldStatus,
    KnownAnswerCheck,
    Project,
    Task,
    Transcription,
)
from tasks.selectors.recognition import flags_confirmed_counts
from worker.recognition import (
    AGREED_100,
    AGREED_1000,
    FIRST_TRANSCRIPTION,
    FLAG_CONFIRMED,
    KEPT_BY_CURATOR,
    THREE_MONTHS,
    Facts,
    badges_due,
)

# Settled values that reward the answers agreeing with them. Blank fields do not: an account
# typing nothing would otherwise earn a value on every empty field of a label.
REWARDING = (FieldStatus.AGREED, FieldStatus.RESOLVED)


def _month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


@dataclass
class TalliesRefreshed:
    """What `answer_tallies_refresh` changed."""

    changed: set[int]  # volunteers whose tally on the image was written or deleted
    people: set[int]  # every volunteer the image's tallies or answers name


def answer_tallies_refresh(
    *,
    task: Task,
    results: list[tuple[str, Any, int]] | None = None,
    answers: list[tuple[int, datetime]] | None = None,
    tallies: dict[int, tuple[int, int, date]] | None = None,
) -> TalliesRefreshed:
    """Rewrite `task`'s tallies from its field results and the answers that count (a voided
    answer earns nothing). Idempotent. Call under the task's row lock (reconciliation and
    curators' decisions hold it).

    `results` (status, agreeing, n of its rewarding field results), `answers` (user and time
    of its answers that count) and `tallies` (the image's tallies as stored: user to agreed,
    kept, month), when the caller read them under the same lock; else they are read here.
    Only the tallies that changed are written."""
    if results is None:
        results = list(
            FieldResult.objects.filter(task=task, status__in=REWARDING).values_list(
                "status", "agreeing", "n"
            )
        )
    if answers is None:
        answers = list(
            Transcription.objects.filter(task=task, void__isnull=True).values_list(
                "user_id", "created_at"
            )
        )
    before = tallies
    if before is None:
        before = {
            user_id: (agreed, kept, month)
            for user_id, agreed, kept, month in AnswerTally.objects.filter(task=task).values_list(
                "user_id", "agreed", "kept", "month"
            )
        }
    # One tally per volunteer and image, dated by their first answer: who read the label may
    # have answered its georeference step too (tasks.services.steps).
    first: dict[int, datetime] = {}
    for user_id, created_at in answers:
        first[user_id] = min(created_at, first.get(user_id, created_at))
    rows = []
    for user_id, created_at in first.items():
        agreed = kept = 0
        for status, agreeing, n in results:
            if user_id in (agreeing or ()):
                agreed += 1
                # A curator chose this answer over others: the field was disputed.
                kept += status == FieldStatus.RESOLVED and len(agreeing) < n
        if agreed:
            rows.append(
                AnswerTally(
                    project_id=task.project_id,
                    task=task,
                    user_id=user_id,
                    month=_month_of(created_at),
                    agreed=agreed,
                    kept=kept,
                )
            )
    now = {row.user_id for row in rows}
    gone = set(before) - now
    if gone:
        AnswerTally.objects.filter(task=task, user_id__in=gone).delete()
    changed = [row for row in rows if before.get(row.user_id) != (row.agreed, row.kept, row.month)]
    if changed:
        AnswerTally.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["task", "user"],
            update_fields=["agreed", "kept", "month"],
        )
    gone_or_written = gone | {row.user_id for row in changed}
    return TalliesRefreshed(
        changed=gone_or_written, people=set(before) | now | {user_id for user_id, _at in answers}
    )


def task_recognition_refresh(
    *,
    task: Task,
    results: list[tuple[str, Any, int]] | None = None,
    answers: list[tuple[int, datetime]] | None = None,
    tallies: dict[int, tuple[int, int, date]] | None = None,
    badges: dict[int, set[tuple[str, str]]] | None = None,
) -> list[Badge]:
    """After `task`'s field results or answers changed: its tallies, then the badges its
    volunteers earned by it. Same locking and arguments as `answer_tallies_refresh`, and
    `badges`, those its volunteers hold, when the caller read them. The flag badge is not
    looked at: a curator's decision on a flag awards it (discussion services).

    Agreed values are summed only for volunteers whose tally on the image changed: the others'
    sums are what they were when their last change awarded what they earned. The first
    transcription's badge is looked at for every volunteer of the image."""
    tallied = answer_tallies_refresh(task=task, results=results, answers=answers, tallies=tallies)
    project = task.project if Task.project.is_cached(task) else None
    if project is None:
        project = Project.objects.get(pk=task.project_id)
    return badges_award(
        project=project,
        user_ids=tallied.people,
        flags=False,
        held=badges,
        tallies_changed=tallied.changed,
    )


def badges_award(
    *,
    project: Project,
    user_ids: Iterable[int],
    known: bool = False,
    flags: bool = True,
    held: dict[int, set[tuple[str, str]]] | None = None,
    tallies_changed: Iterable[int] | None = None,
) -> list[Badge]:
    """Award `project`'s badges its volunteers `user_ids` have earned and not yet received,
    dated now; returns those awarded. Idempotent, and safe when two transactions award the same
    badge (the second is ignored). `known=True` also reads known-answer records (for mastery:
    after a blind known-answer image, and when rebuilding); `flags=False` leaves the flag badge
    for another time (its figure is not read). A figure is only read for users still lacking a
    badge it decides, so a long-standing volunteer costs little.

    `held`: the badges `user_ids` hold in the project, when the caller read them (a user
    missing from it holds none). `tallies_changed`: when given, only these users' agreed
    values are summed (the badges that count them are left for the others)."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    holding: dict[int, set[tuple[str, str]]] = defaultdict(set)
    if held is not None:
        holding.update({user_id: set(held.get(user_id, ())) for user_id in ids})
    else:
        rows = Badge.objects.filter(project=project, user_id__in=ids)
        for user_id, kind, detail in rows.values_list("user_id", "kind", "detail"):
            holding[user_id].add((kind, detail))
    summed = set(ids) if tallies_changed is None else set(tallies_changed)

    def lacking(*kinds: str, among: Iterable[int] = ids) -> list[int]:
        return [u for u in among if any((kind, "") not in holding[u] for kind in kinds)]

    transcribed: dict[int, int] = {}
    if wanting := lacking(FIRST_TRANSCRIPTION):
        transcribed = dict(
            Transcription.objects.filter(project=project, user_id__in=wanting, void__isnull=True)
            .order_by()
            .values("user_id")
            .annotate(n=Count("id"))
            .values_list("user_id", "n")
        )
    sums: dict[int, tuple[int, int, int]] = {}
    summing = [u for u in ids if u in summed]
    if wanting := lacking(AGREED_100, AGREED_1000, KEPT_BY_CURATOR, THREE_MONTHS, among=summing):
        for user_id, agreed, kept, months in (
            AnswerTally.objects.filter(project=project, user_id__in=wanting)
            .order_by()
            .values("user_id")
            .annotate(a=Sum("agreed"), k=Sum("kept"), m=Count("month", distinct=True))
            .values_list("user_id", "a", "k", "m")
        ):
            sums[user_id] = (agreed or 0, kept or 0, months)
    confirmed = (
        flags_confirmed_counts(project=project, user_ids=lacking(FLAG_CONFIRMED)) if flags else {}
    )
    records: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    if known:
        records = known_records(project=project, user_ids=ids)
    now = timezone.now()
    new = []
    for user_id in ids:
        agreed, kept, months = sums.get(user_id, (0, 0, 0))
        facts = Facts(
            transcriptions=transcribed.get(user_id, 0),
            agreed=agreed,
            kept=kept,
            months=months,
            known=records.get(user_id, {}),
            flags_confirmed=confirmed.get(user_id, 0),
        )
        for kind, detail in sorted(badges_due(facts) - holding[user_id]):
            new.append(
                Badge(project=project, user_id=user_id, kind=kind, detail=detail, earned_at=now)
            )
    if not new:
        return []
    Badge.objects.bulk_create(new, ignore_conflicts=True)
    return new


def known_records(
    *, project: Project, user_ids: Iterable[int]
) -> dict[int, dict[str, tuple[int, int]]]:
    """Per volunteer and field type, (fields compared, matched) on blind known-answer images:
    the same comparisons the training pages and reliability read, practice left out (its
    answers are shown to the volunteer)."""
    out: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    checks = KnownAnswerCheck.objects.filter(
        project=project, user_id__in=list(user_ids), practice=False
    ).values_list("user_id", "outcome")
    for user_id, outcome in checks.iterator(chunk_size=2000):
        for compared in (outcome or {}).values():
            if isinstance(compared, dict) and compared.get("type"):
                tally = out[user_id][str(compared["type"])]
                tally[0] += 1
                tally[1] += bool(compared.get("match"))
    return {
        user_id: {field_type: (c, m) for field_type, (c, m) in types.items()}
        for user_id, types in out.items()
    }


def recognition_rebuild(*, project: Project, chunk: int = 500) -> int:
    """Rewrite every tally of `project` from its field results, then award the badges earned
    (dated now: the date they were first deserved is not known). Idempotent; one transaction
    per chunk of images, each image locked as a reconciliation would. Returns images read."""
    task_ids = list(
        Transcription.objects.filter(project=project)
        .order_by("task_id")
        .values_list("task_id", flat=True)
        .distinct()
    )
    for start in range(0, len(task_ids), chunk):
        with transaction.atomic():
            for task in Task.objects.select_for_update().filter(
                pk__in=task_ids[start : start + chunk]
            ):
                answer_tallies_refresh(task=task)
    people = set(
        Transcription.objects.filter(project=project).values_list("user_id", flat=True)
    ) | set(KnownAnswerCheck.objects.filter(project=project).values_list("user_id", flat=True))
    with transaction.atomic():
        badges_award(project=project, user_ids=people, known=True)
    return len(task_ids)


@transaction.atomic
def recognition_choices_update(*, user: User, rank_me: bool, profile_public: bool) -> User:
    """A person's recognition opt-ins: listed in rankings, public profile. Turning the profile
    on gives it its random address the first time; turning it off hides it at once (404)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.rank_me = rank_me
    user.profile_public = profile_public
    if profile_public and not user.profile_handle:
        user.profile_handle = secrets.token_urlsafe(9)  # 12 characters, 72 bits
    user.save(update_fields=["rank_me", "profile_public", "profile_handle"])
    return user
