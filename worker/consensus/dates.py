"""Dates: read the forms labels print, compare at the precision both answers share.

A date is (year, month, day) with None for the parts an answer does not give. Text is cut
into tokens (numbers and words) rather than matched against one regular expression per
form, so `12 juin 1898`, `12.VI.1898`, `June 12th, 1898`, `[1898]` and `c. 1898` are all the
same few rules. (dateutil's parser was considered: it fills missing parts from a default
date, which would invent precision, and it has no French months.)
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from worker.consensus.explain import Part
from worker.consensus.model import Alternative, Reading, ValueConsensus, Vote, make_alternative
from worker.consensus.text import read_parsed

DateKey = tuple[int, int | None, int | None]

_MONTH_NAMES = (
    ("janvier", "january", "janv", "jan", "ja"),
    ("fevrier", "february", "fevr", "fev", "feb", "fe"),
    ("mars", "march", "mar"),
    ("avril", "april", "avr", "apr", "av"),
    ("mai", "may"),
    ("juin", "june", "jun"),
    ("juillet", "july", "juil", "jul", "jl"),
    ("aout", "august", "aug", "aou"),
    ("septembre", "september", "sept", "sep"),
    ("octobre", "october", "oct"),
    ("novembre", "november", "nov"),
    ("decembre", "december", "dec"),
)
MONTHS = {name: index for index, names in enumerate(_MONTH_NAMES, 1) for name in names}
ROMAN = {
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
    "x": 10,
    "xi": 11,
    "xii": 12,
}
# Words that decorate a date without changing it: ordinals, articles, "circa", "vers".
_NOISE = frozenset(
    "er e eme st nd rd th le the of de du en in on c ca circa vers env environ about approx".split()
)


def _tokens(text: str) -> list[str] | None:
    """Numbers and words of `text`, folded; None if it has characters no date has."""
    tokens: list[str] = []
    current = ""
    for ch in text:
        # isdecimal, not isdigit: superscripts and Ethiopic numerals are digits that int()
        # refuses; decimal digits of any script (١٨٩٨) are read as such.
        kind = "d" if ch.isdecimal() else "a" if ch.isalpha() else ""
        if current and (not kind or (current[-1].isdecimal()) != (kind == "d")):
            tokens.append(current)
            current = ""
        if kind:
            current += ch
        elif ch not in " .,/-[]()?'’":
            return None
    if current:
        tokens.append(current)
    return tokens


@lru_cache(maxsize=1 << 16)
def parse_date(raw: str, day_first: bool = True) -> DateKey | None:
    """(year, month, day) from a date as typed, None parts when not given; None if not a date."""
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", raw.casefold()) if not unicodedata.combining(ch)
    )
    tokens = _tokens(folded)
    if not tokens:
        return None
    numbers: list[str] = []
    month: int | None = None
    for token in tokens:
        if token.isdecimal():
            numbers.append(token)
        elif token in _NOISE:
            continue
        elif token in MONTHS and month is None:
            month = MONTHS[token]
        elif token in ROMAN and month is None:
            month = ROMAN[token]
        else:
            return None
    return _assemble(numbers, month, day_first)


def _assemble(numbers: list[str], month: int | None, day_first: bool) -> DateKey | None:
    years = [i for i, n in enumerate(numbers) if len(n) == 4]
    if len(years) != 1 or len(numbers) > 3:
        return None
    position = years[0]
    year = int(numbers[position])
    rest = [int(n) for i, n in enumerate(numbers) if i != position]
    if any(len(n) > 2 for i, n in enumerate(numbers) if i != position):
        return None
    day: int | None = None
    if month is not None:
        if len(rest) > 1:
            return None
        day = rest[0] if rest else None
    elif len(rest) == 1:
        month = rest[0]
    elif len(rest) == 2:
        first, second = rest
        if position == 0:  # year first: ISO order, year-month-day
            month, day = first, second
        else:
            day, month = (first, second) if day_first else (second, first)
        if month > 12 >= day:  # the only reading that makes a date
            day, month = month, day
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and (month is None or not 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return (year, month, day)


def iso(date: DateKey) -> str:
    year, month, day = date
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


@lru_cache(maxsize=1 << 16)
def read_date(raw: str, day_first: bool) -> Reading:
    return read_parsed(raw, lambda text: parse_date(text, day_first), iso)


def agrees(date: DateKey, answer: object) -> bool:
    """An answer agrees with a date when they are equal at the precision both give."""
    if not isinstance(answer, tuple) or len(answer) != 3 or answer[0] == "text":
        return False
    return all(a is None or b is None or a == b for a, b in zip(date, answer, strict=True))


def consensus(votes: Sequence[Vote]) -> ValueConsensus:
    """Year first, then month among those who agree on the year, then day.

    A finer part is kept only when more weight gives it than stops short of it, so an answer
    giving only the year agrees with a full date but never drags its precision down alone,
    and nobody's precision is invented.
    """
    dated = [(v, key) for v in votes if (key := _date_of(v)) is not None]
    if not dated:
        return _undated(votes)
    year, _ = _best(dated, 0)
    chosen: list[int | None] = [year, None, None]
    decisive = True
    pool = [(v, key) for v, key in dated if key[0] == year]
    for part in (1, 2):
        giving = [(v, key) for v, key in pool if key[part] is not None]
        stopping = sum(v.weight for v, key in pool if key[part] is None)
        if not giving:
            break
        value, weight = _best(giving, part)
        # Dropping the day or month is a common slip, adding one that is not printed is
        # not: the finer date is kept unless twice the weight stops short of it, and it is
        # decisive only with a majority of the answers that reached this part.
        if weight < stopping / 2 - 1e-9:
            break
        decisive = decisive and weight > (stopping + sum(v.weight for v, _ in giving)) / 2
        chosen[part] = value
        pool = [(v, key) for v, key in pool if key[part] in (None, value)]
    date: DateKey = (year, chosen[1], chosen[2])
    agreeing = [v for v in votes if agrees(date, v.reading.key)]
    exact = [v for v in agreeing if v.reading.key == date]
    partial = len(agreeing) - len(exact)
    note = _PARTIAL_DATES if partial else ON_THE_DATE
    return ValueConsensus(
        value=iso(date),
        cluster_weight=sum(v.weight for v in agreeing),
        agree_weight=sum(v.weight for v in agreeing),
        agree_users=tuple(sorted(v.user for v in agreeing)),
        decisive=decisive,
        method="date",
        agree_note=note,
        alternatives=_alternatives(votes, iso(date)),
    )


# The heads of explanations (see `explain.CATALOGUE`).
ON_THE_DATE: Part = ("agree.date",)
_PARTIAL_DATES: Part = ("agree.partial_date",)
_NOT_A_DATE: Part = ("agree.not_a_date",)


def _date_of(vote: Vote) -> DateKey | None:
    key = vote.reading.key
    if isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], int):
        return key
    return None


def _best(votes: Sequence[tuple[Vote, DateKey]], part: int) -> tuple[int, float]:
    """The heaviest value of one part of the date; a tie goes to the smaller number."""
    tally: dict[int, float] = {}
    for v, key in votes:
        value = key[part]
        if value is not None:
            tally[value] = tally.get(value, 0.0) + v.weight
    return max(tally.items(), key=lambda item: (item[1], -item[0]))


def _undated(votes: Sequence[Vote]) -> ValueConsensus:
    tally: dict[str, list[Vote]] = {}
    for v in votes:
        tally.setdefault(v.reading.text, []).append(v)
    text, group = max(tally.items(), key=lambda item: (sum(v.weight for v in item[1]), item[0]))
    return ValueConsensus(
        value=text,
        cluster_weight=sum(v.weight for v in group),
        agree_weight=sum(v.weight for v in group),
        agree_users=tuple(sorted(v.user for v in group)),
        decisive=False,  # nobody typed a date this engine can read: a curator decides
        method="unparsed",
        agree_note=_NOT_A_DATE,
        alternatives=_alternatives(votes, text),
    )


def _alternatives(votes: Sequence[Vote], winner: str) -> tuple[Alternative, ...]:
    groups: dict[str, list[Vote]] = {}
    for v in votes:
        groups.setdefault(v.reading.text, []).append(v)
    alternatives = [
        make_alternative(text, sum(v.weight for v in group), tuple(sorted(v.user for v in group)))
        for text, group in groups.items()
    ]
    return tuple(sorted(alternatives, key=lambda a: (a.value != winner, -a.weight, a.value)))
