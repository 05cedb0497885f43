"""The base map's tiles: where the map beside geopoint fields fetches them, and whom it credits.

Pure Python (no Django import), read by settings at start-up: a bad value stops the server
with a message naming the variable, rather than a map that stays grey in every browser.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from crowd.config import ConfigError

DEFAULT_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# Leaflet's placeholders; {s} (subdomains) is refused: each subdomain would be an origin the
# Content-Security-Policy must name, and OpenStreetMap serves from one host now.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_REQUIRED = ("z", "x", "y")
_ALLOWED = frozenset({"z", "x", "y", "r"})
_LOOPBACK_NAMES = frozenset({"localhost"})
MAX_ATTRIBUTION = 500


@dataclass(frozen=True)
class MapTiles:
    url: str  # the URL template, with {z}, {x}, {y}
    attribution: str  # HTML: text and links only (checked)

    @property
    def origin(self) -> str:
        """Scheme, host and port: what the policy's img-src must allow."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def _loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tiles_url_check(url: str, name: str = "MAP_TILES_URL") -> str:
    """A tile URL template: https (http only for this machine, as tests serve tiles), a host,
    and {z}, {x} and {y} in it; no other placeholder but {r}."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in {"https", "http"} or not host:
        raise ConfigError(f"{name}={url!r} must be an https URL template, such as {DEFAULT_URL}.")
    if parts.scheme == "http" and not _loopback(host):
        raise ConfigError(
            f"{name}={url!r} must use https (http is allowed only for 127.0.0.1 or localhost)."
        )
    if parts.username or parts.password:
        raise ConfigError(f"{name}={url!r} must not hold a user name or password.")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ConfigError(
            f"{name}={url!r} has a placeholder in its host: one fixed host is needed ({{s}} "
            "subdomains are not supported)."
        )
    found = _PLACEHOLDER.findall(url)
    missing = [f"{{{p}}}" for p in _REQUIRED if p not in found]
    if missing:
        raise ConfigError(f"{name}={url!r} lacks {', '.join(missing)}.")
    unknown = sorted({f"{{{p}}}" for p in found if p not in _ALLOWED})
    if unknown:
        raise ConfigError(
            f"{name}={url!r} has placeholders the map does not fill: {', '.join(unknown)} "
            "(use {z}, {x}, {y}, and {r} for retina tiles)."
        )
    return url


class _Links(HTMLParser):
    """Reads an attribution, noting anything but text and <a href="http(s)://…"> links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            self.problems.append(f"<{tag}>")
            return
        for attribute, value in attrs:
            if attribute != "href":
                self.problems.append(f"the attribute {attribute}")
            elif not (value or "").startswith(("https://", "http://")):
                self.problems.append(f"the link {value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag != "a":
            self.problems.append(f"</{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append("a comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("a declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("a processing instruction")


def attribution_check(text: str, name: str = "MAP_TILES_ATTRIBUTION") -> str:
    """The credit shown on the map (the tiles' licence asks for it): text and links only,
    since the map writes it as HTML."""
    if not text.strip():
        raise ConfigError(f"{name} must not be empty: the tiles' licence asks for a credit.")
    if len(text) > MAX_ATTRIBUTION:
        raise ConfigError(f"{name} is longer than {MAX_ATTRIBUTION} characters.")
    links = _Links()
    links.feed(text)
    links.close()
    if links.problems:
        raise ConfigError(
            f'{name}={text!r} may hold text and <a href="https://…"> links only, not '
            + ", ".join(links.problems)
            + "."
        )
    return text


def map_tiles(url: str | None, attribution: str | None) -> MapTiles:
    """The tiles from the two variables' values (None: unset, the defaults)."""
    return MapTiles(
        url=tiles_url_check(url or DEFAULT_URL),
        attribution=attribution_check(DEFAULT_ATTRIBUTION if attribution is None else attribution),
    )
