"""A URL whose view fails, for the error reporting tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("deliberate failure")


urlpatterns = [path("fails/", fails)]
