"""Darwin Core's georeference terms of a settled point, from the answers that agree with it.

Pure Python. Each volunteer's browser said how their point was made (the transcription's
`georeference`): typed from the label, placed on the base map, or a place found in the
gazetteer (then maybe moved). An answer that says nothing was typed: the only other way in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

from worker.exports.records import Georeference

GAZETTEER = "GeoNames gazetteer"
# Darwin Core's recommended values of georeferenceVerificationStatus.
VERIFIED_BY_CURATOR = "verified by data custodian"
VERIFIED_BY_CROWD = "verified by contributor"
UNVERIFIED = "requires verification"

_PROTOCOLS = {
    frozenset({"label"}): "coordinates transcribed from the label by volunteers",
    frozenset({"map"}): "placed on a map by volunteers from the label's locality",
    frozenset({"gazetteer"}): "placed by volunteers on a gazetteer place named on the label",
}
_MIXED = "coordinates transcribed from the label or placed on a map by volunteers"
# In a georeference step (worker/template/steps.py) the label printed no point: a point typed
# there was worked out by the volunteer from the settled locality, not read off the label.
_TYPED = "coordinates given by volunteers from the label's locality"
_MIXED_PLACED = "placed on a map or given as coordinates by volunteers from the label's locality"


def georeference_terms(
    *,
    answers: Sequence[tuple[str, Mapping[str, object] | None]],
    curated: bool,
    base_map: str = "",
    placed: bool = False,
) -> Georeference:
    """The terms for a point that `answers` agree with: (pseudonym, that answer's entry for the
    field or None) per agreeing contributor, the chosen answer's when a curator decided
    (`curated`). The uncertainty is the median of their radii (metres, rounded). `placed`: the
    field is asked in a georeference step, so no point of it was transcribed from the label."""
    entries = [(who, entry or {}) for who, entry in answers]
    sources = {str(entry.get("source") or "label") for _, entry in entries} or {"label"}
    radii = [
        value
        for _, entry in entries
        if isinstance(value := entry.get("uncertainty_m"), int) and not isinstance(value, bool)
    ]
    named = []
    if "gazetteer" in sources:
        named.append(GAZETTEER)
    if sources & {"map", "gazetteer"} and base_map:
        named.append(base_map)
    if curated:
        verification = VERIFIED_BY_CURATOR
    elif len(entries) >= 2:
        verification = VERIFIED_BY_CROWD
    else:
        verification = UNVERIFIED
    if sources <= {"map", "gazetteer"} and len(sources) == 2:
        protocol = _PROTOCOLS[frozenset({"gazetteer"})] + ", or on a map"
    elif placed and "label" in sources:
        protocol = _TYPED if sources == {"label"} else _MIXED_PLACED
    else:
        protocol = _PROTOCOLS.get(frozenset(sources), _MIXED)
    return Georeference(
        uncertainty_m=round(median(radii)) if radii else None,
        protocol=protocol,
        sources="|".join(named),
        by=tuple(sorted({who for who, _ in entries})),
        verification=verification,
    )
