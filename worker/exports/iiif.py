"""IIIF Presentation 3: one manifest per batch, each canvas carrying its task's values as W3C
Web Annotations (motivation `describing`), readable by any IIIF viewer (Mirador, Universal
Viewer) beside the image's own static IIIF Image API service.

The export is a zip: `collection.json` (a Collection listing every batch's manifest) and
`manifests/batch-<id>.json`. Manifests are streamed canvas by canvas; records must come
grouped by batch. A canvas needs an image and its size: a task without them is left out, and a
batch left with no canvas has no manifest (IIIF requires at least one).
"""

from __future__ import annotations

import io
import json
import posixpath
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from worker.consensus.geo import parse_point
from worker.exports.records import Dataset, TaskRecord

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
# The image formats the platform takes in, by extension of the image's address.
_IMAGE_FORMATS = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
    ".jp2": "image/jp2",
    ".gif": "image/gif",
}


def manifest_id(dataset: Dataset, batch_id: int | None) -> str:
    return f"{dataset.base_url}/iiif/{dataset.slug}/batch-{batch_id or 0}/manifest.json"


def _canvas_id(dataset: Dataset, record: TaskRecord) -> str:
    return f"{dataset.base_url}/iiif/{dataset.slug}/canvas/{record.id}"


def _label(text: str) -> dict[str, list[str]]:
    return {"none": [text]}


def _languages(values: dict[str, str], fallback: str) -> dict[str, list[str]]:
    found = {language: [text] for language, text in values.items() if text}
    return found or {"none": [fallback]}


def manifest_head(dataset: Dataset, batch_id: int | None, batch_name: str) -> dict[str, Any]:
    title = dataset.title_in("en")
    head: dict[str, Any] = {
        "@context": CONTEXT,
        "id": manifest_id(dataset, batch_id),
        "type": "Manifest",
        "label": {
            language: [f"{dataset.title_in(language)} — {batch_name}"] for language in ("en", "fr")
        },
        "metadata": [
            {"label": {"en": ["Project"], "fr": ["Projet"]}, "value": _label(title)},
            {"label": {"en": ["Batch"], "fr": ["Lot"]}, "value": _label(batch_name)},
        ],
        "rights": dataset.licence.url,
        "requiredStatement": {
            "label": {"en": ["Attribution"], "fr": ["Attribution"]},
            "value": {
                "en": [_attribution(dataset, "Transcribed by the volunteers of")],
                "fr": [_attribution(dataset, "Transcrit par les bénévoles de")],
            },
        },
        "homepage": [
            {"id": dataset.url, "type": "Text", "label": _label(title), "format": "text/html"}
        ],
    }
    summary = {lang: text for lang, text in dataset.description.items() if text}
    if summary:
        head["summary"] = {lang: [text] for lang, text in summary.items()}
    return head


def _attribution(dataset: Dataset, words: str) -> str:
    line = f"{words} {dataset.title_in('en')}"
    if dataset.credits:
        line += ": " + dataset.credits_line()
    return f"{line}. {dataset.licence.name}."


def image_format(url: str) -> str:
    """The media type of an image, from its address's extension ("" when unknown)."""
    extension = posixpath.splitext(urlsplit(url).path)[1].lower()
    return _IMAGE_FORMATS.get(extension, "")


def paintable(record: TaskRecord) -> bool:
    """Whether the task can be a canvas: IIIF needs the image and its width and height."""
    return bool(record.image_url) and bool(record.width) and bool(record.height)


def point_text(value: str) -> str:
    """A stored point as a viewer shows an annotation's text: with its labels ("lat. 44.0123,
    long. 2.8765", the same abbreviations in French and English), so that nobody reads it in
    the other order; anything that is not a point is kept as it is."""
    point = parse_point(value)
    return value if point is None else f"lat. {point[0]:.4f}, long. {point[1]:.4f}"


def canvas(dataset: Dataset, record: TaskRecord) -> dict[str, Any]:
    """The task's canvas; only for a `paintable` record."""
    canvas_id = _canvas_id(dataset, record)
    width, height = record.width, record.height
    body: dict[str, Any] = {"id": record.image_url, "type": "Image"}
    media_type = image_format(record.image_url)
    if media_type:
        body["format"] = media_type
    body |= {"width": width, "height": height}
    if record.image_service:
        body["service"] = [
            {"id": record.image_service, "type": "ImageService3", "profile": "level0"}
        ]
    labels = {spec.key: spec for spec in dataset.fields}
    annotations = []
    for key, value in record.values.items():
        if not value.value or not value.settled or key not in labels:
            continue
        spec = labels[key]
        annotations.append(
            {
                "id": f"{canvas_id}/annotation/{key}",
                "type": "Annotation",
                "motivation": "describing",
                "label": _languages(dict(spec.label), key),
                "body": {
                    "type": "TextualBody",
                    "value": point_text(value.value) if spec.type == "geopoint" else value.value,
                    "format": "text/plain",
                    "purpose": "describing",
                },
                "target": canvas_id,
            }
        )
    item: dict[str, Any] = {
        "id": canvas_id,
        "type": "Canvas",
        "label": _label(record.name or f"#{record.id}"),
        "width": width,
        "height": height,
        "items": [
            {
                "id": f"{canvas_id}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas_id}/painting",
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": body,
                        "target": canvas_id,
                    }
                ],
            }
        ],
    }
    confidence = record.confidence()
    item["metadata"] = [
        {"label": {"en": ["State"], "fr": ["État"]}, "value": _label(record.state)},
    ]
    if confidence is not None:
        item["metadata"].append(
            {
                "label": {"en": ["Confidence"], "fr": ["Confiance"]},
                "value": _label(f"{confidence:.2f}"),
            }
        )
    if annotations:
        item["annotations"] = [
            {"id": f"{canvas_id}/values", "type": "AnnotationPage", "items": annotations}
        ]
    return item


