"""JSON Lines export: one task per line with the full provenance of each value, gzipped.

The first line describes the dataset (`"record": "dataset"`: title, licence, credits, fields);
every other line is a task (`"record": "task"`). Contributors appear under stable pseudonyms,
the same in every export of the project; only the credits name people, and only those who
chose to be named.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import IO, Any

from worker.exports.records import Dataset, TaskRecord, Value


def jsonl_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
) -> int:
    rows = 0
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="\n")
        text.write(_line(dataset_header(dataset)))
        for record in records:
            text.write(_line(task_object(record)))
            rows += 1
        text.flush()
        text.detach()
    return rows


def dataset_header(dataset: Dataset) -> dict[str, Any]:
    return {
        "record": "dataset",
        "project": dataset.slug,
        "title": dict(dataset.title),
        "url": dataset.url,
        "generated_at": dataset.generated_at.isoformat(),
        "licence": {
            "id": dataset.licence.code,
            "name": dataset.licence.name,
            "url": dataset.licence.url,
        },
        "credits": [
            {"name": credit.name, "transcriptions": credit.transcriptions}
            for credit in dataset.credits
        ],
        "fields": [
            {
                "key": spec.key,
                "type": spec.type,
                "label": dict(spec.label),
                "mapping": dict(spec.mapping),
            }
            for spec in dataset.fields
        ],
        "tasks": dataset.tasks,
    }


def task_object(record: TaskRecord) -> dict[str, Any]:
    return {
        "record": "task",
        "id": record.id,
        "file_name": record.name,
        "state": record.state,
        "batch": {"id": record.batch_id, "name": record.batch_name},
        "metadata": dict(record.metadata),
        "image": {
            "url": record.image_url,
            "iiif": record.image_service,
            "width": record.width,
            "height": record.height,
        },
        "reconciled_at": _when(record.reconciled_at),
        "confidence": record.confidence(),
        "values": {key: value_object(value) for key, value in record.values.items()},
        "transcriptions": [
            {
                "contributor": entry.contributor,
                "at": _when(entry.at),
                "values": dict(entry.values),
                "markers": dict(entry.markers),
                "machine_fields": list(entry.machine_fields),
                "georeference": {key: dict(made) for key, made in entry.georeference.items()},
            }
            for entry in record.transcriptions
        ],
    }


def value_object(value: Value) -> dict[str, Any]:
    decision = None
    if value.decision is not None:
        decision = asdict(value.decision)
        decision["at"] = _when(value.decision.at)
    return {
        "value": value.value,
        "status": value.status,
        "agreement": value.agreement,
        "support": value.support,
        "answers": value.answers,
        "method": value.method,
        "explanation": value.explanation,
        "version": value.version,
        "alternatives": [
            {"value": alt.value, "weight": alt.weight, "contributors": list(alt.contributors)}
            for alt in value.alternatives
        ],
        "curator_decision": decision,
        **({"georeference": georeference_object(value)} if value.georeference else {}),
    }


def georeference_object(value: Value) -> dict[str, Any]:
    """A settled point's georeference, under Darwin Core's term names."""
    made = value.georeference
    assert made is not None
    return {
        "coordinateUncertaintyInMeters": made.uncertainty_m,
        "georeferenceProtocol": made.protocol,
        "georeferenceSources": made.sources,
        "georeferencedBy": list(made.by),
        "georeferenceVerificationStatus": made.verification,
    }


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"
