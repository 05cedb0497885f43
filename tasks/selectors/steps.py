"""Reads about a task's steps (worker/template/steps.py): what its settled label says, shown
read-only beside the georeference step's form."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from tasks.models import FieldResult, FieldStatus, Task
from worker.template import FieldSpec
from worker.template.steps import context_specs


def settled_label(*, task: Task, specs: tuple[FieldSpec, ...]) -> list[dict[str, Any]]:
    """The settled values of the label fields that help to place the specimen (locality,
    country, region, habitat, collector, date…), in the template's order, each with its label
    (and a select's option label) in the reader's language: `[{"key", "label", "value"}]`.
    Only consensus values: no volunteer's own answer is shown."""
    chosen = context_specs(specs)
    settled = dict(
        FieldResult.objects.filter(
            task=task,
            key__in=[spec.key for spec in chosen],
            status__in=(FieldStatus.AGREED, FieldStatus.RESOLVED),
        ).values_list("key", "value")
    )
    language = (get_language() or "en")[:2]
    entries = []
    for spec in chosen:
        value = settled.get(spec.key)
        if not isinstance(value, str) or not value:
            continue
        option = spec.option_for(value) if spec.type == "select" else None
        shown = option.label_in(language) if option is not None else value
        entries.append({"key": spec.key, "label": spec.label_in(language), "value": shown})
    return entries
