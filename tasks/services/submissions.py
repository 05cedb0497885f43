"""Submitting a transcription: idempotent, validated, and never over a task's target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.models import User
from tasks.events import presence_send_on_commit
from tasks.georeference import georeference_check
from tasks.models import Lease, LeaseState, Task, TaskState, Template, Transcription
from tasks.selectors.moderation import contributor_void_active
from tasks.selectors.training import locked_for
from tasks.services.known_answers import Checked, check_submit
from tasks.services.leases import LeaseConflict, contribute_check, task_has_room
from tasks.services.progress import project_progress_request
from tasks.services.reconcile import reconcile_in_flight, task_reconcile_request
from tasks.services.search import task_document_add
from tasks.values import machine_fields_check, step_values_check
from worker.template.steps import LABEL, has_georeference

MAX_KEY_LENGTH = 64


@dataclass(frozen=True)
class Submitted:
    transcription: Transcription
    created: bool  # False when the same submission was already recorded (a retry)


def answer_submit(
    *,
    task_id: int,
    user: User,
    lease_id: int,
    values: Any,
    markers: Any,
    idempotency_key: str,
    machine_fields: Any = None,
    georeference: Any = None,
) -> Submitted | Checked:
    """Record an answer on any image a contributor was given: a transcription on a real image
    (`transcription_submit`), a check on a training image (`check_submit`), which looked the
    same to them until now."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise LeaseConflict(_("An idempotency key of 1 to 64 characters is required."))
    state = Task.objects.filter(pk=task_id).values_list("state", flat=True).first()
    if state == TaskState.REFERENCE:
        return check_submit(
            task_id=task_id, user=user, lease_id=lease_id, values=values, markers=markers, key=key
        )
    return transcription_submit(
        task_id=task_id,
        user=user,
        lease_id=lease_id,
        values=values,
        markers=markers,
        idempotency_key=key,
        machine_fields=machine_fields,
        georeference=georeference,
    )


