"""Checks on what people write about themselves, which others will read."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control, format (bidirectional overrides, zero-width joiners and spaces), private-use,
# surrogate and unassigned characters: they hide or reorder what a reader sees.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def display_name_validate(value: str) -> None:
    """A display name is shown to curators, leads and in credits: printable characters only,
    no leading or trailing space."""
    if any(unicodedata.category(ch) in _HIDDEN_CATEGORIES for ch in value):
        raise ValidationError(
            _("Use visible characters only (no control or direction characters)."),
            code="hidden_characters",
        )
    if value != value.strip():
        raise ValidationError(_("Remove the spaces at the start or the end."), code="spaces")
