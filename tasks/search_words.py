"""Words of the results search: how values, names and queries are cut into folded words.

An image's search document is the set of its words, folded (lower case, no accents, œ as oe,
the long s and ligatures as plain letters) and joined by single spaces, so that "Quércus",
"QUERCUS" and "quercus" are one word wherever they are written: in the document, in the query,
on PostgreSQL (whose `simple` text search configuration then reads each word as it is, with no
accent table needed) and on SQLite (where the search looks the words up as substrings).
Pure Python, without Django: the benchmark writes its documents with it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Letters and digits; anything else (spaces, punctuation, "_") separates words.
_WORD = re.compile(r"[^\W_]+")
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
# A document keeps this many distinct words at most: values are 2,000 characters at most,
# and an image with ten fields answered five times stays far below it.
DOCUMENT_MAX_WORDS = 5_000
# Words longer than this are no words a person searches for (hashes, runs of letters).
WORD_MAX_LENGTH = 40
# The words kept for spelling suggestions: letters only (catalogue and record numbers would
# make the list as long as the project), 3 letters at least.
VOCABULARY_MIN_LENGTH = 3


def fold(text: str) -> str:
    """Lower case, without accents or ligatures."""
    if text.isascii():  # nothing to decompose
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The folded words of `text`, in order, repeats included."""
    return list(_words(text))


@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    # Cached: names, places and countries come back in image after image.
    return tuple(word for word in _WORD.findall(fold(text)) if len(word) <= WORD_MAX_LENGTH)


def value_texts(value: object) -> Iterable[str]:
    """The texts inside a stored value: a string, a number, or what a JSON value holds."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str | int | float):
        yield str(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from value_texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from value_texts(item)


def document_words(texts: Iterable[str]) -> list[str]:
    """The distinct words of `texts`, in the order they first appear."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in words_of(text):
            seen.setdefault(word, None)
            if len(seen) >= DOCUMENT_MAX_WORDS:
                return list(seen)
    return list(seen)


def document_text(words: Iterable[str]) -> str:
    """The stored document: its words separated by single spaces, with one before the first
    and one after the last, so that a whole word is " word " on any database."""
    joined = " ".join(words)
    return f" {joined} " if joined else ""


def document_split(text: str) -> list[str]:
    return text.split()


def vocabulary_words(words: Iterable[str]) -> set[str]:
    """The words worth suggesting when a query word is misspelt: letters only, 3 or more."""
    return {word for word in words if len(word) >= VOCABULARY_MIN_LENGTH and word.isalpha()}


def query_words(query: str, *, limit: int) -> list[str]:
    """The distinct folded words of a query, at most `limit`."""
    return document_words([query])[:limit]
