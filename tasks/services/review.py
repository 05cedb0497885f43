"""Curator review: claims, decisions on disputed fields, reopening, and bulk acceptance.

Every decision writes a Resolution (who, when, value before and after, reason) and a new
version of the field result. A task whose disputed fields are all settled becomes resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.events import curators_group, event_send_on_commit
from tasks.models import (
    FieldResult,
    FieldResultVersion,
    FieldStatus,
    Resolution,
    ResolutionDecision,
    ResolutionReason,
    Task,
    TaskClaim,
    TaskState,
    TaskStep,
)
from tasks.models.results import ChangeCause
from tasks.services.notifications import decision_notifications_create
from tasks.services.progress import project_progress_request
from tasks.services.recognition import task_recognition_refresh
from tasks.services.reconcile import (
    dispute_rank,
    project_policy,
    reconcile_in_flight,
    task_reconcile_request,
)
from tasks.services.search import task_document_refresh, task_results_summary
from tasks.services.steps import (
    georeference_due,
    results_unsettled,
    step_counts,
    step_rows,
    task_step_back,
    task_step_open,
)
from tasks.values import ValuesRejected, values_check
from worker.consensus import Submission, reconcile_field
from worker.consensus.explain import SETTLED_BY_CURATOR, as_data, english
from worker.template.steps import GEOREFERENCE, LABEL, has_georeference, step_specs

CLAIM_MINUTES = 10
DECISIONS = (
    ResolutionDecision.ACCEPT,
    ResolutionDecision.VALUE,
    ResolutionDecision.ILLEGIBLE,
    ResolutionDecision.MORE,
)
UNSETTLED = (FieldStatus.DISPUTED, FieldStatus.NEEDS_MORE)


class ReviewConflict(DomainError):
    """Someone else holds the task, or the field was already settled; `state` says how it is."""

    status_code = 409
    code = "conflict"

    def __init__(self, message: str, state: dict[str, Any]):
        super().__init__(message)
        self.state = state

    def payload(self) -> dict[str, Any]:
        return {"current": self.state}


@dataclass(frozen=True)
class BulkChange:
    field_result_id: int
    task_id: int
    before: Any
    after: Any


def _claim_state(claim: TaskClaim | None) -> dict[str, Any]:
    if claim is None:
        return {"claimed_by": None, "claimed_by_me": False, "claimed_until": None}
    # A conflict is only ever about someone else's claim.
    return {
        "claimed_by": claim.curator.public_name,
        "claimed_by_me": False,
        "claimed_until": claim.expires_at.isoformat(),
    }


def _result_state(result: FieldResult) -> dict[str, Any]:
    return {
        "id": result.pk,
        "key": result.key,
        "value": result.value,
        "status": result.status,
        "version": result.version,
    }


def _lock_task(task_id: int) -> Task:
    """The task, locked; ReviewConflict for a training image: its values are its known answer,
    changed on the training page, and a decision here would make it data again."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("project__template")
        .get(pk=task_id)
    )
    if task.state == TaskState.REFERENCE:
        raise ReviewConflict(
            _("This image is a training image: change its known answer on the training page."),
            {"task": task.pk, "state": "training"},
        )
    return task


def _hold(*, task: Task, curator: User, now: Any) -> TaskClaim:
    """Take or renew the claim on a locked task; ReviewConflict while another curator holds it."""
    claim = TaskClaim.objects.select_related("curator").filter(task=task).first()
    if claim is not None and claim.curator_id != curator.pk and claim.expires_at > now:
        raise ReviewConflict(
            _("%(name)s is reviewing this image.") % {"name": claim.curator.public_name},
            _claim_state(claim),
        )
    expires = now + timedelta(minutes=CLAIM_MINUTES)
    if claim is None:
        return TaskClaim.objects.create(task=task, curator=curator, expires_at=expires)
    fresh = claim.curator_id != curator.pk or claim.expires_at <= now
    claim.curator, claim.expires_at = curator, expires
    if fresh:
        claim.claimed_at = now
    claim.save()
    return claim


@transaction.atomic
def task_claim(*, task_id: int, curator: User) -> TaskClaim:
    """Claim a task for review for a few minutes (renewing one's own claim). Callers check that
    `curator` curates the project."""
    task = _lock_task(task_id)
    claim = _hold(task=task, curator=curator, now=timezone.now())
    event_send_on_commit(
        curators_group(task.project_id),
        "dispute.claimed",
        {"task": task.pk, "curator": curator.public_name, "until": claim.expires_at.isoformat()},
    )
    return claim


@transaction.atomic
def task_claim_release(*, task_id: int, curator: User) -> None:
    released = TaskClaim.objects.filter(task_id=task_id, curator=curator).delete()[0]
    if released:
        project_id = Task.objects.filter(pk=task_id).values_list("project_id", flat=True).get()
        event_send_on_commit(curators_group(project_id), "dispute.released", {"task": task_id})


