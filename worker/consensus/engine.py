"""Reconcile one task: every field's answers into a value, a status and an explanation.

Pure and deterministic: the same transcriptions give the same outcome whatever their order
(they are sorted by contributor first), and nothing is read from or written to the outside.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tasks.template_spec import FieldSpec
from worker.consensus import dates, geo, numbers, select, text
from worker.consensus.model import (
    ABSENT,
    AGREED,
    BLANK,
    COMPLETE,
    DISPUTED,
    ILLEGIBLE,
    ILLEGIBLE_ALTERNATIVE,
    MARKERS,
    NEEDS_MORE,
    Alternative,
    FieldOutcome,
    Policy,
    Reading,
    Submission,
    TaskOutcome,
    ValueConsensus,
    Vote,
)

_EPSILON = 1e-9


def reconcile_task(
    fields: Sequence[FieldSpec], submissions: Sequence[Submission], policy: Policy | None = None
) -> TaskOutcome:
    """Reconcile every field of one task from all its transcriptions so far.

    Idempotent: call it again with the same transcriptions and get the same outcome. The
    decision is `complete` when every field is accepted (agreed or blank), `needs_more`
    while a field is unsettled and the task is under the policy's maximum, `disputed` once
    the maximum is reached with fields still unsettled.
    """
    policy = policy or Policy()
    ordered = canonical_order(submissions)
    outcomes = {spec.key: reconcile_field(spec, ordered, policy) for spec in fields}
    n = len(ordered)
    if n >= policy.min_transcriptions and all(o.accepted for o in outcomes.values()):
        decision = COMPLETE
    elif n < policy.max_transcriptions:
        decision = NEEDS_MORE
    else:
        decision = DISPUTED
    return TaskOutcome(fields=outcomes, decision=decision)


def canonical_order(submissions: Sequence[Submission]) -> list[Submission]:
    """Submissions sorted by contributor, so arrival order never changes a result."""
    ordered = sorted(submissions, key=lambda s: s.user)
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


def field_reader(spec: FieldSpec, policy: Policy) -> Callable[[str], Reading]:
    """The parser of one field's raw answers (each one caches the strings it has seen)."""
    if spec.type == "date":
        day_first = policy.day_first
        return lambda raw: dates.read_date(raw, day_first)
    if spec.type == "number":
        return numbers.read_number
    if spec.type == "geopoint":
        return geo.read_point
    if spec.type == "select":
        return lambda raw: select.read_option(raw, spec)
    return text.read_text


def _value_consensus(spec: FieldSpec, votes: list[Vote], policy: Policy) -> ValueConsensus:
    if spec.type == "date":
        return dates.consensus(votes)
    if spec.type == "number":
        return numbers.consensus(votes)
    if spec.type == "geopoint":
        return geo.consensus(votes, policy.geopoint_tolerance_m)
    if spec.type == "select":
        return select.consensus(votes)
    return text.consensus(votes)


# Per type: the method and the comparison named in explanations when everyone agrees.
_UNANIMOUS = {
    "text": ("exact", "exactly"),
    "number": ("number", "on the number"),
    "date": ("date", "on the date"),
    "select": ("select", "on the option"),
}


