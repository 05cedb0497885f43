"""Answers read once and reused across passes give what reading them afresh gives.

The command line reconciles every task three times with the same answers and other weights
(two reliability rounds, then the last pass); it keeps each task's readings in an
`AnswerCache`, and the second round keeps the first round's outcomes of the fields no weight
can change. Checked here against the plain computation, for any answers.
"""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus import Policy, Submission, reconcile_task, reliability
from worker.consensus.engine import AnswerCache
from worker.consensus.model import ILLEGIBLE
from worker.consensus.reliability import (
    BlankTally,
    ReliabilityModel,
    estimate_from_tasks,
    reliability_estimate,
    reliability_observations,
    with_weights,
)

from .helpers import spec

FIELDS = [
    spec("name", "text"),
    spec("country", "select"),
    spec("alt", "number"),
    spec("date", "date"),
    spec("point", "geopoint"),
]
ANSWERS = {
    "name": ["Quercus ilex L.", "Quercus ilex", "quercus ilex l.", "Quercus ilcx L.", "", "?"],
    "country": ["France", "france", "Espagne", "", "?"],
    "alt": ["650", "650 m", "560", "", "n/a"],
    "date": ["1898-06-12", "12 juin 1898", "1898", "1893", "", "?"],
    "point": ["44.0123, 2.8765", "2.8765, 44.0123", "40.4168, -3.7038", "", "?"],
}
USERS = [f"volunteer{index}" for index in range(6)]


@st.composite
def tasks(draw, max_tasks=8):
    """Tasks whose fields are often unanimous (the shape the second round keeps)."""
    out = []
    for _ in range(draw(st.integers(1, max_tasks))):
        users = draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=5, unique=True))
        shared = {key: draw(st.sampled_from(pool)) for key, pool in ANSWERS.items()}
        rows = []
        for user in users:
            values = {
                key: shared[key] if draw(st.booleans()) else draw(st.sampled_from(pool))
                for key, pool in ANSWERS.items()
            }
            rows.append(Submission(user, values))
        out.append(rows)
    return out


@st.composite
def marked_task(draw):
    """One task, sometimes with markers, weights of its own or a contributor twice."""
    rows = []
    for index in range(draw(st.integers(1, 5))):
        user = draw(st.sampled_from(USERS[:3])) if draw(st.booleans()) else f"u{index}"
        values = {key: draw(st.sampled_from(pool)) for key, pool in ANSWERS.items()}
        markers = {"name": ILLEGIBLE} if draw(st.integers(0, 4)) == 0 else {}
        weights = {"text": draw(st.sampled_from([0.05, 1.0, 2.5]))} if draw(st.booleans()) else {}
        rows.append(Submission(user, values, markers=markers, weights=weights))
    return rows


WEIGHTS = st.dictionaries(
    st.sampled_from([*USERS[:3], "u0", "u1", "u2", "u3", "u4"]),
    st.fixed_dictionaries(
        {
            "text": st.sampled_from([0.05, 0.4, 1.0, 2.2, 3.0]),
            "select": st.sampled_from([0.05, 1.0, 3.0]),
            "date": st.sampled_from([0.3, 1.0, 1.6]),
        }
    ),
)
POLICIES = st.sampled_from(
    [
        Policy(),
        Policy(blank_weights=(("name", 0.05), ("alt", 0.1))),
        Policy(min_transcriptions=3, agreement_threshold=0.75),
    ]
)


@settings(max_examples=200, deadline=None)
@given(marked_task(), st.lists(st.tuples(WEIGHTS, POLICIES), min_size=1, max_size=4))
def test_a_task_reconciled_again_with_its_cached_readings_gives_what_a_fresh_reconcile_gives(
    rows, passes
):
    cache = AnswerCache()
    for weights, policy in passes:
        weighted = with_weights(rows, weights)
        cached = reconcile_task(FIELDS, weighted, policy, cache=cache)
        assert cached == reconcile_task(FIELDS, weighted, policy)


@settings(max_examples=200, deadline=None)
@given(marked_task(), WEIGHTS, POLICIES)
def test_weights_given_beside_the_submissions_count_as_the_submissions_carrying_them(
    rows, weights, policy
):
    expected = reconcile_task(FIELDS, with_weights(rows, weights), policy)
    assert reconcile_task(FIELDS, rows, policy, weights=weights) == expected


