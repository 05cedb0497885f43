"""Free text: cluster the answers that are the same reading, then vote letter by letter.

Answers are compared on folded keys (NFKC, case, accents, punctuation and spacing ignored,
common label abbreviations expanded), never on fuzzy similarity alone: answers whose digits
differ are never the same reading, so 1931 and 1913 stay apart. Within the winning cluster
the output is rebuilt from the most transcribed form by a character-level vote, so one
person's typo never survives and a word only one person typed is not added.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from worker.consensus.align import Edits, VoteResult, align, edit_distance, vote
from worker.consensus.explain import Part
from worker.consensus.markers import marker_of
from worker.consensus.model import Alternative, Reading, ValueConsensus, Vote, make_alternative
from worker.consensus.printed import NUMBER_PREFIXES, only_punctuation_differs, printed_form

# Quote and dash variants that keyboards and OCR produce for the same printed sign.
_SIGNS = str.maketrans(
    {"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "«": '"', "»": '"'}
    | dict.fromkeys("‐‑‒–—―−", "-")
)
# Letters old labels and French spelling join, compared as the two letters people type for
# them ("Cœur", "Coeur"). The long s (ſ) and the printer's ligatures (ﬁ, ﬂ) are compatibility
# characters, which NFKD already writes as plain letters; œ and æ are letters of their own.
# "&" is the same word as "et" and "and" ("Gren. & Godr.", "Gren. et Godr.").
_KEY_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "&": " et "})
# The ASCII punctuation, symbols and spaces `text_info` turns into word separators ("&" into
# the word it stands for, as _KEY_LETTERS does).
_ASCII_SEPARATORS = str.maketrans(
    {chr(code): " " for code in range(128) if unicodedata.category(chr(code))[0] in "PSZ"}
    | {"&": " et "}
)
# Label abbreviations that stand for the same word (compared after folding).
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "sts": "saints",
    "stes": "saintes",
    "mt": "mont",
    "mts": "monts",
    "env": "environs",
    "pr": "pres de",
    "rte": "route",
    "riv": "riviere",
    "fl": "fleuve",
    "for": "foret",
    "vol": "",
    # How herbarium labels write ranks and authors: "ssp." and "subsp.", "var." and
    # "varietas", "f." and "forma"; Linnaeus as "L.", "Linn." or "Linné".
    "ssp": "subsp",
    "subspecies": "subsp",
    "varietas": "var",
    "variety": "var",
    "forma": "f",
    "fo": "f",
    "linn": "l",
    "linne": "l",
    "linnaeus": "l",
    # "et", "and", "und", "&": the same word between two authors or two collectors.
    "and": "et",
    "und": "et",
}
# Words before a collector's or a determiner's name that say their role, not the name:
# "leg. J. Duval" is "J. Duval" in a field that holds the collector.
_ROLE_PREFIXES = frozenset(
    {"leg", "legit", "coll", "collegit", "det", "determ", "determinavit", "rev", "revid"}
)
# A reference prefix before a number ("p. 87", "n° 115") says nothing about the reading.
_NUMBER_PREFIXES = NUMBER_PREFIXES
T = TypeVar("T")


@lru_cache(maxsize=1 << 16)
def clean(raw: str) -> str:
    """Unicode NFC, runs of whitespace collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def read_early(text: str) -> Reading | None:
    """The reading of a cleaned answer that is blank or a marker (illegible, absent); None for
    an answer every field type then reads its own way."""
    if not text:
        return Reading("blank", None, "")
    marker = marker_of(text)
    return None if marker is None else Reading(marker, None, "")


def read_parsed(raw: str, parse: Callable[[str], T | None], show: Callable[[T], str]) -> Reading:
    """A typed answer: blank, a marker, the parsed value shown in its normal form, or, when it
    cannot be parsed, its folded text (it still takes part in the vote as what it says)."""
    text = clean(raw)
    early = read_early(text)
    if early is not None:
        return early
    value = parse(text)
    if value is None:
        return Reading("value", ("text", text.casefold()), text)
    return Reading("value", value, show(value))