def reconcile_field(
    spec: FieldSpec, submissions: Sequence[Submission], policy: Policy
) -> FieldOutcome:
    """One field of one task. `submissions` should be in `canonical_order`."""
    read = field_reader(spec, policy)
    key, field_type, prior = spec.key, spec.type, policy.prior_weight
    share = _blank_share(spec, policy)
    if any(key in s.markers for s in submissions):
        readings = [
            Reading(str(s.markers[key]), None, "")
            if s.markers.get(key) in MARKERS
            else read(s.values.get(key) or "")
            for s in submissions
        ]
    else:
        readings = [read(s.values.get(key) or "") for s in submissions]
        first = readings[0] if readings else None
        if first is not None and all(
            r.text == first.text and r.kind == first.kind for r in readings
        ):
            # The common case: everyone gave the same value (in any form) or left it blank.
            quick = _unanimous(spec, submissions, first, policy)
            if quick is not None:
                return quick
    values: list[Vote] = []
    others: list[Vote] = []  # blank, absent and illegible votes
    for submission, reading in zip(submissions, readings, strict=True):
        weight = submission.weights.get(field_type, prior)
        if reading.kind == "value":
            values.append(Vote(submission.user, weight, reading))
        elif reading.kind == ABSENT:
            others.append(Vote(submission.user, weight, reading))
        else:
            others.append(Vote(submission.user, weight * share, reading))
    if sum(v.weight for v in values) + sum(v.weight for v in others) <= 0:
        # Every weight is zero: count heads instead.
        values = [Vote(v.user, 1.0, v.reading) for v in values]
        others = [Vote(v.user, share, v.reading) for v in others]
    blanks = [v for v in others if v.reading.kind != ILLEGIBLE]
    illegible = [v for v in others if v.reading.kind == ILLEGIBLE]
    learnt = any(k == key for k, _ in policy.blank_weights)
    return _decide(spec, policy, values, blanks, illegible, len(values) + len(others), learnt)


def _unanimous(
    spec: FieldSpec, submissions: Sequence[Submission], reading: Reading, policy: Policy
) -> FieldOutcome | None:
    """Everyone gave the same raw answer: the outcome without clustering, or None if unusual."""
    n = len(submissions)
    if reading.kind == "value":
        if isinstance(reading.key, tuple) and reading.key and reading.key[0] == "text":
            return None  # not a value of the type: the slow path explains it
        if spec.type == "geopoint":
            method, note = "geopoint", f"within {geo.metres(policy.geopoint_tolerance_m)}"
        else:
            method, note = _UNANIMOUS.get(spec.type, _UNANIMOUS["text"])
        value, head, status = reading.text, f"{n} of {n} agree {note}", AGREED
    elif reading.kind == "blank":
        method, value, head, status = "blank", "", f"{n} of {n} saw nothing to transcribe", BLANK
    else:
        return None
    users = tuple(s.user for s in submissions)
    weight = sum(s.weights.get(spec.type, policy.prior_weight) for s in submissions)
    if weight <= 0:
        return None
    needed = min(2, policy.min_transcriptions)
    accepted = n >= policy.min_transcriptions and n >= needed
    return FieldOutcome(
        key=spec.key,
        value=value,
        status=status if accepted else _unsettled(n, policy),
        agreement=1.0,
        support=n,
        n=n,
        method=method,
        alternatives=(
            Alternative(value, weight if value else weight * _blank_share(spec, policy), users),
        ),
        explanation=head if accepted else f"{head}; {_reason(policy, n, 1.0, n, needed)}",
        agreeing=users,
    )


def _blank_share(spec: FieldSpec, policy: Policy) -> float:
    for key, share in policy.blank_weights:
        if key == spec.key:
            return share
    return policy.select_blank_weight if spec.type == "select" else policy.blank_weight


