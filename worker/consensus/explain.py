"""Why a field came out as it did: explanations as codes with parameters, and their catalogue.

The engine says why in parts: a part is a tuple `(code, *params)`, its parameters in the
order the catalogue names them, and an explanation is a tuple of parts. The engine builds
these tuples and never a sentence, so explaining costs the engine next to nothing and the
platform can say it in the reader's language (the catalogue's texts are the message ids of
its translations). `english` renders a tuple of parts as the command line and the exports
write it; `as_data` and `from_data` turn them into JSON and back for storage.

The texts use named `%(param)s` placeholders, as gettext's translators expect. A message
with a plural names the parameter that picks the form (`counter`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

# One part of an explanation: (code, *params).
Part = tuple[Any, ...]

# The parts are joined with this, in English.
SEPARATOR = "; "


class Message(NamedTuple):
    params: tuple[str, ...]
    singular: str
    plural: str = ""  # when set, the parameter named by `counter` picks between the two
    counter: str = ""


# Every code the engine (and a curator's decision) can produce. Its English texts must stay
# as they are written here: they are the message ids of the French translation.
CATALOGUE: dict[str, Message] = {
    # How the contributors who agree were compared: the head of most explanations.
    "agree.exactly": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree exactly",
        "%(support)s of %(n)s agree exactly",
        "support",
    ),
    "agree.folded": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree once case and accents are ignored",
        "%(support)s of %(n)s agree once case and accents are ignored",
        "support",
    ),
    "agree.loose": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree once case, accents and punctuation are ignored",
        "%(support)s of %(n)s agree once case, accents and punctuation are ignored",
        "support",
    ),
    "agree.number": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on the number",
        "%(support)s of %(n)s agree on the number",
        "support",
    ),
    "agree.date": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on the date",
        "%(support)s of %(n)s agree on the date",
        "support",
    ),
    "agree.partial_date": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree once partial dates are compared at their precision",
        "%(support)s of %(n)s agree once partial dates are compared at their precision",
        "support",
    ),
    "agree.option": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on the option",
        "%(support)s of %(n)s agree on the option",
        "support",
    ),
    "agree.within": Message(
        ("distance", "support", "n"),
        "%(support)s of %(n)s agree within %(distance)s",
        "%(support)s of %(n)s agree within %(distance)s",
        "support",
    ),
    "agree.not_a_date": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on text that is not a date",
        "%(support)s of %(n)s agree on text that is not a date",
        "support",
    ),
    "agree.not_a_point": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on text that is not a point",
        "%(support)s of %(n)s agree on text that is not a point",
        "support",
    ),
    "agree.unread_value": Message(
        ("support", "n"),
        "%(support)s of %(n)s agree on text that could not be read as a value",
        "%(support)s of %(n)s agree on text that could not be read as a value",
        "support",
    ),
    # Heads when no value wins.
    "blank.agreed": Message(
        ("blanks", "n"),
        "%(blanks)s of %(n)s saw nothing to transcribe",
        "%(blanks)s of %(n)s saw nothing to transcribe",
        "blanks",
    ),
    "blank.absent": Message(
        ("blanks", "n", "absent"),
        "%(blanks)s of %(n)s saw nothing to transcribe (%(absent)s marked it absent)",
        "%(blanks)s of %(n)s saw nothing to transcribe (%(absent)s marked it absent)",
        "blanks",
    ),
    "illegible.head": Message(
        ("illegible", "n"),
        "%(illegible)s of %(n)s could not read it",
        "%(illegible)s of %(n)s could not read it",
        "illegible",
    ),
    "none.yet": Message((), "no transcription yet"),
    # How the value was built or what was set aside.
    "text.built": Message(
        ("count",),
        "built letter by letter from %(count)s similar reading",
        "built letter by letter from %(count)s similar readings",
        "count",
    ),
    "text.outvoted": Message(
        ("count",),
        "%(count)s similar reading outvoted letter by letter",
        "%(count)s similar readings outvoted letter by letter",
        "count",
    ),
    "text.longer_outvoted": Message((), "a longer reading was outvoted"),
    "text.variant_kept": Message((), "the form with accents and capitals kept"),
    "geo.swapped": Message(
        ("count",),
        "%(count)s had latitude and longitude swapped",
        "%(count)s had latitude and longitude swapped",
        "count",
    ),
    # A point checked against the record's country (worker/places).
    "geo.country_order": Message((), "the order that lies in the record's country wins"),
    "geo.outside": Message(
        ("country",), "the point lies outside the record's country (%(country)s)"
    ),
    "geo.outside_swap_fits": Message(
        ("country",),
        "the point lies outside the record's country (%(country)s), but would lie in it with "
        "latitude and longitude swapped",
    ),
    # A point checked against the record's region: state, province, département.
    "geo.region_order": Message((), "the order that lies in the record's region wins"),
    "geo.outside_region": Message(
        ("region",), "the point lies outside the record's region (%(region)s)"
    ),
    "geo.outside_region_swap_fits": Message(
        ("region",),
        "the point lies outside the record's region (%(region)s), but would lie in it with "
        "latitude and longitude swapped",
    ),
    # The georeference step: the record's place is what its label step settled.
    "geo.label_place": Message((), "the record's country and region are those its label settled"),
    # An elevation checked against how high and low land goes (worker/places/elevations.py).
    "elevation.above": Message(
        ("elevation", "country", "limit"),
        "%(elevation)s m is above the highest land of the record's country "
        "(%(country)s, %(limit)s m with a margin)",
    ),
    "elevation.below": Message(
        ("elevation", "country", "limit"),
        "%(elevation)s m is below the lowest land of the record's country "
        "(%(country)s, %(limit)s m with a margin)",
    ),
    "elevation.above_earth": Message(
        ("elevation",), "%(elevation)s m is above the highest land on Earth"
    ),
    "elevation.below_earth": Message(
        ("elevation",), "%(elevation)s m is below the lowest land on Earth"
    ),
    "no_majority": Message((), "no majority on the exact form"),
    # Those who did not agree.
    "dissent.other": Message(
        ("count",),
        "%(count)s gave something else",
        "%(count)s gave something else",
        "count",
    ),
    "dissent.blank": Message(
        ("count",), "%(count)s left it blank", "%(count)s left it blank", "count"
    ),
    "dissent.typed": Message(
        ("count",), "%(count)s typed a value", "%(count)s typed a value", "count"
    ),
    "dissent.illegible": Message(
        ("count",), "%(count)s marked it illegible", "%(count)s marked it illegible", "count"
    ),
    # Why it was not accepted.
    "reason.min_transcriptions": Message(
        ("min",),
        "needs at least %(min)s transcriptions",
        "needs at least %(min)s transcriptions",
        "min",
    ),
    "reason.support": Message(
        ("needed",),
        "needs %(needed)s contributors to agree",
        "needs %(needed)s contributors to agree",
        "needed",
    ),
    "reason.threshold": Message(
        ("agreement", "threshold"), "%(agreement)s%% is below the %(threshold)s%% needed"
    ),
    "reason.unproven": Message(
        (),
        "backed only by contributors not yet proven: "
        "a proven contributor or a curator must confirm it",
    ),
    "reason.curator": Message((), "a curator should decide"),
    # Not the engine's: a curator settled the field.
    "resolved.curator": Message((), "Settled by a curator."),
}


# What a curator's decision says.
SETTLED_BY_CURATOR: Part = ("resolved.curator",)


def params_of(part: Part) -> dict[str, Any]:
    """The named parameters of one part."""
    return dict(zip(CATALOGUE[part[0]].params, part[1:], strict=True))


def english_part(part: Part) -> str:
    return _english_part(*part)


# Explanations repeat (a file of 20,000 subjects has a few thousand distinct parts): each is
# rendered once. `typed`, so that 1, 1.0 and True, equal as keys, keep their own texts.
@lru_cache(maxsize=1 << 14, typed=True)
def _english_part(*part: Any) -> str:
    message = CATALOGUE[part[0]]
    params = dict(zip(message.params, part[1:], strict=True))
    text = message.singular
    if message.plural and params[message.counter] != 1:
        text = message.plural
    return text % params


def english(parts: Iterable[Part]) -> str:
    """The explanation in English, as the command line and the exports write it."""
    return SEPARATOR.join([_english_part(*part) for part in parts])


def as_data(parts: Iterable[Part]) -> list[dict[str, Any]]:
    """The parts as JSON: `[{"code": ..., "params": {name: value}}, ...]`."""
    return [{"code": part[0], "params": params_of(part)} for part in parts]


def from_data(data: object) -> tuple[Part, ...] | None:
    """Parts from their JSON form; None unless every part is a known code with its params
    (a row written by another version keeps its stored text then)."""
    if not isinstance(data, list) or not data:
        return None
    parts = []
    for item in data:
        if not isinstance(item, Mapping):
            return None
        message = CATALOGUE.get(item.get("code"))  # type: ignore[arg-type]
        params = item.get("params")
        if message is None or not isinstance(params, Mapping):
            return None
        if set(params) != set(message.params):
            return None
        if not all(isinstance(params[name], str | int | float) for name in message.params):
            return None
        parts.append((item["code"], *(params[name] for name in message.params)))
    return tuple(parts)


def percent(share: float) -> int:
    """A share as the whole percent `f"{share:.0%}"` would print."""
    return int(f"{share * 100:.0f}")
