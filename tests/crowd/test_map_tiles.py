"""The base map's tiles are a setting, checked at start-up and allowed by the policy."""

from __future__ import annotations

import json

import pytest

from crowd.config import ConfigError
from crowd.map_tiles import DEFAULT_ATTRIBUTION, DEFAULT_URL, attribution_check, map_tiles
from tests.crowd.test_config import run_django


def test_by_default_the_map_shows_openstreetmap_with_its_credit():
    tiles = map_tiles(None, None)
    assert tiles.url == DEFAULT_URL == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in tiles.attribution
    assert 'href="https://www.openstreetmap.org/copyright"' in DEFAULT_ATTRIBUTION
    assert tiles.origin == "https://tile.openstreetmap.org"


@pytest.mark.parametrize(
    "url",
    [
        "https://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org:8443/base/{z}/{x}/{y}{r}.png?key=abc",
        "http://127.0.0.1:8765/{z}/{x}/{y}.png",
        "http://localhost/{z}/{y}/{x}.png",
        "http://[::1]:9000/{z}/{x}/{y}.png",
    ],
)
def test_https_templates_and_http_on_this_machine_are_taken(url):
    assert map_tiles(url, None).url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://tiles.example.org/{z}/{x}/{y}.png", "must use https"),
        ("ftp://tiles.example.org/{z}/{x}/{y}.png", "must be an https URL template"),
        ("tiles.example.org/{z}/{x}/{y}.png", "must be an https URL template"),
        ("https://tiles.example.org/{z}/{x}.png", "lacks {y}"),
        ("https://tiles.example.org/tile.png", "lacks {z}, {x}, {y}"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "placeholder in its host"),
        ("https://tiles.example.org/{z}/{x}/{y}.png?k={apikey}", "does not fill: {apikey}"),
        ("https://user:pw@tiles.example.org/{z}/{x}/{y}.png", "user name or password"),
    ],
)
def test_bad_tile_templates_are_refused_with_the_reason(url, message):
    with pytest.raises(ConfigError, match="MAP_TILES_URL") as refused:
        map_tiles(url, None)
    assert message in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('<img src=x onerror="alert(1)">', "not <img>"),
        ('<a href="javascript:alert(1)">x</a>', "the link 'javascript:alert(1)'"),
        ('<a href="https://x.org" onclick="go()">x</a>', "the attribute onclick"),
        ("<b>tiles</b>", "not <b>, </b>"),
        ("   ", "must not be empty"),
        ("x" * 501, "longer than 500"),
    ],
)
def test_an_attribution_holds_text_and_links_only(text, message):
    with pytest.raises(ConfigError, match="MAP_TILES_ATTRIBUTION") as refused:
        attribution_check(text)
    assert message in str(refused.value)


def test_a_plain_or_linked_attribution_is_kept_as_written():
    text = 'Tiles © <a href="https://example.org/about">Example</a> &amp; friends'
    assert attribution_check(text) == text


def test_the_policy_lets_pages_show_tiles_from_the_configured_host_only():
    code = (
        "import json; from django.conf import settings; print(json.dumps(["
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], settings.MAP_TILES_URL]))"
    )
    result = run_django(code, MAP_TILES_URL="http://127.0.0.1:4321/t/{z}/{x}/{y}.png")
    assert result.returncode == 0, result.stderr
    sources, url = json.loads(result.stdout)
    assert sources == ["'self'", "data:", "http://127.0.0.1:4321"]
    assert url == "http://127.0.0.1:4321/t/{z}/{x}/{y}.png"


def test_the_platform_refuses_to_start_on_a_tile_url_over_plain_http():
    result = run_django("", MAP_TILES_URL="http://tiles.example.org/{z}/{x}/{y}.png")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert (
        "MAP_TILES_URL='http://tiles.example.org/{z}/{x}/{y}.png' must use https" in result.stderr
    )
