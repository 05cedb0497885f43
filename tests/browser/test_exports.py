"""Browser tier: a lead's exports page shows an export finish and offers its file, live."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_an_export_asked_elsewhere_appears_ready_with_its_file_without_a_reload_by_hand(site, page):
    page.goto(f"{site.base_url}/accounts/login/?next=/projects/demo-references/exports/")
    page.locator("input[name=username]").fill("lead")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile("/projects/demo-references/exports/$"))
    root = page.locator("[data-exports]")
    expect(root).to_have_attribute("data-live-connection", "open")
    # Formats the reference template cannot fill are offered disabled, with the reason.
    expect(page.locator("#format-dwca")).to_be_disabled()
    expect(page.locator("#format-bibtex")).to_be_enabled()

    token = httpx.post(
        f"{site.base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    asked = httpx.post(
        f"{site.base_url}/api/projects/demo-references/exports/",
        json={"format": "bibtex"},
        headers={"Authorization": f"Token {token}"},
        timeout=60,
    )
    assert asked.status_code == 202, asked.text
    row = page.locator(f"[data-export='{asked.json()['id']}']")
    # The page hears the export finish over its socket and shows it with its link.
    link = row.locator("[data-export-link] a")
    expect(link).to_be_visible()
    expect(link).to_have_text("Télécharger")
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename.endswith(".bib")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "Licence: CC BY 4.0" in text
    assert "@" in text
