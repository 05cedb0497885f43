"""The texts of a template, checked when it is written: plain text people read as written, no
hidden characters; and where a problem is, from its path."""

from __future__ import annotations

import pytest
from django.utils import translation

from worker.template import (
    problem_field,
    problem_parts,
    template_parse,
    template_text_problems,
)


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def field(**extra):
    return {"key": "title", "type": "text", "label": {"fr": "Titre", "en": "Title"}, **extra}


def test_plain_text_with_angle_brackets_line_breaks_and_tabs_is_fine():
    fields = [
        field(
            label="Altitude < 500 m",
            help={"fr": "Ligne 1\nLigne 2\tfin", "en": "a <= b, 3 > 2, <- here"},
        )
    ]
    assert template_text_problems(fields) == []


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("Nom </b>", "</b>"),
        ("x <!-- comment -->", "<!-- comment -->"),
        ("< img src=x onerror=alert(1) " + "y" * 60, "< img src=x onerror=alert(1) " + "y" * 11),
    ],
)
def test_markup_in_a_label_is_named(text, tag):
    [problem] = template_text_problems([field(label=text)])
    assert problem == (
        f"fields[0].label: plain text only: {tag!r} looks like HTML markup "
        "(texts are shown as written)"
    )


def test_hidden_characters_are_named_once_per_text_wherever_they_are():
    fields = [
        field(label={"fr": "Ti\u200ftre\u202e", "en": "Title"}),
        field(
            key="kind",
            type="select",
            vocabulary=["ok", "b\x07ad", {"value": "v", "synonyms": ["s\u2066"]}],
        ),
    ]
    assert [problem_parts(p) for p in template_text_problems(fields)] == [
        (
            "fields[0].label.fr",
            "holds an invisible control or direction character (U+200F): it would hide or "
            "reorder what people read",
        ),
        (
            "fields[1].vocabulary[1]",
            "holds an invisible control or direction character (U+0007): it would hide or "
            "reorder what people read",
        ),
        (
            "fields[1].vocabulary[2].synonyms[0]",
            "holds an invisible control or direction character (U+2066): it would hide or "
            "reorder what people read",
        ),
    ]


def test_a_stored_template_with_markup_still_parses():
    # The checks run on writes only: a template saved before them keeps working.
    assert template_parse([field(label="<i>Titre</i>")])[0].label["fr"] == "<i>Titre</i>"


def test_shapes_the_parser_refuses_are_left_to_it():
    assert template_text_problems({"fields": []}) == []
    assert template_text_problems([3, field(label=7, vocabulary={"a": 1})]) == []


def test_a_problem_splits_into_its_path_and_message_and_names_its_field():
    assert problem_parts("fields[12].vocabulary[3].label.fr: at most 200 characters") == (
        "fields[12].vocabulary[3].label.fr",
        "at most 200 characters",
    )
    assert problem_parts("fields: a template needs at least one field") == (
        "fields",
        "a template needs at least one field",
    )
    assert problem_parts("Field habitat already has transcriptions: gone") == (
        "",
        "Field habitat already has transcriptions: gone",
    )
    assert problem_field("fields[12].vocabulary[3]") == 12
    assert problem_field("fields") is None
