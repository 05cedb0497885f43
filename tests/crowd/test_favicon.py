"""Every page names an icon, and the address browsers ask for regardless answers."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_every_page_links_the_site_icon_and_the_icon_exists(client):
    page = client.get("/").content.decode()
    assert f'<link rel="icon" href="{static("img/favicon.svg")}" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")


def test_favicon_ico_redirects_to_the_icon_rather_than_answering_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.svg")
