"""Known answers: made from an expert's CSV or promoted from a settled image, served blind
among real images or as practice, and the answers contributors give on them.

Every image with a known answer is a `reference` task: out of the real stream, progress and
exports. Answers on it are `KnownAnswerCheck` rows compared field by field with the known
answer at submission; blind ones (not practice) are the strongest evidence of a contributor's
reliability and count at once in their weights and trust (`tasks.services.reliability` counts
them again, from scratch, at each refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.events import presence_send_on_commit
from tasks.models import (
    ContributorReliability,
    ContributorTrust,
    FieldResult,
    FieldStatus,
    KnownAnswer,
    KnownAnswerCheck,
    KnownAnswerSource,
    KnownAnswerUse,
    Lease,
    LeaseKind,
    LeaseState,
    Project,
    Task,
    TaskState,
    Transcription,
)
from tasks.selectors.training import locked_for
from tasks.services.progress import project_progress_request
from tasks.services.recognition import badges_award
from tasks.values import ValuesRejected, hides_characters, values_check
from worker.consensus.check import answers_check
from worker.consensus.model import UNASKED
from worker.consensus.reliability import (
    KNOWN,
    Observation,
    Tally,
    reliability_update,
    reliability_weight,
)

MAX_NOTE_LENGTH = 1000
SETTLED = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


class KnownAnswerConflict(DomainError):
    status_code = 409
    code = "conflict"


# --- Making known answers -----------------------------------------------------------------


def known_answer_save(
    *,
    project: Project,
    task: Task,
    use: str,
    source: str,
    values: dict[str, str],
    markers: dict[str, str],
    notes: dict[str, dict[str, str]],
    actor: User,
) -> bool:
    """Create or replace the known answer of `task` and take the task out of the real stream.
    Returns True when created."""
    locked = Task.objects.select_for_update(of=("self",)).get(pk=task.pk)
    if locked.state not in (TaskState.REFERENCE, TaskState.COMPLETE, TaskState.RESOLVED) and (
        Transcription.objects.filter(task=locked).exists()
    ):
        # Checked again under the lock: an answer may have come in since the caller looked.
        raise KnownAnswerConflict(
            _("Image %(ref)s has just been transcribed: it is data now, and stays so.")
            % {"ref": locked.pk}
        )
    if locked.state != TaskState.REFERENCE:
        # Anyone holding it is let go: their answer would now be a check, not data.
        Lease.objects.filter(task=locked, state=LeaseState.ACTIVE).update(
            state=LeaseState.EXPIRED, ended_at=timezone.now(), expires_at=timezone.now()
        )
        Task.objects.filter(pk=locked.pk).update(state=TaskState.REFERENCE)
        presence_send_on_commit(locked.pk)
    _known, created = KnownAnswer.objects.update_or_create(
        task=locked,
        defaults={
            "project": project,
            "use": use,
            "source": source,
            "values": values,
            "markers": markers,
            "notes": notes,
            "active": True,
            "created_by": actor,
        },
    )
    return created


@transaction.atomic
def known_answer_promote(*, task: Task, use: str, actor: User) -> KnownAnswer:
    """Make a settled image (complete, or resolved by a curator) a known answer from its
    settled values. It leaves the data: no longer counted in progress nor exported."""
    if use not in KnownAnswerUse.values:
        raise KnownAnswerConflict(_("Choose practice or known answer."))
    locked = Task.objects.select_for_update(of=("self",)).select_related("project").get(pk=task.pk)
    if locked.state not in (TaskState.COMPLETE, TaskState.RESOLVED):
        raise KnownAnswerConflict(
            _("Only a settled image (complete or resolved) can become a known answer.")
        )
    specs = locked.project.template.specs
    results = {
        key: (status, value)
        for key, status, value in FieldResult.objects.filter(task=locked).values_list(
            "key", "status", "value"
        )
    }
    missing = [spec.key for spec in specs if results.get(spec.key, ("", None))[0] not in SETTLED]
    if missing:
        raise KnownAnswerConflict(
            _("These fields are not settled: %(keys)s.") % {"keys": ", ".join(missing)}
        )
    values = {spec.key: str(results[spec.key][1] or "") for spec in specs}
    known_answer_save(
        project=locked.project,
        task=locked,
        use=use,
        source=KnownAnswerSource.SETTLED,
        values=values,
        markers={},
        notes={},
        actor=actor,
    )
    project_progress_request(project_id=locked.project_id)
    return KnownAnswer.objects.get(task=locked)


@transaction.atomic
def known_answer_update(
    *,
    known_answer: KnownAnswer,
    notes: Any = None,
    use: str | None = None,
    active: bool | None = None,
) -> KnownAnswer:
    """Change a known answer's notes, use or whether it is served. Answers already given keep
    the comparison made when they were given."""
    known = KnownAnswer.objects.select_for_update().get(pk=known_answer.pk)
    if notes is not None:
        known.notes = _notes_clean(notes, known.project.template.field_keys())
    if use is not None:
        if use not in KnownAnswerUse.values:
            raise KnownAnswerConflict(_("Choose practice or known answer."))
        known.use = use
    if active is not None:
        known.active = bool(active)
    known.save()
    return known


def _notes_clean(notes: Any, keys: list[str]) -> dict[str, dict[str, str]]:
    if not isinstance(notes, dict):
        raise ValuesRejected({"notes": [_("Send the notes as an object keyed by field.")]})
    clean: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for key, note in notes.items():
        if key not in keys:
            errors[str(key)[:64]] = [_("This field is not in the template.")]
            continue
        if not isinstance(note, dict) or set(note) - {"fr", "en"}:
            errors[key] = [_('Give the note as {"fr": …, "en": …}.')]
            continue
        texts = {lang: str(text).strip() for lang, text in note.items() if str(text).strip()}
        if any(len(t) > MAX_NOTE_LENGTH or hides_characters(t) for t in texts.values()):
            errors[key] = [
                _("At most %(max)s characters, no control characters.") % {"max": MAX_NOTE_LENGTH}
            ]
            continue
        if texts:
            clean[key] = texts
    if errors:
        raise ValuesRejected(errors)
    return clean


# --- Answers on them ----------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    check: KnownAnswerCheck
    created: bool
    feedback: bool  # whether the contributor is shown the comparison


def check_submit(
    *, task_id: int, user: User, lease_id: int, values: Any, markers: Any, key: str
) -> Checked:
    """Record `user`'s answer on a known-answer or practice image, compared field by field.

    Idempotent on `key` like transcriptions. The lease must be theirs and on this image, and
    not used yet (an expired one still counts: the image has room for everyone). Values are
    checked against the template as any answer. Blind answers update the contributor's
    weights and trust at once."""
    existing = KnownAnswerCheck.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return _again(existing, task_id)
    task = Task.objects.select_related("project__template").get(pk=task_id)
    specs = task.project.template.specs
    locked = locked_for(project=task.project, user=user, specs=specs)
    clean_values, clean_markers = values_check(
        specs=specs, values=values, markers=markers, locked=locked
    )
    try:
        with transaction.atomic():
            return _check_record(
                task=task,
                user=user,
                lease_id=lease_id,
                values=clean_values,
                markers=clean_markers,
                key=key,
            )
    except IntegrityError:
        existing = KnownAnswerCheck.objects.filter(user=user, idempotency_key=key).first()
        if existing is None:
            raise KnownAnswerConflict(_("You have already transcribed this image.")) from None
        return _again(existing, task_id)


def _again(existing: KnownAnswerCheck, task_id: int) -> Checked:
    if existing.task_id != task_id:
        raise KnownAnswerConflict(_("This idempotency key was already used for another image."))
    return Checked(existing, created=False, feedback=_shows_feedback(existing))


def _shows_feedback(check: KnownAnswerCheck) -> bool:
    return check.practice or check.project.known_answer_feedback


def _check_record(
    *,
    task: Task,
    user: User,
    lease_id: int,
    values: dict[str, str],
    markers: dict[str, str],
    key: str,
) -> Checked:
    from tasks.services.leases import contribute_check

    locked = Task.objects.select_for_update(of=("self",)).get(pk=task.pk)
    lease = Lease.objects.select_for_update().filter(pk=lease_id).first()
    if lease is None or lease.user_id != user.pk or lease.task_id != locked.pk:
        raise PermissionDenied(_("This lease is not yours or not for this image."))
    project = task.project
    contribute_check(user=user, project=project)
    known = KnownAnswer.objects.filter(task=locked).first()
    if known is None:
        # Taken out of the real stream for a known answer not given yet.
        raise KnownAnswerConflict(
            _("This image has just become a training image: ask for the next image to go on.")
        )
    if locked.state != TaskState.REFERENCE:
        raise KnownAnswerConflict(_("This image is no longer a training image."))
    if lease.state == LeaseState.SUBMITTED:
        raise KnownAnswerConflict(_("This lease was already used for a transcription."))
    practice = lease.kind == LeaseKind.PRACTICE
    specs = project.template.specs
    compared = answers_check(
        specs,
        # Fields they were not asked are not compared.
        keys=[spec.key for spec in specs if markers.get(spec.key) != UNASKED],
        expected=known.values,
        expected_markers=known.markers,
        given=values,
        given_markers=markers,
    )
    check = KnownAnswerCheck.objects.create(
        known_answer=known,
        project=project,
        task=locked,
        user=user,
        lease=lease,
        practice=practice,
        values=values,
        markers=markers,
        outcome={c.key: {"type": c.type, "match": c.match} for c in compared},
        compared=len(compared),
        matched=sum(c.match for c in compared),
        idempotency_key=key,
    )
    now = timezone.now()
    Lease.objects.filter(pk=lease.pk).update(state=LeaseState.SUBMITTED, ended_at=now)
    presence_send_on_commit(locked.pk)
    if not practice:
        _reliability_learn(
            project=project, user=user, compared=[(c.type, c.match) for c in compared]
        )
        badges_award(project=project, user_ids=[user.pk], known=True)
    return Checked(check, created=True, feedback=_shows_feedback(check))


def _reliability_learn(*, project: Project, user: User, compared: list[tuple[str, bool]]) -> None:
    """Add one blind known-answer image to the contributor's tallies and trust counts now, as
    `project_reliability_refresh` will count it from scratch."""
    by_type: dict[str, Tally] = {}
    for field_type, match in compared:
        tally = by_type.get(field_type, Tally())
        by_type[field_type] = reliability_update(
            tally, Observation(str(user.pk), field_type, match, KNOWN)
        )
    for field_type, extra in by_type.items():
        row, _created = ContributorReliability.objects.select_for_update().get_or_create(
            project=project, user=user, field_type=field_type
        )
        tally = Tally(row.correct + extra.correct, row.total + extra.total)
        row.correct, row.total, row.weight = tally.correct, tally.total, reliability_weight(tally)
        row.save(update_fields=["correct", "total", "weight", "updated_at"])
    trust, _created = ContributorTrust.objects.select_for_update().get_or_create(
        project=project, user=user
    )
    trust.compared += len(compared)
    trust.agreed += sum(match for _type, match in compared)
    trust.save(update_fields=["compared", "agreed", "updated_at"])
