"""Answers read once and reused across passes give what reading them afresh gives.

The command line reconciles every task three times with the same answers and other weights
(two reliability rounds, then the last pass); it keeps each task's readings in an
`AnswerCache`, and the second round keeps the first round's outcomes of the fields no weight
can change. Checked here against the plain computation, for any answers.
"""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus import Policy, Submission, reconcile_task, reliability
from worker.consensus.engine import AnswerCache
from worker.consensus.model import AGREED, DISPUTED, ILLEGIBLE
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
    """The fields the second round reconciles again, and the country and region it checks
    them against."""
    seen = []

    def watching(fields_, submissions, policy=None, **options):
        place = (options.get("country", ""), options.get("region", ""))
        seen.append(([f.key for f in fields_], *place))
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
    assert reconciled_in_second_round(monkeypatch, fields, same_country) == (
        ["name"],
        "France",
        "",
    )
    split_country = [
        Submission(user, {"country": country, "point": point, "name": "Quercus"})
        for user, country in (("a", "France"), ("b", "Espagne"), ("c", "France"))
    ]
    assert reconciled_in_second_round(monkeypatch, fields, split_country) == (
        ["country", "point"],
        "",
        "",
    )


# A record's place is read from its country and region fields (`where.record_place`); a
# geopoint and an elevation are checked against it.
PLACE_FIELDS = [
    spec("name", "text"),
    spec("country", "select"),
    spec("stateProvince", "text"),
    spec("elevation", "number"),
    spec("point", "geopoint"),
]
GRENOBLE, GENEVA, MADRID = "45.1885, 5.7245", "46.2044, 6.1432", "40.4168, -3.7038"
PLACE_ANSWERS = {
    "name": ["Quercus ilex L.", "Quercus ilex", "Quercus ilcx L.", ""],
    "country": ["France", "Suisse", "suisse", ""],
    # Forms of a region that the consensus takes for one value (and the weights choose which
    # one it writes) while only one of them names a region that has a box: "FR-38" (which
    # also gives the country) and "fr 38", "Saint Gallen" and "St. Gallen".
    "stateProvince": ["FR-38", "fr 38", "Saint Gallen", "St. Gallen", "Isère", ""],
    # Above France's highest land, not above the world's.
    "elevation": ["650", "5200", ""],
    # Geneva is in Switzerland, outside the canton of St. Gallen.
    "point": [GRENOBLE, "5.7245, 45.1885", GENEVA, MADRID, ""],
}


@st.composite
def placed_tasks(draw, max_tasks=6):
    """Tasks whose place fields and checked fields are often unanimous, apart or together."""
    out = []
    for _ in range(draw(st.integers(1, max_tasks))):
        users = draw(st.lists(st.sampled_from(USERS), min_size=1, max_size=5, unique=True))
        shared = {key: draw(st.sampled_from(pool)) for key, pool in PLACE_ANSWERS.items()}
        unanimous = draw(st.sets(st.sampled_from(list(PLACE_ANSWERS))))
        rows = []
        for user in users:
            values = {
                key: shared[key]
                if key in unanimous or draw(st.booleans())
                else draw(st.sampled_from(pool))
                for key, pool in PLACE_ANSWERS.items()
            }
            rows.append(Submission(user, values))
        out.append(rows)
    return out


def second_round_results(fields, rows):
    """The outcomes the second round of `estimate_from_tasks` counts, task by task."""
    counted = []
    add = reliability._Tallies.add

    def counting(self, fields_, submissions, results):
        counted.append(dict(results))
        return add(self, fields_, submissions, results)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reliability._Tallies, "add", counting)
        estimate_from_tasks(fields, rows, Policy(), rounds=2)
    return [as_counted(results) for results in counted[len(rows) :]]


def as_counted(results):
    """What the tallies read of a task's outcomes (not the weights among the alternatives)."""
    return {
        key: (found.value, found.status, found.agreeing, found.n) for key, found in results.items()
    }


@settings(max_examples=300, deadline=None)
@given(placed_tasks())
def test_the_second_round_counts_for_every_field_what_reconciling_the_whole_task_gives(rows):
    weights, blank_weights = plain_estimate(PLACE_FIELDS, rows, Policy(), rounds=1)
    policy = replace(Policy(), blank_weights=blank_weights)
    expected = [
        as_counted(reconcile_task(PLACE_FIELDS, with_weights(task, weights), policy).fields)
        for task in rows
    ]
    assert second_round_results(PLACE_FIELDS, rows) == expected


