"""One shape for every API error:

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"name": ["…"]}}}

`fields` appears only on validation errors and maps each field to its messages. A domain error
(`crowd.errors.DomainError`) raised by a service gives its own status, code and message, and
what else it carries (`fields`, `current`…).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crowd.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return error_response(exc.status_code, exc.code, exc.message(), **exc.payload())
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    body: dict[str, Any] = {"status": response.status_code, "code": _code(exc)}
    if isinstance(exc, exceptions.ValidationError):
        body["message"] = _("Some values are not valid.")
        detail = exc.detail
        if isinstance(detail, dict):
            body["fields"] = {key: _flatten(value) for key, value in detail.items()}
        else:
            body["fields"] = {"non_field_errors": _flatten(detail)}
    else:
        body["message"] = str(exc.detail)
    response.data = {"error": body}
    return response


def error_response(status_code: int, code: str, message: str, **extra: Any) -> Response:
    return Response(
        {"error": {"status": status_code, "code": code, "message": message, **extra}},
        status=status_code,
    )


def _validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    return [str(m) for m in exc.messages]


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    if exc.status_code == status.HTTP_400_BAD_REQUEST:
        return "invalid"
    return str(exc.default_code)


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(_flatten(item))
        return out
    if isinstance(value, dict):
        return [f"{key}: {message}" for key, item in value.items() for message in _flatten(item)]
    return [str(value)]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 everywhere: the error shape under /api/, the page elsewhere."""
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


@csrf_exempt  # a refusal whatever the method; nothing to protect
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any /api/ address no route takes: the error body, also with DEBUG on (where Django
    would answer its HTML debugging page instead of calling `not_found`)."""
    body = {"error": {"status": 404, "code": "not_found", "message": _("Not found.")}}
    return JsonResponse(body, status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for what Django refuses before any view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many fields, a bad host): the error shape under /api/, the page elsewhere."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = _("The request is too large: at most %(size)s.") % {
            "size": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        }
    else:
        message = _("Bad request.")
    body = {"error": {"status": 400, "code": "invalid", "message": message}}
    return JsonResponse(body, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {
            "error": {
                "status": 500,
                "code": "server_error",
                "message": _("Server error; the team has been told."),
            }
        }
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
