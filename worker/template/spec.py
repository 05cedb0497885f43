"""The field template of a project: parse and validate it into plain, immutable specs.

Pure Python (no Django import): the consensus engine, exports and forms all read `FieldSpec`.
A template is stored as JSON (a list of field objects); `template_parse` either returns the
specs or raises `TemplateError` listing every problem with its path, for example
`fields[3].vocabulary[2].synonyms: "Isere" is already a synonym of "Isère"`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from worker.template.checks import (
    _,
    _georeference_check,
    _georeference_count_check,
    _mapping_check,
    _problem,
    _translations,
    _unit_check,
    _unknown_properties,
    _validation_check,
    _vocabulary_parse,
)
from worker.template.model import (
    _FIELD_PROPERTIES,
    FIELD_TYPES,
    KEY_PATTERN,
    MAX_FIELDS,
    FieldSpec,
    Option,
    TemplateError,
)


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
    _georeference_count_check(data, errors)
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
        if spec.unit:
            item["unit"] = spec.unit
        if spec.level > 1:
            item["level"] = spec.level
        if spec.georeference:
            item["georeference"] = True
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
    unit = raw.get("unit", "")
    _unit_check(unit, type_, mapping, f"{where}.unit", errors)
    level = raw.get("level", 1)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 10:
        errors.append(
            _problem(
                f"{where}.level",
                _("must be a whole number from 1 to 10, not %(value)r"),
                value=level,
            )
        )
    georeference = raw.get("georeference", False)
    _georeference_check(georeference, type_, f"{where}.georeference", errors)
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
        unit=str(unit),
        level=int(level),
        georeference=bool(georeference),
    )
