"""The error body everywhere under /api/, whatever went wrong and whatever the settings."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def strict_client(db):
    # Browsers' rules: a session cookie, and CSRF checked on unsafe methods.
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory())
    return client


@pytest.mark.parametrize(
    "path",
    ["/api/nothing/", "/api/batches/%C2%86/files/", "/api/projects/a%0Ab/tasks/", "/api/"],
)
def test_an_address_no_route_takes_answers_the_error_body_even_in_debug_mode(
    strict_client, settings, path
):
    # Found by the API fuzz test: Django answered its HTML debugging page, and its HTML CSRF
    # refusal for writes, where clients expect JSON.
    settings.DEBUG = True
    for response in (strict_client.get(path), strict_client.post(path)):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"


def test_an_address_without_its_final_slash_is_still_redirected(strict_client):
    response = strict_client.get("/api/projects")
    assert response.status_code == 301
    assert response["Location"] == "/api/projects/"
