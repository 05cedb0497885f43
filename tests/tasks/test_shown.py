"""Values as people read them: points with their labels, in French and English."""

from __future__ import annotations

import pytest
from django.utils import translation

from tasks.shown import value_shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "lat. 45.1886, long. -5.7244"), ("fr", "lat. 45.1886, long. -5.7244")],
)
def test_a_stored_point_is_said_with_its_labels(language, shown):
    with translation.override(language):
        assert value_shown("45.1886,-5.7244", "geopoint") == shown


@pytest.mark.parametrize(
    ("value", "field_type"),
    [("45.1886,5.7244", "text"), ("Grenoble", "geopoint"), ("", "geopoint"), (None, "text")],
)
def test_anything_but_a_stored_point_is_kept_as_it_is(value, field_type):
    assert value_shown(value, field_type) == ("" if value is None else value)
