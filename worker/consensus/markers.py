"""Typed placeholders that mean "I cannot read it" or "there is nothing there", not a value."""

from __future__ import annotations

import unicodedata

from worker.consensus.model import ABSENT, ILLEGIBLE

# Compared after case-folding, accent removal and trimming of brackets and spaces.
_ILLEGIBLE = frozenset(
    {
        "?",
        "??",
        "???",
        "illisible",
        "illegible",
        "non lisible",
        "unreadable",
        "not readable",
        "indechiffrable",
        "undecipherable",
    }
)
# Latin cataloguing abbreviations: s.n. (sine nomine), s.d. (sine dato), s.l. (sine loco).
_ABSENT = frozenset(
    {
        "s.n.",
        "s.n",
        "sn",
        "s. n.",
        "s.d.",
        "s.d",
        "s. d.",
        "s.l.",
        "s.l",
        "s. l.",
        "-",
        "--",
        "---",
        "—",
        "–",
        "none",
        "n/a",
        "na",
        "nil",
        "neant",
        "aucun",
        "aucune",
        "inconnu",
        "inconnue",
        "unknown",
        "sans",
        "non indique",
        "not given",
        "not stated",
        "blank",
        "vide",
        "empty",
    }
)


def marker_of(text: str) -> str | None:
    """ILLEGIBLE or ABSENT when `text` (already cleaned) is a placeholder, else None."""
    if len(text) > 24:  # every placeholder is short; skip the folding for real values
        return None
    folded = folded_placeholder(text)
    if folded in _ILLEGIBLE:
        return ILLEGIBLE
    if folded in _ABSENT:
        return ABSENT
    return None


def folded_placeholder(text: str) -> str:
    """Case-folded, without accents, brackets and spaces trimmed: as placeholders are listed."""
    if text.isascii():  # no accent to remove: what `folded_placeholder_unicode` makes of it
        return text.lower().strip(" []()")
    return folded_placeholder_unicode(text)


def folded_placeholder_unicode(text: str) -> str:
    """`folded_placeholder` for any text."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch)
    ).strip(" []()")
