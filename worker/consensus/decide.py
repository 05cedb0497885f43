"""The decision on one field once its answers are votes: value, blank or review, and why.

`decide` is the general rule. `unanimous` and `one_form` are the same rule worked out
directly for the two commonest shapes of a field (everyone gave the same answer; everyone
who typed something typed the same value and the others left it blank), which make up most
fields: they give exactly what `decide` would, without making votes or clustering.
"""

from __future__ import annotations

from collections.abc import Sequence

from worker.consensus.explain import Part, english_part, percent
from worker.consensus.model import (
    ABSENT,
    AGREED,
    BLANK,
    DISPUTED,
    ILLEGIBLE_ALTERNATIVE,
    NEEDS_MORE,
    Alternative,
    FieldOutcome,
    Policy,
    Reading,
    ValueConsensus,
    Vote,
    make_alternative,
    make_outcome,
)
from worker.consensus.plan import EPSILON, FieldPlan, TaskSubmissions, unproven_only


def decide(
    plan: FieldPlan,
    values: list[Vote],
    blanks: list[Vote],
    illegible: list[Vote],
    n: int,
    untrusted: frozenset[str] = frozenset(),
) -> FieldOutcome:
    """Value, blank or illegible: the heaviest wins; blank and illegible votes are discounted.

    With a learnt blank share for the field (`plan.learnt`), a trusted lone value may stand
    against one blank (`lone_value`). A value or blank backed only by `untrusted` contributors
    is never accepted."""
    policy = plan.policy
    blank_weight = sum([v.weight for v in blanks]) if blanks else 0.0
    illegible_weight = sum([v.weight for v in illegible]) if illegible else 0.0
    consensus = None
    total = blank_weight + illegible_weight
    if values:
        consensus = _single_form(plan, values) or plan.consensus(values)
        total = sum([v.weight for v in values]) + blank_weight + illegible_weight
    value_wins = (
        consensus is not None
        and consensus.cluster_weight >= blank_weight - EPSILON
        and consensus.cluster_weight >= illegible_weight - EPSILON
    )
    needed_support = plan.needed
    enough = n >= policy.min_transcriptions
    if consensus is not None and value_wins:
        agreement = consensus.agree_weight / total if total > 0 else 0.0
        support = len(consensus.agree_users)
        accepted = (
            enough
            and agreement >= plan.threshold
            and (
                support >= needed_support
                or (plan.learnt and lone_value(policy, values, blanks, illegible, agreement))
            )
            and consensus.decisive
        )
        unproven = unproven_only(untrusted, consensus.agree_users)
        accepted = accepted and not unproven
        status = AGREED if accepted else unsettled(n, policy)
        value, method = consensus.value, consensus.method
        agreeing = consensus.agree_users
        if plan.brief:
            return _brief(plan, value, status, agreement, support, n, method, agreeing)
        notes: list[Part] = [(*consensus.agree_note, support, n), *consensus.extra_notes]
        if not consensus.decisive:
            notes.append(_NO_MAJORITY)
    else:
        # An illegible vote never supports a blank: when such votes outweigh the blanks,
        # the field goes to review.
        blank_wins = bool(blanks) and blank_weight > illegible_weight + EPSILON
        agreement = blank_weight / total if total > 0 and blank_wins else 0.0
        support = len(blanks) if blank_wins else 0
        unproven = blank_wins and unproven_only(untrusted, [v.user for v in blanks])
        accepted = (
            enough
            and blank_wins
            and agreement >= plan.threshold
            and support >= needed_support
            and not unproven
        )
        status = BLANK if accepted else unsettled(n, policy)
        value, method = "", "blank"
        agreeing = tuple(sorted(v.user for v in blanks)) if blank_wins else ()
        if plan.brief:
            return _brief(plan, value, status, agreement, support, n, method, agreeing)
        if blank_wins:
            absent = sum(1 for v in blanks if v.reading.kind == ABSENT)
            head: Part = (
                ("blank.absent", len(blanks), n, absent)
                if absent
                else ("blank.agreed", len(blanks), n)
            )
        elif illegible:
            head = ("illegible.head", len(illegible), n)
        else:
            head = _NONE_YET
        notes = [head]
    notes += _dissent_notes(values, blanks, illegible, consensus, value_wins)
    if not accepted and n >= 1:
        notes.append(reason(policy, n, agreement, support, needed_support, unproven))
    return make_outcome(
        key=plan.spec.key,
        value=value,
        status=status,
        agreement=round(agreement, 4),
        support=support,
        n=n,
        method=method,
        alternatives=_alternatives(consensus, blank_weight, blanks, illegible, value_wins),
        notes=tuple(notes),
        agreeing=agreeing,
    )


