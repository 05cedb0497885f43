"""DRF's content negotiation, answered at once in the common case of the busiest requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request

# What API clients and the transcription page send, for which DRF picks its first renderer.
_JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class JsonFirstNegotiation(DefaultContentNegotiation):
    """A client that accepts JSON without saying more (no `Accept`, `*/*`, `application/json`)
    gets the first renderer when it is the JSON one, as DRF would decide after parsing the
    header against every renderer; any other request is negotiated by DRF."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        first = renderers[0] if renderers else None
        if (
            isinstance(first, JSONRenderer)
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and request.META.get("HTTP_ACCEPT", "").strip() in _JSON_ACCEPTS
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
