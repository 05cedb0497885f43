"""The field template of a project: parse and validate it into plain, immutable specs.

Pure Python (no Django import): the consensus engine, exports and forms all read `FieldSpec`.
A template is stored as JSON (a list of field objects); `template_parse` either returns the
specs or raises `TemplateError` listing every problem with its path, for example
`fields[3].vocabulary[2].synonyms: "Isere" is already a synonym of "Isère"`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tasks.standards import EXPORT_STANDARDS

FIELD_TYPES = ("text", "select", "number", "date", "geopoint")
LANGUAGES = ("fr", "en")
MAX_FIELDS = 60
MAX_VALUE_LENGTH = 2000
MAX_OPTIONS = 5000
KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

_FIELD_PROPERTIES = {
    "key",
    "label",
    "type",
    "required",
    "help",
    "vocabulary",
    "validation",
    "mapping",
    "weight",
}
_OPTION_PROPERTIES = {"value", "label", "synonyms"}
_VALIDATION_PROPERTIES = {
    "text": {"max_length", "pattern"},
    "select": {"allow_other"},
    "number": {"min", "max", "integer"},
    "date": {"min_year", "max_year"},
    "geopoint": set(),
}


class TemplateError(ValueError):
    """The template is not valid; `errors` lists each problem, prefixed with where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    value: str
    label: Mapping[str, str] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or self.value


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    label: Mapping[str, str]
    required: bool = False
    help: Mapping[str, str] = field(default_factory=dict)
    vocabulary: tuple[Option, ...] = ()
    validation: Mapping[str, Any] = field(default_factory=dict)
    mapping: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]

    def help_in(self, language: str) -> str:
        return self.help.get(language) or self.help.get("en", "")

    @property
    def max_length(self) -> int:
        return int(self.validation.get("max_length", MAX_VALUE_LENGTH))

    def option_for(self, answer: str) -> Option | None:
        """The option whose value or synonym matches `answer`, ignoring case and accents."""
        wanted = fold(answer)
        for option in self.vocabulary:
            if fold(option.value) == wanted or any(fold(s) == wanted for s in option.synonyms):
                return option
        return None


def fold(text: str) -> str:
    """A comparison key: accents, case and surrounding spaces do not count."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def template_parse(data: Any) -> tuple[FieldSpec, ...]:
    """Validate a template (a list of field objects) and return its specs, in order."""
    errors: list[str] = []
    if not isinstance(data, list):
        raise TemplateError([_problem("fields", _("a template is a list of fields"))])
    if not data:
        raise TemplateError([_problem("fields", _("a template needs at least one field"))])
    if len(data) > MAX_FIELDS:
        errors.append(
            _problem(
                "fields",
                _("at most %(max)s fields, this template has %(count)s"),
                max=MAX_FIELDS,
                count=len(data),
            )
        )
    specs: list[FieldSpec] = []
    seen_keys: dict[str, int] = {}
    for index, raw in enumerate(data):
        where = f"fields[{index}]"
        key = raw.get("key") if isinstance(raw, dict) else None
        # Duplicates are checked on the raw key, so they are reported even when a field has
        # other problems too.
        if isinstance(key, str) and key.lower() in seen_keys:
            errors.append(
                _problem(
                    f"{where}.key",
                    _("%(key)r is already the key of fields[%(index)s]"),
                    key=key,
                    index=seen_keys[key.lower()],
                )
            )
        elif isinstance(key, str):
            seen_keys[key.lower()] = index
        spec = _field_parse(raw, where, errors)
        if spec is not None:
            specs.append(spec)
    if errors:
        raise TemplateError(errors)
    return tuple(specs)


def template_dump(specs: Iterable[FieldSpec]) -> list[dict[str, Any]]:
    """The JSON form of specs, the inverse of `template_parse`."""
    out: list[dict[str, Any]] = []
    for spec in specs:
        item: dict[str, Any] = {"key": spec.key, "type": spec.type, "label": dict(spec.label)}
        if spec.required:
            item["required"] = True
        if spec.help:
            item["help"] = dict(spec.help)
        if spec.vocabulary:
            item["vocabulary"] = [_option_dump(option) for option in spec.vocabulary]
        if spec.validation:
            item["validation"] = dict(spec.validation)
        if spec.mapping:
            item["mapping"] = dict(spec.mapping)
        if spec.weight != 1.0:
            item["weight"] = spec.weight
        out.append(item)
    return out


def _option_dump(option: Option) -> dict[str, Any]:
    item: dict[str, Any] = {"value": option.value}
    if option.label:
        item["label"] = dict(option.label)
    if option.synonyms:
        item["synonyms"] = list(option.synonyms)
    return item


def _field_parse(raw: Any, where: str, errors: list[str]) -> FieldSpec | None:
    if not isinstance(raw, dict):
        errors.append(_problem(where, _("a field is an object with at least key, label and type")))
        return None
    before = len(errors)
    _unknown_properties(raw, _FIELD_PROPERTIES, where, errors)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        errors.append(
            _problem(
                f"{where}.key",
                _(
                    "%(key)r is not a valid key: start with a letter, then letters, digits or _ (at most 64 characters)"
                ),
                key=key,
            )
        )
    type_ = raw.get("type")
    if type_ not in FIELD_TYPES:
        errors.append(
            _problem(
                f"{where}.type",
                _("%(type)r is not a field type; use one of %(types)s"),
                type=type_,
                types=", ".join(FIELD_TYPES),
            )
        )
    label = _translations(raw.get("label"), f"{where}.label", errors, required=True, max_length=200)
    help_ = _translations(
        raw.get("help", {}), f"{where}.help", errors, required=False, max_length=1000
    )
    required = raw.get("required", False)
    if not isinstance(required, bool):
        errors.append(
            _problem(f"{where}.required", _("must be true or false, not %(value)r"), value=required)
        )
    weight = raw.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= 10:
        errors.append(
            _problem(
                f"{where}.weight",
                _("must be a number above 0 and at most 10, not %(value)r"),
                value=weight,
            )
        )
    vocabulary: tuple[Option, ...] = ()
    if type_ == "select":
        vocabulary = _vocabulary_parse(raw.get("vocabulary"), f"{where}.vocabulary", errors)
    elif "vocabulary" in raw:
        errors.append(
            _problem(
                f"{where}.vocabulary",
                _("only select fields have a vocabulary (this one is %(type)r)"),
                type=type_,
            )
        )
    validation = raw.get("validation", {})
    if type_ in FIELD_TYPES:
        _validation_check(validation, str(type_), f"{where}.validation", errors)
    mapping = raw.get("mapping", {})
    _mapping_check(mapping, type_, f"{where}.mapping", errors)
    if len(errors) > before:
        return None
    return FieldSpec(
        key=str(key),
        type=str(type_),
        label=label,
        required=required,
        help=help_,
        vocabulary=vocabulary,
        validation=dict(validation),
        mapping=dict(mapping),
        weight=float(weight),
    )


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
