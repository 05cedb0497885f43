"""The engine's shortcuts for the commonest fields give exactly what the general rule gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus import Alternative, FieldOutcome, Policy, Submission, reconcile_field
from worker.consensus.align import align, vote
from worker.consensus.decide import decide, one_form
from worker.consensus.model import Vote, make_alternative, make_outcome
from worker.consensus.plan import TaskSubmissions, plan_for
from worker.consensus.text import _forms, _merge_variants, _vote, consensus

from .helpers import spec

ANSWERS = {
    "text": ["Quercus ilex L.", ""],
    "number": ["650", "650 m", ""],
    "date": ["1898-06-12", "12 juin 1898", ""],
    "select": ["France", "france", ""],
    "geopoint": ["44.0123, 2.8765", ""],
}
POLICIES = [Policy(), Policy(blank_weights=(("f", 0.1),)), Policy(min_transcriptions=3)]


def general_rule(field_spec, submissions, policy):
    plan, task = plan_for(field_spec, policy), TaskSubmissions(submissions, policy)
    readings = [plan.read(s.values.get("f") or "") for s in submissions]
    votes = list(zip(task.users, task.weights(field_spec.type), readings, strict=True))
    values = [Vote(u, w, r) for u, w, r in votes if r.kind == "value"]
    blanks = [Vote(u, w * plan.share, r) for u, w, r in votes if r.kind == "blank"]
    return plan, task, readings, decide(plan, values, blanks, [], task.n)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(ANSWERS)),
    st.data(),
    st.lists(st.sampled_from([0.05, 0.5, 1.0, 1.7]), min_size=1, max_size=5),
    st.sampled_from(POLICIES),
)
def test_a_field_where_everyone_typed_one_value_or_nothing_is_decided_as_the_general_rule_does(
    field_type, data, weights, policy
):
    answers = [data.draw(st.sampled_from(ANSWERS[field_type])) for _ in weights]
    rows = [
        Submission(f"u{i}", {"f": a}, weights={field_type: w})
        for i, (a, w) in enumerate(zip(answers, weights, strict=True))
    ]
    plan, task, readings, expected = general_rule(spec("f", field_type), rows, policy)
    quick = one_form(plan, task, readings)
    assert quick is None or quick == expected


def test_outcomes_made_by_the_fast_constructors_equal_the_dataclass_ones():
    alternative = make_alternative("650", 1.5, ("a", "b"))
    assert alternative == Alternative("650", 1.5, ("a", "b"))
    assert hash(alternative) == hash(Alternative("650", 1.5, ("a", "b")))
    fields = (
        "k",
        "650",
        "agreed",
        1.0,
        2,
        2,
        "number",
        (alternative,),
        (("agree.number", 2, 2),),
        ("a", "b"),
    )
    assert make_outcome(*fields) == FieldOutcome(*fields)
    assert repr(make_outcome(*fields)) == repr(FieldOutcome(*fields))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["Quercus ilex L.", "Quercus ilcx L.", "Qnercus ilex L.", "quercus ilex"]
            ),
            st.sampled_from([0.5, 1.0, 1.7]),
        ),
        min_size=2,
        max_size=6,
    )
)
@settings(max_examples=200, deadline=None)
def test_the_letter_vote_is_skipped_only_when_aligning_would_give_the_same_decision(answers):
    from worker.consensus.model import Reading
    from worker.consensus.text import text_info

    votes = [
        Vote(f"u{i}", w, Reading("value", text_info(t).key, t)) for i, (t, w) in enumerate(answers)
    ]
    forms = _merge_variants(_forms(votes))
    base = forms[0]
    members = []
    for form in forms[1:]:
        edits = align(base.text, base.info.folded, form.text, form.info.folded)
        if edits is not None and edits.distance <= max(3, len(base.text) // 4):
            members.append((edits, form.weight, len(form.users)))
    full = vote(base.text, base.weight, len(base.users), members)
    quick = _vote(base, forms)
    assert quick.text == full.text
    decisive = [r.min_share > 0.5 + 1e-9 and r.min_count >= 2 for r in (quick, full)]
    assert decisive[0] == decisive[1]
    consensus(votes)  # and the whole consensus runs on it


def test_reconcile_field_alone_agrees_with_the_task():
    rows = [Submission(u, {"f": "650"}) for u in "abc"]
    assert reconcile_field(spec("f", "number"), rows, Policy()).value == "650"
