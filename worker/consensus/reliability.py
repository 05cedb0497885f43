"""Contributor reliability: a weight per contributor and field type, learnt from settled values.

The model, in a few lines:

- Each contributor has, per field type, a tally of observations: was their answer equal to
  the settled value? Observations count by source: a known answer (an expert's value, met
  blind among the real images) 4, a curator's resolution 3, a unanimous result 1, another
  accepted consensus 0.5 (it partly echoes the contributor's own vote).
- Their accuracy is smoothed towards a prior: p = (correct + s * p0) / (total + s), with
  p0 = 0.85 and s = 10 pseudo-observations, so a newcomer starts at the prior and a few
  answers move them only a little.
- The weight is the log-odds of p relative to the prior's, log(p/(1-p)) / log(p0/(1-p0)):
  the weight a vote deserves when contributors err independently. A newcomer weighs 1;
  it is clamped to [0.05, 3], so nobody's weight runs away and a spammer (p well under 0.5)
  weighs 0.05: their answers no longer move results, yet still show in the alternatives.

The platform stores the tallies (`Tally`), adds observations with `reliability_update` when
a field settles and recomputes weights periodically with `reliability_weight`;
`reliability_from_tasks` does the whole thing from a set of tasks (the command line uses it
with no curator history: reconcile, estimate, reconcile again).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from worker.consensus import where
from worker.consensus.engine import AnswerCache, plans_for, reconcile_task
from worker.consensus.model import (
    SETTLED,
    FieldOutcome,
    Policy,
    Reading,
    Submission,
    TaskOutcome,
    new_submission,
)
from worker.template import FieldSpec

KNOWN = "known"
CURATOR = "curator"
UNANIMOUS = "unanimous"
CONSENSUS = "consensus"


@dataclass(frozen=True)
class ReliabilityModel:
    prior: float = 0.85
    strength: float = 10.0  # pseudo-observations at the prior
    floor: float = 0.05
    cap: float = 3.0
    source_weights: Mapping[str, float] | None = None

    def source_weight(self, source: str) -> float:
        weights = self.source_weights or {
            KNOWN: 4.0,
            CURATOR: 3.0,
            UNANIMOUS: 1.0,
            CONSENSUS: 0.5,
        }
        return weights.get(source, 0.5)


@dataclass(frozen=True)
class Observation:
    user: str
    field_type: str
    correct: bool
    source: str = CONSENSUS  # known | curator | unanimous | consensus


@dataclass(frozen=True)
class Tally:
    correct: float = 0.0
    total: float = 0.0


def reliability_update(
    tally: Tally, observation: Observation, model: ReliabilityModel | None = None
) -> Tally:
    """The tally after one more observation."""
    weight = (model or ReliabilityModel()).source_weight(observation.source)
    return Tally(tally.correct + weight * observation.correct, tally.total + weight)


def reliability_weight(tally: Tally, model: ReliabilityModel | None = None) -> float:
    """The vote weight of a contributor with this tally (1.0 with no observations)."""
    model = model or ReliabilityModel()
    p = (tally.correct + model.strength * model.prior) / (tally.total + model.strength)
    p = min(max(p, 1e-6), 1 - 1e-6)
    weight = math.log(p / (1 - p)) / math.log(model.prior / (1 - model.prior))
    return min(model.cap, max(model.floor, weight))


def reliability_estimate(
    observations: Iterable[Observation], model: ReliabilityModel | None = None
) -> dict[str, dict[str, float]]:
    """Weights per contributor and field type: {user: {field_type: weight}}."""
    model = model or ReliabilityModel()
    tallies: dict[tuple[str, str], Tally] = {}
    for observation in observations:
        key = (observation.user, observation.field_type)
        tallies[key] = reliability_update(tallies.get(key, Tally()), observation, model)
    weights: dict[str, dict[str, float]] = {}
    for (user, field_type), tally in tallies.items():
        weights.setdefault(user, {})[field_type] = reliability_weight(tally, model)
    return weights


def reliability_observations(
    fields: Sequence[FieldSpec], submissions: Sequence[Submission], outcome: TaskOutcome
) -> list[Observation]:
    """What one reconciled task says about its contributors: only accepted fields count."""
    observations = []
    for spec in fields:
        result = outcome.fields[spec.key]
        if not result.accepted:
            continue
        source = UNANIMOUS if len(result.agreeing) == result.n else CONSENSUS
        agreeing = set(result.agreeing)
        for submission in submissions:
            observations.append(
                Observation(submission.user, spec.type, submission.user in agreeing, source)
            )
    return observations


def reliability_from_tasks(
    fields: Sequence[FieldSpec],
    tasks: Iterable[Sequence[Submission]],
    policy: Policy | None = None,
    *,
    rounds: int = 2,
    model: ReliabilityModel | None = None,
) -> dict[str, dict[str, float]]:
    """Estimate weights from the tasks themselves: reconcile, estimate, repeat `rounds` times."""
    return estimate_from_tasks(fields, tasks, policy, rounds=rounds, model=model)[0]


def estimate_from_tasks(
    fields: Sequence[FieldSpec],
    tasks: Iterable[Sequence[Submission]],
    policy: Policy | None = None,
    *,
    rounds: int = 2,
    model: ReliabilityModel | None = None,
    caches: Sequence[AnswerCache] | None = None,
) -> tuple[dict[str, dict[str, float]], tuple[tuple[str, float], ...]]:
    """Contributor weights and per-field blank shares (`Policy.blank_weights`), learnt together.

    Every round reads the same answers: each task's are read once, in the first round, and
    kept in its `AnswerCache` (`caches`, one per task, to reuse them afterwards too).
    """
    policy = policy or Policy()
    model = model or ReliabilityModel()
    tasks = [list(task) for task in tasks]
    if caches is None:
        caches = [AnswerCache() for _ in tasks]
    weights: dict[str, dict[str, float]] = {}
    # Per task, the outcomes of the first round that no later round can change, the fields
    # left to reconcile again and the place they are checked against.
    kept: list[_Kept | None] = [None] * len(tasks)
    keeping = model.floor > 0 and policy.prior_weight > 0
    countries, regions = where.place_fields(fields)
    place = _PlaceKeys(
        [spec for spec in fields if where.is_checked(spec)],
        {spec.key for spec in countries},
        {spec.key for spec in regions},
    )
    for round_ in range(rounds):
        tallies = _Tallies(model)
        blanks = BlankTally()
        for index, (task, cache) in enumerate(zip(tasks, caches, strict=True)):
            # The weights go along with the task rather than into new submissions: the
            # tallies read the contributors and their answers, not their weights.
            known = kept[index]
            learnt = weights or None
            if known is None:
                results = reconcile_task(
                    fields, task, policy, cache=cache, weights=learnt, brief=True
                ).fields
            else:
                outcome = reconcile_task(
                    known.others,
                    task,
                    policy,
                    cache=cache,
                    weights=learnt,
                    country=known.country,
                    region=known.region,
                    brief=True,
                )
                results = {**known.outcomes, **outcome.fields}
            tallies.add(fields, task, results)
            blanks.add(fields, task, results, policy, cache)
            if round_ == 0 and keeping and round_ + 1 < rounds:
                kept[index] = _unchanging(fields, task, results, policy, cache, place)
        weights = tallies.weights()
        policy = replace(policy, blank_weights=blanks.shares(fields, policy, model))
    return weights, policy.blank_weights


class _PlaceKeys(NamedTuple):
    """A template's fields checked against the record's place, and the keys of those its
    country and its region are read from."""

    checked: list[FieldSpec]
    countries: set[str]
    regions: set[str]


class _Kept(NamedTuple):
    """What the second round keeps of a task's first: the outcomes no weight can change, the
    fields to reconcile again, and the record's country and region they are checked against
    (as `reconcile_task` would have read them from the kept fields)."""

    outcomes: dict[str, FieldOutcome]
    others: list[FieldSpec]
    country: str
    region: str


def _unchanging(
    fields: Sequence[FieldSpec],
    task: Sequence[Submission],
    results: Mapping[str, FieldOutcome],
    policy: Policy,
    cache: AnswerCache,
    keys: _PlaceKeys,
) -> _Kept | None:
    """The fields of a task whose outcome, as the tallies read it, no weight can change, and
    the others; None when none is kept.

    A field where every answer is the same reading, a value of the field's type or blank, is
    settled by `decide.unanimous` whatever the weights, as long as they are positive (so the
    caller requires a positive prior and floor, and contributors without weights of their
    own): only the weights listed among its alternatives change, and the tallies do not read
    them. A geopoint's or an elevation's outcome also depends on the record's place, read
    from the agreed country and region fields (`where.record_place`): it is kept only when
    what it is checked against cannot change (`where.place_may_change`), that is when every
    field of the country, of the region or of both is kept. The country's (region's) fields
    go again together, or stay together and hand what they settled to the fields reconciled
    again, as the metadata's country (region) they are checked against.
    """
    if any(s.markers or s.weights or not s.trusted for s in task):
        return None
    free = {
        spec.key
        for spec, plan in zip(fields, plans_for(fields, policy), strict=True)
        if _weight_free(spec.key, plan.read, cache)
    }
    country = region = None
    if keys.checked:
        settled = where.place_settled(fields, {key: results[key] for key in free})
        country, region = settled
        if country is None:
            free -= keys.countries
        if region is None:
            free -= keys.regions
        free -= {spec.key for spec in keys.checked if where.place_may_change(spec, settled)}
    if not free:
        return None
    return _Kept(
        {key: results[key] for key in free},
        [spec for spec in fields if spec.key not in free],
        country or "",
        region or "",
    )


def _weight_free(key: str, read: Callable[[str], Reading], cache: AnswerCache) -> bool:
    found = cache.known(key, read)
    reading = found.same if found is not None else None
    return reading is not None and (
        reading.kind == "blank" or (reading.kind == "value" and _typed(reading))
    )


def _typed(reading: Reading) -> bool:
    """A value of the field's type, not text it could not read (see `decide.unanimous`)."""
    key = reading.key
    return not (isinstance(key, tuple) and key and key[0] == "text")


