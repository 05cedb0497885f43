"""Plain ASCII answers are folded by tables, dates cut and points read by regular expressions,
without the Unicode rules or the label parser: the same result."""

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus import dates, geo
from worker.consensus.markers import folded_placeholder, folded_placeholder_unicode
from worker.consensus.text import fold_chars, fold_unicode, separated, separated_unicode

ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=40)


@settings(max_examples=500, deadline=None)
@given(ASCII)
def test_an_ascii_answer_is_folded_as_the_unicode_rules_fold_it(text):
    assert separated(text) == separated_unicode(text)
    assert fold_chars.__wrapped__(text) == fold_unicode(text)
    assert folded_placeholder(text) == folded_placeholder_unicode(text)


def test_every_ascii_character_is_folded_as_the_unicode_rules_fold_it():
    for code in range(128):
        ch = chr(code)
        assert separated(ch) == separated_unicode(ch), repr(ch)
        assert fold_chars.__wrapped__(ch) == fold_unicode(ch), repr(ch)
        assert folded_placeholder(f"[{ch}]") == folded_placeholder_unicode(f"[{ch}]"), repr(ch)


def test_accented_answers_still_take_the_unicode_rules():
    assert separated("Lozère, côte") == "lozere  cote"
    assert fold_chars("Lozère") == "lozere"
    assert folded_placeholder("[Néant]") == "neant"


# Dates as answers write them: digits, month names and their separators, and anything else.
DATE_LIKE = st.text(alphabet="0123456789 -./,()[]?'juinJUINvxVX\t:+", max_size=24)


@settings(max_examples=500, deadline=None)
@given(st.one_of(ASCII, DATE_LIKE))
def test_an_ascii_date_is_cut_into_the_tokens_the_unicode_rules_cut(text):
    assert dates._tokens(text) == dates.tokens_unicode(text)


def test_every_ascii_character_is_cut_as_the_unicode_rules_cut_it():
    for code in range(128):
        text = f"12{chr(code)}06{chr(code)}1898"
        assert dates._tokens(text) == dates.tokens_unicode(text), repr(text)


def test_dates_with_accents_or_other_scripts_still_take_the_unicode_rules():
    assert dates.parse_date("12 août 1898") == (1898, 8, 12)
    assert dates.parse_date("١٢/٠٦/١٨٩٨") == (1898, 6, 12)
    assert dates.parse_date("12–15 juin 1898") == (1898, 6, None)


# Two decimal numbers and a comma, as most points are typed, and near misses.
DECIMAL_PAIRS = st.from_regex(r"\A-?[0-9]{1,3}\.[0-9]{1,6}, ?-?[0-9]{1,3}\.[0-9]{1,6}\Z")
NEAR_PAIRS = st.text(alphabet="0123456789-., ;NSEW", max_size=24)


@settings(max_examples=500, deadline=None)
@given(st.one_of(DECIMAL_PAIRS, NEAR_PAIRS))
def test_a_point_typed_as_two_decimals_reads_as_the_label_parser_reads_it(text):
    assert geo.parse_point.__wrapped__(text) == geo.parse_labelled(text)


def test_the_sign_of_a_zero_coordinate_is_read_as_the_label_parser_reads_it():
    for text in ("-0.0, 5.5", "0.0, -0.0", "90.0, 180.0", "90.5, 1.0", "1.0, -180.5"):
        assert repr(geo.parse_point.__wrapped__(text)) == repr(geo.parse_labelled(text)), text
