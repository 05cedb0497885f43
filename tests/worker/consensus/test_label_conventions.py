"""Label conventions beyond dates: names with authors and ranks, collectors' roles, old letters
and typographic variants, bibliographic prefixes; answers that write the same thing differently
are one reading (pure Python, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.worker.consensus.helpers import field
from worker.consensus.model import AGREED
from worker.consensus.text import same_reading, text_info

SAME = [
    ("Quercus ilex L.", "Quercus ilex Linn.", "Linnaeus, abbreviated two ways"),
    ("Quercus ilex L.", "Quercus ilex Linné", "and in full"),
    ("Arabis alpina subsp. caucasica", "Arabis alpina ssp. caucasica", "subspecies"),
    ("Arabis alpina subsp. caucasica", "Arabis alpina subspecies caucasica", "in full"),
    ("Rosa canina var. dumalis", "Rosa canina varietas dumalis", "variety"),
    ("Viola tricolor f. arvensis", "Viola tricolor forma arvensis", "form"),
    ("Gren. & Godr.", "Gren. et Godr.", "& and et between authors"),
    ("Jazz & blues", "Jazz and blues", "& and and in a title"),
    ("J. Duval-Jouve", "leg. J. Duval-Jouve", "the collector's role before the name"),
    ("A. Moreau", "det. A. Moreau", "the determiner's role"),
    ("J. Duval-Jouve", "J.Duval-Jouve", "initials without a space"),
    ("J. Duval-Jouve", "J Duval Jouve", "initials without dots"),
    ("Cœur de Lion", "Coeur de Lion", "the oe ligature"),
    ("Cæsalpinia", "Caesalpinia", "the ae ligature"),
    ("Saint-Jean", "ſaint-Jean", "the long s"),
    ("fleurs", "ﬂeurs", "a printer's ligature"),
    ("Mont Aigoual", "Mont\u00a0Aigoual", "a no-break space"),
    ("l'Isère", "l’Isère", "a curly apostrophe"),
    ('"Down Beat"', "“Down Beat”", "curly quotes"),
    ("Duval-Jouve", "Duval\u2013Jouve", "an en dash for a hyphen"),
    ("pp. 12-15", "p. 12–15", "page ranges: p. or pp., any dash"),
    ("12-15", "pp. 12-15", "a page range with or without its prefix"),
    ("vol. 3", "t. 3", "volume and tome"),
    ("n° 115", "no. 115", "number signs"),
    ("nº 115", "115", "the ordinal indicator as a number sign"),
    ("fasc. 3", "3", "a fascicle"),
]


@pytest.mark.parametrize(("a", "b", "why"), SAME)
def test_two_ways_of_writing_the_same_thing_are_one_reading(a, b, why):
    assert text_info(a).key == text_info(b).key, why


@pytest.mark.parametrize(("a", "b", "why"), SAME)
def test_three_readers_who_write_it_differently_agree(a, b, why):
    outcome = field("text", [a, a, b])
    assert outcome.status == AGREED, why
    # The form two typed, or the number without the prefix one typed (printed.py).
    assert outcome.value in (a, b), why


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("pp. 12-15", "pp. 12-16"),  # another page
        ("Rosa canina var. dumalis", "Rosa canina subsp. dumalis"),  # another rank
        ("vol. 3", "vol. 4"),
    ],
)
def test_what_differs_in_digits_or_rank_stays_apart(a, b):
    assert text_info(a).key != text_info(b).key


def test_a_role_word_alone_is_kept():
    assert text_info("leg.").key == "leg"


# Variants a reader may type for the same printed sign or word, both ways.
VARIANTS = [
    ("œ", "oe"),
    ("æ", "ae"),
    ("ſ", "s"),
    ("\u00a0", " "),
    ("’", "'"),
    ("–", "-"),
    ("—", "-"),
    (" & ", " et "),
]
WORDS = st.sampled_from(
    ["Quercus", "ilex", "Cœur", "Saint-Jean", "Mont", "Aigoual", "près", "de", "l'Isère", "&", "12"]
)


@given(st.lists(WORDS, min_size=1, max_size=6), st.sampled_from(VARIANTS))
def test_a_typographic_variant_never_changes_the_comparison_key(words, variant):
    text = " ".join(words)
    printed, typed = variant
    changed = text.replace(printed, typed)
    assert text_info(changed).key == text_info(text).key
    assert same_reading(text_info(changed), text_info(text))
