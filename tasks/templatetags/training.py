"""Template filters of the training pages (the tutorial's steps, seen by volunteers and leads)."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from tasks.models import Template
from tasks.models.training import Highlight

register = template.Library()


@register.filter
def highlight_label(highlight: str, project_template: Template | None) -> str:
    """What a step points at, in the active language: a field's label or a tool's name."""
    if not highlight:
        return ""
    if highlight.startswith("field:"):
        key = highlight[6:]
        language = (get_language() or "fr")[:2]
        for spec in project_template.specs if project_template is not None else ():
            if spec.key == key:
                return spec.label_in(language)
        return key
    if highlight in Highlight.values:
        return str(Highlight(highlight).label)
    return ""
