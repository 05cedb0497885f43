"""Reads about a task's steps (worker/template/steps.py): what its settled label says, shown
read-only beside the georeference step's form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import get_language

from tasks.models import FieldResult, FieldStatus, Task
from worker.consensus.where import REGION_KEYS, place_fields
from worker.places.countries import country_code
from worker.template import FieldSpec
from worker.template.steps import LABEL, context_specs, step_specs


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


def label_place(
    specs: Sequence[FieldSpec], settled: Mapping[str, str], metadata: Mapping[str, object]
) -> tuple[str, str]:
    """The record's country and region for the georeference step: the institution's metadata,
    else the label's settled country and region fields."""
    countries, regions = place_fields(step_specs(specs, LABEL))
    country = str(metadata.get("countryCode") or metadata.get("country") or "")
    region = next((str(metadata[key]) for key in REGION_KEYS if metadata.get(key)), "")
    if not country:
        country = next((settled[s.key] for s in countries if settled.get(s.key)), "")
    if not region:
        region = next((settled[s.key] for s in regions if settled.get(s.key)), "")
    return country[:100], region[:100]


def settled_place(*, task: Task, specs: tuple[FieldSpec, ...]) -> dict[str, str]:
    """The record's country and region as the georeference step's consensus checks points
    against them (the institution's metadata, else the label's settled country and region
    fields, whatever their keys): `{"country": ISO 3166-1 code, "region": as settled}`, for
    the gazetteer's search and where the map opens. A country no code answers to is "": it
    restricts nothing, rather than making every search fail."""
    countries, regions = place_fields(step_specs(specs, LABEL))
    settled = dict(
        FieldResult.objects.filter(
            task=task,
            key__in=[spec.key for spec in (*countries, *regions)],
            status__in=(FieldStatus.AGREED, FieldStatus.RESOLVED),
        ).values_list("key", "value")
    )
    metadata = task.metadata if isinstance(task.metadata, dict) else {}
    country, region = label_place(specs, {k: v for k, v in settled.items() if v}, metadata)
    code = country_code(country) if country.strip() else None
    if code is None and 0 < len(country.strip()) <= 3:  # a code in lower case: "fr"
        code = country_code(country.strip().upper())
    return {"country": code or "", "region": region.strip()}
