"""Explanations of field results in the reader's language.

The engine explains a field result in parts, codes with parameters (`worker.consensus.explain`),
stored beside the English text in `FieldResult.explanation_parts`. Pages and the API render
them in the active language through gettext: the catalogue's English texts are the message
ids, under one context so that they never share a translation with another string. A row
stored before explanations had codes (or whose parts this version does not know) shows its
stored text.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import npgettext, pgettext

from worker.consensus.explain import CATALOGUE, Part, from_data, params_of

CONTEXT = "consensus explanation"


def explanation_text(*, parts: Any, stored: str) -> str:
    """The explanation in the active language, or `stored` when `parts` are not usable."""
    found = from_data(parts)
    if found is None:
        return stored
    # French typography puts a space before a semicolon: the separator is translated too.
    return pgettext(CONTEXT, "; ").join(part_text(part) for part in found)


def part_text(part: Part) -> str:
    """One part in the active language."""
    message = CATALOGUE[part[0]]
    params = params_of(part)
    if message.plural:
        count = params[message.counter]
        template = npgettext(
            CONTEXT, message.singular, message.plural, count if isinstance(count, int) else 2
        )
    else:
        template = pgettext(CONTEXT, message.singular)
    return template % params
