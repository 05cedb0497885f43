"""Plain ASCII answers are folded by tables, without Unicode decomposition: the same result."""

from hypothesis import given, settings
from hypothesis import strategies as st

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
