"""The OpenAPI description of the API's common parts: the error body, and the answers every
operation may give whatever it does.

Views declare what they return and the errors of their own (`errors(403, 409)`); the schema
class adds to every operation what any request may meet (see `_common_error_codes`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "Some values are not valid: `fields` maps each one to its messages.",
    401: "No valid credentials: log in, or send `Authorization: Token <key>`.",
    403: "Signed in, but not allowed to do this here.",
    404: "No such object, or one the requester may not see.",
    409: "The object is not in a state that allows this any more.",
    415: "The request body's media type is not accepted.",
    429: "Too many requests: wait the number of seconds given in `Retry-After`.",
}


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status, again.")
    code = serializers.CharField(
        help_text="What went wrong, for programs: `invalid`, `not_authenticated`, "
        "`authentication_failed`, `permission_denied`, `not_found`, `conflict`, `throttled`…"
    )
    message = serializers.CharField(help_text="What went wrong, for people, in their language.")
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields"
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On validation errors: each field's messages (`non_field_errors` for the "
        "request as a whole).",
    )
    current = serializers.DictField(
        required=False,
        help_text="On review conflicts: the state that stopped the decision.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one shape of every API error."""

    error = ErrorBodySerializer()


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Responses for `extend_schema(responses=...)`: the error body under each status code."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS.get(code, ""))
        for code in codes
    }


def no_content(description: str) -> dict[int, OpenApiResponse]:
    return {204: OpenApiResponse(None, description=description)}


class CrowdAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error answers any request may meet."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in self._common_error_codes():
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    str(code),
                    direction=direction,
                ),
            )
        return responses

    def _common_error_codes(self) -> list[int]:
        # A wrong token is refused with 401 whatever the view's permissions, throttling can
        # answer any request, a path naming an object may name none, and a write sent with a
        # session cookie but no CSRF token is refused with 403.
        codes = [401, 429]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if self.method in ("POST", "PUT", "PATCH") or self._has_query_parameters():
            codes.append(400)
        if writes:
            codes.append(403)
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append(415)
        if "{" in self.path:
            codes.append(404)
        return codes

    def _has_query_parameters(self) -> bool:
        return any(
            parameter.get("in") == "query"
            for parameter in self._get_parameters()
            if isinstance(parameter, dict)
        )


class TokenScheme(KnoxTokenScheme):
    """The API's token class (`crowd.api_auth`) is knox's, read in one query: the same scheme."""

    target_class = "crowd.api_auth.TokenAuthentication"
