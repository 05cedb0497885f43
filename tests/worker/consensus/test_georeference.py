"""The georeference step's consensus: points checked against the place the label settled."""

from __future__ import annotations

from worker.consensus import Policy, Submission
from worker.consensus.georeference import reconcile_georeference
from worker.template import template_parse

SPECS = template_parse(
    [
        {"key": "locality", "label": "Locality", "type": "text"},
        {"key": "point", "label": "Point", "type": "geopoint", "georeference": True},
    ]
)[1:]
POLICY = Policy(min_transcriptions=2, max_transcriptions=3)


def placed(*points):
    return [Submission(user=str(n), values={"point": p}) for n, p in enumerate(points)]


def test_points_that_agree_inside_the_settled_country_are_accepted():
    outcome = reconcile_georeference(
        SPECS, placed("45.1885, 5.7245", "45.1886, 5.7246"), POLICY, country="France", region=""
    )
    assert outcome.fields["point"].status == "agreed"
    assert outcome.decision == "complete"


def test_points_outside_the_settled_country_wait_for_more_readers_and_say_why():
    outcome = reconcile_georeference(
        SPECS, placed("41.9028, 12.4964", "41.9028, 12.4964"), POLICY, country="France", region=""
    )
    found = outcome.fields["point"]
    assert found.status == "needs_more"
    assert [part[0] for part in found.notes][-2:] == ["geo.outside", "geo.label_place"]
    assert "the record's country and region are those its label settled" in found.explanation


def test_without_a_settled_place_the_points_are_reconciled_as_any_geopoint():
    outcome = reconcile_georeference(
        SPECS, placed("41.9028, 12.4964", "41.9028, 12.4964"), POLICY, country="", region=""
    )
    assert outcome.fields["point"].status == "agreed"
