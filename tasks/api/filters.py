"""Query-string filters of API lists, declared as serializers: one declaration validates the
query (400 with the error body when a value is wrong) and documents its parameters."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

# Ids are 64-bit in the database: a larger number names nothing.
ID_MAX = 2**63 - 1


def id_filter(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text=help_text
    )


def query_filters(filters: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The filters given in the query string, validated; absent ones are left out."""
    given = request.query_params
    names = [str(name) for name in filters().fields]
    data = filters(data={name: given[name] for name in names if name in given})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)
