"""The busiest requests' negotiation decides as DRF's would."""

from __future__ import annotations

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from crowd.negotiation import JsonFirstNegotiation

RENDERERS = [JSONRenderer(), BrowsableAPIRenderer()]


@pytest.mark.parametrize(
    ("accept", "query"),
    [
        (None, ""),
        ("*/*", ""),
        ("application/json", ""),
        (" application/json ", ""),
        ("text/html", ""),
        ("text/html,application/xhtml+xml,*/*;q=0.8", ""),
        ("application/json; indent=4", ""),
        ("*/*", "?format=api"),
        ("*/*", "?format=json"),
    ],
)
def test_the_quick_negotiation_picks_what_drf_picks(accept, query):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().post(f"/api/tasks/1/transcriptions/{query}", **headers))
    quick = JsonFirstNegotiation().select_renderer(request, RENDERERS)
    full = DefaultContentNegotiation().select_renderer(request, RENDERERS)
    assert (type(quick[0]), quick[1]) == (type(full[0]), full[1])


def test_the_views_use_it():
    from tasks.api.leases import NextTaskView
    from tasks.api.transcriptions import TranscriptionCreateView

    assert NextTaskView.content_negotiation_class is JsonFirstNegotiation
    assert TranscriptionCreateView.content_negotiation_class is JsonFirstNegotiation
