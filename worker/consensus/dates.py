"""Dates: read the forms labels print, compare at the precision both answers share.

A date is (year, month, day) with None for the parts an answer does not give. Text is cut
into tokens (numbers and words) rather than matched against one regular expression per
form, so `12 juin 1898`, `12.VI.1898`, `June 12th, 1898`, `[1898]` and `c. 1898` are all the
same few rules. (dateutil's parser was considered: it fills missing parts from a default
date, which would invent precision, and it has no French months.)
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from worker.consensus.explain import Part
from worker.consensus.model import Alternative, Reading, ValueConsensus, Vote, make_alternative
from worker.consensus.text import read_parsed

DateKey = tuple[int, int | None, int | None]

# French, English, German and Latin names (nominative and the genitive of "die 12 junii"),
# and the abbreviations labels and cards print; accents are folded before the look-up.
_MONTH_NAMES = (
    "janvier january janv jan ja januar janner januarius januarii ianuarius ianuarii ian",
    "fevrier february fevr fev feb fe febr februar februarius februarii",
    "mars march mar mart marz maerz martius martii",
    "avril april avr apr av aprilis",
    "mai may maius maii",
    "juin june jun juni junius junii iunius iunii iun",
    "juillet july juil juill jul jl juli julius julii iulius iulii iul",
    "aout august aug aou augustus augusti",
    "septembre september sept sep septembris septbr 7bre 7bris 7ber",
    "octobre october oct oktober okt octobris octbr 8bre 8bris 8ber",
    "novembre november nov novembris novbr 9bre 9bris 9ber",
    "decembre december dec dezember dez decembris decbr xbre xbris xber 10bre 10bris 10ber",
)
MONTHS = {name: index for index, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
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
# Words that decorate a date without changing it: ordinals (1er, 1re, 2e, 3ème, 2d), articles
# and prepositions ("le", "ce", "l'an", "anno", "die", "den", "am"), "circa", "vers".
_NOISE = frozenset(
    "er re ere e eme d st nd rd th le ce l an anno die den am im the of de du en in on from"
    " c ca circa vers env environ about approx".split()
)
# What joins the two ends of a range: any dash, "12 au 15 juin", "12 to 15 June", "12 bis 15".
_RANGE = "-"
_RANGE_WORDS = frozenset(("au", "to", "bis"))
# Dashes and stops that typesetters and keyboards use in dates: all dashes are "-", the
# ideographic and full-width stops and the middle dot separate like ".".
_SIGNS = str.maketrans(dict.fromkeys("‐‑‒–—―−﹘﹣－", "-") | dict.fromkeys("。．·•", "."))
# An old label's "7bre", "8bre", "9bre", "10bre" (septembre…décembre, Latin September…):
# the number and the ending are cut into two tokens, joined again here.
_NUMBERED_MONTH_ENDINGS = frozenset(("bre", "bris", "ber", "br"))


# `_tokens` of ASCII text, by regular expressions: the characters a date may have (digits,
# letters, the dash and the separators it skips), then its numbers, words and dashes.
_ASCII_DATE_TEXT = re.compile(r"[0-9A-Za-z\- .,/\[\]()?']*")
_ASCII_TOKEN = re.compile(r"[0-9]+|[A-Za-z]+|-")


def _tokens(text: str) -> list[str] | None:
    """Numbers, words and range dashes of `text`, folded; None if it has characters no date has."""
    if text.isascii():  # most answers: what `tokens_unicode` makes of them, at once
        return _ASCII_TOKEN.findall(text) if _ASCII_DATE_TEXT.fullmatch(text) else None
    return tokens_unicode(text)


def tokens_unicode(text: str) -> list[str] | None:
    """`_tokens` for any text."""
    tokens: list[str] = []
    current = ""
    for ch in text.translate(_SIGNS):
        # isdecimal, not isdigit: superscripts and Ethiopic numerals are digits that int()
        # refuses; decimal digits of any script (١٨٩٨) are read as such.
        kind = "d" if ch.isdecimal() else "a" if ch.isalpha() else ""
        if current and (not kind or (current[-1].isdecimal()) != (kind == "d")):
            tokens.append(current)
            current = ""
        if kind:
            current += ch
        elif ch == "-":
            tokens.append(_RANGE)
        elif ch not in " .,/[]()?'’":
            return None
    if current:
        tokens.append(current)
    return tokens


@lru_cache(maxsize=1 << 16)
def parse_date(raw: str, day_first: bool = True) -> DateKey | None:
    """(year, month, day) from a date as typed, None parts when not given; None if not a date.

    A range ("12-15.VI.1898", "du 12 au 15 juin 1898", "VI-VII.1898") reads as the part of the
    date both ends share (1898-06, 1898): the engine compares dates at the precision both
    answers give, so the range agrees with a reader who typed either end, and no day is
    claimed that the label does not give. A range whose ends share no year is not a date.
    """
    if raw.isascii():  # no accent to remove, nothing to decompose
        folded = raw.lower()
    else:
        folded = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", raw.casefold())
            if not unicodedata.combining(ch)
        )
    tokens = _tokens(folded)
    if not tokens:
        return None
    words = _words(tokens)
    if words is None:
        return None
    date = _read(words, day_first)
    if date is None and _RANGE in words:
        return _range(words, day_first)
    return date


def _words(tokens: list[str]) -> list[str] | None:
    """The tokens that mean something: noise dropped, "7" "bre" joined, range words as dashes."""
    words: list[str] = []
    for token in tokens:
        if token in _NOISE:
            continue
        if token in _RANGE_WORDS:
            token = _RANGE
        if token in _NUMBERED_MONTH_ENDINGS and words and words[-1] in ("7", "8", "9", "10"):
            words[-1] = words[-1] + "bre"
            continue
        words.append(token)
    return words


def _read(words: list[str], day_first: bool, named_month: bool = False) -> DateKey | None:
    """The date of the words of one date (dashes are separators here); `named_month`: only a
    month written as a word or a roman numeral, as the ends of a range need."""
    numbers: list[str] = []
    month: int | None = None
    for word in words:
        if word == _RANGE:
            continue
        if word.isdecimal():
            numbers.append(word)
        elif word in MONTHS and month is None:
            month = MONTHS[word]
        elif word in ROMAN and month is None:
            month = ROMAN[word]
        else:
            return None
    if named_month and month is None:
        return None
    return _assemble(numbers, month, day_first)


def _range(words: list[str], day_first: bool) -> DateKey | None:
    """The part both ends of a range share, cut at the one dash where both ends read; the
    start takes the parts it leaves out from the end ("12-15.VI.1898": the 12th of June)."""
    readings: set[DateKey] = set()
    for cut in (i for i, word in enumerate(words) if word == _RANGE):
        start, end = words[:cut], words[cut + 1 :]
        last = _read(end, day_first, named_month=True)
        named = [w for w in start if w in MONTHS or w in ROMAN]
        if last is None and len(named) == 1:  # "June 12-15, 1898": the month is written once
            last = _read([*end, named[0]], day_first, named_month=True)
        if last is None or not start:
            continue
        first = _start(start, last, day_first)
        if first is None or not _before(first, last):
            continue
        if first[0] == last[0]:
            readings.add((first[0], first[1] if first[1] == last[1] else None, None))
    return readings.pop() if len(readings) == 1 else None


def _start(words: list[str], last: DateKey, day_first: bool) -> DateKey | None:
    """The first end of a range, its missing year and month taken from the last end."""
    if any(len(w) == 4 and w.isdecimal() for w in words):
        return _read(words, day_first, named_month=True)
    numbers = [w for w in words if w.isdecimal()]
    months = [w for w in words if w not in numbers and w != _RANGE]
    if len(numbers) > 1 or len(months) > 1 or not (numbers or months):
        return None
    if any(w not in MONTHS and w not in ROMAN for w in months):
        return None
    if months:
        month = MONTHS.get(months[0]) or ROMAN[months[0]]
        return _assemble([str(last[0]).zfill(4), *numbers], month, day_first)
    if last[2] is None:  # "12-juin 1898": a day with no day at the other end
        return None
    return _assemble([str(last[0]).zfill(4), numbers[0]], last[1], day_first)


def _before(first: DateKey, last: DateKey) -> bool:
    """Whether a range runs forward, comparing the parts both ends give."""
    for a, b in zip(first, last, strict=True):
        if a is None or b is None:
            return False
        if a != b:
            return a < b
    return False


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


def consensus(votes: Sequence[Vote], brief: bool = False) -> ValueConsensus:
    """Year first, then month among those who agree on the year, then day.

    A finer part is kept only when more weight gives it than stops short of it, so an answer
    giving only the year agrees with a full date but never drags its precision down alone,
    and nobody's precision is invented.
    """
    dated = [(v, key) for v in votes if (key := _date_of(v)) is not None]
    if not dated:
        return _undated(votes, brief)
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
        alternatives=() if brief else _alternatives(votes, iso(date)),
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


def _undated(votes: Sequence[Vote], brief: bool) -> ValueConsensus:
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
        alternatives=() if brief else _alternatives(votes, text),
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
