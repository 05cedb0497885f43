"""Georeference fields in a template (worker/template/steps.py): parsed, checked, split."""

from __future__ import annotations

import pytest

from tasks.presets import PRESETS
from worker.template import TemplateError, template_dump, template_parse
from worker.template.steps import (
    context_specs,
    has_georeference,
    printed_point,
    step_specs,
    steps_of,
)


def field(key, type_="text", **extra):
    return {"key": key, "label": key, "type": type_, **extra}


def problems(fields):
    with pytest.raises(TemplateError) as refused:
        template_parse(fields)
    return refused.value.errors


def test_a_geopoint_may_be_asked_in_the_georeference_step_and_is_dumped_as_such():
    fields = [field("locality"), field("point", "geopoint", georeference=True)]
    specs = template_parse(fields)
    assert [spec.georeference for spec in specs] == [False, True]
    assert template_dump(specs)[1]["georeference"] is True
    assert "georeference" not in template_dump(specs)[0]
    assert steps_of(specs) == ("label", "georeference")
    assert [s.key for s in step_specs(specs, "label")] == ["locality"]
    assert [s.key for s in step_specs(specs, "georeference")] == ["point"]


def test_only_geopoints_are_georeferenced_and_the_flag_is_true_or_false():
    assert problems([field("a"), field("locality", georeference=True)]) == [
        "fields[1].georeference: only geopoint fields can be asked in the georeference step "
        "(this one is 'text')"
    ]
    assert problems([field("a"), field("p", "geopoint", georeference="yes")]) == [
        "fields[1].georeference: must be true or false, not 'yes'"
    ]


def test_a_few_georeference_fields_at_most_and_a_label_to_settle_first():
    four = [field(f"p{n}", "geopoint", georeference=True) for n in range(4)]
    assert problems([field("a"), *four]) == [
        "fields: at most 3 georeference fields, this template has 4"
    ]
    assert problems([field("p", "geopoint", georeference=True)]) == [
        "fields: the georeference step follows the label: keep at least one field that is not "
        "a georeference"
    ]


def test_a_template_without_georeference_fields_has_the_label_step_alone():
    specs = template_parse(PRESETS["herbarium"]["fields"])
    assert not has_georeference(specs)
    assert steps_of(specs) == ("label",)
    assert step_specs(specs, "label") == specs


def test_the_georeference_preset_shows_where_when_and_who_beside_the_point():
    specs = template_parse(PRESETS["herbarium_georeference"]["fields"])
    assert [s.key for s in step_specs(specs, "georeference")] == ["georeference"]
    assert [s.key for s in context_specs(specs)] == [
        "recordedBy",
        "eventDate",
        "country",
        "stateProvince",
        "locality",
        "habitat",
        "minimumElevationInMeters",
        "coordinates",
    ]


def test_coordinates_printed_on_the_label_leave_nothing_to_georeference():
    specs = template_parse(PRESETS["herbarium_georeference"]["fields"])
    assert printed_point(specs, {"coordinates": "45.1885,5.7245"})
    assert not printed_point(specs, {"coordinates": "", "locality": "Mauriac"})