@lru_cache(maxsize=1 << 16)
def fold_chars(text: str) -> str:
    """One folded character per character of `text`: lower case, no accent, plain signs."""
    if text.isascii():  # no accent to remove: what `fold_unicode` makes of it, at once
        return text.translate(_SIGNS).lower()
    return fold_unicode(text)


def fold_unicode(text: str) -> str:
    """`fold_chars` for any text."""
    out = []
    for ch in text.translate(_SIGNS):
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base if len(base) == 1 else ch)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class TextInfo:
    key: str  # folded words, no spacing: the comparison key
    words: tuple[str, ...]  # folded words
    digits: str
    folded: str  # fold_chars(text), for alignment


def separated(text: str) -> str:
    """Folded, without accents, with punctuation, symbols and spaces turned into spaces."""
    if text.isascii():  # nothing to decompose: what `separated_unicode` makes of it, by a table
        # (the one ASCII sign `_SIGNS` changes, "`", is a separator like the "'" it becomes)
        return text.lower().translate(_ASCII_SEPARATORS)
    return separated_unicode(text)


def separated_unicode(text: str) -> str:
    """`separated` for any text."""
    decomposed = unicodedata.normalize(
        "NFKD", text.translate(_SIGNS).casefold().translate(_KEY_LETTERS)
    )
    return "".join(
        " " if unicodedata.category(ch)[0] in "PSZ" and ch != "°" else ch
        for ch in decomposed
        if not unicodedata.combining(ch)
    )


@lru_cache(maxsize=1 << 16)
def text_info(text: str) -> TextInfo:
    plain = separated(text)
    words: list[str] = []
    raw_words = plain.replace("°", " ").split()
    if len(raw_words) > 1 and raw_words[0] in _ROLE_PREFIXES:
        raw_words = raw_words[1:]
    for index, word in enumerate(raw_words):
        following = raw_words[index + 1] if index + 1 < len(raw_words) else ""
        if word in _NUMBER_PREFIXES and following[:1].isdigit():
            continue
        words.extend(_ABBREVIATIONS.get(word, word).split())
    digits = "".join(ch for ch in text if ch.isdigit())
    return TextInfo("".join(words), tuple(words), digits, fold_chars(text))


@lru_cache(maxsize=1 << 16)
def read_text(raw: str) -> Reading:
    text = clean(raw)
    return read_early(text) or Reading("value", text_info(text).key, text)


@lru_cache(maxsize=1 << 17)
def same_text_reading(a: str, b: str) -> bool:
    """`same_reading` of two answers' texts: the same pairs come back on every pass over a
    file (the reliability rounds, then the last pass), so each is compared once."""
    return same_reading(text_info(a), text_info(b))