def _batches(
    records: Iterable[TaskRecord],
) -> Iterator[tuple[int | None, str, Iterator[TaskRecord]]]:
    """Split records (grouped by batch) into (batch id, name, records of that batch)."""
    iterator = iter(records)
    pending: list[TaskRecord] = []
    for first in iterator:
        pending = [first]
        break
    while pending:
        head = pending.pop()
        batch = head.batch_id

        def same(head: TaskRecord = head, batch: int | None = batch) -> Iterator[TaskRecord]:
            yield head
            for record in iterator:
                if record.batch_id != batch:
                    pending.append(record)
                    return
                yield record

        yield batch, head.batch_name, same()


def _canvases(dataset: Dataset, records: Iterable[TaskRecord]) -> Iterator[dict[str, Any]]:
    """The canvases of the records that can be painted."""
    for record in records:
        if paintable(record):
            yield canvas(dataset, record)


def _manifest_text(
    dataset: Dataset,
    batch_id: int | None,
    batch_name: str,
    canvases: Iterator[dict[str, Any]],
) -> Iterator[str]:
    """The manifest as JSON text, a canvas at a time; nothing at all if there is no canvas.

    The head goes out with the first canvas, so the caller knows whether there is a manifest
    to write before writing any of it, and holds no more than one canvas meanwhile."""
    first = next(canvases, None)
    if first is None:
        return
    yield _head_text(dataset, batch_id, batch_name) + "\n" + _dumps(first)
    for item in canvases:
        yield ",\n" + _dumps(item)
    yield "\n]}\n"


def _head_text(dataset: Dataset, batch_id: int | None, batch_name: str) -> str:
    head = manifest_head(dataset, batch_id, batch_name)
    return json.dumps(head, ensure_ascii=False)[:-1] + ', "items": ['


def _dumps(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False)


def manifest_chunks(
    dataset: Dataset,
    batch_id: int | None,
    batch_name: str,
    records: Iterable[TaskRecord],
) -> Iterator[str]:
    """One batch's manifest as JSON text, a canvas at a time (for a file or an HTTP stream).

    A batch with no canvas still makes a JSON document, with no items; the export writes no
    manifest for it."""
    chunks = _manifest_text(dataset, batch_id, batch_name, _canvases(dataset, records))
    first = next(chunks, None)
    if first is None:
        yield _head_text(dataset, batch_id, batch_name) + "]}\n"
        return
    yield first
    yield from chunks


def collection(dataset: Dataset, batches: Iterable[tuple[int | None, str]]) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": collection_id(dataset),
        "type": "Collection",
        "label": {language: [dataset.title_in(language)] for language in ("en", "fr")},
        "rights": dataset.licence.url,
        "items": [
            {
                "id": manifest_id(dataset, batch_id),
                "type": "Manifest",
                "label": manifest_head(dataset, batch_id, name)["label"],
            }
            for batch_id, name in batches
        ],
    }


def collection_id(dataset: Dataset) -> str:
    return f"{dataset.base_url}/iiif/{dataset.slug}/collection.json"


def iiif_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
) -> int:
    """Write the collection and one manifest per batch that has a canvas; return the number of
    canvases."""
    painted = [0]
    batches: list[tuple[int | None, str]] = []

    def tallied(canvases: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in canvases:
            painted[0] += 1
            yield item

    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for batch_id, batch_name, batch_records in _batches(records):
            canvases = tallied(_canvases(dataset, batch_records))
            chunks = _manifest_text(dataset, batch_id, batch_name, canvases)
            first = next(chunks, None)
            if first is None:
                continue
            name = f"manifests/batch-{batch_id or 0}.json"
            with archive.open(name, "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                text.write(first)
                for chunk in chunks:
                    text.write(chunk)
                text.flush()
                text.detach()
            batches.append((batch_id, batch_name))
        body = json.dumps(collection(dataset, batches), ensure_ascii=False, indent=1)
        archive.writestr("collection.json", body)
    return painted[0]
