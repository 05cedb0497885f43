"""Fetching from addresses that users give (IIIF manifests and their images). No Django.

`url_fetch` downloads over http or https only, within one wall-clock deadline for the whole
fetch (resolution, connection, TLS, request, headers, every redirect and the body) and a size
cap, and refuses hosts that resolve to private, loopback, link-local or reserved addresses
(unless allowed), at every redirect. A host is resolved once and that address is the one
connected to, so a DNS answer that changes between the check and the request cannot lead
elsewhere.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

USER_AGENT = "crowd-transcription-iiif-import/1"
MAX_REDIRECTS = 5
_CHUNK = 256 * 1024


# Reasons that are the address' or the answer's fault: asking again changes nothing.
REFUSALS = frozenset({"scheme", "private", "unresolved", "too_large"})


class FetchError(Exception):
    """`reason`: scheme, private, unresolved, too_large (refusals), deadline (the fetch's
    wall-clock limit passed) or failed (with `detail`, and `status` when the server answered
    with an HTTP error)."""

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        detail: str = "",
        host: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(reason, url, detail)
        self.reason = reason
        self.url = url
        self.detail = detail
        self.host = host
        self.status = status

    @property
    def refused(self) -> bool:
        return self.reason in REFUSALS


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
    url: str, destination: Path, *, max_bytes: int, deadline: float, allow_private: bool
) -> int:
    """Download `url` into `destination` within `deadline` seconds in all; returns its size.
    Raises FetchError."""
    with destination.open("wb") as out:
        return url_stream(
            url, out.write, max_bytes=max_bytes, deadline=deadline, allow_private=allow_private
        )


class _Deadline:
    """One wall-clock limit for a whole fetch: resolution, connection, TLS handshake, request,
    headers, every redirect and the body.

    Socket time-outs bound a single wait, so a server that sends one byte before each expires
    (headers or body trickled a byte every few seconds) would never be stopped by them alone.
    A timer thread therefore shuts down every socket of the fetch when the time is up: the
    read, write or handshake waiting on it returns at once and the fetch fails with the
    deadline as its reason. Socket time-outs are still set to the time left, so a fetch that
    nobody trickles ends by itself at the same moment.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.step = "starting"
        self.expired = False
        self._end = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def error(self, url: str) -> FetchError:
        return FetchError(
            "deadline",
            url=url,
            detail=f"no answer within {self.seconds:g} s (stopped while {self.step})",
        )

    def remaining(self, url: str, step: str) -> float:
        """Seconds left, noting what the fetch is doing; raises the deadline's FetchError when
        none are."""
        self.step = step
        left = self._end - time.monotonic()
        if self.expired or left <= 0:
            raise self.error(url)
        return left

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self._end

    def watch(self, sock: socket.socket, *, instead_of: socket.socket | None = None) -> None:
        """Shut `sock` down when the time is up (`instead_of`: the socket it wraps)."""
        with self._lock:
            if instead_of is not None and instead_of in self._sockets:
                self._sockets.remove(instead_of)
            self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def forget(self, sock: socket.socket | None) -> None:
        """Before `sock` is closed: the timer must not touch a closed socket's number."""
        with self._lock:
            if sock in self._sockets:
                self._sockets.remove(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    # The plain socket's shutdown, also for a TLS socket: it wakes whatever waits on the
    # descriptor without touching the TLS state another thread is using.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def url_stream(
    url: str,
    write: Callable[[bytes], object],
    *,
    max_bytes: int,
    deadline: float,
    allow_private: bool,
) -> int:
    """Pass the body at `url` to `write`, chunk by chunk; returns its size. Raises FetchError."""
    with _Deadline(deadline) as limit:
        for _redirect in range(MAX_REDIRECTS + 1):
            connection = _connect(url, limit, allow_private=allow_private)
            try:
                response = _response(url, connection, limit)
                if response.status in (301, 302, 303, 307, 308):
                    location = response.getheader("Location")
                    if not location:
                        raise FetchError(
                            "failed",
                            url=url,
                            detail="a redirect without a Location",
                            status=response.status,
                        )
                    url = urljoin(url, location)
                    continue
                if response.status != 200:
                    raise FetchError(
                        "failed",
                        url=url,
                        detail=f"HTTP {response.status} {response.reason}",
                        status=response.status,
                    )
                declared = response.getheader("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError("too_large", url=url)
                return _body(url, response, connection, write, limit, max_bytes=max_bytes)
            except (OSError, http.client.HTTPException) as error:
                # A socket shut down by the timer, or a wait that used up the time left.
                if limit.passed() or isinstance(error, TimeoutError):
                    raise limit.error(url) from None
                raise FetchError(
                    "failed", url=url, detail=str(error) or type(error).__name__
                ) from None
            finally:
                limit.forget(connection.sock)
                connection.close()
        raise FetchError("failed", url=url, detail=f"more than {MAX_REDIRECTS} redirects")


def _body(
    url: str,
    response: http.client.HTTPResponse,
    connection: http.client.HTTPConnection,
    write: Callable[[bytes], object],
    limit: _Deadline,
    *,
    max_bytes: int,
) -> int:
    size = 0
    while True:
        _arm(connection, limit.remaining(url, "reading the body"))
        chunk = response.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", url=url)
        write(chunk)
    # A socket shut down by the timer reads as the end of a body sent without a length:
    # what was read is not the whole file.
    if limit.passed():
        raise limit.error(url)
    return size


def _arm(connection: http.client.HTTPConnection, seconds: float) -> None:
    if connection.sock is not None:
        connection.sock.settimeout(seconds)


def _connect(url: str, limit: _Deadline, *, allow_private: bool) -> http.client.HTTPConnection:
    """A connection to the address `url`'s host resolved to, once that address was checked."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("scheme", url=url)
    host = parts.hostname
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("unresolved", url=url, host=host) from None
    infos = _resolve(url, host, port, limit)
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchError("unresolved", url=url, host=host)
    if not allow_private and not all(address_allowed(address) for address in addresses):
        raise FetchError("private", url=url, host=host)
    family, address = infos[0][0], infos[0][4]
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            host, port, family=family, address=address, limit=limit, url=url
        )
    else:
        connection = _PinnedHTTPConnection(
            host, port, family=family, address=address, limit=limit, url=url
        )
    try:
        connection.connect()
    except BaseException as error:
        limit.forget(connection.sock)
        connection.close()
        if not isinstance(error, OSError | http.client.HTTPException):
            raise  # the deadline's own FetchError, among others
        if limit.passed() or isinstance(error, TimeoutError):
            raise limit.error(url) from None
        raise FetchError("failed", url=url, detail=str(error) or type(error).__name__) from None
    return connection


def _resolve(url: str, host: str, port: int, limit: _Deadline) -> list[Any]:
    """getaddrinfo within the time left. The resolver cannot be interrupted, so it runs in a
    thread of its own that is left to finish alone (the system resolver gives up by itself)
    when the deadline comes first."""
    found: list[Any] = []
    failed: list[BaseException] = []
    done = threading.Event()

    def resolve() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, ValueError, UnicodeError) as error:
            failed.append(error)
        finally:
            done.set()

    try:
        ipaddress.ip_address(host)
    except ValueError:
        seconds = limit.remaining(url, "resolving the host name")
        threading.Thread(target=resolve, name="fetch-resolve", daemon=True).start()
        if not done.wait(seconds):
            raise limit.error(url) from None
    else:
        resolve()  # an address: nothing to wait for
    if failed:
        raise FetchError("unresolved", url=url, host=host)
    return found


def _response(
    url: str, connection: http.client.HTTPConnection, limit: _Deadline
) -> http.client.HTTPResponse:
    target = urlsplit(url).path or "/"
    if urlsplit(url).query:
        target += "?" + urlsplit(url).query
    _arm(connection, limit.remaining(url, "sending the request"))
    connection.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    _arm(connection, limit.remaining(url, "waiting for the headers"))
    return connection.getresponse()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now, within the
    fetch's deadline."""

    def __init__(
        self, host: str, port: int, *, family: int, address: Any, limit: _Deadline, url: str
    ) -> None:
        super().__init__(host, port)
        self._family = family
        self._address = address
        self._limit = limit
        self._url = url

    def _socket(self) -> socket.socket:
        sock = socket.socket(self._family, socket.SOCK_STREAM)
        self.sock = sock
        self._limit.watch(sock)
        sock.settimeout(self._limit.remaining(self._url, "connecting"))
        sock.connect(self._address)
        return sock

    def connect(self) -> None:
        self._socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        plain = self._socket()
        context = ssl.create_default_context()
        # The handshake is done below, under the deadline, not inside wrap_socket.
        secure = context.wrap_socket(
            plain, server_hostname=self.host, do_handshake_on_connect=False
        )
        self.sock = secure
        self._limit.watch(secure, instead_of=plain)
        secure.settimeout(self._limit.remaining(self._url, "in the TLS handshake"))
        secure.do_handshake()