@settings(max_examples=100, deadline=None)
@given(marked_task(), marked_task())
def test_a_cache_given_other_answers_forgets_the_readings_it_had(first, second):
    cache = AnswerCache()
    reconcile_task(FIELDS, first, Policy(), cache=cache)
    assert reconcile_task(FIELDS, second, Policy(), cache=cache) == reconcile_task(
        FIELDS, second, Policy()
    )


def plain_estimate(fields, tasks, policy, rounds=2):
    """The reliability rounds as first written: every field reconciled afresh in every round,
    an observation per contributor and settled field, blanks read again."""
    model = ReliabilityModel()
    weights: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        observations = []
        blanks = BlankTally()
        for task in tasks:
            weighted = with_weights(task, weights)
            outcome = reconcile_task(fields, weighted, policy)
            observations += reliability_observations(fields, weighted, outcome)
            blanks.add(fields, weighted, outcome.fields, policy)
        weights = reliability_estimate(observations, model)
        policy = replace(policy, blank_weights=blanks.shares(fields, policy, model))
    return weights, policy.blank_weights


@settings(max_examples=150, deadline=None)
@given(tasks(), st.integers(1, 3))
def test_the_reliability_rounds_learn_to_the_last_bit_what_the_plain_computation_learns(
    rows, rounds
):
    expected = plain_estimate(FIELDS, rows, Policy(), rounds)
    assert estimate_from_tasks(FIELDS, rows, Policy(), rounds=rounds) == expected


@settings(max_examples=50, deadline=None)
@given(tasks(max_tasks=5), st.lists(marked_task(), max_size=3))
def test_tasks_with_markers_or_weights_of_their_own_are_reconciled_in_full_in_every_round(
    rows, odd
):
    mixed = rows + odd
    assert estimate_from_tasks(FIELDS, mixed, Policy()) == plain_estimate(FIELDS, mixed, Policy())


def test_the_second_round_keeps_a_unanimous_field_and_reconciles_the_others_again(monkeypatch):
    rows = [
        Submission(user, {"name": "Quercus ilex L.", "alt": answer})
        for user, answer in (("a", "650"), ("b", "560"), ("c", "650"))
    ]
    fields = [spec("name", "text"), spec("alt", "number")]
    seen = []

    def watching(fields_, submissions, policy=None, **options):
        seen.append([f.key for f in fields_])
        return reconcile_task(fields_, submissions, policy, **options)

    monkeypatch.setattr(reliability, "reconcile_task", watching)
    got = estimate_from_tasks(fields, [rows], Policy())
    assert seen == [["name", "alt"], ["alt"]]
    assert got == plain_estimate(fields, [rows], Policy())


def reconciled_in_second_round(monkeypatch, fields, rows):
    seen = []

    def watching(fields_, submissions, policy=None, **options):
        seen.append(([f.key for f in fields_], options.get("country", "")))
        return reconcile_task(fields_, submissions, policy, **options)

    monkeypatch.setattr(reliability, "reconcile_task", watching)
    got = estimate_from_tasks(fields, [rows], Policy())
    monkeypatch.undo()
    assert got == plain_estimate(fields, [rows], Policy())
    return seen[1]


def test_a_geopoint_is_kept_only_when_the_country_it_is_checked_against_cannot_change(
    monkeypatch,
):
    fields = [spec("country", "select"), spec("point", "geopoint"), spec("name", "text")]
    point = "44.0123, 2.8765"
    same_country = [
        Submission(user, {"country": "France", "point": point, "name": name})
        for user, name in (("a", "Quercus ilex"), ("b", "Fagus"), ("c", "Quercus ilex"))
    ]
    assert reconciled_in_second_round(monkeypatch, fields, same_country) == (["name"], "France")
    split_country = [
        Submission(user, {"country": country, "point": point, "name": "Quercus"})
        for user, country in (("a", "France"), ("b", "Espagne"), ("c", "France"))
    ]
    assert reconciled_in_second_round(monkeypatch, fields, split_country) == (
        ["country", "point"],
        "",
    )
