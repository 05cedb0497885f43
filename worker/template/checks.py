"""The checks behind `template_parse`: properties, translations, vocabularies, validation
rules and export mappings, each problem reported with its path."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from typing import Any

from worker.template.model import (
    _OPTION_PROPERTIES,
    _VALIDATION_PROPERTIES,
    LANGUAGES,
    MAX_GEOREFERENCE_FIELDS,
    MAX_OPTIONS,
    MAX_VALUE_LENGTH,
    UNITS,
    Option,
    fold,
)
from worker.template.standards import EXPORT_STANDARDS


def _unknown_properties(
    raw: dict[str, Any], allowed: set[str], where: str, errors: list[str]
) -> None:
    for name in sorted(set(raw) - allowed):
        hint = difflib.get_close_matches(str(name), sorted(allowed), n=1)
        if hint:
            message = _("unknown property %(name)r (did you mean %(hint)r?)")
        else:
            message = _("unknown property %(name)r")
        errors.append(_problem(where, message, name=name, hint=hint[0] if hint else ""))


def _translations(
    value: Any, where: str, errors: list[str], *, required: bool, max_length: int
) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        value = dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict):
        errors.append(_problem(where, _('give a text per language, e.g. {"fr": "…", "en": "…"}')))
        return {}
    out: dict[str, str] = {}
    for language in sorted(set(value) - set(LANGUAGES)):
        errors.append(
            _problem(
                where,
                _("%(language)r is not a supported language (%(languages)s)"),
                language=language,
                languages=", ".join(LANGUAGES),
            )
        )
    for language in LANGUAGES:
        text = value.get(language, "")
        if not isinstance(text, str):
            errors.append(_problem(f"{where}.{language}", _("must be text")))
            continue
        text = text.strip()
        if required and not text:
            errors.append(
                _problem(
                    f"{where}.{language}", _("missing; the interface ships in French and English")
                )
            )
        if len(text) > max_length:
            errors.append(
                _problem(
                    f"{where}.{language}",
                    _("at most %(max)s characters (%(count)s given)"),
                    max=max_length,
                    count=len(text),
                )
            )
        if text:
            out[language] = text
    return out


def _vocabulary_parse(raw: Any, where: str, errors: list[str]) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(_problem(where, _("a select field needs a list of at least one option")))
        return ()
    if len(raw) > MAX_OPTIONS:
        errors.append(
            _problem(
                where,
                _("at most %(max)s options (%(count)s given)"),
                max=MAX_OPTIONS,
                count=len(raw),
            )
        )
        return ()
    options: list[Option] = []
    owners: dict[str, str] = {}  # folded value or synonym -> the option value it belongs to
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        if isinstance(item, str):
            item = {"value": item}
        if not isinstance(item, dict):
            errors.append(
                _problem(here, _("an option is text or an object with value, label and synonyms"))
            )
            continue
        _unknown_properties(item, _OPTION_PROPERTIES, here, errors)
        value = item.get("value")
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            errors.append(
                _problem(f"{here}.value", _("must be non-empty text of at most 200 characters"))
            )
            continue
        value = value.strip()
        label = _translations(
            item.get("label", {}), f"{here}.label", errors, required=False, max_length=200
        )
        synonyms_raw = item.get("synonyms", [])
        if not isinstance(synonyms_raw, list) or not all(
            isinstance(s, str) and s.strip() for s in synonyms_raw
        ):
            errors.append(_problem(f"{here}.synonyms", _("must be a list of non-empty texts")))
            synonyms_raw = []
        for name in [value, *synonyms_raw]:
            folded = fold(name)
            owner = owners.get(folded)
            if owner is not None and owner != value:
                if name == value:
                    message = _(
                        "value %(name)r is the same as option %(owner)r once case and accents are ignored"
                    )
                else:
                    message = _(
                        "synonym %(name)r is the same as option %(owner)r once case and accents are ignored"
                    )
                errors.append(_problem(here, message, name=name, owner=owner))
            owners.setdefault(folded, value)
        options.append(
            Option(value=value, label=label, synonyms=tuple(s.strip() for s in synonyms_raw))
        )
    return tuple(options)


def _validation_check(raw: Any, type_: str, where: str, errors: list[str]) -> None:
    if not isinstance(raw, dict):
        errors.append(_problem(where, _("must be an object")))
        return
    _unknown_properties(raw, _VALIDATION_PROPERTIES[type_], where, errors)
    if "max_length" in raw:
        value = raw["max_length"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_VALUE_LENGTH
        ):
            errors.append(
                _problem(
                    f"{where}.max_length",
                    _("a whole number from 1 to %(max)s"),
                    max=MAX_VALUE_LENGTH,
                )
            )
    if "pattern" in raw:
        pattern = raw["pattern"]
        if not isinstance(pattern, str) or len(pattern) > 200:
            errors.append(
                _problem(f"{where}.pattern", _("a regular expression of at most 200 characters"))
            )
        else:
            try:
                re.compile(pattern)
            except re.error as error:
                errors.append(
                    _problem(
                        f"{where}.pattern",
                        _("not a valid regular expression (%(error)s)"),
                        error=error,
                    )
                )
    for bool_key in ("allow_other", "integer"):
        if bool_key in raw and not isinstance(raw[bool_key], bool):
            errors.append(_problem(f"{where}.{bool_key}", _("must be true or false")))
    _bounds_check(raw, "min", "max", where, errors, integers=False)
    _bounds_check(raw, "min_year", "max_year", where, errors, integers=True)


def _bounds_check(
    raw: dict[str, Any], low: str, high: str, where: str, errors: list[str], *, integers: bool
) -> None:
    kinds: tuple[type, ...] = (int,) if integers else (int, float)
    for name in (low, high):
        if name in raw and (isinstance(raw[name], bool) or not isinstance(raw[name], kinds)):
            errors.append(
                _problem(
                    f"{where}.{name}",
                    _("must be a whole number") if integers else _("must be a number"),
                )
            )
            return
    if low in raw and high in raw and raw[low] > raw[high]:
        errors.append(
            _problem(
                where,
                _("%(low)s (%(low_value)s) is above %(high)s (%(high_value)s)"),
                low=low,
                low_value=raw[low],
                high=high,
                high_value=raw[high],
            )
        )


def _mapping_check(raw: Any, type_: Any, where: str, errors: list[str]) -> None:
    if not isinstance(raw, dict):
        errors.append(_problem(where, _('must be an object such as {"dwc": "scientificName"}')))
        return
    for standard, term in raw.items():
        terms = EXPORT_STANDARDS.get(standard)
        if terms is None:
            errors.append(
                _problem(
                    where,
                    _("unknown standard %(name)r; use one of %(names)s"),
                    name=standard,
                    names=", ".join(sorted(EXPORT_STANDARDS)),
                )
            )
            continue
        if type_ == "geopoint" and standard == "dwc":
            if not (isinstance(term, list) and len(term) == 2):
                errors.append(
                    _problem(
                        f"{where}.dwc",
                        _(
                            'a geopoint maps to two terms, e.g. ["decimalLatitude", "decimalLongitude"]'
                        ),
                    )
                )
                continue
            names = term
        else:
            names = [term]
        for name in names:
            if not isinstance(name, str) or name not in terms:
                hint = difflib.get_close_matches(str(name), sorted(terms), n=1, cutoff=0.6)
                errors.append(
                    _term_problem(f"{where}.{standard}", standard, name, hint[0] if hint else "")
                )


def _unit_check(unit: Any, type_: Any, mapping: Any, where: str, errors: list[str]) -> None:
    """A number field's unit: one of UNITS; a Darwin Core term "...InMeters" needs metres, so
    that the export writes the term's unit (answers in feet are converted on reading)."""
    if unit == "":
        return
    if type_ != "number":
        errors.append(
            _problem(where, _("only number fields have a unit (this one is %(type)r)"), type=type_)
        )
        return
    if unit not in UNITS:
        errors.append(
            _problem(
                where,
                _("%(unit)r is not a unit; use one of %(units)s"),
                unit=unit,
                units=", ".join(UNITS),
            )
        )
        return
    term = mapping.get("dwc") if isinstance(mapping, dict) else None
    if isinstance(term, str) and term.endswith("InMeters") and unit != "m":
        errors.append(
            _problem(
                where,
                _('%(term)s is in metres: declare "unit": "m" (answers in %(unit)s are converted)'),
                term=term,
                unit=unit,
            )
        )


