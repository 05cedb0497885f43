"""Contributor reliability and trust: learnt from reference values, stored per project,
contributor and field type, used as vote weights by reconciliation (model:
worker.consensus.reliability).

A settled field is a reference value for a contributor when a curator settled it, or when a
proven contributor other than them supports it; an expert's known answer, met blind among the
real images, is one always, and the strongest. Agreement among unproven accounts alone is
never learnt from: two throwaway accounts typing the same made-up values must not raise each
other's weight, nor become proven by it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.db import transaction

from tasks.models import (
    ContributorReliability,
    ContributorTrust,
    FieldResult,
    FieldStatus,
    KnownAnswerCheck,
    MachineReliability,
    Project,
    Transcription,
)
from tasks.selectors.trust import proven_user_ids
from worker.consensus.machine import MACHINE, folded
from worker.consensus.reliability import (
    CONSENSUS,
    CURATOR,
    KNOWN,
    UNANIMOUS,
    Observation,
    Tally,
    reliability_update,
    reliability_weight,
)
from worker.template.steps import GEOREFERENCE, LABEL

SETTLED = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


def _task_users(project_id: int) -> Iterator[tuple[int, dict[str, list[int]]]]:
    """(task id, contributor ids by the step they answered) in task order, streamed."""
    rows = (
        Transcription.objects.filter(project_id=project_id)
        .order_by("task_id")
        .values_list("task_id", "user_id", "step")
        .iterator(chunk_size=5000)
    )
    current: int | None = None
    users: dict[str, list[int]] = {}
    for task_id, user_id, step in rows:
        if task_id != current and current is not None:
            yield current, users
            users = {}
        current = task_id
        users.setdefault(step, []).append(user_id)
    if current is not None:
        yield current, users


def project_reliability_refresh(*, project_id: int) -> int:
    """Recompute every contributor's tallies, weights and trust counts in a project from its
    reference values (see the module's docstring).

    Idempotent (recomputes from scratch, and drops what no reference value supports any more);
    streams results in task order so memory stays flat in the number of tasks. Who is proven is
    read once at the start: trust spreads by one step per refresh. Returns the number of
    (contributor, field type) weights stored.
    """
    project = Project.objects.select_related("template").get(pk=project_id)
    types = {spec.key: spec.type for spec in project.template.specs}
    # A field is answered in one step (worker/template/steps.py): only that step's answers
    # are compared with its value.
    steps = {
        spec.key: GEOREFERENCE if spec.georeference else LABEL for spec in project.template.specs
    }
    contributors = Transcription.objects.filter(project_id=project_id).values_list(
        "user_id", flat=True
    )
    proven = proven_user_ids(project=project, user_ids=contributors.distinct())
    tallies: dict[tuple[int, str], Tally] = defaultdict(Tally)
    compared: dict[int, int] = defaultdict(int)
    agreed: dict[int, int] = defaultdict(int)
    results = (
        FieldResult.objects.filter(project_id=project_id, status__in=SETTLED)
        .order_by("task_id")
        .values_list("task_id", "key", "status", "agreeing", "n")
        .iterator(chunk_size=5000)
    )
    users_by_task = _task_users(project_id)
    task_id, by_step = next(users_by_task, (None, {}))
    for result_task, key, status, agreeing, n in results:
        while task_id is not None and task_id < result_task:
            task_id, by_step = next(users_by_task, (None, {}))
        if task_id != result_task or key not in types:
            continue
        users = by_step.get(steps[key], [])
        curated = status == FieldStatus.RESOLVED
        source = CURATOR if curated else UNANIMOUS if len(agreeing) == n else CONSENSUS
        agreeing_set = set(agreeing)
        backers = agreeing_set & proven
        for user in users:
            if not curated and not backers - {user}:
                continue  # not settled by others: nothing to learn about this contributor
            right = user in agreeing_set
            observation = Observation(str(user), types[key], right, source)
            tallies[(user, types[key])] = reliability_update(
                tallies[(user, types[key])], observation
            )
            compared[user] += 1
            agreed[user] += right
    # Blind answers on known-answer images: the strongest evidence (KNOWN), and reference values
    # by definition for trust. Practice answers are not blind (the volunteer knows): not counted.
    checks = (
        KnownAnswerCheck.objects.filter(project_id=project_id, practice=False)
        .values_list("user_id", "outcome")
        .iterator(chunk_size=5000)
    )
    for user, outcome in checks:
        for result in (outcome or {}).values():
            if not isinstance(result, dict) or "type" not in result:
                continue
            right = bool(result.get("match"))
            field_type = str(result["type"])
            tallies[(user, field_type)] = reliability_update(
                tallies[(user, field_type)], Observation(str(user), field_type, right, KNOWN)
            )
            compared[user] += 1
            agreed[user] += right
    rows = [
        ContributorReliability(
            project_id=project_id,
            user_id=user,
            field_type=field_type,
            correct=tally.correct,
            total=tally.total,
            weight=reliability_weight(tally),
        )
        for (user, field_type), tally in tallies.items()
    ]
    trusts = [
        ContributorTrust(project_id=project_id, user_id=user, compared=count, agreed=agreed[user])
        for user, count in compared.items()
    ]
    machine = _machine_tallies(project_id=project_id, types=types, proven=proven)
    with transaction.atomic():
        MachineReliability.objects.filter(project_id=project_id).delete()
        MachineReliability.objects.bulk_create(
            MachineReliability(
                project_id=project_id,
                field_type=field_type,
                correct=tally.correct,
                total=tally.total,
                weight=reliability_weight(tally),
            )
            for field_type, tally in machine.items()
        )
        # Weights and counts learnt before (from what no longer counts) must not linger.
        ContributorReliability.objects.filter(project_id=project_id).delete()
        ContributorReliability.objects.bulk_create(rows, batch_size=1000)
        ContributorTrust.objects.filter(project_id=project_id).delete()
        ContributorTrust.objects.bulk_create(trusts, batch_size=1000)
    return len(rows)


def _machine_tallies(
    *, project_id: int, types: dict[str, str], proven: set[int]
) -> dict[str, Tally]:
    """The machine reading's tallies per field type, learnt as a contributor's: from the
    settled values it voted in, when a curator settled them or a proven person backs them
    (the machine alone never teaches itself)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    rows = (
        FieldResult.objects.filter(
            project_id=project_id, status__in=SETTLED, machine_agrees__isnull=False
        )
        .values_list("key", "status", "agreeing", "n", "value", "machine_value", "machine_agrees")
        .iterator(chunk_size=5000)
    )
    for key, status, agreeing, n, value, machine_value, agrees in rows:
        if key not in types:
            continue
        curated = status == FieldStatus.RESOLVED
        if curated:
            right = folded(str(machine_value or "")) == folded(str(value or ""))
        elif set(agreeing) & proven:
            right = bool(agrees)
        else:
            continue
        source = CURATOR if curated else UNANIMOUS if len(agreeing) == n else CONSENSUS
        tallies[types[key]] = reliability_update(
            tallies[types[key]], Observation(MACHINE, types[key], right, source)
        )
    return tallies
