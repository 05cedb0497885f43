"""A field a contributor was not asked (it needs a level they lack) is no vote at all."""

from __future__ import annotations

from worker.consensus.engine import reconcile_task
from worker.consensus.model import UNASKED, Policy, Submission
from worker.template import template_parse

LABEL = {"fr": "Champ", "en": "Field"}
SPECS = template_parse(
    [
        {"key": "name", "type": "text", "label": LABEL},
        {"key": "where", "type": "geopoint", "label": LABEL, "level": 2},
    ]
)
POLICY = Policy(min_transcriptions=2, max_transcriptions=5)


def test_an_unasked_field_neither_dilutes_nor_blanks_the_others_answers():
    outcome = reconcile_task(
        SPECS,
        [
            Submission("a", {"name": "Rosa", "where": "47.4,6.56"}),
            Submission("b", {"name": "Rosa", "where": "47.4,6.56"}),
            Submission("c", {"name": "Rosa"}, {"where": UNASKED}),
        ],
        POLICY,
    )
    where = outcome.fields["where"]
    assert (where.status, where.n, where.agreement) == ("agreed", 2, 1.0)
    assert outcome.fields["name"].n == 3
    assert outcome.decision == "complete"


def test_a_field_answered_by_one_asked_contributor_asks_for_more():
    outcome = reconcile_task(
        SPECS,
        [
            Submission("a", {"name": "Rosa", "where": "47.4,6.56"}),
            Submission("c", {"name": "Rosa"}, {"where": UNASKED}),
        ],
        POLICY,
    )
    assert outcome.fields["where"].status == "needs_more"
    assert outcome.decision == "needs_more"


def test_without_the_marker_a_missing_answer_is_a_blank_vote():
    outcome = reconcile_task(
        SPECS,
        [
            Submission("a", {"name": "Rosa", "where": "47.4,6.56"}),
            Submission("b", {"name": "Rosa", "where": "47.4,6.56"}),
            Submission("c", {"name": "Rosa"}),
        ],
        POLICY,
    )
    assert outcome.fields["where"].n == 3