@transaction.atomic
def field_result_resolve(
    *,
    field_result_id: int,
    curator: User,
    decision: str,
    value: str | None = None,
    reason: str = "",
    note: str = "",
) -> FieldResult:
    """Settle a disputed field: accept one of the answers, type the right value (validated like
    a transcription), mark it illegible, or send the task back for more transcriptions.

    Takes the task's claim (ReviewConflict if another curator holds it or the field is no longer
    disputed). Callers check that `curator` curates the project.
    """
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    if reason and reason not in ResolutionReason.values:
        raise ValuesRejected({"reason": [_("Unknown reason.")]})
    task_id = FieldResult.objects.values_list("task_id", flat=True).get(pk=field_result_id)
    task = _lock_task(task_id)
    now = timezone.now()
    _hold(task=task, curator=curator, now=now)
    result = FieldResult.objects.select_for_update().get(pk=field_result_id)
    if result.status not in UNSETTLED:
        raise ReviewConflict(_("This value was already settled."), _result_state(result))
    before_value, before_status = result.value, result.status
    if decision == ResolutionDecision.MORE:
        result.status = FieldStatus.NEEDS_MORE
        result.disputed_at = result.dispute_rank = None
        Task.objects.filter(pk=task.pk).update(
            state=TaskState.NEEDS_MORE, target=task.transcription_count + 1
        )
    else:
        result.value, result.agreeing = _settled_value(
            task=task, result=result, decision=decision, typed=value
        )
        result.status = FieldStatus.RESOLVED
        result.method = "curator"
        # Stored as the engine stores its explanations: English text, and parts that pages
        # render in the reader's language.
        result.explanation = english((SETTLED_BY_CURATOR,))
        result.explanation_parts = as_data((SETTLED_BY_CURATOR,))
        result.disputed_at = result.dispute_rank = None
    _record(
        task=task,
        result=result,
        curator=curator,
        decision=decision,
        reason=reason,
        note=note,
        before=(before_value, before_status),
    )
    if decision != ResolutionDecision.MORE:
        _task_settle_if_done(task)
        decision_notifications_create(result=result, curator=curator)
    return result


def _settled_value(
    *, task: Task, result: FieldResult, decision: str, typed: str | None
) -> tuple[str, list[int]]:
    """The curator's value in canonical form, and the contributors whose answers it vindicates."""
    if decision == ResolutionDecision.ILLEGIBLE:
        return "", _users_of(result, "[illegible]")
    if decision == ResolutionDecision.ACCEPT:
        if typed is None or typed not in {alt["value"] for alt in result.alternatives}:
            raise ValuesRejected({"value": [_("Choose one of the answers given.")]})
        return typed, _users_of(result, typed)
    spec = next(s for s in task.project.template.specs if s.key == result.key)
    try:
        clean, _markers = values_check(specs=(spec,), values={spec.key: typed or ""}, markers={})
    except ValuesRejected as error:
        raise ValuesRejected(
            {"value": error.errors.get(spec.key, [_("Not a valid value.")])}
        ) from error
    outcome = reconcile_field(
        spec, [Submission(user="curator", values=clean)], project_policy(task.project)
    )
    canonical = outcome.value if outcome.value or not clean.get(spec.key) else clean[spec.key]
    return canonical, _users_of(result, canonical)


def _users_of(result: FieldResult, value: str) -> list[int]:
    return sorted(
        {int(u) for alt in result.alternatives if alt["value"] == value for u in alt["users"]}
    )


def _record(
    *,
    task: Task,
    result: FieldResult,
    curator: User,
    decision: str,
    reason: str,
    note: str,
    before: tuple[Any, str],
) -> None:
    result.version += 1
    result.save()
    cause = ChangeCause.REOPEN if decision == ResolutionDecision.REOPEN else ChangeCause.RESOLUTION
    FieldResultVersion.of(result, cause=cause, actor=curator).save()
    # The image's confidence and last activity, and its search document (a typed value).
    _statuses, agreement = task_results_summary(task)
    Task.objects.filter(pk=task.pk).update(agreement=agreement, updated_at=timezone.now())
    task_document_refresh(task=task)
    task_recognition_refresh(task=task)
    Resolution.objects.create(
        field_result=result,
        curator=curator,
        decision=decision,
        reason=reason,
        note=note[:2000],
        value_before=before[0],
        value_after=result.value,
        status_before=before[1],
        status_after=result.status,
    )
    event_send_on_commit(
        curators_group(result.project_id),
        "dispute.resolved" if decision != ResolutionDecision.REOPEN else "dispute.reopened",
        {
            "task": result.task_id,
            "field_result": result.pk,
            "key": result.key,
            "status": result.status,
        },
    )
    project_progress_request(project_id=result.project_id)


def _task_settle_if_done(task: Task) -> None:
    specs = task.project.template.specs
    if has_georeference(specs):
        _task_step_after_decision(task)
    elif not FieldResult.objects.filter(task=task, status__in=UNSETTLED).exists():
        Task.objects.filter(pk=task.pk).update(state=TaskState.RESOLVED)
        TaskClaim.objects.filter(task=task).delete()


