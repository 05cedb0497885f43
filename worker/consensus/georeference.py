"""The georeference step's consensus: the points volunteers placed for a settled label.

The fields are geopoints (worker/template/steps.py), reconciled with the engine's geopoint rules
(`worker.consensus.where`): answers within the project's tolerance agree, and a point outside
the record's country or region is never accepted without a curator or more readers. Here the
record's country and region are not read from the answers: they are what the label step
settled (or the institution's metadata), given by the caller; the explanation of a point held
back says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.consensus.engine import reconcile_task
from worker.consensus.model import FieldOutcome, Policy, Submission, TaskOutcome, make_outcome
from worker.template import FieldSpec

# Parts `where` adds to a point outside the record's place.
_OUTSIDE = frozenset(
    {"geo.outside", "geo.outside_swap_fits", "geo.outside_region", "geo.outside_region_swap_fits"}
)
LABEL_PLACE: tuple[str] = ("geo.label_place",)


def reconcile_georeference(
    fields: Sequence[FieldSpec],
    submissions: Sequence[Submission],
    policy: Policy,
    *,
    country: str,
    region: str,
) -> TaskOutcome:
    """Reconcile the georeference `fields` from the georeference step's `submissions`, the
    record's place being the settled `country` and `region` of its label ("" when unknown)."""
    outcome = reconcile_task(fields, submissions, policy, country=country, region=region)
    if not (country or region):
        return outcome
    fields_out = {key: _said_from_label(found) for key, found in outcome.fields.items()}
    return TaskOutcome(fields=fields_out, decision=outcome.decision)


def _said_from_label(found: FieldOutcome) -> FieldOutcome:
    if not any(part[0] in _OUTSIDE for part in found.notes):
        return found
    return make_outcome(
        key=found.key,
        value=found.value,
        status=found.status,
        agreement=found.agreement,
        support=found.support,
        n=found.n,
        method=found.method,
        alternatives=found.alternatives,
        notes=(*found.notes, LABEL_PLACE),
        agreeing=found.agreeing,
    )
