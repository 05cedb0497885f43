"""Comparing a contributor's answers with known answers: the engine decides what matches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from worker.consensus.check import answers_check
from worker.consensus.markers import marker_of
from worker.template import template_parse

LABEL = {"fr": "Champ", "en": "Field"}
SPECS = template_parse(
    [
        {"key": "name", "type": "text", "label": LABEL},
        {"key": "date", "type": "date", "label": LABEL},
        {"key": "where", "type": "geopoint", "label": LABEL},
        {"key": "alt", "type": "number", "label": LABEL},
        {"key": "note", "type": "text", "label": LABEL},
    ]
)
EXPECTED = {
    "name": "Rosa canina L.",
    "date": "12/06/1898",
    "where": "47.40, 6.56",
    "alt": "1200",
    "note": "",
}


def matches(given_values, given_markers=None, expected_markers=None):
    checks = answers_check(
        SPECS,
        expected=EXPECTED,
        expected_markers=expected_markers,
        given=given_values,
        given_markers=given_markers,
    )
    return {check.key: check.match for check in checks}


def test_the_same_reading_in_another_form_matches():
    found = matches(
        {"name": "Rosa canina L.", "date": "12 juin 1898", "where": "47.4,6.56", "alt": "1200 m"}
    )
    assert found == {"name": True, "date": True, "where": True, "alt": True}


def test_a_wrong_value_a_swapped_point_and_a_made_up_value_do_not_match():
    found = matches(
        {"name": "Rosa gallica L.", "date": "12/06/1899", "where": "6.56, 47.40", "note": "x"}
    )
    assert found == {"name": False, "date": False, "where": False, "alt": False, "note": False}


def test_a_field_both_leave_blank_is_not_compared_and_a_made_up_value_fails():
    assert "note" not in matches({**EXPECTED}, {"note": "absent"})
    assert "note" not in matches({**EXPECTED, "note": ""})
    assert matches({**EXPECTED, "note": "made up"})["note"] is False
    assert matches({**EXPECTED, "date": ""})["date"] is False


def test_an_account_typing_nothing_scores_nothing():
    assert not any(matches({}).values())


def test_a_field_the_expert_could_not_read_is_not_compared():
    found = matches({**EXPECTED}, expected_markers={"note": "illegible"})
    assert "note" not in found


def test_only_the_keys_asked_are_compared():
    checks = answers_check(SPECS, expected=EXPECTED, given=EXPECTED, keys=["date"])
    assert [check.key for check in checks] == ["date"]
    assert checks[0].match
    assert checks[0].expected == "1898-06-12"


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéè .-", min_size=1, max_size=40).filter(
        # A placeholder ("non lisible", "inconnu"...) is a marker, not a text: see below.
        lambda text: any(character.isalpha() for character in text) and marker_of(text) is None
    )
)
def test_any_text_matches_itself(text):
    checks = answers_check(SPECS, expected={"name": text}, given={"name": text}, keys=["name"])
    assert checks[0].match


def test_a_placeholder_typed_as_the_expected_value_is_read_as_its_marker():
    """An expert's "non lisible" says they could not read the field: nothing is compared."""
    for typed in ("non lisible", "Quercus"):
        checks = answers_check(
            SPECS, expected={"name": "non lisible"}, given={"name": typed}, keys=["name"]
        )
        assert checks == []
