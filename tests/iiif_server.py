"""A local HTTP server for IIIF import tests: serves fixed responses from a thread."""

from __future__ import annotations

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
