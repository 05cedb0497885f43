"""Training rules without Django: how often a contributor meets a known-answer image, and which
level their results reach. The platform stores the counts; these functions decide.

Known-answer images measure everyone, newcomers most: a contributor with no measured record,
or whose known-answer accuracy is under the bar, meets one in `new_rate` of their images; each
known-answer image they pass with a good record lowers the rate geometrically, down to
`trusted_rate` after `trusted_after` of them. Falling under the bar again brings the newcomer's
rate back at once: trust is earned by measured agreement and kept only by it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownAnswerRates:
    new_rate: float = 0.2  # 1 in 5 for an account with no measured record
    trusted_rate: float = 0.02  # 1 in 50 once measured and good
    trusted_after: int = 20  # known-answer images to go from one rate to the other
    good_accuracy: float = 0.8  # field accuracy on known answers that counts as good


@dataclass(frozen=True)
class Record:
    """A contributor's known-answer results in a project."""

    images: int = 0  # known-answer images answered
    compared: int = 0  # fields compared with a known answer
    matched: int = 0  # of which matched

    @property
    def accuracy(self) -> float | None:
        return self.matched / self.compared if self.compared else None


def known_answer_rate(record: Record, rates: KnownAnswerRates | None = None) -> float:
    """The share of this contributor's images that should be known-answer images."""
    rates = rates or KnownAnswerRates()
    accuracy = record.accuracy
    if accuracy is None or accuracy < rates.good_accuracy or rates.trusted_after <= 0:
        return rates.new_rate
    progress = min(1.0, record.images / rates.trusted_after)
    if rates.new_rate <= 0 or rates.trusted_rate <= 0:
        return max(0.0, rates.new_rate + (rates.trusted_rate - rates.new_rate) * progress)
    return math.exp(
        math.log(rates.new_rate)
        + (math.log(rates.trusted_rate) - math.log(rates.new_rate)) * progress
    )


def known_answer_due(*, rate: float, since_last: int, draw: float) -> bool:
    """Whether the next image should be a known-answer one: a random draw under `rate`, so
    nobody can tell which image is one; and, so that luck never leaves a contributor unmeasured
    for long, always once `since_last` real images reach twice the mean gap."""
    if rate <= 0:
        return False
    return draw < rate or since_last >= math.ceil(2 / rate)


@dataclass(frozen=True)
class Level:
    """What reaching a level asks: answers on practice or known-answer images, and accuracy."""

    answers: int
    accuracy_percent: int


def levels_parse(raw: object) -> tuple[Level, ...]:
    """Levels 2, 3… of a project from their stored form, `[{"answers": 5, "accuracy": 80}]`.
    Raises ValueError with the reason on anything else."""
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list) or len(raw) > 9:
        raise ValueError("levels: give a list of at most 9 levels")
    levels: list[Level] = []
    for index, item in enumerate(raw, start=2):
        if not isinstance(item, dict) or set(item) - {"answers", "accuracy"}:
            raise ValueError(f"level {index}: give answers and accuracy")
        answers, accuracy = item.get("answers"), item.get("accuracy")
        if not isinstance(answers, int) or isinstance(answers, bool) or not 1 <= answers <= 1000:
            raise ValueError(f"level {index}: answers must be a whole number from 1 to 1000")
        if not isinstance(accuracy, int) or isinstance(accuracy, bool) or not 0 <= accuracy <= 100:
            raise ValueError(f"level {index}: accuracy must be a percentage from 0 to 100")
        if levels and (answers < levels[-1].answers or accuracy < levels[-1].accuracy_percent):
            raise ValueError(f"level {index}: each level asks at least as much as the one before")
        levels.append(Level(answers, accuracy))
    return tuple(levels)


def level_reached(levels: Sequence[Level], record: Record) -> int:
    """The contributor's level: 1, plus each level whose answers and accuracy they reached."""
    level = 1
    accuracy = record.accuracy or 0.0
    for rule in levels:
        if record.images >= rule.answers and accuracy * 100 >= rule.accuracy_percent:
            level += 1
        else:
            break
    return level


def level_missing(levels: Sequence[Level], record: Record, wanted: int) -> tuple[int, int] | None:
    """What is still missing to reach `wanted`: (answers still to give, accuracy needed in
    percent); None when it is reached or does not exist."""
    if wanted <= level_reached(levels, record) or wanted - 2 >= len(levels) or wanted < 2:
        return None
    rule = levels[wanted - 2]
    return max(0, rule.answers - record.images), rule.accuracy_percent
