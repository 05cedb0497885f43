"""A batch's priority: what a lead sets so that its images are served before (or after) the
rest. Next-task serves by `Task.priority` first, whatever the assignment order
(tasks.services.leases), so the batch's value goes to each of its images: the ones there now,
here, and the ones ingested later, as each is opened (`batch_priority_follow`)."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Subquery
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.models import AuditKind, Batch, BatchState, Task
from tasks.services.audit import audit_record

# A small range a person can reason about; Task.priority is a small integer.
PRIORITY_MIN = -100
PRIORITY_MAX = 100
_WHOLE = re.compile(r"[+-]?[0-9]{1,6}")


class PriorityRefused(DomainError):
    status_code = 400
    code = "invalid"


def _out_of_range() -> PriorityRefused:
    return PriorityRefused(
        _("The priority must be a whole number from %(min)s to %(max)s.")
        % {"min": PRIORITY_MIN, "max": PRIORITY_MAX}
    )


def priority_parse(raw: object) -> int:
    """A priority typed by a lead: a whole number from PRIORITY_MIN to PRIORITY_MAX."""
    text = str(raw if raw is not None else "").strip()
    # ASCII digits only: int() would also take "1_0" and digits of other scripts.
    if not _WHOLE.fullmatch(text):
        raise _out_of_range()
    value = int(text)
    if not PRIORITY_MIN <= value <= PRIORITY_MAX:
        raise _out_of_range()
    return value


@transaction.atomic
def batch_priority_set(*, batch: Batch, priority: int, actor: User | None) -> int:
    """Give `batch` and every one of its images `priority` (higher is served first); record
    the change. Returns how many images took it. Callers check that `actor` manages the
    project. Setting the same value again changes and records nothing."""
    if not PRIORITY_MIN <= priority <= PRIORITY_MAX:
        raise _out_of_range()
    # The batch row first: ingest opens each image under it (`batch_priority_follow`), so an
    # image opened meanwhile either reads the new value or is committed before this update.
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    if locked.state == BatchState.WITHDRAWN:
        raise PriorityRefused(_("This batch was withdrawn: its images are no longer served."))
    before = locked.priority
    if before == priority:
        return 0
    locked.priority = priority
    locked.save(update_fields=["priority"])
    changed = Task.objects.filter(batch=locked).exclude(priority=priority).update(priority=priority)
    audit_record(
        project=locked.project_id,
        kind=AuditKind.BATCH_PRIORITY,
        actor=actor,
        batch=locked,
        details={"before": before, "after": priority, "tasks": changed},
    )
    batch.priority = priority
    return changed


def batch_priority_follow(*, task_id: int, batch_id: int) -> None:
    """An image just opened in a batch takes the batch's priority. Call it with the batch row
    locked (ingest's `_done` locks it), so that a change made meanwhile is not missed."""
    Task.objects.filter(pk=task_id).update(
        priority=Subquery(Batch.objects.filter(pk=batch_id).values("priority")[:1])
    )
