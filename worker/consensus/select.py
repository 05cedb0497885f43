"""Select fields: answers map to the template's options (values and synonyms); weighted plurality.

Without a vocabulary (a CSV export) answers are compared folded and the most given form is
output. An answer matching no option still counts, as its own folded text, so a curator can
see it; it is never accepted on its own since it is not an option.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from worker.consensus.explain import Part
from worker.consensus.markers import marker_of
from worker.consensus.model import Reading, ValueConsensus, Vote
from worker.consensus.numbers import plurality
from worker.consensus.text import clean, read_early
from worker.template import FieldSpec, Option, fold


@lru_cache(maxsize=1 << 16)
def read_free(raw: str) -> Reading:
    """Without a vocabulary: the folded answer is the option."""
    text = clean(raw)
    return read_early(text) or Reading("value", fold(text), text)


# Vocabulary lookups by the identity of the vocabulary tuple, which is kept alive alongside,
# so a project's options are folded once per worker rather than once per answer.
_LOOKUPS: dict[int, tuple[tuple[Option, ...], dict[str, str]]] = {}


def _lookup(vocabulary: tuple[Option, ...]) -> dict[str, str]:
    cached = _LOOKUPS.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1]
    table: dict[str, str] = {}
    for option in vocabulary:
        for name in (option.value, *option.synonyms):
            table.setdefault(fold(name), option.value)  # as FieldSpec.option_for: first wins
    if len(_LOOKUPS) > 256:
        _LOOKUPS.clear()
    _LOOKUPS[id(vocabulary)] = (vocabulary, table)
    return table


def read_option(raw: str, spec: FieldSpec) -> Reading:
    """An answer as an option of the field (see FieldSpec.option_for), a marker or free text."""
    if not spec.vocabulary:
        return read_free(raw)
    text = clean(raw)
    if not text:
        return Reading("blank", None, "")
    if spec.vocabulary:
        value = _lookup(spec.vocabulary).get(fold(text))
        if value is not None:
            return Reading("value", value, value)
    marker = marker_of(text)
    if marker is not None:
        return Reading(marker, None, "")
    return Reading("value", ("text", fold(text)), text)


def consensus(votes: Sequence[Vote], brief: bool = False) -> ValueConsensus:
    return plurality(votes, method="select", note=ON_THE_OPTION, brief=brief)


# The head of the explanation (see `explain.CATALOGUE`).
ON_THE_OPTION: Part = ("agree.option",)
