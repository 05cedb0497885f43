"""What the export writers read: plain, immutable records, built by the platform from its database.

Pure Python (no Django): the writers in this package take a `Dataset` and an iterable of
`TaskRecord` and stream them out, so an export of a million tasks never holds more than one
record in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from worker.template import FieldSpec

# Field statuses whose value is settled: agreed by contributors or decided by a curator.
SETTLED = frozenset({"agreed", "resolved", "blank"})


@dataclass(frozen=True)
class Licence:
    code: str  # the SPDX identifier
    name: str
    url: str


# The licences a lead may choose. GBIF publishes only CC0, CC BY and CC BY-NC; the others suit
# bibliographies and images elsewhere.
LICENCES: dict[str, Licence] = {
    licence.code: licence
    for licence in (
        Licence(
            "CC0-1.0", "CC0 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"
        ),
        Licence("CC-BY-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
        Licence("CC-BY-SA-4.0", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        Licence("CC-BY-NC-4.0", "CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
        Licence(
            "CC-BY-NC-SA-4.0",
            "CC BY-NC-SA 4.0",
            "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        ),
    )
}


@dataclass(frozen=True)
class Credit:
    """A contributor who chose to be named, and how many transcriptions they gave."""

    name: str
    transcriptions: int


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: Mapping[str, str]  # language -> title
    description: Mapping[str, str]
    url: str  # the project's page
    base_url: str  # scheme and host, no trailing slash: ids of records are built on it
    licence: Licence
    credits: tuple[Credit, ...]
    fields: tuple[FieldSpec, ...]
    metadata_keys: tuple[str, ...]
    generated_at: datetime
    tasks: int = 0  # how many records follow, for progress and headers
    publisher: str = ""
    # The project's own persistent identifier (a UUID): record ids are built on it, so they
    # stay the same whatever address the export was asked from.
    uid: str = ""
    # The base map volunteers placed points on, as its credit names it ("© OpenStreetMap
    # contributors"): a georeference source.
    base_map: str = ""

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title.get("en") or self.slug

    def credits_line(self) -> str:
        return "; ".join(f"{credit.name} ({credit.transcriptions})" for credit in self.credits)


@dataclass(frozen=True)
class Alternative:
    value: str
    weight: float
    contributors: tuple[str, ...]  # pseudonyms


@dataclass(frozen=True)
class Decision:
    """A curator's decision on the value (the latest one)."""

    decision: str
    reason: str
    curator: str  # pseudonym
    at: datetime
    value_before: str | None


@dataclass(frozen=True)
class Georeference:
    """How a settled point was made, in Darwin Core's georeference terms (see
    worker.exports.georeference): from the answers that agree with it."""

    uncertainty_m: int | None  # coordinateUncertaintyInMeters
    protocol: str  # georeferenceProtocol
    sources: str  # georeferenceSources, "|"-separated
    by: tuple[str, ...]  # georeferencedBy: pseudonyms
    verification: str  # georeferenceVerificationStatus


@dataclass(frozen=True)
class Value:
    value: str
    status: str
    agreement: float
    support: int
    answers: int
    method: str
    explanation: str = ""
    version: int = 1
    alternatives: tuple[Alternative, ...] = ()
    decision: Decision | None = None
    georeference: Georeference | None = None  # settled geopoints only

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class Entry:
    """One contributor's transcription of the task, as typed."""

    contributor: str  # pseudonym
    at: datetime
    values: Mapping[str, str]
    markers: Mapping[str, str] = field(default_factory=dict)
    # Provenance: the fields into which the contributor inserted words of the machine reading.
    machine_fields: tuple[str, ...] = ()
    # Provenance: how each point was made ({key: {source, uncertainty_m, place}}).
    georeference: Mapping[str, Mapping[str, object]] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskRecord:
    id: int
    name: str
    state: str
    batch_id: int | None
    batch_name: str
    metadata: Mapping[str, object]
    image_url: str
    image_service: str  # the IIIF Image API service (static tiles), or ""
    width: int | None
    height: int | None
    values: Mapping[str, Value]
    transcriptions: tuple[Entry, ...] = ()
    transcription_count: int = 0
    reconciled_at: datetime | None = None

    @property
    def settled(self) -> bool:
        return self.state in {"complete", "resolved"}

    def confidence(self) -> float | None:
        """The lowest agreement over non-blank fields: how sure the weakest value is."""
        shares = [v.agreement for v in self.values.values() if v.status != "blank"]
        return min(shares) if shares else None
