"""The engine's plain data: what goes in (submissions, policy) and what comes out (outcomes).

Frozen dataclasses only, so that outcomes can be cached, compared and stored as they are.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from worker.consensus.explain import Part, english

AGREED = "agreed"
NEEDS_MORE = "needs_more"
DISPUTED = "disputed"
BLANK = "blank"

COMPLETE = "complete"
# The statuses of a field settled without a curator (`FieldOutcome.accepted`).
SETTLED = (AGREED, BLANK)

ILLEGIBLE = "illegible"
ABSENT = "absent"
MARKERS = (ILLEGIBLE, ABSENT)
# Recorded for a field the contributor was not asked (it needs a level they have not reached):
# no vote at all in that field, unlike a blank.
UNASKED = "unasked"

# How an illegible vote is listed among the alternatives of a field.
ILLEGIBLE_ALTERNATIVE = "[illegible]"


@dataclass(frozen=True)
class Submission:
    """One contributor's transcription of one task."""

    user: str
    values: Mapping[str, str]
    markers: Mapping[str, str] = field(default_factory=dict)  # key -> "illegible" | "absent"
    weights: Mapping[str, float] = field(default_factory=dict)  # field type -> weight
    # Whether the contributor has proven themselves (the platform measures it against values
    # settled by others). A value backed only by unproven contributors is never accepted and
    # their weight is capped (`Policy.unproven_weight`): two throwaway accounts typing the same
    # made-up answer must not settle it. Files reconciled from the command line know nothing
    # of trust, hence the default.
    trusted: bool = True


@dataclass(frozen=True)
class Policy:
    """A project's reconciliation settings.

    `agreement_threshold` is the weighted share of all answers (blanks and markers included)
    that must agree with the winner for it to be accepted without a curator. 0.6 accepts
    2 of 3 and 3 of 5 but never 1 of 2 or 2 of 4: a bare majority of a small group, backed by
    the support rule (at least two contributors agree) and, for text, by a strict majority on
    every letter that was disputed. Lower values accept ties; higher ones (0.75) make 2 of 3
    ask for a fourth transcription, which costs about a third more work on the benchmark for
    a precision that is already above 99.5 %.
    """

    min_transcriptions: int = 2
    max_transcriptions: int = 5
    agreement_threshold: float = 0.6
    day_first: bool = True
    geopoint_tolerance_m: float = 1000.0
    prior_weight: float = 1.0  # weight of a contributor with no reliability estimate yet
    # A field left blank (or marked illegible) is weak evidence: skipping a field is the
    # commonest slip, while typing a plausible value where nothing is printed is rare. Such a
    # vote counts for this share of its contributor's weight; an explicit "absent" marker
    # counts fully. Select fields use `select_blank_weight`: picking a dropdown entry costs
    # nothing, so a chosen option is weaker evidence than a typed text.
    blank_weight: float = 0.4
    select_blank_weight: float = 0.7
    # Learnt shares per field key, which replace the two above: a blank is a slip in a field
    # that labels always fill and real evidence in one they often leave empty (see
    # `reliability.blank_weights_from_tasks`). Pairs rather than a mapping, so a policy hashes.
    blank_weights: tuple[tuple[str, float], ...] = ()
    # A value one contributor gave, where the only other one left the field blank, is accepted
    # without a third reader when the field's blank share is learnt (`blank_weights`), that
    # contributor weighs at least this much (the prior: a spammer or a sloppy reader never
    # does) and the blank weighs little beside it (`lone_agreement`, reached once the field's
    # blanks are learnt to be slips). None requires two contributors to agree, always.
    lone_value_weight: float | None = 1.0
    lone_agreement: float = 0.6
    # The most an unproven contributor's vote weighs, whatever their learnt weight: less than
    # a newcomer's prior, so a proven contributor always outweighs one of them.
    unproven_weight: float = 0.5


@dataclass(frozen=True)
class Alternative:
    value: str
    weight: float
    users: tuple[str, ...]