def transcription_submit(
    *,
    task_id: int,
    user: User,
    lease_id: int,
    values: Any,
    markers: Any,
    idempotency_key: str,
    machine_fields: Any = None,
    georeference: Any = None,
) -> Submitted:
    """Record `user`'s transcription of a task.

    Idempotent: the same idempotency key returns the transcription already recorded, also when
    two requests carrying it race (the key is looked up again under the task lock). A live
    lease is required, or an expired one while the task still has room; otherwise
    LeaseConflict. The project must take transcriptions from `user` now (active, and open to
    them): otherwise ProjectNotTakingAnswers, and nothing is recorded. Values are checked
    against the template (ValuesRejected), and so are `machine_fields`, the fields the
    contributor took words of the machine reading into (provenance; those left with no value
    are dropped), and so is `georeference`, how each point was made (tasks.georeference;
    entries of fields left without a value are dropped). Every other live lease
    `user` holds on the task ends with it (an answer sent late, on a lease that had run out
    while they were given the image again, frees the newer lease). On commit the task is
    queued for reconciliation and watchers hear of the new count.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise LeaseConflict(_("An idempotency key of 1 to 64 characters is required."))
    existing = _already_submitted(user=user, key=key, task_id=task_id)
    if existing is not None:
        return Submitted(existing, created=False)
    template = Template.objects.select_related("project").get(project__tasks__pk=task_id)
    step = LABEL
    if has_georeference(template.specs):
        # The step is the lease's; a lease that is not theirs is refused under the lock below.
        step = (
            Lease.objects.filter(pk=lease_id, user=user).values_list("step", flat=True).first()
            or LABEL
        )
    clean_values, clean_markers = step_values_check(
        specs=template.specs,
        step=step,
        values=values,
        markers=markers,
        locked=locked_for(project=template.project, user=user, specs=template.specs),
    )
    machine = [
        key
        for key in machine_fields_check(specs=template.specs, machine_fields=machine_fields)
        if clean_values.get(key)
    ]
    points = georeference_check(
        specs=template.specs, georeference=georeference, values=clean_values
    )
    try:
        with transaction.atomic():
            transcription, created = _record(
                task_id=task_id,
                user=user,
                lease_id=lease_id,
                values=clean_values,
                markers=clean_markers,
                key=key,
                template_version=template.version,
                machine_fields=machine,
                georeference=points,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its transcription.
        existing = _already_submitted(user=user, key=key, task_id=task_id)
        if existing is None:
            raise LeaseConflict(_("You have already transcribed this image.")) from None
        return Submitted(existing, created=False)
    return Submitted(transcription, created=created)


def _already_submitted(*, user: User, key: str, task_id: int) -> Transcription | None:
    existing = Transcription.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None and existing.task_id != task_id:
        raise LeaseConflict(_("This idempotency key was already used for another image."))
    return existing


def _record(
    *,
    task_id: int,
    user: User,
    lease_id: int,
    values: dict[str, str],
    markers: dict[str, str],
    key: str,
    template_version: int,
    machine_fields: list[str],
    georeference: dict[str, Any],
) -> tuple[Transcription, bool]:
    # of=self: lock the task, not the project row every other submission needs too.
    task = Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task_id)
    # Asked again under the lock: a retry racing its original waited here while the original
    # committed, and READ COMMITTED lets this new statement see its row. Without this the
    # "lease already used" check below would answer the retry 409 for a saved answer.
    existing = _already_submitted(user=user, key=key, task_id=task_id)
    if existing is not None:
        return existing, False
    lease = Lease.objects.select_for_update().filter(pk=lease_id).first()
    if lease is None or lease.user_id != user.pk or lease.task_id != task.pk:
        raise PermissionDenied(_("This lease is not yours or not for this image."))
    if task.state == TaskState.REFERENCE:
        # Made a training image since the answer left the browser: it is no longer data.
        raise LeaseConflict(
            _("This image has just become a training image: ask for the next image to go on.")
        )
    # Checked under the task lock: a lead pausing the project now is seen by every submission
    # that commits after the pause.
    # Blocked people and archived projects have no CONTRIBUTE either (tasks.roles).
    contribute_check(user=user, project=task.project)
    now = timezone.now()
    if lease.state == LeaseState.SUBMITTED:
        raise LeaseConflict(_("This lease was already used for a transcription."))
    live = lease.state == LeaseState.ACTIVE and lease.expires_at > now
    in_step = lease.step == task.step
    if not live and not (in_step and task_has_room(task=task, excluding=lease, now=now)):
        raise LeaseConflict(
            _("Your lease ended and this image no longer needs a transcription. Thank you!")
        )
    # Under a lead's void decision the answer is kept but does not count.
    void = contributor_void_active(project_id=task.project_id, user_id=user.pk)
    transcription = Transcription.objects.create(
        void=void,
        project=task.project,
        task=task,
        user=user,
        lease=lease,
        values=values,
        markers=markers,
        machine_fields=machine_fields,
        georeference=georeference,
        idempotency_key=key,
        template_version=template_version,
        step=lease.step,
    )
    Lease.objects.filter(pk=lease.pk).update(state=LeaseState.SUBMITTED, ended_at=now)
    # A late answer on a lease that ran out while next-task gave them the image again: the newer
    # lease would otherwise keep serving them an image they may no longer answer, and hold a
    # place others need until it expires.
    newer = Lease.objects.filter(task=task, user=user, state=LeaseState.ACTIVE, step=lease.step)
    newer.exclude(pk=lease.pk).update(state=LeaseState.EXPIRED, ended_at=now, expires_at=now)
    # Counted in the task's step only: a label answer sent late, once the georeference step
    # opened, is kept (and reconciled) but asks nothing of the new step.
    Task.objects.filter(pk=task.pk).update(
        transcription_count=F("transcription_count") + (0 if void or not in_step else 1),
        last_transcribed_at=now,
        reconcile_pending=True,
        updated_at=now,
    )
    if void is None:
        # Searchable at once; reconciliation writes the whole document again after.
        task_document_add(task=task, values=values)
    presence_send_on_commit(task.pk)
    task_reconcile_request(task_id=task.pk, in_flight=reconcile_in_flight(task))
    project_progress_request(project_id=task.project_id)
    return transcription, True
