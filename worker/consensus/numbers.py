"""Numbers: read units and separators (`650 m`, `1 200`, `1,200`, `12,5`, `1200 ft`), compare
exactly. An answer in another unit than the field's is converted to it (see `units`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial

from worker.consensus.explain import Part
from worker.consensus.model import Alternative, Reading, ValueConsensus, Vote, make_alternative
from worker.consensus.text import read_parsed
from worker.consensus.units import convert, split_unit

# Qualifiers typed before a number; units after it are read by `units.split_unit`.
_PREFIXES = ("alt.", "alt", "ca.", "ca", "env.", "env", "c.", "~", "≈")


@lru_cache(maxsize=1 << 16)
def parse_number(raw: str, unit: str = "") -> Decimal | None:
    """The number `raw` says, in the field's `unit` ("" for a field that declares none).

    A field without a unit reads metre words as decoration ("650 m", as before units were
    declared) and refuses any other unit: "1200 ft" in a count is a mistake, not a count."""
    # The minus sign of typeset labels and word processors (U+2212) is a minus.
    text = unicodedata.normalize("NFKC", raw).casefold().strip().replace("\u2212", "-")
    for prefix in _PREFIXES:
        if text.startswith(prefix) and text[len(prefix) :].lstrip()[:1].isdigit():
            text = text[len(prefix) :].strip()
            break
    text, typed = split_unit(text)
    if typed is not None and text.endswith(("'", "’", "′")):
        return None  # 1200'' is inches, 1200 ft' a slip: no unit we read
    number = _parse_plain(text)
    if number is None or typed is None:
        return number
    if not unit:
        return number if typed == "m" else None
    return convert(number, typed=typed, to=unit)


def _parse_plain(text: str) -> Decimal | None:
    """A number without prefix or unit: spaces, thousands marks and a decimal mark."""
    text = "".join(text.split()).replace("'", "").replace("’", "")  # 1 200, 1'200
    if not text:
        return None
    separators = [ch for ch in text if ch in ",."]
    if separators:
        head, _, tail = text.rpartition(separators[-1])
        groups = text.replace(",", ".").split(".")
        thousands = (
            (len(separators) > 1 and len(set(separators)) == 1)
            or (len(tail) == 3 and len(head) <= 3)
        ) and _grouped(groups)
        if thousands:
            text = text.replace(",", "").replace(".", "")
        elif len(set(separators)) == 2:  # 1.200,5 or 1,200.5: the last one is the decimal mark
            if not _grouped(head.replace(",", ".").split(".")):
                return None  # 1.2.3,4: the marks before the decimal one group no thousands
            text = head.replace(",", "").replace(".", "") + "." + tail
        else:
            text = text.replace(",", ".")
    if not text.lstrip("+-").replace(".", "", 1).isdigit():
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _grouped(groups: list[str]) -> bool:
    """Whether digit groups split at the marks are thousands: 1 to 3 digits not led by a zero
    (0,125 is a decimal), then groups of 3."""
    first = groups[0].lstrip("+-")
    return 1 <= len(first) <= 3 and first[0] != "0" and all(len(g) == 3 for g in groups[1:])


def plain(number: Decimal) -> str:
    """650, 12.5, -3: no exponent, no trailing zeros, no digit lost (normalize() would round to
    the context's 28 digits)."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number, "f").rstrip("0")


@lru_cache(maxsize=1 << 16)
def read_number(raw: str, unit: str = "") -> Reading:
    if not unit:
        return read_parsed(raw, parse_number, plain)
    return read_parsed(raw, partial(parse_number, unit=unit), plain)


def consensus(votes: Sequence[Vote], brief: bool = False) -> ValueConsensus:
    return plurality(votes, method="number", note=ON_THE_NUMBER, brief=brief)


# The heads of explanations (see `explain.CATALOGUE`).
ON_THE_NUMBER: Part = ("agree.number",)
_UNREAD: Part = ("agree.unread_value",)


def plurality(
    votes: Sequence[Vote], *, method: str, note: Part, brief: bool = False
) -> ValueConsensus:
    """The heaviest key wins; its most given form is the output. Shared by number and select.
    `brief`: without the alternatives (see `FieldPlan`)."""
    first = votes[0].reading
    if all(v.reading.text == first.text and v.reading.key == first.key for v in votes):
        return _single(votes, method=method, note=note, brief=brief)
    # Per key: total weight, users, and weight per verbatim form.
    groups: dict[object, tuple[list[float], list[str], dict[str, float]]] = {}
    for user, weight, reading in votes:
        group = groups.get(reading.key)
        if group is None:
            groups[reading.key] = ([weight], [user], {reading.text: weight})
        else:
            group[0][0] += weight
            group[1].append(user)
            group[2][reading.text] = group[2].get(reading.text, 0.0) + weight
    ranked = sorted(
        ((total[0], _form(forms), key, users) for key, (total, users, forms) in groups.items()),
        key=lambda g: (-g[0], g[1]),
    )
    weight, value, key, _ = ranked[0]
    decisive = len(ranked) == 1 or ranked[1][0] < weight - 1e-9
    parsed = not (isinstance(key, tuple) and key[0] == "text")
    if brief:
        alternatives: tuple[Alternative, ...] = ()
        agreeing = tuple(sorted(ranked[0][3]))
    else:
        alternatives = tuple(
            make_alternative(form, w, tuple(sorted(u))) for w, form, _, u in ranked
        )
        agreeing = alternatives[0].users
    return ValueConsensus(
        value=value,
        cluster_weight=weight,
        agree_weight=weight,
        agree_users=agreeing,
        decisive=decisive and parsed,
        method=method if parsed else "unparsed",
        agree_note=note if parsed else _UNREAD,
        alternatives=alternatives,
    )


def _form(weights: dict[str, float]) -> str:
    """The output form of a group: the heaviest verbatim form, ties by text."""
    if len(weights) == 1:
        return next(iter(weights))
    return min(weights.items(), key=lambda item: (-item[1], item[0]))[0]


def _single(votes: Sequence[Vote], *, method: str, note: Part, brief: bool) -> ValueConsensus:
    """Every answer is the same form: the plurality without grouping."""
    reading = votes[0].reading
    weight = sum(v.weight for v in votes)
    users = tuple(sorted(v.user for v in votes))
    parsed = not (isinstance(reading.key, tuple) and reading.key[0] == "text")
    return ValueConsensus(
        value=reading.text,
        cluster_weight=weight,
        agree_weight=weight,
        agree_users=users,
        decisive=parsed,
        method=method if parsed else "unparsed",
        agree_note=note if parsed else _UNREAD,
        alternatives=() if brief else (make_alternative(reading.text, weight, users),),
    )
