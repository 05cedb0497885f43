"""The steps of a task (worker/template/steps.py): the label, then, in a template with
georeference fields, the georeference step.

A task's `step` says which of them its `state`, `target` and `transcription_count` are about.
It moves to the georeference step once every field of its label is settled (agreed, blank, or
decided by a curator) and the label gives no point of its own; it comes back to the label when
a label field is unsettled again (a curator reopened it, a late answer changed it). The
georeference step collects its own transcriptions, with the project's redundancy rules, from
any volunteer, also one who read the label: placing a settled locality on a map is work of
its own, and the answers of the step stay independent of each other. Called by reconciliation
and by curators' decisions, with the task's row locked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.utils.translation import gettext as _

from crowd.errors import DomainError
from tasks.models import FieldResult, FieldStatus, Project, Task, TaskState, TaskStep
from worker.template import FieldSpec
from worker.template.steps import (
    GEOREFERENCE,
    LABEL,
    STEPS,
    printed_point,
    step_specs,
    steps_of,
)

UNSETTLED = (FieldStatus.DISPUTED, FieldStatus.NEEDS_MORE)
SETTLED_VALUES = (FieldStatus.AGREED, FieldStatus.RESOLVED)


class StepRefused(DomainError):
    """A step the project does not have, or no step at all."""

    status_code = 400
    code = "invalid"


def steps_asked(*, project: Project, step: str | None) -> tuple[str, ...]:
    """The steps whose images next-task may give, in order: the one asked for, or (None) the
    project's every step, its labels first. StepRefused for a step the project has not."""
    steps = steps_of(project.template.specs)
    if not step:
        return steps
    if step not in STEPS:
        raise StepRefused(_("Unknown step: ask for label or georeference."))
    if step not in steps:
        raise StepRefused(
            _("This project has no georeference step: its images are transcribed in one step.")
        )
    return (step,)


class StepRow(NamedTuple):
    key: str
    value: str
    status: str


def label_settled(specs: Sequence[FieldSpec], rows: Iterable[StepRow]) -> bool:
    """Whether every field of the label has a settled result."""
    statuses = {row.key: row.status for row in rows}
    return all(
        spec.key in statuses and statuses[spec.key] not in UNSETTLED
        for spec in step_specs(specs, LABEL)
    )


def settled_values(rows: Iterable[StepRow]) -> dict[str, str]:
    """Key -> value of the results that settled a value (agreed, or a curator's)."""
    return {row.key: row.value for row in rows if row.status in SETTLED_VALUES and row.value}


def georeference_due(specs: Sequence[FieldSpec], rows: Sequence[StepRow]) -> bool:
    """Whether the task goes on to the georeference step: its label settled and giving no
    point of its own (coordinates printed on the label keep their place in the label step)."""
    return label_settled(specs, rows) and not printed_point(specs, settled_values(rows))


def step_rows(task: Task) -> list[StepRow]:
    rows = task.field_results.values_list("key", "value", "status")
    return [StepRow(key, value or "", status) for key, value, status in rows]


def task_step_open(*, task: Task, project: Project, count: int) -> None:
    """Put a locked task whose label just settled in the georeference step, open for its
    first answers (`count`: those it has already, from an earlier visit of the step). Saved
    by the caller."""
    task.step = TaskStep.GEOREFERENCE
    task.transcription_count = count
    task.target = max(project.redundancy_min, count)
    task.state = TaskState.OPEN


def task_step_back(*, task: Task, count: int) -> None:
    """Put a locked task back in the label step (a label field is unsettled again), whose
    `count` label answers count again. Saved by the caller."""
    task.step = TaskStep.LABEL
    task.transcription_count = count
    task.target = max(count, 1)


def step_counts(task: Task) -> dict[str, int]:
    """The task's transcriptions that count, per step."""
    counts = dict.fromkeys((LABEL, GEOREFERENCE), 0)
    for step in task.transcriptions.filter(void__isnull=True).values_list("step", flat=True):
        counts[step] = counts.get(step, 0) + 1
    return counts


def results_unsettled(task: Task, keys: Iterable[str]) -> bool:
    return FieldResult.objects.filter(task=task, key__in=list(keys), status__in=UNSETTLED).exists()
