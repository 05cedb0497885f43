"""The OpenAPI schema: valid, complete, and describing every answer with its body."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator

ERROR_REF = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _api_routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_the_schema_validates_without_a_single_warning(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_every_api_route_is_in_the_schema(schema):
    routes = set(_api_routes(get_resolver().url_patterns))
    routes -= {"/api/schema/", "/api/docs/"}
    assert routes - set(schema["paths"]) == set()


def test_every_operation_documents_errors_with_the_one_error_body(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("401", "429"):
                body = responses[code]["content"]["application/json"]["schema"]
                assert body == {"$ref": ERROR_REF}, (method, path, code)
            for code, response in responses.items():
                if code.startswith("4"):
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": ERROR_REF}, (method, path, code)
                elif code == "204" or code.startswith("3"):  # no body; a redirect's Location
                    assert "content" not in response, (method, path)
                else:
                    assert response.get("content"), (method, path, code)


def test_every_list_is_paginated_with_limit_and_offset(schema):
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        body = get["responses"]["200"].get("content", {}).get("application/json", {})
        if body.get("schema", {}).get("type") == "array":
            pytest.fail(f"GET {path} answers a bare list: paginate it")
        if "Paginated" in body.get("schema", {}).get("$ref", ""):
            names = {p["name"] for p in get.get("parameters", [])}
            assert {"limit", "offset"} <= names, path


def test_the_error_body_is_one_component_with_status_code_and_message(schema):
    error = schema["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"status", "code", "message"}
