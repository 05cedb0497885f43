"""Plain records for the export writers' tests (no database), and a writer run that counts
what it reads."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tasks.presets import PRESETS
from worker.exports import counting
from worker.exports.records import (
    LICENCES,
    Credit,
    Dataset,
    Entry,
    TaskRecord,
    Value,
)
from worker.template import template_parse

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HERBARIUM = template_parse(PRESETS["herbarium"]["fields"])
REFERENCE = template_parse(PRESETS["reference"]["fields"])


def dataset(fields, **changes):
    values = {
        "slug": "herbier",
        "title": {"fr": "Herbier de Montclair", "en": "Montclair herbarium"},
        "description": {"fr": "Des planches.", "en": "Sheets."},
        "url": "https://example.org/projects/herbier/",
        "base_url": "https://example.org",
        "licence": LICENCES["CC-BY-4.0"],
        "credits": (Credit("Jeanne Baret", 12), Credit("Aimé Bonpland", 3)),
        "fields": fields,
        "metadata_keys": ("catalogNumber", "institution"),
        "generated_at": WHEN,
        "tasks": 3,
        "publisher": "Crowd",
    }
    return Dataset(**(values | changes))


def agreed(text, agreement=1.0, method="exact"):
    return Value(
        value=text, status="agreed", agreement=agreement, support=3, answers=3, method=method
    )


def sheet(task_id, state="complete", batch=(1, "Lot A"), **values):
    base = {
        "scientificName": agreed("Quercus ilex L."),
        "eventDate": agreed("1898-06-12", method="date"),
        "coordinates": agreed("44.0123,2.8765", method="geopoint"),
        "locality": agreed("Grenoble,\tau bord\nde l'Isère"),
        "recordNumber": Value("", "blank", 1.0, 3, 3, "blank"),
    }
    base.update(values)
    return TaskRecord(
        id=task_id,
        name=f"sheet-{task_id}.jpg",
        state=state,
        batch_id=batch[0],
        batch_name=batch[1],
        metadata={"catalogNumber": f"MTC{task_id:04d}", "institution": "Montclair"},
        image_url=f"https://example.org/media/projects/1/originals/{task_id}.jpg",
        image_service=f"https://example.org/media/projects/1/iiif/{task_id}",
        width=2000,
        height=3000,
        values=base,
        transcriptions=(
            Entry("v-aaa", WHEN, {"scientificName": "Quercus ilex", "eventDate": "12/06/1898"}),
            Entry(
                "v-bbb",
                WHEN.replace(hour=13),
                {"scientificName": '=HYPERLINK("http://evil")', "eventDate": ""},
                {"eventDate": "illegible"},
            ),
        ),
        transcription_count=2,
        reconciled_at=WHEN,
    )


def template(*fields):
    """A template of text fields: (key, {standard: term}) pairs, a geopoint when the key says so."""
    return template_parse(
        [
            {
                "key": key,
                "type": "geopoint" if key == "coordinates" else "text",
                "label": {"en": key, "fr": key},
                "mapping": mapping,
            }
            for key, mapping in fields
        ]
    )


def write(writer, data, records):
    out = io.BytesIO()
    seen: list[int] = []
    # The platform counts records for progress as the writer reads them (every one, written or
    # not); the tests count the same way.
    count = writer(out, data, counting(records, seen.append))
    return out.getvalue(), count, seen