def _task_step_after_decision(task: Task) -> None:
    """In a template with a georeference step (tasks.services.steps): a decision that settles
    the last field of the label opens the georeference step (unless the label gives a point of
    its own); one that settles the last georeference field settles the image."""
    specs = task.project.template.specs
    step = LABEL if task.step == TaskStep.LABEL else GEOREFERENCE
    if results_unsettled(task, (spec.key for spec in step_specs(specs, step))):
        return
    if step == LABEL and georeference_due(specs, step_rows(task)):
        placed = step_counts(task)[GEOREFERENCE]
        in_flight = reconcile_in_flight(task)
        task_step_open(task=task, project=task.project, count=placed)
        Task.objects.filter(pk=task.pk).update(
            step=task.step,
            state=task.state,
            target=task.target,
            transcription_count=task.transcription_count,
            # Answers placed during an earlier visit of the step are reconciled again.
            reconcile_pending=task.reconcile_pending or bool(placed),
        )
        if placed:
            task_reconcile_request(task_id=task.pk, in_flight=in_flight)
    else:
        Task.objects.filter(pk=task.pk).update(state=TaskState.RESOLVED)
    TaskClaim.objects.filter(task=task).delete()


@transaction.atomic
def field_result_reopen(
    *, field_result_id: int, actor: User, reason: str, note: str = ""
) -> FieldResult:
    """Put an agreed, blank or resolved value back in the curators' queue, with a reason.
    Callers check that `actor` curates or leads the project."""
    if not reason or reason not in ResolutionReason.values:
        raise ValuesRejected({"reason": [_("Say why the value is reopened.")]})
    task_id = FieldResult.objects.values_list("task_id", flat=True).get(pk=field_result_id)
    task = _lock_task(task_id)
    result = FieldResult.objects.select_for_update().get(pk=field_result_id)
    if result.status in UNSETTLED:
        raise ReviewConflict(
            _("This value is already waiting for a decision."), _result_state(result)
        )
    if task.state == TaskState.WITHDRAWN:
        raise ReviewConflict(_("This image was withdrawn."), _result_state(result))
    before = (result.value, result.status)
    weights = {spec.key: spec.weight for spec in task.project.template.specs}
    now = timezone.now()
    result.status = FieldStatus.DISPUTED
    result.method = "reopened"  # reconciliation leaves it to curators from now on
    result.disputed_at = now
    result.dispute_rank = dispute_rank(
        weight=weights.get(result.key, 1.0), agreement=result.agreement, since=now
    )
    _record(
        task=task,
        result=result,
        curator=actor,
        decision=ResolutionDecision.REOPEN,
        reason=reason,
        note=note,
        before=before,
    )
    specs = task.project.template.specs
    label_keys = {spec.key for spec in step_specs(specs, LABEL)}
    if task.step == TaskStep.GEOREFERENCE and result.key in label_keys:
        # The label is unsettled again: back to its step, for curators to settle first.
        task_step_back(task=task, count=step_counts(task)[LABEL])
        Task.objects.filter(pk=task.pk).update(
            step=task.step,
            state=TaskState.DISPUTED,
            target=task.target,
            transcription_count=task.transcription_count,
        )
    # A task still collecting transcriptions keeps collecting; a settled one goes back to review.
    elif task.state in (TaskState.COMPLETE, TaskState.RESOLVED):
        Task.objects.filter(pk=task.pk).update(state=TaskState.DISPUTED)
    return result


def disputes_majority(*, project_id: int, key: str, batch_id: int | None) -> list[BulkChange]:
    """What accepting the leading answer would change on every disputed `key` of a batch."""
    results = FieldResult.objects.filter(
        project_id=project_id, key=key, status=FieldStatus.DISPUTED
    )
    if batch_id is not None:
        results = results.filter(task__batch_id=batch_id)
    changes = []
    for result in results.order_by("-dispute_rank").only("pk", "task_id", "value", "alternatives"):
        leading = next(
            (alt["value"] for alt in result.alternatives if alt["value"] != "[illegible]"), None
        )
        if leading is not None:
            changes.append(BulkChange(result.pk, result.task_id, result.value, leading))
    return changes


def disputes_accept_majority(
    *, project_id: int, key: str, batch_id: int | None, curator: User, reason: str, note: str = ""
) -> list[BulkChange]:
    """Accept the leading answer on every disputed `key` of a batch: one resolution (one audit
    entry) per value. Entries another curator holds are left alone."""
    applied = []
    for change in disputes_majority(project_id=project_id, key=key, batch_id=batch_id):
        # Bulk decisions do not keep the images they touch: a claim the curator did not hold
        # before is released at once, so other curators can settle the other fields.
        held = TaskClaim.objects.filter(
            task_id=change.task_id, curator=curator, expires_at__gt=timezone.now()
        ).exists()
        try:
            with transaction.atomic():
                field_result_resolve(
                    field_result_id=change.field_result_id,
                    curator=curator,
                    decision=ResolutionDecision.ACCEPT,
                    value=change.after,
                    reason=reason,
                    note=note,
                )
                if not held:
                    TaskClaim.objects.filter(task_id=change.task_id, curator=curator).delete()
        except (ReviewConflict, ValuesRejected):
            # Held by another curator, settled meanwhile, or its answers changed since the preview.
            continue
        applied.append(change)
    return applied
