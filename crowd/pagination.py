"""One pagination for every API list: `limit` (50 by default, 500 at most) and `offset`."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class Pages(LimitOffsetPagination):
    default_limit = 50
    # A client may not make one request read a whole project.
    max_limit = 500
