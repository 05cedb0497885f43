"""How each point of a transcription was made: typed from the label, placed on the map, or
found in the gazetteer (provenance, exported as Darwin Core's georeference terms).

The contributor's browser says so, per geopoint field:
`{"<key>": {"source": "label" | "map" | "gazetteer", "uncertainty_m": int | null,
"place": {"id": int, "name": str} | null}}`. It is checked here like any input a person
controls: anything else is refused with a message naming the field and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from tasks.values import ValuesRejected, hides_characters
from worker.template import FieldSpec

SOURCES = ("label", "map", "gazetteer")
# Darwin Core's coordinateUncertaintyInMeters as a volunteer may set it on the map: a metre
# (a point read to the metre) to 100 km (a whole département).
UNCERTAINTY_MIN = 1
UNCERTAINTY_MAX = 100_000
PLACE_NAME_MAX = 200
PLACE_ID_MAX = 2**31 - 1
_ENTRY_KEYS = frozenset({"source", "uncertainty_m", "place"})
_PLACE_KEYS = frozenset({"id", "name"})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry_check(entry: Any) -> tuple[dict[str, Any] | None, str]:
    """The entry made clean, or None and why not."""
    if not isinstance(entry, Mapping):
        return None, _("An object with source, uncertainty_m and place is expected.")
    unknown = sorted(str(key)[:32] for key in entry if key not in _ENTRY_KEYS)
    if unknown:
        return None, _("Unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)}
    source = entry.get("source")
    if source not in SOURCES:
        return None, _("The source must be one of %(sources)s.") % {"sources": ", ".join(SOURCES)}
    uncertainty = entry.get("uncertainty_m")
    if uncertainty is not None and (
        not _is_int(uncertainty) or not UNCERTAINTY_MIN <= uncertainty <= UNCERTAINTY_MAX
    ):
        return None, _(
            "The uncertainty must be a whole number of metres from %(min)s to %(max)s."
        ) % {
            "min": UNCERTAINTY_MIN,
            "max": f"{UNCERTAINTY_MAX:,}".replace(",", " "),
        }
    place = entry.get("place")
    if source != "gazetteer":
        if place is not None:
            return None, _("Only a point found in the gazetteer names a place.")
        return {"source": source, "uncertainty_m": uncertainty, "place": None}, ""
    if not isinstance(place, Mapping) or set(place) != _PLACE_KEYS:
        return None, _("A point found in the gazetteer names its place: {id, name}.")
    place_id, name = place["id"], place["name"]
    if not _is_int(place_id) or not 0 < place_id <= PLACE_ID_MAX:
        return None, _("The place's id must be a positive whole number.")
    if not isinstance(name, str) or not name.strip():
        return None, _("The place's name must be text.")
    name = " ".join(name.split())
    if len(name) > PLACE_NAME_MAX:
        return None, _("The place's name is longer than %(max)s characters.") % {
            "max": PLACE_NAME_MAX
        }
    if hides_characters(name):
        return None, _("The place's name holds control characters.")
    clean = {
        "source": source,
        "uncertainty_m": uncertainty,
        "place": {"id": place_id, "name": name},
    }
    return clean, ""


def georeference_check(
    *, specs: Sequence[FieldSpec], georeference: Any, values: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """The georeference of a transcription, checked: only the template's geopoint fields,
    each with a known source, an uncertainty within bounds and, for a point found in the
    gazetteer, its place. With `values` (the checked values), entries of fields left without
    a value are dropped. Anything else raises ValuesRejected naming `georeference.<key>`."""
    if georeference is None:
        return {}
    points = {spec.key for spec in specs if spec.type == "geopoint"}
    if not isinstance(georeference, Mapping) or len(georeference) > max(len(points), 1):
        raise ValuesRejected(
            {"georeference": [_("An object keyed by the template's geopoint fields is expected.")]}
        )
    errors: dict[str, list[str]] = {}
    clean: dict[str, dict[str, Any]] = {}
    for key, entry in georeference.items():
        name = f"georeference.{str(key)[:64]}"
        if key not in points:
            errors[name] = [_("Not a geopoint field of this project.")]
            continue
        made, problem = _entry_check(entry)
        if made is None:
            errors[name] = [problem]
        elif values is None or values.get(key):
            clean[key] = made
    if errors:
        raise ValuesRejected(errors)
    return clean


def georeference_shown(entry: Mapping[str, Any], *, placed: bool = False) -> str:
    """How a point was made, as a curator reads it beside the answer, in their language.
    `placed`: the field is asked in a georeference step, where the label printed no point (a
    point typed there was not read off the label)."""
    radius = entry.get("uncertainty_m")
    place = entry.get("place") if isinstance(entry.get("place"), Mapping) else None
    source = entry.get("source")
    if source == "gazetteer" and place is not None:
        said = _("found in the gazetteer: %(place)s") % {"place": str(place.get("name", ""))}
    elif source == "map":
        said = _("placed on the map")
    elif placed:
        said = _("typed as coordinates")
    else:
        said = _("typed from the label")
    if _is_int(radius):
        said = _("%(how)s, ± %(metres)s m") % {
            "how": said,
            "metres": f"{radius:,}".replace(",", "\u202f"),
        }
    return said
