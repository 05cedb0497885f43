"""The steps of a task: its label first, then, in a template with georeference fields, the
georeference step, asked once every field of the label is settled.

Pure Python: assignment, submissions, reconciliation and the pages all split a template here.
A template without georeference fields has one step, the label, and behaves as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from worker.template.model import FieldSpec

LABEL = "label"
GEOREFERENCE = "georeference"
STEPS = (LABEL, GEOREFERENCE)

# Darwin Core terms of the label whose settled values help to place a specimen: where, when and
# by whom it was collected, in the order a georeferencer reads them.
CONTEXT_TERMS = (
    "country",
    "countryCode",
    "stateProvince",
    "county",
    "municipality",
    "locality",
    "verbatimLocality",
    "habitat",
    "minimumElevationInMeters",
    "maximumElevationInMeters",
    "verbatimElevation",
    "recordedBy",
    "eventDate",
    "verbatimEventDate",
)
# Keys that say the same without a mapping.
CONTEXT_KEYS = (
    "country",
    "state",
    "province",
    "region",
    "locality",
    "habitat",
    "collector",
    "date",
)


def has_georeference(specs: Iterable[FieldSpec]) -> bool:
    """Whether the template has a georeference step."""
    return any(spec.georeference for spec in specs)


def step_specs(specs: Sequence[FieldSpec], step: str) -> tuple[FieldSpec, ...]:
    """The fields asked in `step`: the georeference fields in the georeference step, every
    other field with the label."""
    wanted = step == GEOREFERENCE
    return tuple(spec for spec in specs if spec.georeference == wanted)


def steps_of(specs: Sequence[FieldSpec]) -> tuple[str, ...]:
    """The template's steps, in the order a task goes through them."""
    return STEPS if has_georeference(specs) else (LABEL,)


def printed_point(specs: Sequence[FieldSpec], settled: Mapping[str, str]) -> bool:
    """Whether the settled label gives a point itself (coordinates printed on the label, read
    in a geopoint field of the label step): then there is nothing to georeference."""
    return any(
        spec.type == "geopoint" and not spec.georeference and settled.get(spec.key)
        for spec in specs
    )


def context_specs(specs: Sequence[FieldSpec]) -> tuple[FieldSpec, ...]:
    """The label's fields whose settled values are shown beside the georeference step's form:
    those that say where, when and by whom (by their Darwin Core term or their key), in the
    template's order; every label field when none does."""
    label = step_specs(specs, LABEL)
    chosen = tuple(spec for spec in label if _helps(spec))
    return chosen or label


def _helps(spec: FieldSpec) -> bool:
    term = spec.mapping.get("dwc")
    if isinstance(term, str) and term in CONTEXT_TERMS:
        return True
    if spec.type == "geopoint":
        return True  # coordinates printed on the label, were any read
    key = spec.key.casefold()
    return any(word in key for word in CONTEXT_KEYS)
