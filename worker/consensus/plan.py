"""What reconciling a field needs, worked out once: per field and policy, and per task.

The engine reconciles every field of every task, so whatever depends only on the field and
the policy (the parser, the blank share, the consensus of the type, the texts of unanimous
explanations) is computed once per field spec and policy and kept, and whatever depends only
on the task (the contributors, their weights per field type) once per task.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from operator import is_
from typing import NamedTuple

from worker.consensus import dates, geo, numbers, select, text
from worker.consensus.explain import Part
from worker.consensus.model import UNASKED, Policy, Reading, Submission, ValueConsensus, Vote
from worker.template import FieldSpec

EPSILON = 1e-9
_new = object.__new__

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


def value_consensus(
    spec: FieldSpec, policy: Policy, brief: bool = False
) -> Callable[[list[Vote]], ValueConsensus]:
    """The consensus of the field's type over the answers that are values (`brief`: without
    the alternatives, see `FieldPlan`)."""
    if spec.type == "date":
        return partial(dates.consensus, brief=True) if brief else dates.consensus
    if spec.type == "number":
        return partial(numbers.consensus, brief=True) if brief else numbers.consensus
    if spec.type == "geopoint":
        return partial(geo.consensus, tolerance_m=policy.geopoint_tolerance_m, brief=brief)
    if spec.type == "select":
        return partial(select.consensus, brief=True) if brief else select.consensus
    return partial(text.consensus, brief=True) if brief else text.consensus


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
    # Outcomes for the reliability rounds only (`reconcile_task(..., brief=True)`): the same
    # value, status, agreement, support and agreeing contributors, without the alternatives
    # and the explanation, which the rounds' tallies never read.
    brief: bool = False


# Plans by the identity of the field spec and of the policy (both kept alive in the plan:
# field specs hold mappings, so they do not hash), and whether they are brief.
_PLANS: dict[tuple[int, int, bool], FieldPlan] = {}


def plan_for(spec: FieldSpec, policy: Policy, brief: bool = False) -> FieldPlan:
    plan = _PLANS.get((id(spec), id(policy), brief))
    if plan is not None and plan.spec is spec and plan.policy is policy:
        return plan
    if brief:
        # The full plan's, parser included: answers read by one are known to the other.
        full = plan_for(spec, policy)
        plan = replace(full, brief=True, consensus=value_consensus(spec, policy, brief=True))
    else:
        plan = _new_plan(spec, policy)
    if len(_PLANS) >= 1024:
        _PLANS.clear()
    _PLANS[(id(spec), id(policy), brief)] = plan
    return plan


def _new_plan(spec: FieldSpec, policy: Policy) -> FieldPlan:
    if spec.type == "geopoint":
        method, note = "geopoint", geo.within(policy.geopoint_tolerance_m)
    else:
        method, note = UNANIMOUS.get(spec.type, UNANIMOUS["text"])
    return FieldPlan(
        spec=spec,
        policy=policy,
        read=field_reader(spec, policy),
        consensus=value_consensus(spec, policy),
        share=blank_share(spec, policy),
        learnt=any(k == spec.key for k, _ in policy.blank_weights),
        method=method,
        note=note,
        needed=min(2, policy.min_transcriptions),
        threshold=policy.agreement_threshold - EPSILON,
    )


# The plans of the last fields and policy reconciled together, brief and full: a file, or a
# batch of a project's tasks, is reconciled task after task with the same ones. Only for a
# tuple of fields, which cannot change under the same identity (kept alive here with the
# policy).
_LAST_PLANS: dict[bool, tuple[tuple[FieldSpec, ...], Policy, list[FieldPlan]]] = {}


def plans_for(fields: Sequence[FieldSpec], policy: Policy, brief: bool = False) -> list[FieldPlan]:
    """The plan of every field, in order."""
    if type(fields) is not tuple:
        return [plan_for(spec, policy, brief) for spec in fields]
    last = _LAST_PLANS.get(brief)
    if last is not None:
        last_fields, last_policy, plans = last
        if last_fields is fields and last_policy is policy:
            return plans
    plans = [plan_for(spec, policy, brief) for spec in fields]
    _LAST_PLANS[brief] = (fields, policy, plans)
    return plans


class AnswerCache:
    """One task's answers as its fields read them, kept from one pass over the task to the next.

    The command line reconciles every task three times (two reliability rounds, then the last
    pass) with the same answers and other weights: each field's readings are worked out on the
    first pass and reused after. The readings stay valid while the task's answers are the same
    mapping objects in the same order (`with_weights` keeps them); any other answers empty the
    cache first, so a stale reading is never used. Answers are never changed in place (a
    transcription is never edited once submitted): a caller that did would have to drop the
    cache.

    It also keeps the task as last made from its submissions (sorted, their contributors
    counted), for the next pass given the same submissions.
    """

    __slots__ = ("_entries", "_given", "_task", "_values")

    def __init__(self) -> None:
        self._values: list[Mapping[str, str]] = []
        self._entries: dict[tuple[str, Callable[[str], Reading]], FieldReadings] = {}
        self._given: list[Submission] = []
        self._task: TaskSubmissions | None = None

    def follow(self, values: list[Mapping[str, str]]) -> None:
        """Keep the readings if `values` are the answers they were read from, else forget them."""
        kept = self._values
        if len(kept) != len(values) or not all(map(is_, kept, values)):
            self._values = values
            self._entries = {}

    def task(
        self,
        submissions: Sequence[Submission],
        policy: Policy,
        learnt: Mapping[str, Mapping[str, float]] | None,
    ) -> TaskSubmissions | None:
        """The task last kept, under `policy` and with the `learnt` weights, if it was made
        from the same submissions (the same objects in the same order), else None."""
        given, task = self._given, self._task
        if task is None or len(given) != len(submissions) or not all(map(is_, given, submissions)):
            return None
        return task.again(policy, learnt)

    def keep(self, submissions: Sequence[Submission], task: TaskSubmissions) -> None:
        """Keep `task`, made from `submissions` with this cache, for the next pass."""
        self._given = list(submissions)
        self._task = task

    def known(self, key: str, read: Callable[[str], Reading]) -> FieldReadings | None:
        """The readings of field `key` by `read` if they were worked out, else None."""
        return self._entries.get((key, read))

    def readings(
        self, key: str, read: Callable[[str], Reading], values: list[Mapping[str, str]]
    ) -> FieldReadings:
        found = self._entries.get((key, read))
        if found is None:
            found = self._entries[(key, read)] = read_answers(key, read, values)
        return found


class FieldReadings(NamedTuple):
    """The readings of one field's answers, in the task's order, and their shape."""

    readings: list[Reading]
    # The reading every answer gave (the same text and kind), or None when they differ.
    same: Reading | None
    # Every answer is blank or one and the same value of the field's type, not all blank:
    # the shape `decide.one_form` works out (whether it may, depends on the weights).
    one_value: bool
    blanks: int  # how many answers are blank


def read_answers(
    key: str, read: Callable[[str], Reading], values: list[Mapping[str, str]]
) -> FieldReadings:
    readings = [read(answers.get(key) or "") for answers in values]
    if readings:
        # The commonest shape: every answer is the same reading object (the same answer
        # typed: its parser keeps the reading), and so is its shape.
        first = readings[0]
        for r in readings:
            if r is not first:
                break
        else:
            if first.kind == "blank":
                return FieldReadings(readings, first, False, len(readings))
            return FieldReadings(readings, first, first.kind == "value" and _typed(first.key), 0)
    blanks = 0
    form: Reading | None = None
    one_value = True
    for r in readings:
        if r.kind == "blank":
            blanks += 1
        elif r.kind != "value":
            one_value = False
        elif form is None:
            form = r
        elif r is not form and (r.text != form.text or r.key != form.key):
            one_value = False
    if form is None:
        one_value = False
    elif one_value:
        # A value that is not one of the type (unread text): the general rule explains it.
        one_value = _typed(form.key)
    same = None
    if readings:
        first = readings[0]
        text, kind = first.text, first.kind
        for r in readings:
            if r is not first and (r.text != text or r.kind != kind):
                break
        else:
            same = first
    return FieldReadings(readings, same, one_value, blanks)


def _typed(key: object) -> bool:
    """Whether a value's key is one of its type's, not the folded text of an unread answer."""
    return not (isinstance(key, tuple) and key and key[0] == "text")


class TaskSubmissions:
    """The submissions of one task as its fields read them: answers, users, weights by type."""

    __slots__ = (
        "_cap",
        "_learnt",
        "_own",
        "_policy",
        "_prior",
        "_weights",
        "cache",
        "marked",
        "n",
        "submissions",
        "untrusted",
        "users",
        "values",
    )

    def __init__(
        self,
        submissions: Sequence[Submission],
        policy: Policy,
        cache: AnswerCache | None = None,
        learnt: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        self.submissions = submissions
        self._learnt = learnt
        self._policy = policy
        self.values: list[Mapping[str, str]] = [s.values for s in submissions]
        if cache is not None:
            cache.follow(self.values)
        self.cache = cache
        self.users = tuple([s.user for s in submissions])
        # People's transcriptions: the machine's vote is none.
        self.n = len(submissions) - sum([1 for s in submissions if s.machine])
        self.marked = any(s.markers for s in submissions)
        self._own: list[Mapping[str, float]] | None = None
        self._prior = policy.prior_weight
        self._cap = policy.unproven_weight
        self._weights: dict[str, list[float]] = {}
        # Usually empty, so that checking a value's backers costs nothing.
        # The machine among them: a value it alone backs with unproven people is not accepted.
        self.untrusted = frozenset([s.user for s in submissions if not s.trusted or s.machine])

    def again(
        self, policy: Policy, learnt: Mapping[str, Mapping[str, float]] | None
    ) -> TaskSubmissions:
        """The same submissions under another policy and with other learnt weights."""
        task: TaskSubmissions = _new(TaskSubmissions)
        task.submissions = self.submissions
        task.values = self.values
        task.cache = cache = self.cache
        if cache is not None:
            cache.follow(self.values)
        task.users = self.users
        task.n = self.n
        task.marked = self.marked
        task.untrusted = self.untrusted
        task._learnt = learnt
        task._policy = policy
        task._own = None
        task._prior = policy.prior_weight
        task._cap = policy.unproven_weight
        task._weights = {}
        return task

    def asked(self, key: str) -> TaskSubmissions:
        """The submissions of those who were asked the field `key` (not marked unasked)."""
        # No answer cache: it reads the answers of the whole task, by position.
        return TaskSubmissions(
            [s for s in self.submissions if s.markers.get(key) != UNASKED],
            self._policy,
            learnt=self._learnt,
        )

    def weights(self, field_type: str) -> list[float]:
        """Each contributor's weight for fields of this type (the prior when unknown)."""
        weights = self._weights.get(field_type)
        if weights is None:
            owns, prior = self._own, self._prior
            if owns is None:
                # Each contributor's weights by type, found once for all the types.
                learnt = self._learnt
                if learnt is None:
                    owns = [s.weights for s in self.submissions]
                else:  # a contributor's learnt weights replace those of their submission
                    owns = [learnt.get(s.user, s.weights) for s in self.submissions]
                self._own = owns
            weights = [own.get(field_type, prior) for own in owns]
            if self.untrusted:
                weights = [
                    w if s.trusted else min(self._cap, w)
                    for s, w in zip(self.submissions, weights, strict=True)
                ]
            self._weights[field_type] = weights
        return weights


def unproven_only(untrusted: frozenset[str], agreeing: Sequence[str]) -> bool:
    """Every contributor backing the value is unproven: it may not be accepted on their word."""
    return bool(untrusted) and bool(agreeing) and all(user in untrusted for user in agreeing)
