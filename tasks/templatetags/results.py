"""Template filters of the results pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(ratio: float | None) -> str:
    """An agreement from 0 to 1 as a whole percentage in the page's language ("87 %")."""
    if ratio is None:
        return "–"
    return _("%(percent)s%%") % {"percent": number_format(round(ratio * 100))}


@register.filter
def item(mapping: Any, key: str) -> Any:
    """`mapping[key]`, or "" when it has none (a template cannot index by a variable)."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
