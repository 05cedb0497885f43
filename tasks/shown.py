"""Values as people read them: a geopoint said with its labels.

A point is stored as "45.1886,5.7244", latitude first, which nobody can tell from the other
order at a glance; wherever a person reads one (the curator's API, the feedback page and its
API) it is said "lat. 45.1886, long. 5.7244", in the reader's language. Machine formats (the
stored value, Darwin Core's decimalLatitude and decimalLongitude) stay numeric.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_POINT = re.compile(r"(-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)")


def value_shown(value: object, field_type: str) -> str:
    """The stored value as a person reads it; anything but a stored point is kept as it is."""
    text = "" if value is None else str(value)
    if field_type == "geopoint" and (point := _POINT.fullmatch(text)):
        return _("lat. %(lat)s, long. %(lon)s") % {"lat": point[1], "lon": point[2]}
    return text
