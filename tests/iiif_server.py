"""A local HTTP server for IIIF import tests: serves fixed responses from a thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def http_server(routes: dict[str, tuple[int, bytes, dict[str, str]]]) -> Iterator[str]:
    """Serve `routes` ({path: (status, body, headers)}) on 127.0.0.1; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body, headers = routes.get(self.path, (404, b"not found", {}))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def manifest_v3(base: str, images: list[tuple[str, str, str | None]]) -> dict:
    """A Presentation 3 manifest: (label, image URL, Image API 3 service or None) per canvas."""
    items = []
    for index, (label, url, service) in enumerate(images, start=1):
        body: dict = {"id": url, "type": "Image", "format": "image/jpeg"}
        if service:
            body["service"] = [{"id": service, "type": "ImageService3", "profile": "level0"}]
        items.append(
            {
                "id": f"{base}/canvas/{index}",
                "type": "Canvas",
                "label": {"none": [label]},
                "metadata": [{"label": {"en": ["Barcode"]}, "value": {"none": [f"B{index}"]}}],
                "items": [
                    {
                        "id": f"{base}/page/{index}",
                        "type": "AnnotationPage",
                        "items": [
                            {
                                "id": f"{base}/annotation/{index}",
                                "type": "Annotation",
                                "motivation": "painting",
                                "body": body,
                                "target": f"{base}/canvas/{index}",
                            }
                        ],
                    }
                ],
            }
        )
    return {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": {"en": ["Test"]},
        "items": items,
    }


def manifest_v2(base: str, images: list[tuple[str, str, str | None]]) -> dict:
    canvases = []
    for index, (label, url, service) in enumerate(images, start=1):
        resource: dict = {"@id": url, "@type": "dctypes:Image"}
        if service:
            resource["service"] = {
                "@context": "http://iiif.io/api/image/2/context.json",
                "@id": service,
                "profile": "http://iiif.io/api/image/2/level1.json",
            }
        canvases.append(
            {
                "@id": f"{base}/canvas/{index}",
                "@type": "sc:Canvas",
                "label": label,
                "images": [
                    {"@type": "oa:Annotation", "motivation": "sc:painting", "resource": resource}
                ],
            }
        )
    return {
        "@context": "http://iiif.io/api/presentation/2/context.json",
        "@id": f"{base}/manifest.json",
        "@type": "sc:Manifest",
        "label": "Test",
        "sequences": [{"@type": "sc:Sequence", "canvases": canvases}],
    }


class SlowServer:
    """A server that answers too slowly, on 127.0.0.1, one thread per connection.

    `behaviour`: `headers` trickles its status line and headers a byte at a time, `body` sends
    its headers and then trickles a body a byte at a time (`unsized`: the same without a
    Content-Length), `silent` accepts the connection and
    says nothing (also what a TLS handshake that never ends looks like), `redirects` answers
    each request, after `pause` seconds, with a redirect to the next path. Each trickle sends a
    byte every `pause` seconds and would take `seconds` in all; `finished` is set when a
    connection was served to its end, `sent` counts the bytes sent."""

    def __init__(self, behaviour: str, *, pause: float = 0.2, seconds: float = 60) -> None:
        self.behaviour = behaviour
        self.pause = pause
        self.seconds = seconds
        self.finished = threading.Event()
        self.stop = threading.Event()
        self.sent = 0
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> SlowServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.threads.append(thread)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        self.listener.close()

    def _accept(self) -> None:
        self.listener.settimeout(0.05)  # to see `stop` soon: closing does not wake accept()
        while not self.stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def _trickle(self, connection: socket.socket, data: bytes) -> bool:
        for byte in data:
            if self.stop.wait(self.pause):
                return False
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return False
            self.sent += 1
        return True

    def _serve(self, connection: socket.socket) -> None:
        with connection:
            count = int(self.seconds / self.pause)
            if self.behaviour == "silent":
                if not self.stop.wait(self.seconds):
                    self.finished.set()
                return
            request = connection.recv(65536)
            self.requests += 1
            if self.behaviour == "redirects":
                path = request.split(b" ", 2)[1].decode()
                hop = int(path.strip("/") or 0) + 1
                if not self.stop.wait(self.pause):
                    connection.sendall(
                        f"HTTP/1.1 302 Found\r\nLocation: /{hop}\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n".encode()
                    )
                return
            if self.behaviour == "headers":
                head = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * count + b"\r\n\r\n"
                if self._trickle(connection, head):
                    self.finished.set()
                return
            # `unsized`: no Content-Length, the end of the connection ends the body.
            length = "" if self.behaviour == "unsized" else f"Content-Length: {count}\r\n"
            connection.sendall(f"HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n".encode())
            if self._trickle(connection, b"x" * count):
                self.finished.set()
