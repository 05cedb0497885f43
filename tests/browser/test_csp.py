"""Browser tier: the Content-Security-Policy blocks nothing the platform's own pages need.

Chromium reports every blocked script, style, image or connection as a
`securitypolicyviolation` event; a listener added before any page script collects them while a
lead goes through every page, the image viewer (OpenSeadragon on its tiles, live updates over
the WebSocket) and the Swagger UI included.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PROJECT = "demo-herbarium"
COLLECT = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def test_no_page_of_the_platform_is_blocked_by_its_content_security_policy(site, browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    context.add_init_script(COLLECT)
    page = context.new_page()
    blocked: list[str] = []

    def check(path: str) -> None:
        blocked.extend(f"{path}: {v}" for v in page.evaluate("window.__violations"))

    page.goto(f"{site.base_url}/accounts/login/")
    check("/accounts/login/")
    page.locator("input[name=username]").fill("lead")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/$"))
    for path in (
        "/",
        f"/projects/{PROJECT}/",
        f"/projects/{PROJECT}/review/",
        f"/projects/{PROJECT}/my-feedback/",
        f"/projects/{PROJECT}/settings/",
        f"/projects/{PROJECT}/batches/",
        f"/projects/{PROJECT}/exports/",
        f"/projects/{PROJECT}/results/",
        f"/projects/{PROJECT}/results/?view=grid",
        f"/projects/{PROJECT}/talk/",
        f"/projects/{PROJECT}/talk/moderation/",
    ):
        page.goto(f"{site.base_url}{path}")
        page.wait_for_load_state("networkidle")
        check(path)
    # The live state line says so once the socket is open: connections to ws:// are allowed.
    page.goto(f"{site.base_url}/projects/{PROJECT}/")
    expect(page.locator("[data-live-state]")).to_have_text(re.compile("^En direct"))
    # The progress bar got its width from its data attribute.
    width = page.locator("[data-progress] .bar span").first.evaluate("e => e.style.width")
    assert width.endswith("%")
    check("live")
    page.goto(f"{site.base_url}/projects/{PROJECT}/transcribe/")
    page.locator("[data-viewer] canvas").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    check("transcribe")
    # One image of the results, with the viewer on its tiles.
    page.goto(f"{site.base_url}/projects/{PROJECT}/results/")
    page.locator("[data-rows] [data-task] a").first.click()
    page.locator("[data-results-image] [data-viewer] canvas").first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    check("results image")
    page.goto(f"{site.base_url}/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()
    check("/api/docs/")
    context.close()
    assert blocked == []
