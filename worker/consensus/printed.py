"""Which of several answers that differ only in punctuation, spacing or a reference prefix is
the form the label prints.

Such answers are the same reading (their comparison keys are equal), so the question is only
which form to output, and a vote gets it wrong as soon as two people make the same slip. Slips
go one way far more often than the other, so the form is chosen by what people do rather than
by counting them:

- a comma, semicolon or colon at the very end separates the value from what follows on the
  label; it is never part of the value;
- a reference prefix before a number (`n° 2349`, `no 2349`, `p. 87`) is the transcriber's
  habit when others typed the number alone;
- a final full stop after an initial (`L.`) is one people drop; after a number or a word
  in small letters (`bord de chemin.`, `4983.`) one they add; after a name (`Mill.`,
  `Down Beat.`) there is no telling, and the vote decides;
- people leave punctuation and spaces out (`A Moreau`, `coteauxcalcaires`) far more often
  than they add them inside a value, and never put a space before a comma on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

NUMBER_PREFIXES = frozenset(
    {"p", "pp", "no", "n", "nr", "num", "vol", "t", "tome", "n°", "fasc", "fascicule", "bd"}
)
_SEPARATORS = ",;:"
# How many criteria of `_likelihood`, first, judge the ends of a value.
_EDGES = 3


def printed_form(value: str, forms: Sequence[tuple[str, int]]) -> tuple[str, bool]:
    """`value`, or the one of `forms` with the same letters that the label more likely prints;
    and whether a rule about the ends of a value chose it over every other form.

    `forms` are the verbatim answers that agree with `value`, with how many contributors
    typed each. Only those with exactly the same letters and digits (case and accents
    included) compete with it, and only when at least half as many typed them: a form most
    people typed stands, whatever slips it might show."""
    typed = sum(count for form, count in forms if form == value)
    # Most often every form is the value itself: its letters need not be worked out.
    rivals = [form for form, count in forms if form != value and 2 * count >= typed]
    if not rivals:
        return value, False
    letters = _letters(value)
    candidates = {form for form in rivals if _letters(form) == letters}
    if not candidates:
        return value, False
    candidates.add(value)
    ranked = sorted(candidates, key=lambda form: (*_likelihood(form), form == value, form))
    # Settled by how the value ends or begins, the commonest and surest slips; slips inside a
    # value (a hyphen or a space left out) choose the form but are not sure enough alone.
    return ranked[-1], _likelihood(ranked[-1])[:_EDGES] > _likelihood(ranked[-2])[:_EDGES]


def only_punctuation_differs(texts: Sequence[str]) -> bool:
    """Whether these answers have exactly the same letters and digits (so that they differ
    in punctuation, spacing or a reference prefix alone)."""
    letters = _letters(texts[0])
    return all(_letters(text) == letters for text in texts[1:])


def _words(text: str) -> list[str]:
    """The words of `text` without a reference prefix before a number."""
    words = text.split()
    return [
        word
        for index, word in enumerate(words)
        if not (
            word.rstrip(".").casefold() in NUMBER_PREFIXES
            and index + 1 < len(words)
            and words[index + 1][:1].isdigit()
        )
    ]


@lru_cache(maxsize=1 << 16)
def _letters(text: str) -> str:
    return "".join(ch for word in _words(text) for ch in word if ch.isalnum())


@lru_cache(maxsize=1 << 14)
def _likelihood(form: str) -> tuple[bool, bool, int, bool, int, int]:
    """How likely a form is the printed one; compared as a tuple, higher is likelier."""
    words = form.split()
    last = words[-1] if words else ""
    if form.endswith("."):
        stem = last.rstrip(".").split(".")[-1].split("-")[-1]
        if not stem[:1].isupper():
            stop = -1  # after a number or a word in small letters: added
        elif len(stem) == 1:
            stop = 1  # after an initial (`L.`): dropped
        else:
            stop = 0  # after a name (`Mill.`, `Mont Ventoux.`): no telling
    else:
        stop = 0
    inside = form
    while inside and not inside[-1].isalnum():  # what ends it is judged above
        inside = inside[:-1]
    return (
        not form.endswith(tuple(_SEPARATORS)),
        len(_words(form)) == len(words),  # no reference prefix
        stop,
        " ," not in form and " ." not in form,
        sum(1 for ch in inside if not ch.isalnum() and not ch.isspace()),
        inside.count(" "),
    )
