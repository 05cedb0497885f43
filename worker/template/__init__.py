"""Field templates without Django: the specs, their parser and the export vocabularies."""

from worker.template.checks import use_translator
from worker.template.model import (
    FIELD_TYPES,
    LANGUAGES,
    MAX_FIELDS,
    MAX_OPTIONS,
    MAX_VALUE_LENGTH,
    UNITS,
    VALIDATION_PROPERTIES,
    FieldSpec,
    Option,
    TemplateError,
    fold,
)
from worker.template.spec import template_dump, template_parse
from worker.template.text import problem_field, problem_parts, template_text_problems

__all__ = [
    "FIELD_TYPES",
    "LANGUAGES",
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "MAX_VALUE_LENGTH",
    "UNITS",
    "VALIDATION_PROPERTIES",
    "FieldSpec",
    "Option",
    "TemplateError",
    "fold",
    "problem_field",
    "problem_parts",
    "template_dump",
    "template_parse",
    "template_text_problems",
    "use_translator",
]
