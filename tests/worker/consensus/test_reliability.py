from worker.consensus import Policy, Submission
from worker.consensus.reliability import (
    CURATOR,
    Observation,
    ReliabilityModel,
    Tally,
    estimate_from_tasks,
    reliability_estimate,
    reliability_from_tasks,
    reliability_update,
    reliability_weight,
)

from .helpers import spec


def test_a_newcomer_starts_at_the_prior_weight():
    assert reliability_weight(Tally()) == 1.0


def test_a_few_answers_move_a_weight_only_a_little():
    once_wrong = reliability_update(Tally(), Observation("a", "text", False))
    assert 0.8 < reliability_weight(once_wrong) < 1.0


def test_nobodys_weight_runs_away():
    perfect = Tally(correct=10_000, total=10_000)
    assert reliability_weight(perfect) == ReliabilityModel().cap


def test_a_spammers_weight_falls_to_the_floor():
    spammer = Tally(correct=1, total=50)
    assert reliability_weight(spammer) == ReliabilityModel().floor


def test_curator_resolutions_count_more_than_consensus():
    by_curator = reliability_update(Tally(), Observation("a", "text", True, CURATOR))
    by_consensus = reliability_update(Tally(), Observation("a", "text", True))
    assert reliability_weight(by_curator) > reliability_weight(by_consensus)


def test_weights_are_per_field_type():
    weights = reliability_estimate(
        [Observation("a", "text", True)] * 20 + [Observation("a", "date", False)] * 20
    )
    assert weights["a"]["text"] > 1.0 > weights["a"]["date"]


def test_estimating_from_tasks_weighs_down_a_contributor_who_never_agrees():
    fields = [spec("name", "text")]
    tasks = [
        [
            Submission("good1", {"name": f"Taxon {i}"}),
            Submission("good2", {"name": f"Taxon {i}"}),
            Submission("spam", {"name": "ok"}),
        ]
        for i in range(30)
    ]
    weights = reliability_from_tasks(fields, tasks, Policy())
    assert weights["spam"]["text"] < 0.2 < 1.0 < weights["good1"]["text"]


def test_blank_shares_are_learnt_per_field_from_settled_values():
    fields = [spec("name", "text"), spec("note", "text")]

    def row(user: str, i: int, name: str) -> Submission:
        return Submission(user, {"name": name, "note": "" if i % 2 else f"note {i}"})

    # Names are always printed and a careless third contributor skips them; notes are often
    # absent from the label, and then everyone leaves them blank.
    tasks = [
        [row("a", i, f"Taxon {i}"), row("b", i, f"Taxon {i}"), row("c", i, "")] for i in range(40)
    ]
    _, shares = estimate_from_tasks(fields, tasks, Policy())
    learnt = dict(shares)
    assert learnt["name"] < 0.2
    assert learnt["note"] == Policy().blank_weight  # learnt, but never above the fixed share
