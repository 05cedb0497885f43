"""The training rules without Django: known-answer rates, when one is due, levels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.training import (
    KnownAnswerRates,
    Level,
    Record,
    known_answer_due,
    known_answer_rate,
    level_missing,
    level_reached,
    levels_parse,
)


def good(images: int) -> Record:
    return Record(images=images, compared=images * 5, matched=images * 5)


def test_a_new_account_meets_one_known_answer_image_in_five():
    assert known_answer_rate(Record()) == pytest.approx(1 / 5)


def test_a_measured_good_contributor_meets_one_in_fifty_after_twenty_good_images():
    assert known_answer_rate(good(20)) == pytest.approx(1 / 50)
    assert known_answer_rate(good(200)) == pytest.approx(1 / 50)


def test_falling_under_the_bar_brings_the_newcomers_rate_back_at_once():
    sloppy = Record(images=40, compared=200, matched=150)  # 75 % < 80 %
    assert known_answer_rate(sloppy) == pytest.approx(1 / 5)


@given(st.integers(min_value=0, max_value=100))
def test_the_rate_never_rises_as_good_images_add_up(images):
    assert known_answer_rate(good(images + 1)) <= known_answer_rate(good(images)) + 1e-12
    assert 1 / 50 - 1e-12 <= known_answer_rate(good(images)) <= 1 / 5 + 1e-12


def test_a_rate_of_zero_serves_none():
    rates = KnownAnswerRates(new_rate=0.0, trusted_rate=0.0)
    assert known_answer_rate(Record(), rates) == 0
    assert not known_answer_due(rate=0.0, since_last=10_000, draw=0.0)


def test_a_known_answer_is_due_on_a_low_draw_or_after_twice_the_mean_gap():
    assert known_answer_due(rate=0.2, since_last=0, draw=0.1)
    assert not known_answer_due(rate=0.2, since_last=9, draw=0.9)
    assert known_answer_due(rate=0.2, since_last=10, draw=0.9)


def test_levels_are_parsed_and_each_asks_at_least_as_much_as_the_one_before():
    assert levels_parse([{"answers": 3, "accuracy": 70}, {"answers": 10, "accuracy": 85}]) == (
        Level(3, 70),
        Level(10, 85),
    )
    assert levels_parse([]) == ()
    for bad in (
        "5",
        [{"answers": 0, "accuracy": 70}],
        [{"answers": 3, "accuracy": 101}],
        [{"answers": True, "accuracy": 70}],
        [{"answers": 3, "accuracy": 70, "other": 1}],
        [{"answers": 10, "accuracy": 90}, {"answers": 5, "accuracy": 95}],
        [{"answers": 1, "accuracy": 1}] * 10,
    ):
        with pytest.raises(ValueError, match="level"):
            levels_parse(bad)


def test_a_level_is_reached_with_enough_answers_at_enough_accuracy():
    levels = (Level(3, 70), Level(10, 85))
    assert level_reached(levels, Record()) == 1
    assert level_reached(levels, Record(images=3, compared=10, matched=7)) == 2
    assert level_reached(levels, Record(images=3, compared=10, matched=6)) == 1
    assert level_reached(levels, Record(images=12, compared=100, matched=90)) == 3
    assert level_missing(levels, Record(images=1, compared=5, matched=5), 2) == (2, 70)
    assert level_missing(levels, Record(images=12, compared=100, matched=90), 3) is None
    assert level_missing(levels, Record(), 9) is None