def _decide(
    spec: FieldSpec,
    policy: Policy,
    values: list[Vote],
    blanks: list[Vote],
    illegible: list[Vote],
    n: int,
    learnt: bool = False,
) -> FieldOutcome:
    """Value, blank or illegible: the heaviest wins; blank and illegible votes are discounted.

    With a learnt blank share for the field (`learnt`), a trusted lone value may stand
    against one blank (`_lone_value`)."""
    blank_weight = sum(v.weight for v in blanks)
    illegible_weight = sum(v.weight for v in illegible)
    total = sum(v.weight for v in values) + blank_weight + illegible_weight
    consensus = _value_consensus(spec, values, policy) if values else None
    value_wins = (
        consensus is not None
        and consensus.cluster_weight >= blank_weight - _EPSILON
        and consensus.cluster_weight >= illegible_weight - _EPSILON
    )
    needed_support = min(2, policy.min_transcriptions)
    enough = n >= policy.min_transcriptions
    if consensus is not None and value_wins:
        agreement = consensus.agree_weight / total if total > 0 else 0.0
        support = len(consensus.agree_users)
        accepted = (
            enough
            and agreement >= policy.agreement_threshold - _EPSILON
            and (
                support >= needed_support
                or (learnt and _lone_value(policy, values, blanks, illegible, agreement))
            )
            and consensus.decisive
        )
        status = AGREED if accepted else _unsettled(n, policy)
        value, method = consensus.value, consensus.method
        agreeing = consensus.agree_users
        head = f"{support} of {n} agree {consensus.agree_note}"
        notes = [consensus.extra_note] if consensus.extra_note else []
        if not consensus.decisive:
            notes.append("no majority on the exact form")
    else:
        # An illegible vote never supports a blank: when such votes outweigh the blanks,
        # the field goes to review.
        blank_wins = bool(blanks) and blank_weight > illegible_weight + _EPSILON
        agreement = blank_weight / total if total > 0 and blank_wins else 0.0
        support = len(blanks) if blank_wins else 0
        accepted = (
            enough
            and blank_wins
            and agreement >= policy.agreement_threshold - _EPSILON
            and support >= needed_support
        )
        status = BLANK if accepted else _unsettled(n, policy)
        value, method = "", "blank"
        agreeing = tuple(sorted(v.user for v in blanks)) if blank_wins else ()
        absent = sum(1 for v in blanks if v.reading.kind == ABSENT)
        if blank_wins:
            head = f"{len(blanks)} of {n} saw nothing to transcribe"
            if absent:
                head += f" ({absent} marked it absent)"
        elif illegible:
            head = f"{len(illegible)} of {n} could not read it"
        else:
            head = "no transcription yet"
        notes = []
    notes += _dissent_notes(values, blanks, illegible, consensus, value_wins)
    if not accepted and n >= 1:
        notes.append(_reason(policy, n, agreement, support, needed_support))
    explanation = "; ".join([head, *[note for note in notes if note]])
    return FieldOutcome(
        key=spec.key,
        value=value,
        status=status,
        agreement=round(agreement, 4),
        support=support,
        n=n,
        method=method,
        alternatives=_alternatives(consensus, blanks, illegible, value_wins),
        explanation=explanation,
        agreeing=agreeing,
    )


def _lone_value(
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
        and values[0].weight >= policy.lone_value_weight - _EPSILON
        and agreement >= policy.lone_agreement - _EPSILON
    )


def _unsettled(n: int, policy: Policy) -> str:
    return NEEDS_MORE if n < policy.max_transcriptions else DISPUTED


def _dissent_notes(
    values: list[Vote],
    blanks: list[Vote],
    illegible: list[Vote],
    consensus: ValueConsensus | None,
    value_wins: bool,
) -> list[str]:
    notes = []
    if value_wins and consensus is not None:
        differing = len(values) - len(consensus.agree_users)
        if differing:
            notes.append(f"{differing} gave something else")
        if blanks:
            notes.append(f"{len(blanks)} left it blank")
    elif values:
        notes.append(f"{len(values)} typed a value")
    if illegible:
        notes.append(f"{len(illegible)} marked it illegible")
    return notes


def _reason(policy: Policy, n: int, agreement: float, support: int, needed: int) -> str:
    if n < policy.min_transcriptions:
        return f"needs at least {policy.min_transcriptions} transcriptions"
    if support < needed:
        return f"needs {needed} contributors to agree"
    if agreement < policy.agreement_threshold - _EPSILON:
        return f"{agreement:.0%} is below the {policy.agreement_threshold:.0%} needed"
    return "a curator should decide"


def _alternatives(
    consensus: ValueConsensus | None,
    blanks: list[Vote],
    illegible: list[Vote],
    value_wins: bool,
) -> tuple[Alternative, ...]:
    listed = list(consensus.alternatives) if consensus is not None else []
    extra = []
    if blanks:
        extra.append(
            Alternative("", sum(v.weight for v in blanks), tuple(sorted(v.user for v in blanks)))
        )
    if illegible:
        extra.append(
            Alternative(
                ILLEGIBLE_ALTERNATIVE,
                sum(v.weight for v in illegible),
                tuple(sorted(v.user for v in illegible)),
            )
        )
    if value_wins:
        return (*listed, *sorted(extra, key=lambda a: -a.weight))
    return (*sorted(extra, key=lambda a: -a.weight), *listed)
