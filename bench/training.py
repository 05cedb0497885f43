"""Benchmark known-answer images: how fast they find a spammer, and what they do to accuracy.

    python -m bench.training [--seeds 3] [--images 1200] [--refresh 100] [--seed 1]

A project's stream simulated with the platform's own rules, pure Python (no database): the
shared generator's contributors (skill levels from careful to sloppy, spammers, and copiers
added here) answer real images in turn, each image getting the same contributors in both arms.
With known answers, before each real image a contributor may meet known-answer images, as
`lease_grant` serves them (`worker.training.known_answer_due` at the platform's default rates:
1 in 5 while new or under 80 % field accuracy, falling to 1 in 50 after 20 good ones); their
answer is compared field by field with `worker.consensus.check.answers_check`, and each compared
field goes into their tally at once with source KNOWN, as `tasks.services.known_answers` does.
In both arms, every `--refresh` real images the weights are estimated again from the settled
values of all images so far, with the reliability rounds the command line runs
(`python -m worker.consensus reconcile`); with known answers their tallies are added in. Each
real image is reconciled with the weights of the moment when its last transcription arrives,
as the platform stores it.

Printed:
(a) how many answers (real and known-answer images) a spammer gives until their weight falls
    below 0.2, per field type and for every type of the template, median and 90th percentile
    over the spammers of every run (spammers are given a busy volunteer's activity, the pool's
    95th percentile, so that each is followed long enough);
(b) the accuracy of the settled values at equal real transcriptions per image (3 and 5), with
    and without known answers, on the herbarium and references families, and the cost: the
    share of the volunteers' answers spent on known-answer images.

Deterministic for a given `--seed`. It needs the shared generator beside the project (as
`bench.consensus` does); without it, it says so and stops.
"""

from __future__ import annotations

import argparse
import importlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

from bench.consensus import SHARED
from worker.consensus.check import answers_check
from worker.consensus.cli import parse_fields
from worker.consensus.engine import reconcile_task
from worker.consensus.model import Policy, Submission, TaskOutcome, new_submission
from worker.consensus.reliability import (
    KNOWN,
    BlankTally,
    Observation,
    Tally,
    reliability_observations,
    reliability_update,
    reliability_weight,
    with_weights,
)
from worker.template import FieldSpec
from worker.training import KnownAnswerRates, Record, known_answer_due, known_answer_rate

SPAMMER_BAR = 0.2  # the weight under which a spammer's votes no longer move a result
FAMILIES = ("herbarium", "reference")
KS = (3, 5)

Weights = dict[str, dict[str, float]]
Tallies = dict[tuple[str, str], Tally]


def load_generator() -> ModuleType:
    """The shared generator's module (it imports its word lists as a top-level module)."""
    if str(SHARED) not in sys.path:
        sys.path.insert(0, str(SHARED))
    return importlib.import_module("generate")


def crowd_class(gen: ModuleType) -> type:
    """The generator's crowd, plus copiers: a copier pastes an answer someone gave before them
    on the same image (two accounts of one person, or friends passing answers), and reads it
    as an average volunteer when nobody answered it yet. Spammers are made busy volunteers."""

    class Crowd(gen.Generator):  # type: ignore[name-defined]
        skills = (
            gen.Skill("careful", 0.57, 0.03, 0.05, 0.90),
            gen.Skill("average", 0.30, 0.10, 0.10, 0.70),
            gen.Skill("sloppy", 0.08, 0.30, 0.20, 0.45),
            gen.Skill("spammer", 0.02, 1.00, 0.00, 0.00),
            gen.Skill("copier", 0.03, 0.10, 0.10, 0.70),
        )

        def __init__(self, family: Any, seed: int) -> None:
            super().__init__(family, seed)
            self.seen: dict[str, list[dict[str, str]]] = {}

        def make_contributors(self, n: int) -> list[Any]:
            pool = super().make_contributors(n)
            activities = sorted(c.activity for c in pool)
            busy = activities[int(0.95 * (len(activities) - 1))]
            for contributor in pool:
                if contributor.skill.name == "spammer":
                    contributor.activity = busy
            return pool

        def transcribe(self, subject: Any, c: Any) -> dict[str, str]:
            earlier = self.seen.setdefault(subject.id, [])
            if c.skill.name == "copier" and earlier:
                answer = dict(self.rng.choice(earlier))
            else:
                answer = super().transcribe(subject, c)
            earlier.append(answer)
            return answer

    return Crowd


