"""The gazetteer against the crowd: a search box anyone on a public project may type into.

A catalogue, one line per test below (hostile input → expected refusal):

- a query of SQL, LIKE wildcards or regular-expression syntax → folded to letters, bound, never
  a wildcard: no error, nothing but what the letters find
- a query, country or region with control or direction-changing characters → 400 naming it
- a query past 100 characters, a region past 200, a limit past 20 → 400, nothing searched
- an outsider asking a members-only project's places → 404, as for its other endpoints
- a script searching as fast as it can → 429 after API_THROTTLE_PLACES per account

Elsewhere: a dump's malformed, huge or non-UTF-8 rows are refused with their line numbers and
the rest written whole; a damaged archive writes nothing at all; a zip inflating more than 50
times its size is refused unread (tests/tasks/test_places_import.py). The georeference step's
`?step=` and the map's area: tests/security/test_georeference_step.py.
"""

from __future__ import annotations

import pytest
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import ProjectFactory
from tests.helpers import api_client
from tests.tasks.places import gazetteer_small

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def gazetteer():
    gazetteer_small()


def search(client, project, **params):
    return client.get(f"/api/projects/{project.slug}/places/", params)


@pytest.mark.parametrize(
    "query",
    [
        "' OR 1=1 --",
        "%' UNION SELECT * FROM crowd_user --",
        "%%%%",
        "____",
        "[a-z]*",
        "\\%",
        "'; DROP TABLE tasks_place; --",
    ],
)
def test_sql_and_wildcards_are_only_letters(project, outsider, query):
    response = search(api_client(outsider), project, q=query)
    assert response.status_code == 200
    assert all(place["id"] != 2988507 for place in response.json()["results"])  # not "anything"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "Paris\u202e"}, "q"),
        ({"q": "Par\x1bis"}, "q"),
        ({"q": "Paris", "country": "F\rR"}, "country"),
        ({"q": "Paris", "region": "Cantal\x00"}, "region"),
        ({"q": "P" * 101}, "q"),
        ({"q": "Paris", "region": "R" * 201}, "region"),
        ({"q": "Paris", "limit": "1000000"}, "limit"),
    ],
)
def test_hostile_parameters_are_a_400_naming_the_field(project, outsider, params, field):
    response = search(api_client(outsider), project, **params)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_an_outsider_never_learns_a_private_project_exists(outsider):
    private = ProjectFactory(visibility="members")
    assert search(api_client(outsider), private, q="Paris").status_code == 404
    assert search(api_client(), private, q="Paris").status_code == 404


def test_a_script_is_throttled(project, outsider, monkeypatch, fresh_counters):
    rates = dict(SimpleRateThrottle.THROTTLE_RATES, places="5/minute")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = api_client(outsider)
    statuses = [search(client, project, q=f"Pa{n}").status_code for n in range(7)]
    assert statuses == [200] * 5 + [429] * 2
