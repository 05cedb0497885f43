"""Browser tier: a volunteer's own account, by keyboard and mouse: a new volunteer changes their
display name and language, downloads their data and closes their account. (That their
transcriptions still count after closing is in tests/crowd/test_profile.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "a-long-pass-phrase-for-the-browser-42"


def test_a_volunteer_changes_name_and_language_downloads_data_and_closes_the_account(site, page):
    page.goto(f"{site.base_url}/accounts/signup/")
    page.locator("input[name=username]").fill("profile-volunteer")
    page.locator("input[name=email]").fill("profile-volunteer@example.org")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()

    # From the name in the header to the profile page, in French.
    page.get_by_role("link", name="Connecté en tant que profile-volunteer").click()
    expect(page.get_by_role("heading", name="Mon profil", level=1)).to_be_visible()
    page.get_by_label("Nom affiché").fill("Jeanne B.")
    page.get_by_label("Langue des pages et des e-mails").select_option("en")
    page.get_by_label("Nom affiché").press("Enter")  # the form sends by keyboard
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Logged in as Jeanne B.")).to_be_visible()

    # Everything kept about them, as a file.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["account"]["username"] == "profile-volunteer"
    assert data["account"]["display_name"] == "Jeanne B."
    assert data["account"]["preferred_language"] == "en"
    assert data["transcriptions"] == []

    # Closing the account asks for the password and a confirmation, then signs out.
    page.get_by_role("link", name="Close my account…").click()
    expect(page.get_by_role("heading", name="Close my account", level=1)).to_be_visible()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Close my account for good").click()
    expect(page.locator(".field.has-error")).to_be_visible()  # the confirmation box is needed
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I understand that my account is closed for good.").check()
    page.get_by_role("button", name="Close my account for good").click()
    expect(page.get_by_text("Your account is closed. Thank you for your help.")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()

    # The old name and password open nothing.
    page.goto(f"{site.base_url}/accounts/login/")
    page.locator("input[name=username]").fill("profile-volunteer")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