def _brief(
    plan: FieldPlan,
    value: str,
    status: str,
    agreement: float,
    support: int,
    n: int,
    method: str,
    agreeing: tuple[str, ...],
) -> FieldOutcome:
    """A brief plan's outcome: no alternatives, no explanation."""
    return make_outcome(
        plan.spec.key, value, status, round(agreement, 4), support, n, method, (), (), agreeing
    )


def unanimous(plan: FieldPlan, task: TaskSubmissions, reading: Reading) -> FieldOutcome | None:
    """Everyone gave the same answer: the outcome without voting, or None if unusual."""
    n = task.n
    if reading.kind == "value":
        if isinstance(reading.key, tuple) and reading.key and reading.key[0] == "text":
            return None  # not a value of the type: the general rule explains it
        value, head, status = reading.text, (*plan.note, n, n), AGREED
        method = plan.method
    elif reading.kind == "blank":
        method, value, head, status = "blank", "", ("blank.agreed", n, n), BLANK
    else:
        return None
    users = task.users
    weight = sum(task.weights(plan.spec.type))
    if weight <= 0:
        return None
    policy = plan.policy
    unproven = unproven_only(task.untrusted, users)
    accepted = n >= policy.min_transcriptions and n >= plan.needed and not unproven
    if plan.brief:
        status = status if accepted else unsettled(n, policy)
        return make_outcome(plan.spec.key, value, status, 1.0, n, n, method, (), (), users)
    return make_outcome(
        key=plan.spec.key,
        value=value,
        status=status if accepted else unsettled(n, policy),
        agreement=1.0,
        support=n,
        n=n,
        method=method,
        alternatives=(make_alternative(value, weight if value else weight * plan.share, users),),
        notes=(head,) if accepted else (head, reason(policy, n, 1.0, n, plan.needed, unproven)),
        agreeing=users,
    )


def one_form(
    plan: FieldPlan, task: TaskSubmissions, readings: Sequence[Reading]
) -> FieldOutcome | None:
    """Everyone who typed something typed the same value, the others left the field blank,
    and the value outweighs the blanks: `decide`'s outcome, or None for any other shape."""
    form: Reading | None = None
    share = plan.share
    value_users: list[str] = []
    blank_users: list[str] = []
    # Added up with `sum` in the general rule's order, as it does: from Python 3.12 `sum`
    # compensates rounding and a loop of `+=` does not, so the two could differ in the last
    # digit and the shortcut would not be the general rule's outcome.
    value_weights: list[float] = []
    blank_weights: list[float] = []
    lone_weight = 0.0
    for user, weight, reading in zip(
        task.users, task.weights(plan.spec.type), readings, strict=True
    ):
        kind = reading.kind
        if kind == "value":
            if form is None:
                form = reading
            elif reading is not form and (reading.text != form.text or reading.key != form.key):
                return None
            value_users.append(user)
            value_weights.append(weight)
            lone_weight = weight
        elif kind == "blank":
            blank_users.append(user)
            blank_weights.append(weight * share)
        else:
            return None
    value_weight = sum(value_weights)
    blank_weight = sum(blank_weights) if blank_weights else 0.0
    if form is None or value_weight <= 0 or value_weight < blank_weight - EPSILON:
        return None
    key = form.key
    if isinstance(key, tuple) and key and key[0] == "text":
        return None
    policy = plan.policy
    n = task.n
    agreement = value_weight / (value_weight + blank_weight)
    support = len(value_users)
    accepted = (
        n >= policy.min_transcriptions
        and agreement >= plan.threshold
        and (
            support >= plan.needed
            or (
                plan.learnt
                and policy.lone_value_weight is not None
                and support == 1
                and len(blank_users) == 1
                and lone_weight >= policy.lone_value_weight - EPSILON
                and agreement >= policy.lone_agreement - EPSILON
            )
        )
    )
    unproven = unproven_only(task.untrusted, value_users)
    accepted = accepted and not unproven
    if plan.brief:
        status = AGREED if accepted else unsettled(n, policy)
        users = tuple(sorted(value_users))
        return _brief(plan, form.text, status, agreement, support, n, plan.method, users)
    head = (*plan.note, support, n)
    notes = [head, ("dissent.blank", len(blank_users))] if blank_users else [head]
    if not accepted and n >= 1:
        notes.append(reason(policy, n, agreement, support, plan.needed, unproven))
    users = tuple(sorted(value_users))
    value = make_alternative(form.text, value_weight, users)
    return make_outcome(
        key=plan.spec.key,
        value=form.text,
        status=AGREED if accepted else unsettled(n, policy),
        agreement=round(agreement, 4),
        support=support,
        n=n,
        method=plan.method,
        alternatives=(value, make_alternative("", blank_weight, tuple(sorted(blank_users))))
        if blank_users
        else (value,),
        notes=tuple(notes),
        agreeing=users,
    )