# --- Reliability, the platform's way --------------------------------------------------------


def weights_of(settled: Tallies, known: Tallies) -> Weights:
    """Each contributor's weight per field type from both tallies added, as the platform's
    refresh counts settled values and known answers into one tally."""
    weights: Weights = {}
    for key in settled.keys() | known.keys():
        a, b = settled.get(key, Tally()), known.get(key, Tally())
        user, field_type = key
        weights.setdefault(user, {})[field_type] = reliability_weight(
            Tally(a.correct + b.correct, a.total + b.total)
        )
    return weights


def settled_estimate(
    fields: Sequence[FieldSpec],
    tasks: Sequence[Sequence[Submission]],
    policy: Policy,
    known: Tallies,
    *,
    rounds: int = 2,
    first: Prior | None = None,
) -> tuple[Tallies, Policy]:
    """`worker.consensus.reliability.estimate_from_tasks` (the command line's rounds) with
    known-answer tallies added to each round's: the settled values' tallies and the policy
    with the learnt blank shares. Without known tallies its weights are the command line's.
    `first`, when given, is the first round already counted (no known tallies: prior weights)."""
    weights = weights_of({}, known)
    tallies: Tallies = {}
    for round_ in range(rounds):
        if round_ == 0 and first is not None and not known:
            tallies, blanks = first.tallies, first.blanks
        else:
            tallies, blanks = {}, BlankTally()
            for task in tasks:
                _settled_add(fields, with_weights(task, weights), policy, tallies, blanks)
        weights = weights_of(tallies, known)
        policy = replace(policy, blank_weights=blanks.shares(fields, policy))
    return tallies, policy


def _settled_add(
    fields: Sequence[FieldSpec],
    weighted: list[Submission],
    policy: Policy,
    tallies: Tallies,
    blanks: BlankTally,
) -> None:
    outcome = reconcile_task(fields, weighted, policy)
    for observation in reliability_observations(fields, weighted, outcome):
        key = (observation.user, observation.field_type)
        tallies[key] = reliability_update(tallies.get(key, Tally()), observation)
    blanks.add(fields, weighted, outcome.fields, policy)


class Prior:
    """The first round counted as images arrive: with prior weights and the project's policy
    an image's outcome never changes, so it need not be reconciled again at each refresh."""

    def __init__(self, fields: Sequence[FieldSpec], policy: Policy) -> None:
        self.fields, self.policy = fields, policy
        self.tallies: Tallies = {}
        self.blanks = BlankTally()

    def add(self, submissions: list[Submission]) -> None:
        _settled_add(self.fields, submissions, self.policy, self.tallies, self.blanks)


# --- One stream ------------------------------------------------------------------------------


@dataclass
class Stream:
    """The real images of one run and their answers, the same for both arms."""

    family: str
    fields: list[FieldSpec]
    types: list[str]  # the template's field types, in order, once each
    real: list[tuple[Any, list[tuple[Any, dict[str, str]]]]]  # (subject, [(contributor, values)])
    known: list[Any]  # known-answer subjects (expert values = truth)
    checker: Any  # the crowd answering known-answer images (same people, own draws)
    seed: int


def stream_make(gen: ModuleType, family: str, seed: int, k: int, images: int, known: int) -> Stream:
    crowd_type = crowd_class(gen)
    crowd = crowd_type(gen.FAMILIES[family](), seed)
    fields = parse_fields(crowd.family.spec())
    real = []
    for index in range(1, images + 1):
        subject = crowd.subject(index)
        real.append((subject, [(c, crowd.transcribe(subject, c)) for c in crowd.arrivals(k)]))
    checker = crowd_type(gen.FAMILIES[family](), seed * 1009 + 17)
    checker.contributors = crowd.contributors
    pool = [checker.subject(index) for index in range(1, known + 1)]
    types = list(dict.fromkeys(spec.type for spec in fields))
    return Stream(family, fields, types, real, pool, checker, seed)


