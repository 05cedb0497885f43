"""Check a contributor's submitted values against the template, field by field.

Values are kept as typed (a transcription is evidence); the consensus engine reads them. Here we
only refuse what can never be right: unknown fields, overlong or hostile text, a select answer
outside the vocabulary, a number, date or place that cannot be read, a required field left empty
without saying why.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
from typing import Any

from django.utils.translation import gettext as _

from crowd.errors import DomainError
from worker.consensus.dates import parse_date
from worker.consensus.geo import parse_point
from worker.consensus.markers import marker_of
from worker.consensus.model import UNASKED
from worker.consensus.numbers import parse_number
from worker.consensus.text import clean
from worker.template import FieldSpec
from worker.template.steps import GEOREFERENCE, LABEL, has_georeference, step_specs

MARKERS = ("illegible", "absent")
# Line breaks and tabs are text; other control characters and bidirectional overrides are not
# (they hide or reorder what curators see).
_ALLOWED_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}

# Readers for typed fields: raw text -> a parsed value, or None when it cannot be read. They are
# the consensus engine's own, so that what validation accepts reconciliation can read.
READERS: dict[str, Callable[[str], Any]] = {
    "number": parse_number,
    "date": parse_date,
    "geopoint": parse_point,
}


class ValuesRejected(DomainError, ValueError):
    """Values or markers that can never be right; `errors` has the messages of each field."""

    status_code = 400
    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors

    def message(self) -> str:
        return _("Some values are not valid.")

    def payload(self) -> dict[str, Any]:
        return {"fields": self.errors}


def values_check(
    *,
    specs: tuple[FieldSpec, ...],
    values: Any,
    markers: Any,
    locked: Collection[str] = (),
) -> tuple[dict[str, str], dict[str, str]]:
    """Return cleaned (values, markers) or raise ValuesRejected with messages per field.

    Fields in `locked` need a level the contributor has not reached: they must come empty, and
    are recorded as not asked (UNASKED), which the engine counts as no vote at all."""
    errors: dict[str, list[str]] = {}
    if not isinstance(values, Mapping):
        raise ValuesRejected({"values": [_("Send the values as an object keyed by field.")]})
    if markers is None:
        markers = {}
    if not isinstance(markers, Mapping):
        raise ValuesRejected({"markers": [_("Send the markers as an object keyed by field.")]})
    by_key = {spec.key: spec for spec in specs}
    for key in sorted(set(values) | set(markers)):
        if key not in by_key:
            errors.setdefault(str(key)[:64], []).append(_("This field is not in the template."))
    clean_values: dict[str, str] = {}
    clean_markers: dict[str, str] = {}
    for spec in specs:
        raw = values.get(spec.key, "")
        marker = markers.get(spec.key)
        if spec.key in locked:
            if (isinstance(raw, str) and raw.strip()) or marker:
                errors[spec.key] = [
                    _("This field needs level %(level)s: leave it to those who reached it.")
                    % {"level": spec.level}
                ]
            else:
                clean_markers[spec.key] = UNASKED
            continue
        problems = _field_check(spec, raw, marker)
        if problems:
            errors[spec.key] = problems
            continue
        if marker:
            clean_markers[spec.key] = marker
        else:
            clean_values[spec.key] = raw.strip()
    if errors:
        raise ValuesRejected(errors)
    return clean_values, clean_markers


def step_values_check(
    *,
    specs: tuple[FieldSpec, ...],
    step: str,
    values: Any,
    markers: Any,
    locked: Collection[str] = (),
) -> tuple[dict[str, str], dict[str, str]]:
    """`values_check` for the fields of one step (worker/template/steps.py): a value or marker
    for a field of the other step is refused, with the step it belongs to. A template without
    georeference fields has the label step only: its every field."""
    if not has_georeference(specs):
        return values_check(specs=specs, values=values, markers=markers, locked=locked)
    other = {spec.key for spec in step_specs(specs, GEOREFERENCE if step == LABEL else LABEL)}
    errors: dict[str, list[str]] = {}
    sent = [
        *(values if isinstance(values, Mapping) else ()),
        *(markers if isinstance(markers, Mapping) else ()),
    ]
    for key in sorted({key for key in sent if key in other}):
        errors[key] = [
            _("This field is asked in the georeference step, once the label is settled.")
            if step == LABEL
            else _("This field belongs to the label step, not to the georeference step.")
        ]
    if isinstance(values, Mapping):
        values = {key: value for key, value in values.items() if key not in other}
    if isinstance(markers, Mapping):
        markers = {key: value for key, value in markers.items() if key not in other}
    try:
        clean = values_check(
            specs=step_specs(specs, step), values=values, markers=markers, locked=locked
        )
    except ValuesRejected as error:
        raise ValuesRejected({**error.errors, **errors}) from None
    if errors:
        raise ValuesRejected(errors)
    return clean


def _field_check(spec: FieldSpec, raw: Any, marker: Any) -> list[str]:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        return [_("Send text.")]
    if marker is not None and marker not in MARKERS:
        return [_("Unknown marker; use illegible or absent.")]
    if marker and raw.strip():
        return [_("Either type a value or mark the field, not both.")]
    if len(raw) > spec.max_length:
        return [
            _("At most %(max)s characters (%(count)s given).")
            % {"max": spec.max_length, "count": len(raw)}
        ]
    if hides_characters(raw):
        return [_("Control characters are not allowed.")]
    text = raw.strip()
    if not text:
        if spec.required and not marker:
            return [_("Required: type the value, or mark it illegible or not on the image.")]
        return []
    # Read as the engine will read the stored answer (cleaned first: read_parsed, read_option),
    # so that "non  lisible" or a tab inside a date is not refused here and read there.
    cleaned = clean(text)
    if (
        spec.type == "select"
        and spec.option_for(cleaned) is None
        and not spec.validation.get("allow_other")
    ):
        return [_("%(value)s is not one of the options.") % {"value": text}]
    reader = READERS.get(spec.type)
    if spec.type == "number" and spec.unit:
        reader = partial(parse_number, unit=spec.unit)  # "1200 ft" in metres: converted
    # "?", "illisible", "s.n."… typed in a field are markers the engine understands.
    if reader is not None and reader(cleaned) is None and marker_of(cleaned) is None:
        if spec.type == "number" and spec.unit:
            return [_unreadable_message("quantity") % {"unit": spec.unit}]
        return [_unreadable_message(spec.type)]
    return []


def _is_forbidden(ch: str) -> bool:
    if ch in _ALLOWED_CONTROLS:
        return False
    return unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS


def hides_characters(text: str) -> bool:
    """Whether free text someone else will read holds control characters or bidirectional
    overrides (they hide or reorder what the reader sees); line breaks and tabs are text."""
    return any(_is_forbidden(ch) for ch in text)


def _unreadable_message(type_: str) -> str:
    messages = {
        "number": _("Not a number we can read (e.g. 650, 650 m, 1 200)."),
        "quantity": _(
            "Not a number we can read, in %(unit)s or another length unit (e.g. 650, 650 m, 2130 ft, 2130 pieds)."
        ),
        "date": _("Not a date we can read (e.g. 12/06/1898, 12 juin 1898, 1898-06, 1898)."),
        "geopoint": _(
            "Not coordinates we can read (e.g. 45.1885, 5.7245 or 45°11'19\"N 5°43'28\"E)."
        ),
    }
    return messages.get(type_, _("Not a value we can read."))


# The most field keys a transcription may say it took machine words into.
MACHINE_FIELDS_MAX = 200


def machine_fields_check(*, specs: Sequence[FieldSpec], machine_fields: Any) -> list[str]:
    """The fields a contributor says they took words of the machine reading into (their
    browser tells): a list of the template's keys, returned sorted and without repeats.
    Anything else is refused with a precise message (ValuesRejected on `machine_fields`)."""
    if machine_fields is None:
        return []
    if not isinstance(machine_fields, list | tuple) or len(machine_fields) > MACHINE_FIELDS_MAX:
        raise ValuesRejected(
            {"machine_fields": [_("A list of the template's field keys is expected.")]}
        )
    keys = {spec.key for spec in specs}
    unknown = sorted({str(key)[:64] for key in machine_fields if key not in keys})
    if unknown:
        raise ValuesRejected(
            {
                "machine_fields": [
                    _("Not fields of this project: %(keys)s.") % {"keys": ", ".join(unknown)}
                ]
            }
        )
    return sorted(set(machine_fields))