def test_a_geopoint_is_kept_while_its_place_cannot_change_an_elevation_while_its_country_cannot(
    monkeypatch,
):
    fields = [
        spec("country", "select"),
        spec("stateProvince", "text"),
        spec("point", "geopoint"),
        spec("elevation", "number"),
        spec("name", "text"),
    ]

    def rows(regions, country="France"):
        return [
            Submission(
                user,
                {
                    "country": country,
                    "stateProvince": region,
                    "point": MADRID,
                    "elevation": "5200",
                    "name": name,
                },
            )
            for user, region, name in zip(
                "abc", regions, ("Quercus ilex", "Fagus", "Quercus ilex"), strict=True
            )
        ]

    # Every reader gave the region in the same form: the whole place is kept, and handed to
    # what is reconciled again.
    same_region = rows(["Isère"] * 3)
    assert reconciled_in_second_round(monkeypatch, fields, same_region) == (
        ["name"],
        "France",
        "Isère",
    )
    # The region in forms whose winner the weights choose (and the point's explanation
    # quotes): the region goes again, and the point with it; the elevation is checked against
    # the country, which is kept.
    forms = ["Isère", "ISERE", "isère"]
    assert reconciled_in_second_round(monkeypatch, fields, rows(forms)) == (
        ["stateProvince", "point", "name"],
        "France",
        "",
    )
    # Without a country field's, the record's country is the region's: the elevation goes too.
    assert reconciled_in_second_round(monkeypatch, fields, rows(forms, country="")) == (
        ["stateProvince", "point", "elevation", "name"],
        "",
        "",
    )
    # The country split: it goes again with what is checked against it; the region is kept.
    split = [
        Submission(user, {**values, "country": country})
        for (user, values), country in zip(
            [(s.user, s.values) for s in same_region], ["France", "Espagne", "France"], strict=True
        )
    ]
    assert reconciled_in_second_round(monkeypatch, fields, split) == (
        ["country", "point", "elevation", "name"],
        "",
        "Isère",
    )


def test_a_region_the_learnt_weights_change_sends_its_geopoint_and_elevation_back():
    fields = PLACE_FIELDS
    # b, c and f misread names that the others agree on: after the first round their weight
    # for text falls well under a's and d's.
    misread = [
        [
            Submission(user, {"name": name})
            for user, name in (("a", "Quercus ilex"), ("d", "Quercus ilex"), ("e", "Quercus ilex"))
        ]
        + [Submission(slip, {"name": "Fagus sylvatica"})]
        for slip in "bcf"
        for _ in range(12)
    ]
    # The region as a and d wrote it names the Isère (and so France), as b, c and f wrote it
    # nothing: three against two write it first, the weights then the other way round.
    place = [
        Submission(
            user,
            {"name": "Abies alba", "stateProvince": region, "elevation": "5200", "point": MADRID},
        )
        for user, region in zip("adbcf", ["FR-38", "FR-38", "fr 38", "fr 38", "fr 38"], strict=True)
    ]
    rows = [*misread, place]
    weights, blank_weights = plain_estimate(fields, rows, Policy(), rounds=1)
    policy = replace(Policy(), blank_weights=blank_weights)
    first = reconcile_task(fields, place, Policy()).fields
    second = reconcile_task(fields, with_weights(place, weights), policy).fields
    assert (first["stateProvince"].value, second["stateProvince"].value) == ("fr 38", "FR-38")
    assert (first["point"].status, second["point"].status) == (AGREED, DISPUTED)
    assert (first["elevation"].status, second["elevation"].status) == (AGREED, DISPUTED)
    assert second_round_results(fields, rows)[-1] == as_counted(second)


def as_decided(outcome):
    """An outcome without its alternatives and explanation, which brief outcomes leave out."""
    return {
        key: (f.key, f.value, f.status, f.agreement, f.support, f.n, f.method, f.agreeing)
        for key, f in outcome.fields.items()
    }


@settings(max_examples=300, deadline=None)
@given(marked_task(), WEIGHTS, POLICIES)
def test_a_brief_outcome_decides_as_the_full_one_without_alternatives(rows, weights, policy):
    cache = AnswerCache()
    full = reconcile_task(FIELDS, rows, policy, cache=cache, weights=weights)
    brief = reconcile_task(FIELDS, rows, policy, cache=cache, weights=weights, brief=True)
    assert as_decided(brief) == as_decided(full)
    assert brief.decision == full.decision
    assert all(not f.alternatives for f in brief.fields.values())


@settings(max_examples=200, deadline=None)
@given(placed_tasks(max_tasks=1), WEIGHTS)
def test_a_brief_outcome_is_held_by_its_place_as_the_full_one(rows, weights):
    (task,) = rows
    full = reconcile_task(PLACE_FIELDS, task, Policy(), weights=weights)
    brief = reconcile_task(PLACE_FIELDS, task, Policy(), weights=weights, brief=True)
    assert as_decided(brief) == as_decided(full)


@settings(max_examples=200, deadline=None)
@given(marked_task(), st.lists(st.tuples(WEIGHTS, POLICIES), min_size=1, max_size=4))
def test_the_same_submissions_reconciled_again_with_a_cache_give_what_a_fresh_reconcile_gives(
    rows, passes
):
    cache = AnswerCache()
    for weights, policy in passes:
        cached = reconcile_task(FIELDS, rows, policy, cache=cache, weights=weights)
        assert cached == reconcile_task(FIELDS, rows, policy, weights=weights)
    # The list changed in place: its task is made again.
    rows.append(Submission("late", {"name": "Quercus ilex L.", "alt": "650"}))
    assert reconcile_task(FIELDS, rows, Policy(), cache=cache) == reconcile_task(
        FIELDS, rows, Policy()
    )
