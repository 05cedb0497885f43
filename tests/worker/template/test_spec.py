"""Templates are validated on save, with a precise message for each problem."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from tasks.presets import HERBARIUM_FIELDS, PRESETS
from worker.template import TemplateError, template_dump, template_parse


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def errors_of(fields) -> list[str]:
    with pytest.raises(TemplateError) as raised:
        template_parse(fields)
    return raised.value.errors


def text_field(**extra):
    return {"key": "title", "type": "text", "label": {"fr": "Titre", "en": "Title"}, **extra}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_template_that_survives_a_round_trip(name):
    specs = template_parse(PRESETS[name]["fields"])
    assert template_parse(template_dump(specs)) == specs


def test_the_herbarium_preset_maps_every_field_to_darwin_core():
    specs = template_parse(HERBARIUM_FIELDS)
    assert [s.key for s in specs] == [
        "scientificName", "recordedBy", "recordNumber", "eventDate", "country", "stateProvince",
        "locality", "habitat", "minimumElevationInMeters", "coordinates",
    ]  # fmt: skip
    assert all("dwc" in s.mapping for s in specs)
    assert specs[-1].mapping["dwc"] == ["decimalLatitude", "decimalLongitude"]


def test_the_reference_preset_maps_every_field_to_a_csl_variable():
    specs = template_parse(PRESETS["reference"]["fields"])
    assert {s.key: s.mapping["csl"] for s in specs}["container"] == "container-title"
    assert all("csl" in s.mapping for s in specs)


def test_a_template_must_be_a_non_empty_list():
    assert errors_of({"fields": []}) == ["fields: a template is a list of fields"]
    assert errors_of([]) == ["fields: a template needs at least one field"]


def test_an_unknown_type_names_the_types_allowed():
    [error] = errors_of([text_field(type="colour")])
    assert (
        error
        == "fields[0].type: 'colour' is not a field type; use one of text, select, number, date, geopoint"
    )


def test_duplicate_keys_point_at_the_first_use():
    errors = errors_of([text_field(), text_field()])
    assert errors == ["fields[1].key: 'title' is already the key of fields[0]"]


def test_a_bad_key_is_refused():
    assert errors_of([text_field(key="1st title")])[0].startswith(
        "fields[0].key: '1st title' is not a valid key"
    )


def test_both_languages_are_required_for_labels():
    assert errors_of([text_field(label={"fr": "Titre"})]) == [
        "fields[0].label.en: missing; the interface ships in French and English"
    ]


def test_a_misspelt_property_gets_a_suggestion():
    field = text_field()
    field["requird"] = True
    assert errors_of([field]) == [
        "fields[0]: unknown property 'requird' (did you mean 'required'?)"
    ]


def test_a_select_needs_options_and_others_may_not_have_them():
    select = {"key": "country", "type": "select", "label": "Pays"}
    assert errors_of([select]) == [
        "fields[0].vocabulary: a select field needs a list of at least one option"
    ]
    assert errors_of([text_field(vocabulary=["a"])]) == [
        "fields[0].vocabulary: only select fields have a vocabulary (this one is 'text')"
    ]


def test_a_synonym_may_not_belong_to_two_options():
    select = {
        "key": "dept",
        "type": "select",
        "label": "Département",
        "vocabulary": [
            {"value": "Isère", "synonyms": ["38"]},
            {"value": "Savoie", "synonyms": ["ISERE"]},
        ],
    }
    assert errors_of([select]) == [
        "fields[0].vocabulary[1]: synonym 'ISERE' is the same as option 'Isère' once case and accents are ignored"
    ]


def test_an_export_mapping_must_name_a_real_term_and_suggests_the_right_one():
    assert errors_of([text_field(mapping={"dwc": "scientificname"})]) == [
        "fields[0].mapping.dwc: 'scientificname' is not a Darwin Core term (did you mean 'scientificName'?)"
    ]
    assert errors_of([text_field(mapping={"csl": "container_title"})]) == [
        "fields[0].mapping.csl: 'container_title' is not a CSL variable (did you mean 'container-title'?)"
    ]
    geopoint = {
        "key": "where",
        "type": "geopoint",
        "label": "Où",
        "mapping": {"dwc": "decimalLatitude"},
    }
    assert errors_of([geopoint])[0].startswith(
        "fields[0].mapping.dwc: a geopoint maps to two terms"
    )


def test_validation_rules_are_checked_per_type():
    number = {
        "key": "alt",
        "type": "number",
        "label": "Altitude",
        "validation": {"min": 10, "max": 5},
    }
    assert errors_of([number]) == ["fields[0].validation: min (10) is above max (5)"]
    assert errors_of([text_field(validation={"pattern": "(["})])[0].startswith(
        "fields[0].validation.pattern: not a valid regular expression"
    )
    assert errors_of([text_field(validation={"max_length": 5000})]) == [
        "fields[0].validation.max_length: a whole number from 1 to 2000"
    ]
    assert errors_of([text_field(validation={"min_year": 1800})]) == [
        "fields[0].validation: unknown property 'min_year'"
    ]


def test_every_problem_is_reported_at_once():
    fields = copy.deepcopy(HERBARIUM_FIELDS)
    fields[0]["type"] = "prose"
    fields[3]["label"] = {"fr": "Date"}
    assert len(errors_of(fields)) == 2


def test_the_template_model_refuses_an_invalid_template_on_clean(project):
    template = project.template
    template.fields = [text_field(type="colour")]
    with pytest.raises(ValidationError) as raised:
        template.full_clean()
    assert "is not a field type" in str(raised.value.message_dict["fields"])


def number_field(**extra):
    return {"key": "alt", "type": "number", "label": {"fr": "Altitude", "en": "Elevation"}, **extra}


def test_a_number_field_declares_its_unit_and_keeps_it_through_a_round_trip():
    specs = template_parse([number_field(unit="ft")])
    assert specs[0].unit == "ft"
    assert template_dump(specs)[0]["unit"] == "ft"
    assert template_parse([number_field()])[0].unit == ""  # none declared: read as before


def test_an_unknown_unit_names_the_units_allowed():
    assert errors_of([number_field(unit="yd")]) == [
        "fields[0].unit: 'yd' is not a unit; use one of m, km, cm, mm, ft"
    ]


def test_only_number_fields_have_a_unit():
    assert errors_of([text_field(unit="m")]) == [
        "fields[0].unit: only number fields have a unit (this one is 'text')"
    ]


def test_a_darwin_core_term_in_metres_needs_a_field_in_metres():
    field = number_field(unit="ft", mapping={"dwc": "minimumElevationInMeters"})
    assert errors_of([field]) == [
        'fields[0].unit: minimumElevationInMeters is in metres: declare "unit": "m"'
        " (answers in ft are converted)"
    ]
    assert template_parse([{**field, "unit": "m"}])[0].unit == "m"


def test_the_herbarium_preset_reads_elevations_in_metres():
    specs = {s.key: s for s in template_parse(HERBARIUM_FIELDS)}
    assert specs["minimumElevationInMeters"].unit == "m"
