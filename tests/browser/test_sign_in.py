"""Browser tier: headless Chromium against the platform served by a real ASGI server."""

from __future__ import annotations

import pytest
from playwright.sync_api import Route, expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_contributor_signs_in_and_sees_the_projects_in_french_then_in_english(site, page):
    page.goto(f"{site.base_url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("Nom d’utilisateur").fill("contributor1")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()

    expect(page.get_by_role("heading", name="Projets", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Herbier de démonstration")).to_be_visible()
    expect(page.get_by_role("link", name="Fichier bibliographique du jazz")).to_be_visible()

    page.get_by_label("Langue").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Demonstration herbarium")).to_be_visible()
    expect(page.get_by_text("Logged in as Contributor1")).to_be_visible()


def test_the_project_page_connects_to_live_updates(site, page):
    page.goto(f"{site.base_url}/projects/demo-herbarium/")
    expect(page.locator("[data-live-project]")).to_have_attribute("data-live-connection", "open")
    expect(page.locator("[data-count-text='tasks.total']")).to_have_text("2 images")
    expect(page.locator("[data-count='tasks.open']")).to_have_text("2")


def test_a_language_chosen_before_the_page_scripts_ran_is_applied_when_they_run(site, page):
    # The page's modules come after the page itself; hold the language module back until the
    # choice is made, as a slow network (or a loaded machine) does.
    held: list[Route] = []

    def hold(route: Route) -> None:
        if held:  # the pages that follow load it as usual
            route.continue_()
        else:
            held.append(route)

    page.route("**/js/language.js", hold)
    page.goto(f"{site.base_url}/accounts/login/", wait_until="commit")
    expect(page.get_by_label("Langue")).to_be_visible()
    page.get_by_label("Langue").select_option("en")
    expect(page.get_by_role("button", name="Changer")).to_be_visible()  # the script has not run
    for _ in range(300):  # until the page has asked for the module (each wait runs the handler)
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
