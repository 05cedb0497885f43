"""Small builders shared by the consensus tests."""

from __future__ import annotations

from collections.abc import Sequence

from worker.consensus import FieldOutcome, Policy, Submission, reconcile_task
from worker.template import FieldSpec, Option


def spec(key: str, type_: str, vocabulary: Sequence[Option] = ()) -> FieldSpec:
    return FieldSpec(key=key, type=type_, label={"en": key}, vocabulary=tuple(vocabulary))


def field(
    type_: str,
    answers: Sequence[str],
    *,
    policy: Policy | None = None,
    weights: Sequence[float] | None = None,
    vocabulary: Sequence[Option] = (),
    markers: dict[int, str] | None = None,
) -> FieldOutcome:
    """Reconcile one field of type `type_` from answers given by distinct contributors."""
    submissions = [
        Submission(
            user=f"u{index}",
            values={"f": answer},
            markers={"f": markers[index]} if markers and index in markers else {},
            weights={type_: weights[index]} if weights is not None else {},
        )
        for index, answer in enumerate(answers)
    ]
    outcome = reconcile_task([spec("f", type_, vocabulary)], submissions, policy or Policy())
    return outcome.fields["f"]
