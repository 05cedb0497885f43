"""IIIF Presentation manifests (versions 2 and 3): the images they list, fetched safely. No Django.

`manifest_images` reads a manifest document and returns one `ManifestImage` per canvas: the URL
to fetch (through the IIIF Image API when the canvas offers a service: `{service}/full/max/0/
default.jpg` for version 3, `{service}/full/full/0/default.jpg` for version 2; the image's own
URL otherwise), a name and the canvas' metadata.

`url_fetch` downloads over http or https only, with a time-out and a size cap, and refuses
hosts that resolve to private, loopback, link-local or reserved addresses (unless allowed), at
every redirect. A host is resolved once and that address is the one connected to, so a DNS
answer that changes between the check and the request cannot lead elsewhere.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

USER_AGENT = "crowd-transcription-iiif-import/1"
MANIFEST_MAX_BYTES = 20 * 1024**2
MAX_REDIRECTS = 5
TOTAL_TIMEOUTS = 10  # a whole download may last this many time-outs
_CHUNK = 256 * 1024


class FetchError(Exception):
    """`reason`: scheme, private, unresolved, too_large (refusals) or failed (with `detail`)."""

    def __init__(self, reason: str, *, url: str, detail: str = "", host: str = "") -> None:
        super().__init__(reason, url, detail)
        self.reason = reason
        self.url = url
        self.detail = detail
        self.host = host

    @property
    def refused(self) -> bool:
        return self.reason != "failed"


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


def address_allowed(address: str) -> bool:
    """Public unicast addresses only: no private, loopback, link-local, multicast or reserved."""
    ip = ipaddress.ip_address(address)
    if not (ip.is_global and not ip.is_multicast):
        return False
    # IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64, IPv4-compatible):
    # the embedded address must be public too, or a NAT64 gateway would reach 10.0.0.1.
    return all(inner.is_global and not inner.is_multicast for inner in _embedded_ipv4(ip))


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> list[ipaddress.IPv4Address]:
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [inner for inner in (ip.ipv4_mapped, ip.sixtofour) if inner is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in network for network in _NAT64) or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def url_fetch(
    url: str, destination: Path, *, max_bytes: int, timeout: float, allow_private: bool
) -> int:
    """Download `url` into `destination`; returns its size. Raises FetchError."""
    with destination.open("wb") as out:
        return _fetch(
            url, out.write, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private
        )


def url_fetch_json(url: str, *, timeout: float, allow_private: bool) -> Any:
    chunks: list[bytes] = []
    _fetch(
        url,
        chunks.append,
        max_bytes=MANIFEST_MAX_BYTES,
        timeout=timeout,
        allow_private=allow_private,
    )
    try:
        return json.loads(b"".join(chunks))
    except ValueError as error:
        raise ManifestError(f"it is not JSON ({error})") from None


def _fetch(
    url: str,
    write: Any,
    *,
    max_bytes: int,
    timeout: float,
    allow_private: bool,
) -> int:
    for _redirect in range(MAX_REDIRECTS + 1):
        response, connection = _request(url, timeout=timeout, allow_private=allow_private)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError("failed", url=url, detail="a redirect without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(
                    "failed", url=url, detail=f"HTTP {response.status} {response.reason}"
                )
            declared = response.getheader("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("too_large", url=url)
            size = 0
            # The time-out bounds each wait; this bounds the whole download (a slow drip).
            deadline = time.monotonic() + timeout * TOTAL_TIMEOUTS
            while True:
                if time.monotonic() > deadline:
                    raise FetchError("failed", url=url, detail="the download took too long")
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError("too_large", url=url)
                write(chunk)
            return size
        except (OSError, http.client.HTTPException) as error:
            raise FetchError("failed", url=url, detail=str(error) or type(error).__name__) from None
        finally:
            connection.close()
    raise FetchError("failed", url=url, detail=f"more than {MAX_REDIRECTS} redirects")


def _request(
    url: str, *, timeout: float, allow_private: bool
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("scheme", url=url)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise FetchError("unresolved", url=url, host=host) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError("unresolved", url=url, host=host)
    if not allow_private and not all(address_allowed(address) for address in addresses):
        raise FetchError("private", url=url, host=host)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            host, port, address=addresses[0], timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTPConnection(host, port, address=addresses[0], timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        return connection.getresponse(), connection
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise FetchError("failed", url=url, detail=str(error) or type(error).__name__) from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._context = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
