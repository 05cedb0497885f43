"""A local map tile server for the browser tests: every /{z}/{x}/{y}.png is one small PNG.

Tests never reach the network; the site's MAP_TILES_URL points here and the tests read which
tiles the map asked for (`TileServer.requested`).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

_TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def _tile() -> bytes:
    image = Image.new("RGB", (256, 256), (223, 236, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(160, 180, 150))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass
class TileServer:
    url: str  # the URL template, for MAP_TILES_URL
    requested: list[tuple[int, int, int]] = field(default_factory=list)


@contextmanager
def tile_server() -> Iterator[TileServer]:
    body = _tile()
    served = TileServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            match = _TILE_PATH.match(self.path)
            if match is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            served.requested.append((int(match[1]), int(match[2]), int(match[3])))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "max-age=3600")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
