from __future__ import annotations

import pytest

from tests.browser.tutorial import tutorials_seen
from tests.servers import chromium_path, embedded_stack
from tests.tile_server import tile_server

# The browser tests share the demo's two images per project, several contributors each, and
# count on an image needing three people as the project asks. The machine vote (on in the
# demo) may settle a printed image with two, and a disputed field the tests need with one
# more vote: off here. Its own tests are tests/tasks/test_machine_vote.py and
# tests/worker/consensus/test_machine.py; the layer's is test_machine_reading.py.
MACHINE_VOTE_OFF = (
    "from tasks.models import Project; "
    "Project.objects.filter(slug__startswith='demo-').update(machine_vote=False)"
)


# What a page action waits for (`set_default_timeout(15_000)` on each context) and what an
# assertion waits for are set apart in Playwright: `expect()` keeps its own 5 s unless told. On a
# busy two-core machine a sign-in (the password hasher at full strength), a page made ready or an
# event over a socket can take longer than that, so assertions wait as long as actions.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session", autouse=True)
def expect_patience():
    from playwright.sync_api import expect

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="session")
def tiles():
    """The map's tiles, served on this machine: the browser tests never reach the network."""
    with tile_server() as served:
        yield served


@pytest.fixture(scope="session")
def site(tmp_path_factory, tiles):
    env = {"MAP_TILES_URL": tiles.url}
    with embedded_stack(tmp_path_factory.mktemp("browser"), env=env) as running:
        running.manage("shell", "--no-imports", "-c", MACHINE_VOTE_OFF)
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
