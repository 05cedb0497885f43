"""The training benchmark's reliability rounds are the command line's, known answers added."""

from __future__ import annotations

import pytest

from bench.training import Prior, settled_estimate, weights_of
from worker.consensus.cli import parse_fields
from worker.consensus.model import Policy, new_submission
from worker.consensus.reliability import Tally, estimate_from_tasks

FIELDS = parse_fields("name:text,date:date,kind:select")


def tasks():
    out = []
    for n in range(30):
        truth = {"name": f"Quercus {n}", "date": f"1898-06-{n % 28 + 1:02d}", "kind": "a"}
        answers = [new_submission(user, dict(truth)) for user in ("ann", "bob", "cid")]
        answers.append(new_submission("spam", {"name": "xx", "date": "1700", "kind": "b"}))
        if n % 3 == 0:
            answers[1] = new_submission("bob", {**truth, "name": f"Quercus {n + 1}"})
        out.append(answers)
    return out


def test_without_known_answers_the_weights_are_the_command_lines():
    policy = Policy(min_transcriptions=4, max_transcriptions=4)
    expected, blanks = estimate_from_tasks(FIELDS, tasks(), policy)
    tallies, learnt = settled_estimate(FIELDS, tasks(), policy, {})
    assert weights_of(tallies, {}) == expected
    assert learnt.blank_weights == blanks


def test_the_first_round_counted_as_images_arrive_changes_nothing():
    policy = Policy(min_transcriptions=4, max_transcriptions=4)
    prior = Prior(FIELDS, policy)
    for task in tasks():
        prior.add(task)
    assert settled_estimate(FIELDS, tasks(), policy, {}, first=prior) == settled_estimate(
        FIELDS, tasks(), policy, {}
    )


def test_known_answer_tallies_add_to_the_settled_ones():
    policy = Policy(min_transcriptions=4, max_transcriptions=4)
    known = {("bob", "text"): Tally(0, 40)}  # ten known-answer images, all wrong
    with_known, _ = settled_estimate(FIELDS, tasks(), policy, known)
    without, _ = settled_estimate(FIELDS, tasks(), policy, {})
    assert weights_of(with_known, known)["bob"]["text"] < weights_of(without, {})["bob"]["text"]
    assert weights_of(without, {})["spam"]["date"] == pytest.approx(0.05)
