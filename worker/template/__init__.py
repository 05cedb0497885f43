"""Field templates without Django: the specs, their parser and the export vocabularies."""

from worker.template.checks import use_translator
from worker.template.metadata import (
    DEFAULT_LABELS,
    MetadataSpec,
    default_label,
    metadata_dump,
    metadata_parse,
    metadata_read,
)
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
    "DEFAULT_LABELS",
    "FIELD_TYPES",
    "LANGUAGES",
    "MAX_FIELDS",
    "MAX_OPTIONS",
    "MAX_VALUE_LENGTH",
    "UNITS",
    "VALIDATION_PROPERTIES",
    "FieldSpec",
    "MetadataSpec",
    "Option",
    "TemplateError",
    "default_label",
    "fold",
    "metadata_dump",
    "metadata_parse",
    "metadata_read",
    "problem_field",
    "problem_parts",
    "template_dump",
    "template_parse",
    "template_text_problems",
    "use_translator",
]