@dataclass
class ArmResult:
    known_answers: int = 0
    real_answers: int = 0
    # Per spammer: answers given when each field type's weight first fell below the bar
    # ("all" for every type of the template); missing when it never did.
    spammers: dict[str, dict[str, int]] = field(default_factory=dict)
    cells: int = 0
    correct: int = 0
    accepted: int = 0
    accepted_correct: int = 0


@dataclass
class Person:
    record: Record = field(default_factory=Record)
    since_last: int = 0
    answers: int = 0
    met: set[str] = field(default_factory=set)


def arm_run(
    stream: Stream,
    *,
    k: int,
    with_known: bool,
    refresh: int,
    matches: Callable[[str, str, str], bool],
    rates: KnownAnswerRates | None = None,
) -> ArmResult:
    fields = stream.fields
    base = policy = Policy(min_transcriptions=k, max_transcriptions=k)
    rng = random.Random(stream.seed * 7 + k)  # the draws of `known_answer_due`
    people: dict[str, Person] = {}
    known: Tallies = {}
    settled: Tallies = {}
    weights: Weights = {}
    done: list[list[Submission]] = []
    prior = Prior(fields, policy)
    result = ArmResult()
    spammers = {c.name for c in stream.checker.contributors if c.skill.name == "spammer"}
    result.spammers = {name: {} for name in spammers}

    def spammer_watch(names: Iterable[str]) -> None:
        for name in names:
            if name not in spammers:
                continue
            first = result.spammers[name]
            mine = weights.get(name, {})
            for field_type in stream.types:
                if field_type not in first and mine.get(field_type, 1.0) < SPAMMER_BAR:
                    first[field_type] = people[name].answers
            if "all" not in first and all(t in first for t in stream.types):
                first["all"] = people[name].answers

    def known_answer(person: Person, contributor: Any) -> bool:
        unmet = [s for s in stream.known if s.id not in person.met]
        if not unmet:
            return False
        subject = rng.choice(unmet)
        person.met.add(subject.id)
        given = stream.checker.transcribe(subject, contributor)
        checks = answers_check(fields, expected=subject.truth, given=given, policy=policy)
        for check in checks:
            key = (contributor.name, check.type)
            observation = Observation(contributor.name, check.type, check.match, KNOWN)
            known[key] = reliability_update(known.get(key, Tally()), observation)
        matched = sum(check.match for check in checks)
        record = person.record
        person.record = Record(
            record.images + 1, record.compared + len(checks), record.matched + matched
        )
        person.since_last = 0
        person.answers += 1
        result.known_answers += 1
        return True

    for index, (subject, answers) in enumerate(stream.real, start=1):
        for contributor, _values in answers:
            person = people.setdefault(contributor.name, Person())
            while with_known and known_answer_due(
                rate=known_answer_rate(person.record, rates),
                since_last=person.since_last,
                draw=rng.random(),
            ):
                if not known_answer(person, contributor):
                    break
                weights = weights_of(settled, known)
                spammer_watch([contributor.name])
            person.answers += 1
            person.since_last += 1
            result.real_answers += 1
        submissions = [new_submission(c.name, values) for c, values in answers]
        outcome = reconcile_task(fields, with_weights(submissions, weights), policy)
        score_image(result, fields, subject.truth, outcome, matches)
        done.append(submissions)
        if not with_known:
            prior.add(submissions)
        if index % refresh == 0:
            # From the project's policy each time, as the command line starts from its own.
            settled, policy = settled_estimate(fields, done, base, known, first=prior)
            weights = weights_of(settled, known)
            spammer_watch(spammers & people.keys())
    return result


def score_image(
    result: ArmResult,
    fields: Sequence[FieldSpec],
    truth: dict[str, str],
    outcome: TaskOutcome,
    matches: Callable[[str, str, str], bool],
) -> None:
    for spec in fields:
        found = outcome.fields[spec.key]
        right = matches(spec.type, truth.get(spec.key, ""), found.value)
        result.cells += 1
        result.correct += right
        if found.accepted:
            result.accepted += 1
            result.accepted_correct += right


