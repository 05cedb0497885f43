"""The task decision: open, needs more, complete or disputed, exactly as the policy says."""

from worker.consensus import COMPLETE, DISPUTED, NEEDS_MORE, Policy, Submission, reconcile_task

from .helpers import spec

FIELDS = [spec("name", "text"), spec("date", "date"), spec("alt", "number")]


def submission(user: str, name: str, date: str, alt: str) -> Submission:
    return Submission(user=user, values={"name": name, "date": date, "alt": alt})


def test_a_task_asks_for_more_until_the_minimum_is_reached():
    outcome = reconcile_task(FIELDS, [submission("a", "Quercus ilex L.", "1898", "650")], Policy())
    assert outcome.decision == NEEDS_MORE


def test_a_task_is_complete_when_every_field_is_agreed():
    rows = [
        submission("a", "Quercus ilex L.", "12 juin 1898", "650 m"),
        submission("b", "Quercus ilex L.", "1898-06-12", "650"),
    ]
    outcome = reconcile_task(FIELDS, rows, Policy())
    assert outcome.decision == COMPLETE
    assert {f.value for f in outcome.fields.values()} == {"Quercus ilex L.", "1898-06-12", "650"}


def test_one_disagreeing_field_asks_for_one_more_transcription():
    rows = [
        submission("a", "Quercus ilex L.", "1898", "650"),
        submission("b", "Quercus ilex L.", "1898", "560"),
    ]
    outcome = reconcile_task(FIELDS, rows, Policy())
    assert outcome.decision == NEEDS_MORE
    assert outcome.fields["alt"].status == NEEDS_MORE
    assert outcome.fields["name"].accepted


def test_disagreement_left_at_the_maximum_is_disputed():
    rows = [
        submission(u, "Quercus ilex L.", "1898", alt)
        for u, alt in zip("abc", ("1", "2", "3"), strict=True)
    ]
    outcome = reconcile_task(FIELDS, rows, Policy(max_transcriptions=3))
    assert outcome.decision == DISPUTED
    assert outcome.fields["alt"].status == DISPUTED


def test_a_spammers_answers_stop_moving_results_once_weighted_down():
    spammer = Submission(
        "s",
        {"name": "ok", "date": "ok", "alt": "ok"},
        weights=dict.fromkeys(("text", "date", "number"), 0.05),
    )
    rows = [
        submission("a", "Quercus ilex L.", "1898", "650"),
        submission("b", "Quercus ilex L.", "1898", "650"),
        spammer,
    ]
    outcome = reconcile_task(FIELDS, rows, Policy())
    assert outcome.decision == COMPLETE
    assert all(f.agreement > 0.95 for f in outcome.fields.values())


def test_alternatives_list_every_answer_with_who_gave_it_best_first():
    rows = [
        submission("a", "Quercus ilex L.", "1898", "650"),
        submission("b", "Quercus ilex L.", "1898", "560"),
        submission("c", "Quercus ilex L.", "1898", "650"),
    ]
    alt = reconcile_task(FIELDS, rows, Policy()).fields["alt"]
    assert [(a.value, a.users) for a in alt.alternatives] == [("650", ("a", "c")), ("560", ("b",))]