def same_reading(a: TextInfo, b: TextInfo) -> bool:
    """Whether two answers read the same words, allowing typos, truncation and word order."""
    if a.digits != b.digits:
        return False
    if a.key == b.key:
        return True
    if sorted(a.words) == sorted(b.words) or _words_contained(a.words, b.words):
        return True
    shortest = min(len(a.key), len(b.key))
    limit = max(1, shortest // 8)
    return edit_distance(a.key, b.key, limit) <= limit


def _words_contained(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Every word of the shorter answer is a word (or the initial of a word) of the longer."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short or not any(len(word) > 2 for word in short):
        return False
    available = list(long_)
    for word in short:
        if word in available:
            available.remove(word)
            continue
        # An initial stands for the word it begins: "j" and "jean".
        match = next(
            (
                w
                for w in available
                if (len(word) == 1 and w[0] == word) or (len(w) == 1 and word[0] == w)
            ),
            None,
        )
        if match is None:
            return False
        available.remove(match)
    return True


@dataclass(slots=True)
class _Form:
    text: str
    info: TextInfo
    weight: float
    users: list[str]
    variants: list[_Form] = field(default_factory=list)  # the verbatim forms merged into it


# Parts of explanations (see `explain.CATALOGUE`).
_EXACTLY: Part = ("agree.exactly",)
_VARIANT_NOTE: Part = ("agree.folded",)
_LOOSE_NOTE: Part = ("agree.loose",)
_VARIANT_EXTRA: Part = ("text.variant_kept",)
_LONGER_OUTVOTED: Part = ("text.longer_outvoted",)


def _alternative(form: _Form) -> Alternative:
    return make_alternative(form.text, form.weight, tuple(sorted(form.users)))


@lru_cache(maxsize=1 << 14)
def _preference(text: str) -> tuple[bool, int, int]:
    """How likely a form is the printed one among forms differing only in case and accents.

    People drop accents and the capitals of names far more often than they add them, and
    some type a whole label in capitals: not all capitals first, then more accents, then
    more capitals after the first letter. A capital at the very start goes both ways (one
    added to a sentence, one dropped from a name), so there the weight decides.
    """
    letters = [ch for ch in text if ch.isalpha()]
    shouting = len(letters) > 3 and all(ch.isupper() for ch in letters)
    accents = sum(1 for ch in unicodedata.normalize("NFD", text) if unicodedata.combining(ch))
    return not shouting, accents, sum(1 for ch in letters[1:] if ch.isupper())


def _merge_variants(forms: list[_Form]) -> list[_Form]:
    """Forms that differ only in case and accents become one form, the preferred one's text.

    So two people who typed "Lozère" and "lozere" agree on "Lozère" at once.
    """
    groups: dict[str, list[_Form]] = {}
    for form in forms:
        groups.setdefault(form.info.folded, []).append(form)
    if len(groups) == len(forms):
        for form in forms:
            form.variants = [form]
        return forms
    merged = []
    for group in groups.values():
        if len(group) == 1:
            group[0].variants = [group[0]]
            merged.append(group[0])
            continue
        chosen = max(group, key=lambda f: (*_preference(f.text), f.weight, f.text))
        merged.append(
            _Form(
                chosen.text,
                chosen.info,
                sum(f.weight for f in group),
                [u for f in group for u in f.users],
                group,
            )
        )
    return sorted(merged, key=lambda f: (-f.weight, f.text))


def consensus(votes: Sequence[Vote], brief: bool = False) -> ValueConsensus:
    """The consensus of text answers; `brief`, without the alternatives (see `FieldPlan`)."""
    only = votes[0].reading.text
    if all(v.reading.text == only for v in votes):  # the common case: one form, maybe blanks
        weight = sum(v.weight for v in votes)
        users = tuple(sorted(v.user for v in votes))
        return ValueConsensus(
            value=only,
            cluster_weight=weight,
            agree_weight=weight,
            agree_users=users,
            decisive=True,
            method="exact",
            agree_note=_EXACTLY,
            alternatives=() if brief else (make_alternative(only, weight, users),),
        )
    verbatim = _forms(votes)
    forms = _merge_variants(verbatim)
    clusters = _clusters(forms)
    best = clusters[0]
    others = () if brief else [_alternative(v) for c in clusters[1:] for f in c for v in f.variants]
    if len(best) == 1:
        form = best[0]
        varied = len(form.variants) > 1
        return ValueConsensus(
            value=form.text,
            cluster_weight=form.weight,
            agree_weight=form.weight,
            agree_users=tuple(sorted(form.users)),
            decisive=True,
            method="folded" if varied else "exact",
            agree_note=_VARIANT_NOTE if varied else _EXACTLY,
            extra_notes=(_VARIANT_EXTRA,) if varied else (),
            alternatives=()
            if brief
            else (
                *sorted(
                    (_alternative(v) for v in form.variants),
                    key=lambda a: (a.value != form.text, -a.weight, a.value),
                ),
                *others,
            ),
        )
    base = _base_form(best)
    result = _vote(base, best)
    value = clean(result.text) or base.text
    key = text_info(value).key
    agreeing = [f for f in best if f.info.key == key]
    value, settled = printed_form(
        value, [(v.text, len(v.users)) for f in agreeing for v in f.variants]
    )
    exact = all(v.text == value for f in agreeing for v in f.variants)
    built = not any(v.text == value for f in best for v in f.variants)
    cluster_weight = sum(f.weight for f in best)
    agree_weight = sum(f.weight for f in agreeing)
    similar = len(best) - len(agreeing)
    extra: list[Part] = []
    if built:
        method = "aligned"
        extra.append(("text.built", len(best)))
    elif similar:
        method = "aligned"
        extra.append(("text.outvoted", similar))
    else:
        method = "exact" if exact else "folded"
    alternatives = (
        []
        if brief
        else sorted(
            (_alternative(v) for f in best for v in f.variants),
            key=lambda a: (a.value != value, -a.weight, a.value),
        )
    )
    if built and not brief:
        alternatives.insert(0, make_alternative(value, 0.0, ()))
    # Leaving words out is a common slip, adding some is not: when the output is a shorter
    # reading of what someone else typed, it stays the output but a curator confirms it.
    words = text_info(value).words
    longer = any(
        len(f.info.words) > len(words) and _words_contained(words, f.info.words) for f in best
    )
    if longer:
        extra.append(_LONGER_OUTVOTED)
    if any(len(f.variants) > 1 for f in best):
        extra.append(_VARIANT_EXTRA)
    return ValueConsensus(
        value=value,
        cluster_weight=cluster_weight,
        agree_weight=agree_weight,
        agree_users=tuple(sorted(u for f in agreeing for u in f.users)),
        # The exact form needs a weighted majority and two people behind every disputed letter,
        # unless the answers differ in punctuation alone and `printed_form` settled it.
        decisive=(
            (result.min_share > 0.5 + 1e-9 and result.min_count >= 2)
            or (settled and only_punctuation_differs([f.text for f in best]))
        )
        and not longer,
        method=method,
        agree_note=_EXACTLY if exact else _LOOSE_NOTE,
        extra_notes=tuple(extra),
        alternatives=(*alternatives, *others),
    )


def _vote(base: _Form, cluster: list[_Form]) -> VoteResult:
    """The letter-by-letter vote of a cluster on its base form.

    When the base form alone weighs more than half of the cluster and two contributors or
    more typed it, it wins every disputed letter and gap by a majority whatever the others
    typed, so the vote is known without aligning anything (its shares and counts are then
    lower bounds of the aligned vote's, which decide `decisive` the same way)."""
    weight = sum([f.weight for f in cluster])
    if base.weight > weight * (0.5 + _SURE) and len(base.users) >= 2:
        return VoteResult(base.text, base.weight / weight, len(base.users))
    members: list[tuple[Edits, float, int]] = []
    for form in cluster:
        if form is base:
            continue
        edits = align(base.text, base.info.folded, form.text, form.info.folded)
        if edits is not None and edits.distance <= max(3, len(base.text) // 4):
            members.append((edits, form.weight, len(form.users)))
    return vote(base.text, base.weight, len(base.users), members)


# A margin well above rounding errors, for the shortcut of `_vote`.
_SURE = 1e-6


def _forms(votes: Sequence[Vote]) -> list[_Form]:
    forms: dict[str, _Form] = {}
    for v in votes:
        form = forms.get(v.reading.text)
        if form is None:
            forms[v.reading.text] = _Form(
                v.reading.text, text_info(v.reading.text), v.weight, [v.user]
            )
        else:
            form.weight += v.weight
            form.users.append(v.user)
    # Heaviest first; equal weights fall back on the text so the order of answers never counts.
    return sorted(forms.values(), key=lambda f: (-f.weight, f.text))


def _clusters(forms: list[_Form]) -> list[list[_Form]]:
    """Leader clustering: each form joins the first, heavier leader it reads the same as.

    Joining a leader rather than any member keeps chains (A like B, B like C) from merging
    readings that are not alike.
    """
    clusters: list[list[_Form]] = []
    for form in forms:
        for cluster in clusters:
            if same_text_reading(cluster[0].text, form.text):
                cluster.append(form)
                break
        else:
            clusters.append([form])
    return sorted(clusters, key=lambda c: (-sum(f.weight for f in c), c[0].text))


def _base_form(cluster: list[_Form]) -> _Form:
    """The most transcribed form; on a tie, the one closest to the rest of the cluster."""
    top = cluster[0].weight
    tied = [f for f in cluster if f.weight >= top - 1e-9]
    if len(tied) == 1:
        return tied[0]

    def closeness(form: _Form) -> float:
        near = 0.0
        for other in cluster:
            if other is not form:
                limit = max(3, len(form.text) // 4)
                if edit_distance(form.info.folded, other.info.folded, limit) <= limit:
                    near += other.weight
        return near

    return max(tied, key=lambda f: (closeness(f), len(f.text), f.text))