class _Tallies:
    """`reliability_observations` then `reliability_estimate`, without the objects between.

    Each round of `estimate_from_tasks` would make an `Observation` and a `Tally` per
    contributor and settled field (two million on 20,000 images). The observations are
    counted in place instead, per contributor and field type: the unanimous fields (a
    task's fields of one type count for all its contributors at once), the others, and
    those of the others the contributor agreed with. The sums are the counts times the
    sources' weights: with the model's (1 and 0.5, binary fractions) every sum is exact,
    so the weights are the same to the last bit as the observations added one by one (with
    other source weights, both are the exact sum rounded, maybe not the same way).
    """

    def __init__(self, model: ReliabilityModel) -> None:
        self.model = model
        self.unanimous = model.source_weight(UNANIMOUS)
        self.consensus = model.source_weight(CONSENSUS)
        # field type -> user -> [unanimous fields, other fields, others agreed with]
        self.counts: dict[str, dict[str, list[int]]] = {}

    def add(
        self,
        fields: Sequence[FieldSpec],
        submissions: Sequence[Submission],
        results: Mapping[str, FieldOutcome],
    ) -> None:
        # Per field type of the task's settled fields: how many everyone agreed on, and
        # who agreed on each of the others.
        unanimous: dict[str, int] = {}
        split: dict[str, list[tuple[str, ...]]] = {}
        for spec in fields:
            result = results[spec.key]
            if result.status not in SETTLED:
                continue
            agreeing = result.agreeing
            if len(agreeing) == result.n:
                # Everyone agrees (those who agree are always some of the task's contributors).
                unanimous[spec.type] = unanimous.get(spec.type, 0) + 1
            elif spec.type in split:
                split[spec.type].append(agreeing)
            else:
                split[spec.type] = [agreeing]
        counts = self.counts
        users = [s.user for s in submissions]
        for kind, everyone in unanimous.items():
            by_user = counts.get(kind)
            if by_user is None:
                by_user = counts[kind] = {}
            for user in users:
                count = by_user.get(user)
                if count is None:
                    count = by_user[user] = [0, 0, 0]
                count[0] += everyone
        for kind, agreed in split.items():
            by_user = counts.get(kind)
            if by_user is None:
                by_user = counts[kind] = {}
            others = len(agreed)
            for user in users:
                count = by_user.get(user)
                if count is None:
                    count = by_user[user] = [0, 0, 0]
                count[1] += others
                for agreeing in agreed:
                    if user in agreeing:
                        count[2] += 1

    def weights(self) -> dict[str, dict[str, float]]:
        model, unanimous, consensus = self.model, self.unanimous, self.consensus
        weights: dict[str, dict[str, float]] = {}
        for field_type, by_user in self.counts.items():
            for user, (everyone, others, agreed) in by_user.items():
                tally = Tally(
                    everyone * unanimous + agreed * consensus,
                    everyone * unanimous + others * consensus,
                )
                weights.setdefault(user, {})[field_type] = reliability_weight(tally, model)
        return weights


