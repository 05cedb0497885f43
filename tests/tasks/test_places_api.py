"""GET /api/projects/{slug}/places/: the gazetteer for the map, with the project's roles."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import ProjectFactory
from tests.helpers import api_client, as_user
from tests.tasks.places import gazetteer_small

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def gazetteer(db):
    return gazetteer_small()


def url(project, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/projects/{project.slug}/places/?{query}"


def test_a_contributor_finds_a_commune_in_the_contracts_shape(api, project, contributor):
    response = as_user(api, contributor).get(
        url(project, q="mauriac", country="FR", region="Cantal")
    )
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "id": 2995024,
                "name": "Mauriac",
                "label": "Mauriac, Cantal, France",
                "country_code": "FR",
                "region": "Cantal",
                "latitude": 45.21899,
                "longitude": 2.33353,
                "kind": "PPL",
                "population": 3955,
            }
        ]
    }


def test_the_label_is_in_the_readers_language(project, contributor):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_authenticate(contributor)
    [place] = client.get(url(project, q="Barcelone")).json()["results"]
    assert place["label"] == "Barcelona, Barcelona, Espagne"


def test_a_country_name_restricts_and_a_limit_cuts(api, project, contributor):
    as_user(api, contributor)
    found = api.get(url(project, q="Paris", country="Etats-Unis")).json()["results"]
    assert [place["id"] for place in found] == [4717560]
    assert len(api.get(url(project, q="Mauriac", limit=1)).json()["results"]) == 1


def test_an_outsider_of_a_private_project_gets_404(api, outsider):
    private = ProjectFactory(visibility="members")
    response = as_user(api, outsider).get(url(private, q="Mauriac"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_member_of_a_private_project_may_search(api):
    from tests.factories import MembershipFactory

    private = ProjectFactory(visibility="members")
    member = MembershipFactory(project=private, role="contributor").user
    response = as_user(api, member).get(url(private, q="Mauriac"))
    assert response.status_code == 200
    assert response.json()["results"]


def test_anyone_may_search_from_a_public_project_as_they_read_its_template(api, project):
    assert api.get(f"/api/projects/{project.slug}/template/").status_code == 200
    assert api.get(url(project, q="Mauriac")).status_code == 200
    private = ProjectFactory(visibility="members")
    assert api.get(url(private, q="Mauriac")).status_code == 404


def test_a_token_authenticates(project, contributor):
    _, key = AuthToken.objects.create(user=contributor)
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(url(project, q="Mauriac")).status_code == 200


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "q", "This field is required."),
        ({"q": "x" * 101}, "q", "Ensure this field has no more than 100 characters."),
        ({"q": "Mau%0Ariac"}, "q", "Control characters (tabs, line breaks…) are refused."),
        (
            {"q": "Mauriac", "limit": "0"},
            "limit",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            {"q": "Mauriac", "limit": "21"},
            "limit",
            "Ensure this value is less than or equal to 20.",
        ),
        ({"q": "Mauriac", "limit": "ten"}, "limit", "A valid integer is required."),
        (
            {"q": "Mauriac", "country": "Atlantis"},
            "country",
            "“Atlantis” is not a country: give its ISO code (FR) or its name.",
        ),
        (
            {"q": "Mauriac", "region": "r" * 201},
            "region",
            "Ensure this field has no more than 200 characters.",
        ),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(api, project, contributor, params, field, message):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    response = as_user(api, contributor).get(f"/api/projects/{project.slug}/places/?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {field: [message]}


def test_errors_are_in_the_readers_language(project, contributor):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_authenticate(contributor)
    response = client.get(url(project, q="Mauriac", country="Atlantide"))
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["country"] == [
        "« Atlantide » n’est pas un pays : donnez son code ISO (FR) ou son nom."
    ]


def test_an_empty_query_finds_nothing(api, project, contributor):
    response = as_user(api, contributor).get(url(project, q=""))
    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_searches_are_rate_limited_per_account(api, project, contributor, monkeypatch):
    rates = dict(SimpleRateThrottle.THROTTLE_RATES, places="3/minute")
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    as_user(api, contributor)
    statuses = [api.get(url(project, q="Mauriac")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = ProjectFactory()
    assert api.get(url(other, q="Mauriac")).status_code == 429  # per account, not per project


def test_the_endpoint_is_in_the_openapi_schema(api):
    schema = api.get("/api/schema/").content.decode()
    assert "/api/projects/{slug}/places/" in schema
    assert "country_code" in schema
