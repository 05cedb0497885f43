"""Reconciliation in the platform: run the consensus engine on a task's transcriptions, store
field results with their history, move the task to its next state, and learn reliability."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crowd.json_rows import rows_insert, rows_update
from tasks import jobs
from tasks.events import curators_group, event_send_on_commit
from tasks.jobs import job_send, jobs_send_each
from tasks.models import (
    FieldResult,
    FieldResultVersion,
    FieldStatus,
    Project,
    Task,
    TaskState,
    Transcription,
)
from tasks.models.results import ChangeCause
from tasks.search_words import document_split
from tasks.selectors.steps import label_place
from tasks.selectors.trust import proven_user_ids, unproven_weight
from tasks.services.progress import project_progress_request
from tasks.services.recognition import REWARDING, task_recognition_refresh
from tasks.services.reconcile_reads import (
    answerers_read,
    learnt_weights,
    reconcile_context,
    task_answers,
    task_results,
)
from tasks.services.search import task_agreement, task_document_refresh
from tasks.services.steps import (
    StepRow,
    georeference_due,
    settled_values,
    task_step_back,
    task_step_open,
)
from worker.consensus import (
    FieldOutcome,
    Policy,
    Submission,
    TaskOutcome,
    reconcile_task,
)
from worker.consensus.explain import as_data
from worker.consensus.georeference import reconcile_georeference
from worker.consensus.machine import MACHINE, machine_submission
from worker.consensus.where import REGION_KEYS
from worker.template.steps import GEOREFERENCE, LABEL, has_georeference, step_specs

# Field results a curator settled ("curator") or put back in the queue ("reopened").
CURATED_METHODS = ("curator", "reopened")
# Tasks whose state a reconciliation may change; curators' and leads' decisions stand.
RECONCILABLE_STATES = (TaskState.OPEN, TaskState.NEEDS_MORE, TaskState.COMPLETE, TaskState.DISPUTED)


def project_policy(project: Project) -> Policy:
    return Policy(
        min_transcriptions=project.redundancy_min,
        max_transcriptions=project.redundancy_max,
        agreement_threshold=project.agreement_threshold,
        day_first=project.date_day_first,
        geopoint_tolerance_m=float(project.geopoint_tolerance_m),
        unproven_weight=unproven_weight(),
    )


@transaction.atomic
def task_reconcile(*, task_id: int) -> TaskOutcome | None:
    """Recompute a task's field results from all its transcriptions.

    Idempotent: running it twice changes nothing the second time (no new versions, no event).
    Holds the task row lock, as submissions do, so it never misses a transcription it clears
    `reconcile_pending` for. Resolved and withdrawn tasks are left as curators and leads set them.
    """
    context = reconcile_context(task_id)
    if context is None:
        return None
    task = context.task
    # Cleared (saved with the results, under the lock) before the transcriptions are read: an
    # answer committed from now on waits for the lock, finds the flag cleared and sends a job.
    task.reconcile_pending = False
    # Void transcriptions (a lead's decision) are kept but take no part in the consensus.
    transcriptions = task_answers(task)
    task.reconciled_at = timezone.now()
    existing = task_results(task)
    # With none left that count, results computed before the void are reconciled away too.
    nothing_to_do = not transcriptions and not existing
    stored = document_split(context.document) if context.document else []
    if nothing_to_do or task.state not in RECONCILABLE_STATES:
        task.save(update_fields=["reconcile_pending", "reconciled_at"])
        if not nothing_to_do:
            # A settled image's answers may still change (a void, lifted): so do its words,
            # and what each answer earned.
            task_document_refresh(task=task, transcriptions=transcriptions, before=stored)
            task_recognition_refresh(task=task)
        return None
    project = task.project
    specs = project.template.specs
    stepped = has_georeference(specs)
    # The label's answers reconcile the label's fields; the georeference step's, its own.
    label = [t for t in transcriptions if t.step == LABEL] if stepped else transcriptions
    people = answerers_read(task=task, user_ids={t.user_id for t in transcriptions})
    submissions = _submissions(label, people.weights, people.proven)
    # The institution's metadata knows the record's country better than a transcription.
    metadata = task.metadata if isinstance(task.metadata, dict) else {}
    country = str(metadata.get("countryCode") or metadata.get("country") or "")[:100]
    region = next((str(metadata[key]) for key in REGION_KEYS if metadata.get(key)), "")[:100]
    # The machine reading, if the image was read: a vote, and words of its search document.
    machine_text = context.machine_text
    machine = _machine_vote(
        task=task,
        transcriptions=label,
        submissions=submissions,
        text=machine_text,
        weights=people.machine_weights,
    )
    if machine is not None:
        submissions.append(machine)
    outcome = reconcile_task(
        step_specs(specs, LABEL) if stepped else specs,
        submissions,
        project_policy(project),
        country=country,
        region=region,
    )
    changed, results = _field_results_store(task=task, outcome=outcome, existing=existing)
    old_state = task.state
    rows = [(r.key, r.value, r.status, r.agreement) for r in results]
    if stepped:
        changed += _steps_reconcile(task=task, transcriptions=transcriptions, rows=rows)
        results = list(FieldResult.objects.filter(task=task).order_by("pk"))
        rows = [(r.key, r.value, r.status, r.agreement) for r in results]
    else:
        statuses = [status for _key, _value, status, _agreement in rows]
        task.state, task.target = _next_state(
            task=task, statuses=statuses, n=len(transcriptions), project=project
        )
    fields = ["reconcile_pending", "reconciled_at", "state", "target"]
    if stepped:
        fields += ["step", "transcription_count"]
    agreement = task_agreement((status, agreement) for _k, _v, status, agreement in rows)
    if changed or task.state != old_state or agreement != task.agreement:
        # Activity the results browser sorts by; a reconciliation that changed nothing is none.
        task.agreement = agreement
        fields += ["agreement", "updated_at"]
    task.save(update_fields=fields)
    task_document_refresh(
        task=task,
        transcriptions=transcriptions,
        results=[(key, value) for key, value, *_ in rows],
        machine_text=machine_text,
        before=stored,
    )
    task_recognition_refresh(
        task=task,
        results=[(r.status, r.agreeing, r.n) for r in results if r.status in REWARDING],
        answers=[(t.user_id, t.created_at) for t in transcriptions],
        tallies=people.tallies,
        badges=people.badges,
    )
    if changed or task.state != old_state:
        # Curators' pages follow reconciliations; everyone else hears the coalesced snapshot.
        event_send_on_commit(
            curators_group(project.pk),
            "task.reconciled",
            {"task": task.pk, "state": task.state, "fields_changed": changed},
        )
        project_progress_request(project_id=project.pk)
    return outcome


def _submissions(
    transcriptions: list[Transcription],
    weights: dict[int, dict[str, float]],
    proven: set[int],
) -> list[Submission]:
    return [
        Submission(
            user=str(t.user_id),
            values=t.values,
            markers=t.markers,
            weights=weights.get(t.user_id, {}),
            trusted=t.user_id in proven,
        )
        for t in transcriptions
    ]


def _steps_reconcile(
    *, task: Task, transcriptions: list[Transcription], rows: list[tuple[Any, ...]]
) -> int:
    """In a template with a georeference step (tasks.services.steps): the task's step and
    state from its label's results, and, once the label is settled, the georeference fields
    reconciled from that step's answers against the place the label settled. Returns how
    many georeference results changed. The task is locked; saved by the caller."""
    project = task.project
    specs = project.template.specs
    label = [t for t in transcriptions if t.step == LABEL]
    placed = [t for t in transcriptions if t.step == GEOREFERENCE]
    step_rows = [StepRow(key, value or "", status) for key, value, status, _agreement in rows]
    label_keys = {spec.key for spec in step_specs(specs, LABEL)}
    if not georeference_due(specs, step_rows):
        if task.step != LABEL:
            task_step_back(task=task, count=len(label))
        # Unsettled, or settled with a point of its own (nothing to georeference then).
        statuses = [row.status for row in step_rows if row.key in label_keys]
        task.state, task.target = _next_state(
            task=task, statuses=statuses, n=len(label), project=project
        )
        task.transcription_count = len(label)
        return 0
    if task.step != GEOREFERENCE:
        task_step_open(task=task, project=project, count=len(placed))
    task.transcription_count = len(placed)
    if not placed:
        task.state = TaskState.OPEN
        task.target = max(task.target, project.redundancy_min)
        return 0
    metadata = task.metadata if isinstance(task.metadata, dict) else {}
    country, region = label_place(specs, settled_values(step_rows), metadata)
    user_ids = {t.user_id for t in placed}
    outcome = reconcile_georeference(
        step_specs(specs, GEOREFERENCE),
        _submissions(
            placed,
            learnt_weights(project=project, user_ids=user_ids),
            proven_user_ids(project=project, user_ids=user_ids),
        ),
        project_policy(project),
        country=country,
        region=region,
    )
    changed, stored = _field_results_store(task=task, outcome=outcome)
    geo_keys = set(outcome.fields)
    statuses = [result.status for result in stored if result.key in geo_keys]
    task.state, task.target = _next_state(
        task=task, statuses=statuses, n=len(placed), project=project
    )
    return changed


def _machine_vote(
    *,
    task: Task,
    transcriptions: list[Transcription],
    submissions: list[Submission],
    text: str,
    weights: dict[str, float],
) -> Submission | None:
    """The machine reading's vote (worker.consensus.machine), in projects where it votes and
    once the image is read (`text`), weighted per field type as learnt in the project
    (`weights`)."""
    project = task.project
    if not project.machine_vote or not submissions or not text:
        return None
    taken = {key for t in transcriptions for key in (t.machine_fields or ())}
    return machine_submission(
        project.template.specs, submissions, text, weights=weights, taken=taken
    )


def _next_state(*, task: Task, statuses: list[str], n: int, project: Project) -> tuple[str, int]:
    """The task's state from its stored field results, which include what curators settled or
    reopened (the engine alone does not know about those)."""
    unsettled = [
        status for status in statuses if status in (FieldStatus.DISPUTED, FieldStatus.NEEDS_MORE)
    ]
    if not unsettled:
        settled_by = TaskState.RESOLVED if FieldStatus.RESOLVED in statuses else TaskState.COMPLETE
        return settled_by, max(task.target, n)
    if FieldStatus.DISPUTED in unsettled or n >= max(project.redundancy_max, task.target):
        return TaskState.DISPUTED, max(task.target, n)
    if n < project.redundancy_min:
        return TaskState.OPEN, project.redundancy_min
    # Contributors disagree: ask for one more, within the project's maximum (or the target a
    # curator raised beyond it).
    return TaskState.NEEDS_MORE, max(task.target, min(project.redundancy_max, n + 1))


def _field_results_store(
    *, task: Task, outcome: TaskOutcome, existing: list[FieldResult] | None = None
) -> tuple[int, list[FieldResult]]:
    """Write each field's result; a new version only where something changed. Fields a curator
    resolved keep the curator's value. Returns how many fields changed, and every result of the
    task as stored now (under the task's lock: no one else writes them meanwhile). Batched: one
    insert for new results, one per changed result, one for all the versions."""
    # In the order they were made (the search document's words follow it, whatever order the
    # database keeps rows in after updates).
    if existing is None:
        existing = list(FieldResult.objects.filter(task=task).order_by("pk"))
    by_key = {r.key: r for r in existing}
    weights = {spec.key: spec.weight for spec in task.project.template.specs}
    created: list[FieldResult] = []
    changed: list[FieldResult] = []
    names: list[str] = []
    for key, field in outcome.fields.items():
        result = by_key.get(key)
        values = _result_values(field)
        values.update(_dispute_values(field, weights.get(key, 1.0), result))
        if result is None:
            created.append(
                FieldResult(project_id=task.project_id, task=task, key=key, version=1, **values)
            )
        elif not _curated(result) and _differs(result, values):
            for name, value in values.items():
                setattr(result, name, value)
            result.version += 1
            changed.append(result)
            names = list(values)
    # One statement each for the changed results, the new ones and their versions.
    rows_update(changed, [*names, "version"])
    created = rows_insert(created)
    rows_insert(
        [
            FieldResultVersion.of(result, cause=ChangeCause.RECONCILE)
            for result in [*created, *changed]
        ]
    )
    return len(created) + len(changed), [*by_key.values(), *created]


def _curated(result: FieldResult) -> bool:
    """Settled or reopened by a curator: reconciliation leaves it to curators."""
    return result.status == FieldStatus.RESOLVED or result.method in CURATED_METHODS


def _dispute_values(
    field: FieldOutcome, weight: float, result: FieldResult | None
) -> dict[str, Any]:
    """When a field becomes disputed it joins the curators' queue, ranked once for good."""
    if field.status != FieldStatus.DISPUTED:
        return {"disputed_at": None, "dispute_rank": None}
    since = result.disputed_at if result is not None and result.disputed_at else timezone.now()
    return {
        "disputed_at": since,
        "dispute_rank": dispute_rank(weight=weight, agreement=field.agreement, since=since),
    }


def dispute_rank(*, weight: float, agreement: float, since: datetime) -> float:
    """Queue order: weight x (1 - agreement) x 100 points plus one point per hour waited, as
    points x 3600 - seconds since the epoch, which sorts the same at any later time."""
    return round(weight * (1.0 - agreement) * 100 * 3600 - since.timestamp(), 3)


def _result_values(field: FieldOutcome) -> dict[str, Any]:
    """What is stored of a field's outcome. People are stored by id; the machine's vote is
    kept apart (what it voted for, and whether that is the value), for its weight to be
    learnt."""
    machine_value = next((alt.value for alt in field.alternatives if MACHINE in alt.users), None)
    return {
        "value": field.value,
        "status": field.status,
        "agreement": round(field.agreement, 4),
        "support": field.support,
        "n": field.n,
        "method": field.method[:40],
        "alternatives": [
            {
                "value": alt.value,
                "weight": round(alt.weight, 4),
                "users": [int(u) for u in alt.users if u != MACHINE],
            }
            for alt in field.alternatives
            if alt.users != (MACHINE,)
        ],
        "explanation": field.explanation[:300],
        "explanation_parts": as_data(field.notes),
        "agreeing": sorted(int(u) for u in field.agreeing if u != MACHINE),
        "machine_value": machine_value,
        "machine_agrees": None if machine_value is None else MACHINE in field.agreeing,
    }


def _differs(result: FieldResult, values: dict[str, Any]) -> bool:
    return any(getattr(result, name) != value for name, value in values.items())


def tasks_reconcile_pending(
    *, older_than_seconds: int | None = None, limit: int = 1000
) -> list[int]:
    """Ids of tasks whose reconciliation did not run (a lost message, a send the broker
    refused): pending, last transcribed more than SWEEP_RECONCILE_AFTER_SECONDS ago by default,
    and not sent within that time either, so a job merely waiting in a long queue is not sent
    again at every sweep."""
    if older_than_seconds is None:
        older_than_seconds = settings.SWEEP_RECONCILE_AFTER_SECONDS
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Task.objects.filter(reconcile_pending=True, last_transcribed_at__lt=cutoff)
        .filter(Q(reconcile_sent_at__isnull=True) | Q(reconcile_sent_at__lt=cutoff))
        .order_by("last_transcribed_at")
        .values_list("pk", flat=True)[:limit]
    )


