"""A person downloads everything the platform keeps about them (tasks.selectors.personal_data)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crowd.users import acting_user
from tasks.selectors.personal_data import personal_data_json, personal_data_zip


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@login_required
@require_GET
def my_data_json(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    return _download(personal_data_json(user), "application/json", "my-data.json")


@never_cache
@login_required
@require_GET
def my_data_zip(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    return _download(personal_data_zip(user), "application/zip", "my-data-csv.zip")
