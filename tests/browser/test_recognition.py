"""Browser tier: recognition. A volunteer opts in to rankings and a public profile by keyboard
on their profile page, then sees their grade and badge on the project page, themselves in the
project's ranking, and their public profile as anyone sees it; in French and in English."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accounts import desktop_context, sign_in
from tests.browser.recognition_data import NAME, VOLUNTEER

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def slug(site):
    code = "from tests.browser.recognition_data import lay; print(lay())"
    output = site.manage("shell", "--no-imports", "-c", code)
    return json.loads(output.strip().splitlines()[-1])["slug"]


def tab_to(page: Page, locator) -> None:
    """Press Tab until `locator` has the focus (at most 60 times)."""
    for _ in range(60):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("never reached by Tab")


def test_a_volunteer_opts_in_by_keyboard_and_sees_grade_badge_ranking_and_profile_in_french(
    site, browser, slug
):
    context = desktop_context(browser, "fr-FR")
    page = sign_in(site, context, VOLUNTEER, "/accounts/profile/")

    # Both choices are off until turned on; the keyboard turns them on and saves.
    section = page.locator("[data-recognition-choices]")
    ranking_box = section.get_by_label(
        "Afficher mon nom public et mes valeurs validées dans les classements de mes projets"
    )
    profile_box = section.get_by_label(
        "Rendre mon profil public : mon nom public, mes projets et mes badges"
    )
    expect(ranking_box).not_to_be_checked()
    expect(profile_box).not_to_be_checked()
    tab_to(page, ranking_box)
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(profile_box).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(section.get_by_role("button", name="Enregistrer ces choix")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Vos choix de reconnaissance sont enregistrés.")).to_be_visible()
    expect(ranking_box).to_be_checked()
    expect(profile_box).to_be_checked()
    profile_link = page.locator("[data-public-profile-link] a")
    profile_url = profile_link.get_attribute("href")
    assert profile_url is not None
    assert re.fullmatch(r"/people/[\w-]{12,}/", profile_url)
    assert VOLUNTEER not in profile_url

    # The project page: the call to action first, then their own grade and badge.
    page.goto(f"{site.base_url}/projects/{slug}/")
    standing = page.locator("[data-standing]")
    expect(standing.get_by_role("heading", name="Votre reconnaissance")).to_be_visible()
    expect(standing).to_contain_text("Grade 1 sur 6 : Nouvelle recrue.")
    expect(standing).to_contain_text("3 de vos valeurs sont en accord avec les valeurs retenues.")
    expect(standing.locator('[data-badge="first_transcription"]')).to_contain_text(
        "Première transcription"
    )
    expect(page.locator("#grade-progress")).to_have_attribute("value", "15")

    # To the ranking by keyboard: they are listed by their display name.
    link = standing.get_by_role("link", name="Le classement du projet")
    tab_to(page, link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Classement de")
    row = page.locator("[data-ranking] [data-me]")
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text("3")
    expect(page.locator("[data-ranking]")).not_to_contain_text("recog-peer")

    # Their public profile, as someone signed out sees it.
    visitor = desktop_context(browser, "fr-FR").new_page()
    visitor.goto(f"{site.base_url}{profile_url}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(visitor.locator(f'[data-profile-project="{slug}"]')).to_contain_text(
        "Première transcription"
    )
    expect(visitor.locator("body")).not_to_contain_text(VOLUNTEER)
    visitor.context.close()
    context.close()


def test_the_same_recognition_reads_in_english(site, browser, slug):
    context = desktop_context(browser, "en-US")
    page = sign_in(site, context, VOLUNTEER, f"/projects/{slug}/")
    standing = page.locator("[data-standing]")
    expect(standing.get_by_role("heading", name="Your recognition")).to_be_visible()
    expect(standing).to_contain_text("Grade 1 of 6: Newcomer.")
    expect(standing).to_contain_text("17 more agreed values to reach Reader.")
    expect(standing.locator('[data-badge="first_transcription"]')).to_contain_text(
        "First transcription"
    )
    page.goto(f"{site.base_url}/projects/{slug}/ranking/?month=2025-13")
    expect(page.locator("[data-month-error]")).to_have_text("There is no such month.")
    context.close()