def _single_form(plan: FieldPlan, values: list[Vote]) -> ValueConsensus | None:
    """Every value answer is the same form of a value of the type (some may be blank): the
    consensus each type would reach, without grouping. None otherwise."""
    reading = values[0].reading
    if len(values) > 1:
        key, form = reading.key, reading.text
        for v in values:
            if v.reading is not reading and (v.reading.text != form or v.reading.key != key):
                return None
    key = reading.key
    if isinstance(key, tuple) and key and key[0] == "text":
        return None  # not a value of the type: the type explains why
    weight = sum([v.weight for v in values])
    if weight <= 0:
        return None
    users = tuple(sorted([v.user for v in values]))
    return ValueConsensus(
        value=reading.text,
        cluster_weight=weight,
        agree_weight=weight,
        agree_users=users,
        decisive=True,
        method=plan.method,
        agree_note=plan.note,
        alternatives=() if plan.brief else (make_alternative(reading.text, weight, users),),
    )


def lone_value(
    policy: Policy, values: list[Vote], blanks: list[Vote], illegible: list[Vote], agreement: float
) -> bool:
    """One trusted contributor typed the value and the only other one left the field blank.

    One blank is a slip more often than not; two people who saw nothing are a reason to ask.
    """
    return (
        policy.lone_value_weight is not None
        and len(values) == 1
        and len(blanks) == 1
        and blanks[0].reading.kind == "blank"
        and not illegible
        and values[0].weight >= policy.lone_value_weight - EPSILON
        and agreement >= policy.lone_agreement - EPSILON
    )


def unsettled(n: int, policy: Policy) -> str:
    return NEEDS_MORE if n < policy.max_transcriptions else DISPUTED


def _dissent_notes(
    values: list[Vote],
    blanks: list[Vote],
    illegible: list[Vote],
    consensus: ValueConsensus | None,
    value_wins: bool,
) -> list[Part]:
    notes: list[Part] = []
    if value_wins and consensus is not None:
        differing = len(values) - len(consensus.agree_users)
        if differing:
            notes.append(("dissent.other", differing))
        if blanks:
            notes.append(("dissent.blank", len(blanks)))
    elif values:
        notes.append(("dissent.typed", len(values)))
    if illegible:
        notes.append(("dissent.illegible", len(illegible)))
    return notes


def reason(
    policy: Policy, n: int, agreement: float, support: int, needed: int, unproven: bool = False
) -> Part:
    if n < policy.min_transcriptions:
        return ("reason.min_transcriptions", policy.min_transcriptions)
    if support < needed:
        return ("reason.support", needed)
    if agreement < policy.agreement_threshold - EPSILON:
        return ("reason.threshold", percent(agreement), percent(policy.agreement_threshold))
    if unproven:
        return UNPROVEN
    return ("reason.curator",)


# Why a value every backer of which is unproven waits: the explanation curators read.
UNPROVEN: Part = ("reason.unproven",)
UNPROVEN_REASON = english_part(UNPROVEN)
_NO_MAJORITY: Part = ("no_majority",)
_NONE_YET: Part = ("none.yet",)


def _alternatives(
    consensus: ValueConsensus | None,
    blank_weight: float,
    blanks: list[Vote],
    illegible: list[Vote],
    value_wins: bool,
) -> tuple[Alternative, ...]:
    listed = consensus.alternatives if consensus is not None else ()
    if not blanks and not illegible:
        return listed
    extra = []
    if blanks:
        extra.append(make_alternative("", blank_weight, tuple(sorted([v.user for v in blanks]))))
    if illegible:
        extra.append(
            make_alternative(
                ILLEGIBLE_ALTERNATIVE,
                sum([v.weight for v in illegible]),
                tuple(sorted([v.user for v in illegible])),
            )
        )
    if len(extra) > 1:
        extra.sort(key=lambda a: -a.weight)
    if value_wins:
        return (*listed, *extra)
    return (*extra, *listed)