def _georeference_check(value: Any, type_: Any, where: str, errors: list[str]) -> None:
    """`georeference`: true or false, and true only on a geopoint (a point placed on a map)."""
    if not isinstance(value, bool):
        errors.append(_problem(where, _("must be true or false, not %(value)r"), value=value))
    elif value and type_ != "geopoint":
        errors.append(
            _problem(
                where,
                _(
                    "only geopoint fields can be asked in the georeference step (this one is %(type)r)"
                ),
                type=type_,
            )
        )


def _georeference_count_check(data: list[Any], errors: list[str]) -> None:
    """A few georeference fields at most, and at least one field asked with the label: the
    georeference step opens once the label's fields are settled."""
    marked = [raw for raw in data if isinstance(raw, dict) and raw.get("georeference") is True]
    if len(marked) > MAX_GEOREFERENCE_FIELDS:
        errors.append(
            _problem(
                "fields",
                _("at most %(max)s georeference fields, this template has %(count)s"),
                max=MAX_GEOREFERENCE_FIELDS,
                count=len(marked),
            )
        )
    if marked and len(marked) == len(data):
        errors.append(
            _problem(
                "fields",
                _(
                    "the georeference step follows the label: keep at least one field that is not a georeference"
                ),
            )
        )


def _term_problem(path: str, standard: str, name: Any, hint: str) -> str:
    if standard == "dwc":
        if hint:
            message = _("%(name)r is not a Darwin Core term (did you mean %(hint)r?)")
        else:
            message = _("%(name)r is not a Darwin Core term")
    elif hint:
        message = _("%(name)r is not a CSL variable (did you mean %(hint)r?)")
    else:
        message = _("%(name)r is not a CSL variable")
    return _problem(path, message, name=name, hint=hint)


def _problem(path: str, message: str, **values: Any) -> str:
    """`path: message`; the path stays as written, the message is in the reader's language."""
    return f"{path}: {message % values if values else message}"


# Messages are marked with `_` so that the catalogue extractor finds them. The Django app sets
# the translator at start-up (TasksConfig.ready); pure Python callers get English.
_translate: Callable[[str], str] = str


def use_translator(translate: Callable[[str], str]) -> None:
    global _translate
    _translate = translate


def _(message: str) -> str:
    return _translate(message)
