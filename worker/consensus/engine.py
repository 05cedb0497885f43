"""Reconcile one task: every field's answers into a value, a status and an explanation.

Pure and deterministic: the same transcriptions give the same outcome whatever their order
(they are sorted by contributor first), and nothing is read from or written to the outside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from operator import attrgetter
from typing import NamedTuple

from worker.consensus import geo, where
from worker.consensus.decide import decide, one_form, unanimous
from worker.consensus.model import (
    ABSENT,
    COMPLETE,
    DISPUTED,
    ILLEGIBLE,
    MARKERS,
    NEEDS_MORE,
    SETTLED,
    UNASKED,
    FieldOutcome,
    Policy,
    Reading,
    Submission,
    TaskOutcome,
    Vote,
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
from worker.places.bounds import Box
from worker.template import FieldSpec

__all__ = [
    "AnswerCache",
    "canonical_order",
    "field_reader",
    "plans_for",
    "reconcile_field",
    "reconcile_task",
]


def reconcile_task(
    fields: Sequence[FieldSpec],
    submissions: Sequence[Submission],
    policy: Policy | None = None,
    *,
    country: str = "",
    region: str = "",
    cache: AnswerCache | None = None,
    weights: Mapping[str, Mapping[str, float]] | None = None,
    brief: bool = False,
) -> TaskOutcome:
    """Reconcile every field of one task from all its transcriptions so far.

    `country` and `region` are the record's country and region (state, province,
    département) as its metadata names them ("Espagne", "ES"; "Isère", "FR-38"); without
    them, the template's country and region fields give them. A geopoint is checked against
    them: the order of latitude and longitude that lies in them wins, and a point outside
    them is never accepted without a curator; nor is an elevation above the country's
    highest land or below its lowest (`worker.consensus.where`).

    Idempotent: call it again with the same transcriptions and get the same outcome. The
    decision is `complete` when every field is accepted (agreed or blank), `needs_more`
    while a field is unsettled and the task is under the policy's maximum, `disputed` once
    the maximum is reached with fields still unsettled.

    `cache`, kept by the caller for this task, keeps the answers' readings for the next call
    on the same answers (with other weights, say): the outcome is the same with or without it.

    `weights`, per contributor and field type, replace those their submissions carry: the
    outcome is that of `reliability.with_weights(submissions, weights)`, without making
    the submissions again.

    `brief`: outcomes for contributor reliability only (`reliability.estimate_from_tasks`):
    each field's value, status, agreement, support, count and agreeing contributors are the
    full outcome's, its method too; its alternatives are left out, and its explanation but
    for the notes of the place checks.
    """
    policy = policy or Policy()
    # The same submissions as last time with this cache (the next pass over a file): the task
    # as it was made then, under this policy and with these weights.
    task = cache.task(submissions, policy, weights) if cache is not None else None
    if task is None:
        task = TaskSubmissions(canonical_order(submissions), policy, cache, weights)
        if cache is not None:
            cache.keep(submissions, task)
    layout = _layout(plans_for(fields, policy, brief))
    outcomes = {key: _reconcile(plan, task) for key, plan in layout.first}
    checked = layout.checked
    if checked:
        # Checked last: against the country and region the other fields settled.
        place = where.record_place(fields, outcomes, country, region)
        for plan in checked:
            spec = plan.spec
            if spec.type != "geopoint":
                outcomes[spec.key] = where.held_implausible(
                    outcomes[spec.key], spec, place, task.n, policy
                )
            elif place is where.NOWHERE:
                outcomes[spec.key] = _reconcile(plan, task)
            else:
                found = _reconcile(_plan_in(plan, place), task)
                outcomes[spec.key] = where.held_outside(found, place, task.n, policy)
        if not layout.in_order:
            outcomes = {spec.key: outcomes[spec.key] for spec in fields}
    n = task.n
    # `FieldOutcome.accepted` of every field, without a property call per field.
    if n >= policy.min_transcriptions and all(o.status in SETTLED for o in outcomes.values()):
        decision = COMPLETE
    elif n < policy.max_transcriptions:
        decision = NEEDS_MORE
    else:
        decision = DISPUTED
    return TaskOutcome(fields=outcomes, decision=decision)


class _Layout(NamedTuple):
    """The order fields are reconciled in: the plans of those reconciled first (every field
    but the geopoints) by key, then those checked against the record's place; and whether
    the outcomes come out so in the fields' order (the geopoints last)."""

    first: list[tuple[str, FieldPlan]]
    checked: list[FieldPlan]
    in_order: bool


# The layouts of the last lists of plans (`plans_for` gives the same list for the same
# fields and policy), kept alive with them; whether each field spec is checked.
_LAYOUTS: dict[int, tuple[list[FieldPlan], _Layout]] = {}
_CHECKED: dict[int, tuple[FieldSpec, bool]] = {}


def _layout(plans: list[FieldPlan]) -> _Layout:
    found = _LAYOUTS.get(id(plans))
    if found is not None and found[0] is plans:
        return found[1]
    first = [(plan.spec.key, plan) for plan in plans if plan.spec.type != "geopoint"]
    checked = [plan for plan in plans if _is_checked(plan.spec)]
    types = [plan.spec.type == "geopoint" for plan in plans]
    layout = _Layout(first, checked, types == sorted(types))
    if len(_LAYOUTS) >= 16:
        _LAYOUTS.clear()
    _LAYOUTS[id(plans)] = (plans, layout)
    return layout


def _is_checked(spec: FieldSpec) -> bool:
    found = _CHECKED.get(id(spec))
    if found is not None and found[0] is spec:
        return found[1]
    checked = where.is_checked(spec)
    if len(_CHECKED) >= 1024:
        _CHECKED.clear()
    _CHECKED[id(spec)] = (spec, checked)
    return checked


# Plans whose geopoint consensus knows the record's country and region, by plan and boxes.
_PLACE_PLANS: dict[tuple[int, Box | None, Box | None], FieldPlan] = {}


def _plan_in(plan: FieldPlan, place: where.Place) -> FieldPlan:
    key = (id(plan), place.box, place.region_box)
    found = _PLACE_PLANS.get(key)
    if found is not None and found.spec is plan.spec and found.policy is plan.policy:
        return found
    found = replace(
        plan,
        consensus=partial(
            geo.consensus,
            tolerance_m=plan.policy.geopoint_tolerance_m,
            box=place.box,
            region=place.region_box,
            brief=plan.brief,
        ),
    )
    if len(_PLACE_PLANS) >= 1024:
        _PLACE_PLANS.clear()
    _PLACE_PLANS[key] = found
    return found


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
    if task.marked and any(s.markers.get(key) == UNASKED for s in task.submissions):
        task = task.asked(key)
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
