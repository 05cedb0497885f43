"""IIIF Presentation manifests (versions 2 and 3): the images they list, fetched safely. No Django.

`manifest_images` reads a manifest document and returns one `ManifestImage` per canvas: the URL
to fetch (through the IIIF Image API when the canvas offers a service: `{service}/full/max/0/
default.jpg` for version 3, `{service}/full/full/0/default.jpg` for version 2; the image's own
URL otherwise), a name and the canvas' metadata.

`url_fetch_json` fetches a manifest with the safeguards of `worker.fetch` and a size cap of its
own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from worker.fetch import url_stream

MANIFEST_MAX_BYTES = 20 * 1024**2


class ManifestError(ValueError):
    """The document is not a IIIF Presentation manifest we can read; `detail` says why."""


@dataclass(frozen=True)
class ManifestImage:
    url: str
    name: str
    metadata: dict[str, str] = field(default_factory=dict)


def manifest_images(document: Any, *, limit: int) -> list[ManifestImage]:
    """The images of a Presentation 2 or 3 manifest, in canvas order, `limit` at most."""
    if not isinstance(document, dict):
        raise ManifestError("the document is not a JSON object")
    contexts = document.get("@context", [])
    contexts = contexts if isinstance(contexts, list) else [contexts]
    version3 = any("presentation/3" in str(context) for context in contexts) or (
        document.get("type") == "Manifest"
    )
    kind = document.get("type") or document.get("@type")
    if kind not in ("Manifest", "sc:Manifest"):
        raise ManifestError(f"its type is {kind!r}, not a Manifest")
    canvases = _canvases_v3(document) if version3 else _canvases_v2(document)
    images: list[ManifestImage] = []
    used: set[str] = set()
    for index, (canvas, url) in enumerate(canvases, start=1):
        if len(images) >= limit:
            break
        if not url:
            continue
        label = _label(canvas.get("label")) or _url_name(url)
        name = _unique(_safe_name(label) or f"canvas-{index}", used)
        metadata = {"iiif_canvas": str(canvas.get("id") or canvas.get("@id") or "")}
        for pair in canvas.get("metadata") or []:
            if isinstance(pair, dict):
                key, value = _label(pair.get("label")), _label(pair.get("value"))
                if key and value:
                    metadata[key] = value
        images.append(ManifestImage(url=url, name=name, metadata=metadata))
    if not images:
        raise ManifestError("it lists no image")
    return images


def _canvases_v3(document: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    found = []
    for canvas in _dicts(document.get("items")):
        url = ""
        for page in _dicts(canvas.get("items")):
            for annotation in _dicts(page.get("items")):
                if annotation.get("motivation") not in (None, "painting"):
                    continue
                url = _body_url(annotation.get("body"))
                if url:
                    break
            if url:
                break
        found.append((canvas, url))
    return found


def _canvases_v2(document: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    found = []
    for sequence in _dicts(document.get("sequences"))[:1]:
        for canvas in _dicts(sequence.get("canvases")):
            url = ""
            for image in _dicts(canvas.get("images")):
                url = _body_url(image.get("resource"))
                if url:
                    break
            found.append((canvas, url))
    return found


def _body_url(body: Any) -> str:
    if isinstance(body, list):
        body = body[0] if body else None
    if not isinstance(body, dict):
        return ""
    if body.get("type") == "Choice" or body.get("@type") == "oa:Choice":
        choices = body.get("items") or [body.get("default")]
        return _body_url(choices[0] if choices else None)
    for service in _dicts(body.get("service")):
        url = _service_url(service)
        if url:
            return url
    return str(body.get("id") or body.get("@id") or "")


def _service_url(service: dict[str, Any]) -> str:
    service_id = str(service.get("id") or service.get("@id") or "").rstrip("/")
    if not service_id:
        return ""
    kind = str(service.get("type") or service.get("@type") or "")
    context = str(service.get("@context") or "")
    profile = json.dumps(service.get("profile", ""))
    if kind == "ImageService3" or "image/3" in context:
        return f"{service_id}/full/max/0/default.jpg"
    if kind == "ImageService2" or "image/2" in context or "image/2" in profile:
        return f"{service_id}/full/full/0/default.jpg"
    return ""


def _dicts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _label(value: Any) -> str:
    """A label or value: a string, a v3 language map, or a v2 list of {@value, @language}."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        if "@value" in value:
            return str(value["@value"]).strip()
        for key in ("none", "en", "fr", *value.keys()):
            texts = value.get(key)
            if texts:
                return str(texts[0] if isinstance(texts, list) else texts).strip()
    if isinstance(value, list) and value:
        return _label(value[0])
    return ""


def _url_name(url: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1]


def _safe_name(label: str) -> str:
    return re.sub(r"[\x00-\x1f/\\]+", "-", label).strip(" .-")[:200]


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    while candidate in used:
        candidate, number = f"{name} ({number})", number + 1
    used.add(candidate)
    return candidate


# --- Fetching ---------------------------------------------------------------------------------


def url_fetch_json(url: str, *, deadline: float, allow_private: bool) -> Any:
    """The JSON document at `url`, fetched within `deadline` seconds in all. Raises FetchError,
    or ManifestError when the answer is not JSON."""
    chunks: list[bytes] = []
    url_stream(
        url,
        chunks.append,
        max_bytes=MANIFEST_MAX_BYTES,
        deadline=deadline,
        allow_private=allow_private,
    )
    try:
        return json.loads(b"".join(chunks))
    except ValueError as error:
        raise ManifestError(f"it is not JSON ({error})") from None
