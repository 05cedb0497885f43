"""Reconcile one task: every field's answers into a value, a status and an explanation.

Pure and deterministic: the same transcriptions give the same outcome whatever their order
(they are sorted by contributor first), and nothing is read from or written to the outside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache, partial
from operator import attrgetter

from worker.consensus import geo
from worker.consensus.decide import decide, one_form, unanimous, unsettled
from worker.consensus.explain import Part
from worker.consensus.model import (
    ABSENT,
    COMPLETE,
    DISPUTED,
    ILLEGIBLE,
    MARKERS,
    NEEDS_MORE,
    FieldOutcome,
    Policy,
    Reading,
    Submission,
    TaskOutcome,
    Vote,
    make_outcome,
)
from worker.consensus.plan import (
    AnswerCache,
    FieldPlan,
    TaskSubmissions,
    field_reader,
    plan_for,
    plans_for,
    read_answers,
)
from worker.places.bounds import Box, country_box, in_box
from worker.places.countries import country_code
from worker.template import FieldSpec

__all__ = [
    "AnswerCache",
    "canonical_order",
    "field_reader",
    "names_country",
    "reconcile_field",
    "reconcile_task",
]


def reconcile_task(
    fields: Sequence[FieldSpec],
    submissions: Sequence[Submission],
    policy: Policy | None = None,
    *,
    country: str = "",
    cache: AnswerCache | None = None,
    weights: Mapping[str, Mapping[str, float]] | None = None,
) -> TaskOutcome:
    """Reconcile every field of one task from all its transcriptions so far.

    `country` is the record's country as its metadata names it ("Espagne", "ES"); without it,
    a country field of the template gives it. A geopoint is checked against that country:
    the order of latitude and longitude that lies in it wins, and a point outside it is never
    accepted without a curator.

    Idempotent: call it again with the same transcriptions and get the same outcome. The
    decision is `complete` when every field is accepted (agreed or blank), `needs_more`
    while a field is unsettled and the task is under the policy's maximum, `disputed` once
    the maximum is reached with fields still unsettled.

    `cache`, kept by the caller for this task, keeps the answers' readings for the next call
    on the same answers (with other weights, say): the outcome is the same with or without it.

    `weights`, per contributor and field type, replace those their submissions carry: the
    outcome is that of `reliability.with_weights(submissions, weights)`, without making
    the submissions again.
    """
    policy = policy or Policy()
    task = TaskSubmissions(canonical_order(submissions), policy, cache, weights)
    plans = plans_for(fields, policy)
    outcomes = {
        plan.spec.key: _reconcile(plan, task) for plan in plans if plan.spec.type != "geopoint"
    }
    if len(outcomes) < len(fields):
        # Geopoints last: they are checked against the country the other fields settled.
        code = record_country(fields, outcomes, country)
        box = country_box(code) if code else None
        for plan in plans:
            spec = plan.spec
            if spec.type == "geopoint":
                if box is None:
                    outcomes[spec.key] = _reconcile(plan, task)
                else:
                    found = _reconcile(_plan_in(plan, box), task)
                    outcomes[spec.key] = held_outside(found, box, code, task.n, policy)
        outcomes = {spec.key: outcomes[spec.key] for spec in fields}
    n = task.n
    if n >= policy.min_transcriptions and all(o.accepted for o in outcomes.values()):
        decision = COMPLETE
    elif n < policy.max_transcriptions:
        decision = NEEDS_MORE
    else:
        decision = DISPUTED
    return TaskOutcome(fields=outcomes, decision=decision)


def record_country(
    fields: Sequence[FieldSpec], outcomes: dict[str, FieldOutcome], country: str = ""
) -> str:
    """The record's ISO 3166-1 code: from the metadata's country, else from the agreed value of
    a country field (mapped to Darwin Core's `country` or keyed so); "" when unknown."""
    if country:
        return _code(country)
    for spec in fields:
        if names_country(spec):
            found = outcomes.get(spec.key)
            # Only a country the readers agree on: a misread one would hold good points back.
            if found is not None and found.value and found.accepted:
                return _code(found.value)
    return ""


def names_country(spec: FieldSpec) -> bool:
    """Whether the field gives the record's country, which the geopoint check reads."""
    return spec.mapping.get("dwc") in ("country", "countryCode") or spec.key in (
        "country",
        "countryCode",
    )


@lru_cache(maxsize=4096)
def _code(country: str) -> str:
    return country_code(country) or ""


# Plans whose geopoint consensus knows the record's country, by plan and box.
_COUNTRY_PLANS: dict[tuple[int, Box], FieldPlan] = {}


def _plan_in(plan: FieldPlan, box: Box) -> FieldPlan:
    found = _COUNTRY_PLANS.get((id(plan), box))
    if found is not None and found.spec is plan.spec and found.policy is plan.policy:
        return found
    found = replace(
        plan,
        consensus=partial(geo.consensus, tolerance_m=plan.policy.geopoint_tolerance_m, box=box),
    )
    if len(_COUNTRY_PLANS) >= 1024:
        _COUNTRY_PLANS.clear()
    _COUNTRY_PLANS[(id(plan), box)] = found
    return found


def held_outside(
    outcome: FieldOutcome, box: Box, code: str, n: int, policy: Policy
) -> FieldOutcome:
    """The outcome, unless its point lies outside the record's country: then a curator or more
    readers must settle it, whatever the agreement (a point in the wrong country is a misread
    label or a wrong country, and either is for a person to see)."""
    point = geo.parse_point(outcome.value) if outcome.value else None
    if point is None or in_box(point, box):
        return outcome
    status = unsettled(n, policy) if outcome.accepted else outcome.status
    swapped_fits = in_box((point[1], point[0]), box)
    note: Part = ("geo.outside_swap_fits", code) if swapped_fits else ("geo.outside", code)
    return make_outcome(
        key=outcome.key,
        value=outcome.value,
        status=status,
        agreement=outcome.agreement,
        support=outcome.support,
        n=outcome.n,
        method=outcome.method,
        alternatives=outcome.alternatives,
        notes=(*outcome.notes, note),
        agreeing=outcome.agreeing,
    )


_user = attrgetter("user")


def canonical_order(submissions: Sequence[Submission]) -> list[Submission]:
    """Submissions sorted by contributor, so arrival order never changes a result."""
    ordered = sorted(submissions, key=_user)
    if len({s.user for s in ordered}) < len(ordered):  # the same person twice: sort on content
        ordered.sort(
            key=lambda s: (
                s.user,
                sorted(s.values.items()),
                sorted(s.markers.items()),
                sorted(s.weights.items()),
            )
        )
    return ordered


def reconcile_field(
    spec: FieldSpec, submissions: Sequence[Submission], policy: Policy
) -> FieldOutcome:
    """One field of one task. `submissions` should be in `canonical_order`."""
    return _reconcile(plan_for(spec, policy), TaskSubmissions(submissions, policy))


# `Vote(user, weight, reading)` without the named tuple's generated constructor, a Python
# function: one vote is made per answer of every field that goes to the general rule.
_vote = tuple.__new__


def _reconcile(plan: FieldPlan, task: TaskSubmissions) -> FieldOutcome:
    key, read = plan.spec.key, plan.read
    if task.marked and any(key in s.markers for s in task.submissions):
        readings = [
            Reading(str(s.markers[key]), None, "")
            if s.markers.get(key) in MARKERS
            else read(s.values.get(key) or "")
            for s in task.submissions
        ]
    else:
        cache = task.cache
        if cache is None:
            readings, same, one_value, _ = read_answers(key, read, task.values)
        else:
            readings, same, one_value, _ = cache.readings(key, read, task.values)
        # The common cases first: everyone gave the same value (in any form) or left it
        # blank; or everyone who typed something typed the same value.
        if same is not None:
            quick = unanimous(plan, task, same)
            if quick is not None:
                return quick
        elif one_value:
            quick = one_form(plan, task, readings)
            if quick is not None:
                return quick
    share = plan.share
    values: list[Vote] = []
    others: list[Vote] = []  # blank, absent and illegible votes
    total = 0.0
    for user, weight, reading in zip(
        task.users, task.weights(plan.spec.type), readings, strict=True
    ):
        kind = reading.kind
        if kind == "value":
            values.append(_vote(Vote, (user, weight, reading)))
        elif kind == ABSENT:
            others.append(_vote(Vote, (user, weight, reading)))
        else:
            weight *= share
            others.append(_vote(Vote, (user, weight, reading)))
        total += weight
    if total <= 0:
        # Every weight is zero: count heads instead.
        values = [Vote(v.user, 1.0, v.reading) for v in values]
        others = [Vote(v.user, share, v.reading) for v in others]
    if others:
        blanks = [v for v in others if v.reading.kind != ILLEGIBLE]
        illegible = [v for v in others if v.reading.kind == ILLEGIBLE]
    else:
        blanks = illegible = others
    return decide(plan, values, blanks, illegible, task.n, task.untrusted)
