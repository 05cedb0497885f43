"""Field templates without Django: the specs, their parser and the export vocabularies."""

from worker.template.checks import use_translator
from worker.template.model import (
    FIELD_TYPES,
    LANGUAGES,
    MAX_FIELDS,
    MAX_OPTIONS,
    MAX_VALUE_LENGTH,
    UNITS,
    FieldSpec,
    Option,
    TemplateError,
    fold,
)
from worker.template.spec import template_dump, template_parse

__all__ = [
    "FIELD_TYPES",
    "LANGUAGES",
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "MAX_VALUE_LENGTH",
    "UNITS",
    "FieldSpec",
    "Option",
    "TemplateError",
    "fold",
    "template_dump",
    "template_parse",
    "use_translator",
]
