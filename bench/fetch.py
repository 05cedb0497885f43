"""Outbound fetches: how soon a slow server is left, and what the deadline costs a fast one.

    .venv/bin/python -m bench.fetch            # --deadline 2 --fetches 300

Against real local servers (tests/iiif_server.py) that would each take a minute (headers or a
body trickled a byte every 0.2 s, a connection or TLS handshake left silent, redirects 0.6 s
apart), prints how long `worker.fetch.url_fetch` took to give up and the reason it gave. Then
fetches a 100 KB file `--fetches` times from a fast local server, with the deadline's timer and
resolver thread, and with a bare `http.client` request to the same address (no deadline, no
address check), and prints the cost per fetch of each and their ratio.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import time
from pathlib import Path

from tests.iiif_server import SlowServer, http_server
from worker.fetch import FetchError, url_fetch


def slow_servers(deadline: float, folder: Path) -> None:
    print(f"slow servers (each would take 60 s), deadline {deadline:g} s:")
    for behaviour, scheme in [
        ("headers", "http"),
        ("body", "http"),
        ("silent", "http"),
        ("silent", "https"),
        ("redirects", "http"),
    ]:
        pause = 0.6 if behaviour == "redirects" else 0.2
        with SlowServer(behaviour, pause=pause) as server:
            url = server.base.replace("http://", f"{scheme}://") + "/0"
            started = time.monotonic()
            try:
                url_fetch(
                    url, folder / "out", max_bytes=10**7, deadline=deadline, allow_private=True
                )
                outcome = "fetched"
            except FetchError as error:
                outcome = f"{error.reason}: {error.detail}"
            elapsed = time.monotonic() - started
            name = f"{behaviour} ({scheme})"
            print(
                f"  {name:<18} left after {elapsed:5.2f} s, {server.sent:3d} bytes sent; {outcome}"
            )


def fast_server(fetches: int, folder: Path) -> None:
    body = bytes(100 * 1024)
    with http_server({"/a": (200, body, {})}) as base:
        host, port = base.removeprefix("http://").split(":")

        def ours() -> None:
            url_fetch(f"{base}/a", folder / "a", max_bytes=10**6, deadline=30, allow_private=True)

        def bare() -> None:
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request("GET", "/a")
            with open(folder / "b", "wb") as out:
                out.write(connection.getresponse().read())
            connection.close()

        timings: dict[str, list[float]] = {"ours": [], "bare": []}
        for _ in range(fetches):  # interleaved, so that both see the same machine
            for name, fetch in (("ours", ours), ("bare", bare)):
                started = time.perf_counter()
                fetch()
                timings[name].append(time.perf_counter() - started)
    ours_ms = statistics.median(timings["ours"]) * 1000
    bare_ms = statistics.median(timings["bare"]) * 1000
    print(f"fast server, 100 KB, {fetches} fetches each (median per fetch):")
    print(f"  with the deadline {ours_ms:.2f} ms, bare http.client {bare_ms:.2f} ms")
    print(f"  ratio {ours_ms / bare_ms:.2f}x, difference {ours_ms - bare_ms:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=2)
    parser.add_argument("--fetches", type=int, default=300)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        slow_servers(options.deadline, Path(folder))
        fast_server(options.fetches, Path(folder))


if __name__ == "__main__":
    main()
