"""IIIF manifests: the images of versions 2 and 3, and downloads that stay where they should."""

from __future__ import annotations

import json

import pytest

from tests.iiif_server import http_server, manifest_v2, manifest_v3
from worker.fetch import FetchError, address_allowed, url_fetch
from worker.iiif_import import ManifestError, manifest_images, url_fetch_json

BASE = "https://iiif.example.org"


def test_a_version_3_manifest_is_read_through_its_image_api_service():
    manifest = manifest_v3(
        BASE,
        [
            ("Sheet 1", f"{BASE}/a.jpg", f"{BASE}/iiif/a"),
            ("Sheet 2", f"{BASE}/b.jpg", None),
        ],
    )
    images = manifest_images(manifest, limit=100)
    assert [image.url for image in images] == [
        f"{BASE}/iiif/a/full/max/0/default.jpg",
        f"{BASE}/b.jpg",
    ]
    assert [image.name for image in images] == ["Sheet 1", "Sheet 2"]
    assert images[0].metadata == {"iiif_canvas": f"{BASE}/canvas/1", "Barcode": "B1"}


def test_a_version_2_manifest_uses_full_full_through_its_image_api_service():
    manifest = manifest_v2(
        BASE, [("f. 1r", f"{BASE}/a.jpg", f"{BASE}/iiif/a/"), ("f. 1r", f"{BASE}/b.jpg", None)]
    )
    images = manifest_images(manifest, limit=100)
    assert [image.url for image in images] == [
        f"{BASE}/iiif/a/full/full/0/default.jpg",
        f"{BASE}/b.jpg",
    ]
    assert [image.name for image in images] == ["f. 1r", "f. 1r (2)"]


def test_a_manifest_lists_no_more_canvases_than_the_limit():
    manifest = manifest_v3(BASE, [(f"s{i}", f"{BASE}/{i}.jpg", None) for i in range(5)])
    assert len(manifest_images(manifest, limit=3)) == 3


@pytest.mark.parametrize(
    "document",
    [[], {"type": "Collection", "items": []}, {"@context": "x", "type": "Manifest", "items": []}],
)
def test_what_is_not_a_manifest_with_images_is_refused(document):
    with pytest.raises(ManifestError):
        manifest_images(document, limit=10)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fd00::1", False),
        ("0.0.0.0", False),  # noqa: S104 (an address checked, not bound)
        ("93.184.215.14", True),
        ("2606:4700::1", True),
    ],
)
def test_only_public_addresses_are_fetched(address, allowed):
    assert address_allowed(address) is allowed


def test_a_loopback_server_is_refused_unless_private_addresses_are_allowed(tmp_path):
    with http_server({"/a.jpg": (200, b"data", {})}) as base:
        with pytest.raises(FetchError) as refused:
            url_fetch(
                f"{base}/a.jpg", tmp_path / "a", max_bytes=100, deadline=5, allow_private=False
            )
        assert refused.value.reason == "private"
        assert (
            url_fetch(
                f"{base}/a.jpg", tmp_path / "a", max_bytes=100, deadline=5, allow_private=True
            )
            == 4
        )
        assert (tmp_path / "a").read_bytes() == b"data"


def test_a_redirect_to_a_private_address_is_refused(tmp_path, monkeypatch):
    # The test server stands for a public one; where it redirects to is checked again.
    monkeypatch.setattr("worker.fetch.address_allowed", lambda address: address == "127.0.0.1")
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/a": (302, b"", {"Location": "http://[::1]:9/secret"})
    }
    with http_server(routes) as base, pytest.raises(FetchError) as refused:
        url_fetch(f"{base}/a", tmp_path / "a", max_bytes=100, deadline=5, allow_private=False)
    assert refused.value.reason == "private"
    assert refused.value.url == "http://[::1]:9/secret"


def test_only_http_and_https_are_fetched(tmp_path):
    for url in ("file:///etc/passwd", "ftp://example.org/a.jpg", "gopher://x/"):
        with pytest.raises(FetchError) as refused:
            url_fetch(url, tmp_path / "a", max_bytes=100, deadline=5, allow_private=True)
        assert refused.value.reason == "scheme"


def test_a_download_past_the_size_cap_is_stopped(tmp_path):
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {"/big": (200, b"x" * 5000, {})}
    with http_server(routes) as base, pytest.raises(FetchError) as refused:
        url_fetch(f"{base}/big", tmp_path / "a", max_bytes=1000, deadline=5, allow_private=True)
    assert refused.value.reason == "too_large"


def test_an_http_error_is_a_failed_download_with_its_status(tmp_path):
    with http_server({}) as base, pytest.raises(FetchError) as failed:
        url_fetch(f"{base}/gone", tmp_path / "a", max_bytes=100, deadline=5, allow_private=True)
    assert failed.value.reason == "failed"
    assert "404" in failed.value.detail


def test_a_manifest_that_is_not_json_is_refused():
    with http_server({"/m": (200, b"<html>", {})}) as base, pytest.raises(ManifestError):
        url_fetch_json(f"{base}/m", deadline=5, allow_private=True)
    with http_server({"/m": (200, json.dumps({"a": 1}).encode(), {})}) as base:
        assert url_fetch_json(f"{base}/m", deadline=5, allow_private=True) == {"a": 1}


@pytest.mark.parametrize(
    "address", ["64:ff9b::a00:1", "2002:7f00:1::1", "::7f00:1", "::ffff:10.0.0.1", "2001::a00:1"]
)
def test_ipv6_addresses_that_carry_a_private_ipv4_address_are_refused(address):
    assert address_allowed(address) is False


def test_a_nat64_address_of_a_public_host_is_allowed():
    assert address_allowed("64:ff9b::808:808") is True