@dataclass(frozen=True)
class FieldOutcome:
    key: str
    value: str  # canonical output; "" = blank
    status: str  # agreed | needs_more | disputed | blank
    agreement: float  # weighted share of all answers that agree with `value`
    support: int  # how many contributors agree with `value`
    n: int  # how many transcriptions were reconciled
    method: str  # how the value was reached, e.g. "exact", "folded", "aligned", "date"
    alternatives: tuple[Alternative, ...]  # every distinct answer, best first
    # Why, for a curator: parts `(code, *params)` of `explain.CATALOGUE`, rendered in the
    # reader's language by the platform (`explanation` is the English).
    notes: tuple[Part, ...]
    agreeing: tuple[str, ...] = ()  # the contributors who agree with `value` (blank included)

    @property
    def explanation(self) -> str:
        """The explanation in English, one line."""
        return english(self.notes)

    @property
    def accepted(self) -> bool:
        """Settled without a curator: an agreed value or an agreed blank."""
        return self.status in SETTLED


# Frozen dataclasses set each field through object.__setattr__, which makes their constructors
# several times slower than a plain class's. The engine makes one FieldOutcome and a few
# Alternatives per field of every task, so it fills their __dict__ directly: the objects are
# the same in every respect (fields, equality, hash, repr, pickling).
_new = object.__new__


def make_alternative(value: str, weight: float, users: tuple[str, ...]) -> Alternative:
    """`Alternative(value, weight, users)`, made faster (see above)."""
    alternative = _new(Alternative)
    alternative.__dict__.update(value=value, weight=weight, users=users)
    return alternative


def new_submission(
    user: str,
    values: Mapping[str, str],
    weights: Mapping[str, float] | None = None,
    markers: Mapping[str, str] | None = None,
    trusted: bool = True,
) -> Submission:
    """`Submission(...)`, made faster (see above): the command line makes one per row and
    gives each a contributor's weights once per reliability round."""
    submission = _new(Submission)
    submission.__dict__.update(
        user=user,
        values=values,
        markers={} if markers is None else markers,
        weights={} if weights is None else weights,
        trusted=trusted,
    )
    return submission


def make_outcome(
    key: str,
    value: str,
    status: str,
    agreement: float,
    support: int,
    n: int,
    method: str,
    alternatives: tuple[Alternative, ...],
    notes: tuple[Part, ...],
    agreeing: tuple[str, ...],
) -> FieldOutcome:
    """`FieldOutcome(...)` with every field given, made faster (see above)."""
    outcome = _new(FieldOutcome)
    outcome.__dict__.update(
        key=key,
        value=value,
        status=status,
        agreement=agreement,
        support=support,
        n=n,
        method=method,
        alternatives=alternatives,
        notes=notes,
        agreeing=agreeing,
    )
    return outcome


@dataclass(frozen=True)
class TaskOutcome:
    fields: Mapping[str, FieldOutcome]
    decision: str  # complete | needs_more | disputed


@dataclass(frozen=True, slots=True)
class Reading:
    """One raw answer once parsed for its field type.

    `kind` is "value", "blank", "absent" or "illegible". For a value, `key` is what answers
    are compared on (a folded text, a number, a date tuple, a point) and `text` is the form
    that would be output.
    """

    kind: str
    key: Hashable
    text: str


class Vote(NamedTuple):
    """One contributor's parsed answer with the weight it counts for (a tuple: one per answer,
    so it must be cheap to make)."""

    user: str
    weight: float
    reading: Reading


class ValueConsensus(NamedTuple):
    """What a type's consensus made of the value answers of one field (a tuple: cheap to make)."""

    value: str
    cluster_weight: float  # weight of the answers that are the same reading as `value`
    agree_weight: float  # weight of the answers equal to `value` under the type's comparison
    agree_users: tuple[str, ...]
    decisive: bool  # False when the form of `value` was a tie between contributors
    method: str
    # How answers were compared: the code of the explanation's head and its parameters before
    # the support and the count, e.g. ("agree.exactly",) or ("agree.within", "1 km").
    agree_note: Part
    extra_notes: tuple[Part, ...] = ()  # e.g. (("text.built", 3),)
    alternatives: tuple[Alternative, ...] = ()