# --- Figures ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _count(value: float) -> str:
    return f"{value:>6.0f}" if value != float("inf") else " never"


def spammer_line(label: str, runs: Sequence[ArmResult], columns: Sequence[str]) -> str:
    firsts = [first for run in runs for first in run.spammers.values()]
    cells = []
    for column in columns:
        reached = [first[column] for first in firsts if column in first]
        if not reached:
            cells.append(f"{'never':>15}")
            continue
        # A spammer who never fell below the bar counts as the longest wait (censored).
        values = reached + [float("inf")] * (len(firsts) - len(reached))
        cells.append(f"{_count(statistics.median(values))} / {_count(percentile(values, 0.9))}")
    missing = sum("all" not in first for first in firsts)
    tail = f"  ({len(firsts)} spammers" + (f", {missing} never below" if missing else "") + ")"
    return f"  {label:22}" + "".join(f" {cell:>15}" for cell in cells) + tail


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=1, help="first seed of the runs")
    parser.add_argument("--seeds", type=int, default=3, help="runs per family and k")
    parser.add_argument("--images", type=int, default=1000, help="real images per run")
    parser.add_argument("--known", type=int, default=40, help="known-answer images per run")
    parser.add_argument("--refresh", type=int, default=100, help="real images between refreshes")
    args = parser.parse_args(argv)
    if not (SHARED / "generate.py").exists():
        print(f"skipped: the shared benchmark is not at {SHARED}")
        return 0
    gen = load_generator()
    score = importlib.import_module("score")
    started = time.process_time()
    runs: dict[tuple[str, int, bool], list[ArmResult]] = {}
    types: dict[str, list[str]] = {}
    for family in FAMILIES:
        for k in KS:
            for seed in range(args.seed, args.seed + args.seeds):
                stream = stream_make(gen, family, seed, k, args.images, args.known)
                types[family] = stream.types
                for with_known in (True, False):
                    runs.setdefault((family, k, with_known), []).append(
                        arm_run(
                            stream,
                            k=k,
                            with_known=with_known,
                            refresh=args.refresh,
                            matches=score.matches,
                        )
                    )
    print(
        f"{args.seeds} runs per family and k (seeds {args.seed}..{args.seed + args.seeds - 1}), "
        f"{args.images} real images each, {args.known} known-answer images, weights refreshed "
        f"from settled values every {args.refresh} images; known-answer rates 1 in 5 new, "
        f"1 in 50 trusted after 20 good"
    )
    print(f"(a) answers until a spammer's weight falls below {SPAMMER_BAR} (real + known-answer)")
    print("    median / 90th percentile, over the spammers of every run of the family")
    for family in FAMILIES:
        columns = [*types[family], "all"]
        print(f"  {family:22}" + "".join(f" {column:>15}" for column in columns))
        for with_known, label in ((True, "with known answers"), (False, "without")):
            arms = [run for k in KS for run in runs[(family, k, with_known)]]
            print(spammer_line(label, arms, columns))
    print("(b) settled values at equal real transcriptions per image")
    print("    accuracy / auto-accepted precision / coverage; cost = known-answer share of answers")
    for family in FAMILIES:
        for k in KS:
            for with_known, label in ((True, "with known answers"), (False, "without")):
                arms = runs[(family, k, with_known)]
                cells = sum(r.cells for r in arms)
                accepted = sum(r.accepted for r in arms)
                known = sum(r.known_answers for r in arms)
                answers = known + sum(r.real_answers for r in arms)
                print(
                    f"  {family:10} k={k} {label:20} "
                    f"{100 * sum(r.correct for r in arms) / cells:5.1f} % / "
                    f"{100 * sum(r.accepted_correct for r in arms) / max(1, accepted):5.1f} % / "
                    f"{100 * accepted / cells:5.1f} %"
                    + (f"   cost {100 * known / answers:4.1f} % of answers" if with_known else "")
                )
    print(f"({time.process_time() - started:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
