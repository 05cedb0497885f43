"""The API's JSON parser: DRF's, with a precise answer for JSON nested deeper than Python's
decoder goes. The decoder raises RecursionError there, which DRF, expecting ValueError, would
let through as a server error."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("JSON parse error: arrays and objects are nested too deeply.")
            ) from None
