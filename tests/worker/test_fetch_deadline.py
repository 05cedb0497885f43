"""One wall-clock deadline per fetch: a server that trickles its headers or its body a byte at a
time, never answers, never finishes a TLS handshake or redirects again and again is left when
the deadline passes, not when it is done (each of these servers would take a minute).

No timing is asserted: each test checks the reason given and that the server was still
sending when the fetch gave up.
"""

from __future__ import annotations

import pytest

from tests.iiif_server import SlowServer
from worker.fetch import FetchError, url_fetch
from worker.iiif_import import url_fetch_json

# Every trickling server sends a byte far more often than this: a time-out per read alone
# would never stop it.
DEADLINE = 1.5


def fetch(url, tmp_path):
    return url_fetch(url, tmp_path / "out", max_bytes=10**6, deadline=DEADLINE, allow_private=True)


def test_a_server_that_trickles_its_headers_is_left_at_the_deadline(tmp_path):
    with SlowServer("headers") as server, pytest.raises(FetchError) as failed:
        fetch(f"{server.base}/a.jpg", tmp_path)
    assert failed.value.reason == "deadline"
    assert "no answer within 1.5 s" in failed.value.detail
    assert "headers" in failed.value.detail
    assert server.sent > 1
    assert not server.finished.is_set()


def test_a_server_that_trickles_its_body_is_left_at_the_deadline_and_nothing_partial_counts(
    tmp_path,
):
    with SlowServer("body") as server, pytest.raises(FetchError) as failed:
        fetch(f"{server.base}/a.jpg", tmp_path)
    assert failed.value.reason == "deadline"
    assert "body" in failed.value.detail
    assert server.sent > 1
    assert not server.finished.is_set()


def test_a_manifest_trickled_without_a_length_is_not_read_as_a_short_document():
    # Without Content-Length the end of the connection is the end of the body: a socket shut
    # down at the deadline must not pass for it.
    with SlowServer("unsized") as server, pytest.raises(FetchError) as failed:
        url_fetch_json(f"{server.base}/manifest.json", deadline=DEADLINE, allow_private=True)
    assert failed.value.reason == "deadline"
    assert not server.finished.is_set()


def test_a_server_that_accepts_and_never_answers_is_left_at_the_deadline(tmp_path):
    with SlowServer("silent") as server, pytest.raises(FetchError) as failed:
        fetch(f"{server.base}/a.jpg", tmp_path)
    assert failed.value.reason == "deadline"
    assert "headers" in failed.value.detail
    assert not server.finished.is_set()


def test_a_tls_handshake_that_never_ends_is_left_at_the_deadline(tmp_path):
    with SlowServer("silent") as server, pytest.raises(FetchError) as failed:
        fetch(server.base.replace("http://", "https://") + "/a.jpg", tmp_path)
    assert failed.value.reason == "deadline"
    assert "TLS handshake" in failed.value.detail
    assert not server.finished.is_set()


def test_one_deadline_covers_every_redirect_of_a_fetch(tmp_path):
    # Each hop answers well within the deadline; together they do not.
    with SlowServer("redirects", pause=0.6) as server, pytest.raises(FetchError) as failed:
        fetch(f"{server.base}/0", tmp_path)
    assert failed.value.reason == "deadline"
    assert server.requests < 6  # stopped before the redirect limit would have
    assert not failed.value.refused


def test_a_fast_server_is_fetched_whole_under_the_same_deadline(tmp_path):
    with SlowServer("body", pause=0.001, seconds=0.05) as server:
        size = fetch(f"{server.base}/a.jpg", tmp_path)
    assert size == 50
    assert (tmp_path / "out").read_bytes() == b"x" * 50
