"""What the template builder (static/js/template_builder.js) needs from the server, on the
project creation page and in a project's settings: the template specification (types, units,
validation rules by type, the export vocabularies), where to check a template, and what it may
not change."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tasks.models import Project
from tasks.presets import PRESETS
from tasks.selectors.templates import template_locked_types
from worker.template import FIELD_TYPES, MAX_FIELDS, MAX_VALUE_LENGTH, UNITS, VALIDATION_PROPERTIES
from worker.template.standards import CSL_VARIABLES, DARWIN_CORE_TERMS


def template_builder_new() -> dict[str, Any]:
    """For a new project: its template starts from a preset's fields."""
    return {
        **_specification(),
        "validate_url": reverse("api-template-validate"),
        "presets": {name: preset["fields"] for name, preset in PRESETS.items()},
        "locked": {},
        "day_first": True,
    }


def template_builder_for(project: Project) -> dict[str, Any]:
    """For a project's settings: its own rules (levels, fields with transcriptions)."""
    return {
        **_specification(),
        "validate_url": reverse("api-project-template-validate", args=[project.slug]),
        "presets": {},
        "locked": template_locked_types(project),
        "day_first": project.date_day_first,
    }


def _specification() -> dict[str, Any]:
    return {
        "types": list(FIELD_TYPES),
        "units": list(UNITS),
        "validation": {name: sorted(names) for name, names in VALIDATION_PROPERTIES.items()},
        "max_fields": MAX_FIELDS,
        "max_value_length": MAX_VALUE_LENGTH,
        "terms": {"dwc": sorted(DARWIN_CORE_TERMS), "csl": sorted(CSL_VARIABLES)},
    }