def tasks_reconcile_resend() -> int:
    """Sweep: send again the reconciliations `tasks_reconcile_pending` finds. Returns how many."""
    task_ids = tasks_reconcile_pending()
    if task_ids:
        sent_at = timezone.now()
        Task.objects.filter(pk__in=task_ids).update(reconcile_sent_at=sent_at)
        _reconcile_send(task_ids, sent_at)
    return len(task_ids)


def reconcile_in_flight(task: Task) -> bool:
    """Whether `task`, as read under its row lock, has a reconciliation job on its way that has
    not started: the job will read whatever the holder of the lock commits."""
    return task.reconcile_pending and task.reconcile_sent_at is not None


def task_reconcile_request(*, task_id: int, in_flight: bool = False) -> None:
    """Queue the task's reconciliation once the current transaction commits, unless a job is
    `in_flight` (`reconcile_in_flight` of the row the caller read under its lock, before
    setting `reconcile_pending`). See `tasks_reconcile_request`."""
    if not in_flight:
        tasks_reconcile_request(task_ids=[task_id])


def tasks_reconcile_request(*, task_ids: list[int]) -> None:
    """Queue one reconciliation per task once the current transaction commits. The caller
    holds the task rows' locks and sets `reconcile_pending`.

    Coalesced: a burst of answers on one image is one job. A running job holds the same lock
    and clears the flag before it reads the transcriptions, so an answer committed after it
    started finds the flag cleared and sends another. A send the broker refuses clears
    `reconcile_sent_at`, so the next answer sends again; if none comes, the sweep does."""
    if not task_ids:
        return
    sent_at = timezone.now()
    Task.objects.filter(pk__in=task_ids).update(reconcile_sent_at=sent_at)
    transaction.on_commit(lambda: _reconcile_send(task_ids, sent_at), robust=True)


def task_reconcile_send_on_commit(*, task_id: int, sent_at: datetime) -> None:
    """Send the task's reconciliation once the current transaction commits, the caller having
    set `reconcile_pending` and `reconcile_sent_at` to `sent_at` under the task's lock (what
    `tasks_reconcile_request` does in a statement of its own)."""
    transaction.on_commit(lambda: _reconcile_send([task_id], sent_at), robust=True)


def _reconcile_send(task_ids: list[int], sent_at: datetime) -> None:
    if len(task_ids) == 1:
        sent = job_send(jobs.RECONCILE, task_ids[0])
    else:
        sent = jobs_send_each(jobs.RECONCILE, task_ids)
    if not sent:
        # Compare-and-set: an answer that sent a newer job since keeps its mark.
        Task.objects.filter(pk__in=task_ids, reconcile_sent_at=sent_at).update(
            reconcile_sent_at=None
        )
