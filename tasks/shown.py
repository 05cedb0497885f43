"""Values as people read them: a geopoint said with its labels, an image's metadata with the
template's labels.

A point is stored as "45.1886,5.7244", latitude first, which nobody can tell from the other
order at a glance; wherever a person reads one (the curator's API, the feedback page and its
API) it is said "lat. 45.1886, long. 5.7244", in the reader's language. Machine formats (the
stored value, Darwin Core's decimalLatitude and decimalLongitude) stay numeric.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from worker.template import MetadataSpec, default_label

_POINT = re.compile(r"(-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)")


def value_shown(value: object, field_type: str) -> str:
    """The stored value as a person reads it; anything but a stored point is kept as it is."""
    text = "" if value is None else str(value)
    if field_type == "geopoint" and (point := _POINT.fullmatch(text)):
        return _("lat. %(lat)s, long. %(lon)s") % {"lat": point[1], "lon": point[2]}
    return text


def metadata_entries(
    metadata: Any, specs: Iterable[MetadataSpec], *, everything: bool = False
) -> list[dict[str, Any]]:
    """An image's metadata as people read it, in the reader's language: `[{"key", "label",
    "value", "shown"}]`. Contributors (`everything` False) get the keys the template shows, in
    its order, under its labels; curators and leads get those, then every other key, named by
    its default label where it has one and by the key itself otherwise (`shown` False: the
    template does not show it to contributors). Empty values are left out."""
    if not isinstance(metadata, dict):
        return []
    language = "en" if (get_language() or "fr").startswith("en") else "fr"
    entries: list[dict[str, Any]] = []
    listed: set[str] = set()
    for spec in specs:
        listed.add(spec.key)
        value = _text(metadata.get(spec.key))
        if value:
            entries.append(
                {"key": spec.key, "label": spec.label_in(language), "value": value, "shown": True}
            )
    if everything:
        for key in sorted((k for k in metadata if k not in listed), key=str.casefold):
            value = _text(metadata[key])
            if value:
                label = (default_label(key) or {}).get(language) or key
                entries.append({"key": key, "label": label, "value": value, "shown": False})
    return entries


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