class BlankTally:
    """Per field, how often a blank answer on a settled field was right (the label was empty).

    A blank answer then weighs like a contributor whose accuracy is that rate, relative to a
    contributor at the prior (the same log-odds scale as the weights): a field that labels
    always fill learns that its blanks are slips (weight near the floor), one often empty
    that its blanks are evidence. Smoothed towards the policy's fixed share.
    """

    def __init__(self) -> None:
        self.right: dict[str, float] = {}
        self.total: dict[str, float] = {}

    def add(
        self,
        fields: Sequence[FieldSpec],
        submissions: Sequence[Submission],
        results: Mapping[str, FieldOutcome],
        policy: Policy,
        cache: AnswerCache | None = None,
    ) -> None:
        """Count the blanks of the task's settled fields; `cache` holds the readings of the
        task's answers when they were reconciled with it (blanks are counted, so their order
        does not matter)."""
        marked = any(s.markers for s in submissions)
        # The fields' readers as reconciling them used them: their readings are cached by them.
        for spec, plan in zip(fields, plans_for(fields, policy), strict=True):
            result = results[spec.key]
            if result.status not in SETTLED:
                continue
            read = plan.read
            known = cache.known(spec.key, read) if cache is not None and not marked else None
            if known is not None:
                count = known.blanks
                if count:
                    self.total[spec.key] = self.total.get(spec.key, 0.0) + count
                    if not result.value:
                        self.right[spec.key] = self.right.get(spec.key, 0.0) + count
                continue
            for submission in submissions:
                if spec.key in submission.markers:
                    continue
                if read(submission.values.get(spec.key) or "").kind == "blank":
                    self.total[spec.key] = self.total.get(spec.key, 0.0) + 1
                    if not result.value:
                        self.right[spec.key] = self.right.get(spec.key, 0.0) + 1

    def shares(
        self, fields: Sequence[FieldSpec], policy: Policy, model: ReliabilityModel | None = None
    ) -> tuple[tuple[str, float], ...]:
        model = model or ReliabilityModel()
        scale = math.log(model.prior / (1 - model.prior))
        out = []
        for spec in fields:
            fixed = policy.select_blank_weight if spec.type == "select" else policy.blank_weight
            # The rate at which a blank is right that the fixed share stands for.
            p0 = 1 / (1 + math.exp(-fixed * scale))
            total = self.total.get(spec.key, 0.0)
            p = (self.right.get(spec.key, 0.0) + model.strength * p0) / (total + model.strength)
            p = min(max(p, 1e-6), 1 - 1e-6)
            # Never above the fixed share: two blanks must not outvote a value on their own.
            out.append((spec.key, min(fixed, max(model.floor, math.log(p / (1 - p)) / scale))))
        return tuple(out)


def with_weights(
    submissions: Sequence[Submission], weights: Mapping[str, Mapping[str, float]]
) -> list[Submission]:
    """The submissions carrying each contributor's weights (unknown contributors: the prior)."""
    return [
        new_submission(s.user, s.values, weights[s.user], s.markers, s.trusted)
        if s.user in weights
        else s
        for s in submissions
    ]
