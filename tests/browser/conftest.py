from __future__ import annotations

import pytest

from tests.browser.tutorial import tutorials_seen
from tests.servers import chromium_path, embedded_stack


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    with embedded_stack(tmp_path_factory.mktemp("browser")) as running:
        yield running


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = tutorials_seen(browser.new_context(locale="fr-FR"))
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
