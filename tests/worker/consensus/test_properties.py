"""Properties that hold for any transcriptions, checked with hypothesis."""

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus import AGREED, Policy, Submission, reconcile_task

from .helpers import spec

FIELDS = [
    spec("name", "text"),
    spec("kind", "select"),
    spec("alt", "number"),
    spec("date", "date"),
    spec("point", "geopoint"),
]

TEXTS = st.sampled_from(
    [
        "Quercus ilex L.",
        "Quercus ilex",
        "quercus ilex l.",
        "Quercus ilcx L.",
        "Fagus sylvatica L.",
        "Saint-Guilhem",
        "St-Guilhem",
        "J.-B. Verlot",
        "Verlot J.-B.",
        "",
        "?",
        "s.n.",
    ]
)
VALUES = {
    "name": TEXTS,
    "kind": st.sampled_from(["book", "Book", "article", "thesis", "", "?"]),
    "alt": st.sampled_from(["650", "650 m", "560", "1 200", "1200", "", "n/a"]),
    "date": st.sampled_from(["1898-06-12", "12 juin 1898", "1898", "juin 1898", "1893", "", "?"]),
    "point": st.sampled_from(
        ["44.0123, 2.8765", "2.8765, 44.0123", "N 44.0124 E 2.8765", "44.5, 2.8", "", "?"]
    ),
}


@st.composite
def submissions(draw, min_size=1, max_size=6):
    count = draw(st.integers(min_size, max_size))
    rows = []
    for index in range(count):
        values = {key: draw(strategy) for key, strategy in VALUES.items()}
        weight = draw(st.sampled_from([0.05, 0.5, 1.0, 1.7, 3.0]))
        rows.append(Submission(f"user{index}", values, weights={"text": weight, "number": weight}))
    return rows


@settings(max_examples=150, deadline=None)
@given(submissions(), st.randoms(use_true_random=False))
def test_the_order_of_transcriptions_never_changes_the_result(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert reconcile_task(FIELDS, rows, Policy()) == reconcile_task(FIELDS, shuffled, Policy())


@settings(max_examples=100, deadline=None)
@given(submissions())
def test_reconciling_twice_gives_the_same_result(rows):
    assert reconcile_task(FIELDS, rows, Policy()) == reconcile_task(FIELDS, rows, Policy())


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(list(VALUES)), st.data(), st.integers(2, 6))
def test_unanimous_answers_are_agreed_with_that_value(key, data, count):
    answer = data.draw(VALUES[key].filter(lambda a: a not in ("", "?", "n/a", "s.n.")))
    rows = [Submission(f"user{i}", {key: answer}) for i in range(count)]
    only = [f for f in FIELDS if f.key == key]
    outcome = reconcile_task(only, rows, Policy()).fields[key]
    alone = reconcile_task(only, rows[:1], Policy()).fields[key]
    assert outcome.status == AGREED
    assert outcome.agreement == 1.0
    assert outcome.value == alone.value  # the value that single answer reads as


# A dissenting answer: a reading unlike every other (its own digits, date, number or point).
DISSENT = {
    "name": "Dissent 9071",
    "kind": "webpage",
    "alt": "9071",
    "date": "1701",
    "point": "-10.5, 100.25",
}


@settings(max_examples=200, deadline=None)
@given(submissions(min_size=1, max_size=5))
def test_adding_a_dissenting_answer_never_raises_agreement(rows):
    # Equal weights: a heavier newcomer may rightly outvote everyone, which is not dissent.
    rows = [Submission(r.user, r.values) for r in rows]
    before = reconcile_task(FIELDS, rows, Policy())
    after = reconcile_task(FIELDS, [*rows, Submission("zz-dissent", DISSENT)], Policy())
    for key in DISSENT:
        if before.fields[key].support == 0:
            continue  # nothing won yet (only illegible votes): there is nothing to dissent from
        assert after.fields[key].agreement <= before.fields[key].agreement + 1e-9, key
