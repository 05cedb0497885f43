"""What reconciling a field needs, worked out once: per field and policy, and per task.

The engine reconciles every field of every task, so whatever depends only on the field and
the policy (the parser, the blank share, the consensus of the type, the texts of unanimous
explanations) is computed once per field spec and policy and kept, and whatever depends only
on the task (the contributors, their weights per field type) once per task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from worker.consensus import dates, geo, numbers, select, text
from worker.consensus.explain import Part
from worker.consensus.model import UNASKED, Policy, Reading, Submission, ValueConsensus, Vote
from worker.template import FieldSpec

EPSILON = 1e-9

# Per type: the method and the comparison named in explanations when everyone agrees.
UNANIMOUS: dict[str, tuple[str, Part]] = {
    "text": ("exact", ("agree.exactly",)),
    "number": ("number", numbers.ON_THE_NUMBER),
    "date": ("date", dates.ON_THE_DATE),
    "select": ("select", select.ON_THE_OPTION),
}


def field_reader(spec: FieldSpec, policy: Policy) -> Callable[[str], Reading]:
    """The parser of one field's raw answers (each one caches the strings it has seen)."""
    if spec.type == "date":
        return _read_date_day_first if policy.day_first else _read_date_month_first
    if spec.type == "number":
        return partial(numbers.read_number, unit=spec.unit) if spec.unit else numbers.read_number
    if spec.type == "geopoint":
        return geo.read_point
    if spec.type == "select":
        if not spec.vocabulary:
            return select.read_free
        return partial(select.read_option, spec=spec)
    return text.read_text


def _read_date_day_first(raw: str) -> Reading:
    return dates.read_date(raw, True)


def _read_date_month_first(raw: str) -> Reading:
    return dates.read_date(raw, False)


def value_consensus(spec: FieldSpec, votes: list[Vote], policy: Policy) -> ValueConsensus:
    """The consensus of the field's type over the answers that are values."""
    if spec.type == "date":
        return dates.consensus(votes)
    if spec.type == "number":
        return numbers.consensus(votes)
    if spec.type == "geopoint":
        return geo.consensus(votes, policy.geopoint_tolerance_m)
    if spec.type == "select":
        return select.consensus(votes)
    return text.consensus(votes)


def blank_share(spec: FieldSpec, policy: Policy) -> float:
    """The share of its weight a blank or illegible vote counts for in this field."""
    for key, share in policy.blank_weights:
        if key == spec.key:
            return share
    return policy.select_blank_weight if spec.type == "select" else policy.blank_weight


@dataclass(frozen=True, slots=True)
class FieldPlan:
    """What reconciling one field under one policy needs."""

    spec: FieldSpec
    policy: Policy
    read: Callable[[str], Reading]
    consensus: Callable[[list[Vote]], ValueConsensus]
    share: float  # the share of its weight a blank or illegible vote counts for
    learnt: bool  # the share is learnt for this field (see `decide.lone_value`)
    method: str  # the method and comparison named when every answer is the same value
    note: Part
    needed: int  # how many contributors must agree
    threshold: float  # the agreement threshold, less the rounding allowance


# Plans by the identity of the field spec and of the policy (both kept alive in the plan:
# field specs hold mappings, so they do not hash).
_PLANS: dict[tuple[int, int], FieldPlan] = {}


def plan_for(spec: FieldSpec, policy: Policy) -> FieldPlan:
    plan = _PLANS.get((id(spec), id(policy)))
    if plan is not None and plan.spec is spec and plan.policy is policy:
        return plan
    if spec.type == "geopoint":
        method, note = "geopoint", geo.within(policy.geopoint_tolerance_m)
    else:
        method, note = UNANIMOUS.get(spec.type, UNANIMOUS["text"])
    plan = FieldPlan(
        spec=spec,
        policy=policy,
        read=field_reader(spec, policy),
        consensus=partial(value_consensus, spec, policy=policy),
        share=blank_share(spec, policy),
        learnt=any(k == spec.key for k, _ in policy.blank_weights),
        method=method,
        note=note,
        needed=min(2, policy.min_transcriptions),
        threshold=policy.agreement_threshold - EPSILON,
    )
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    _PLANS[(id(spec), id(policy))] = plan
    return plan


class TaskSubmissions:
    """The submissions of one task as its fields read them: answers, users, weights by type."""

    __slots__ = (
        "_cap",
        "_policy",
        "_prior",
        "_weights",
        "marked",
        "n",
        "submissions",
        "untrusted",
        "users",
        "values",
    )

    def __init__(self, submissions: Sequence[Submission], policy: Policy) -> None:
        self.submissions = submissions
        self._policy = policy
        self.values: list[Mapping[str, str]] = [s.values for s in submissions]
        self.users = tuple(s.user for s in submissions)
        self.n = len(submissions)
        self.marked = any(s.markers for s in submissions)
        self._prior = policy.prior_weight
        self._cap = policy.unproven_weight
        self._weights: dict[str, list[float]] = {}
        # Usually empty, so that checking a value's backers costs nothing.
        self.untrusted = frozenset(s.user for s in submissions if not s.trusted)

    def asked(self, key: str) -> TaskSubmissions:
        """The submissions of those who were asked the field `key` (not marked unasked)."""
        return TaskSubmissions(
            [s for s in self.submissions if s.markers.get(key) != UNASKED], self._policy
        )

    def weights(self, field_type: str) -> list[float]:
        """Each contributor's weight for fields of this type (the prior when unknown)."""
        weights = self._weights.get(field_type)
        if weights is None:
            prior, cap = self._prior, self._cap
            weights = [s.weights.get(field_type, prior) for s in self.submissions]
            if self.untrusted:
                weights = [
                    w if s.trusted else min(cap, w)
                    for s, w in zip(self.submissions, weights, strict=True)
                ]
            self._weights[field_type] = weights
        return weights


def unproven_only(untrusted: frozenset[str], agreeing: Sequence[str]) -> bool:
    """Every contributor backing the value is unproven: it may not be accepted on their word."""
    return bool(untrusted) and bool(agreeing) and all(user in untrusted for user in agreeing)
