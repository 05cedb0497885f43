"""Browser contexts and signing in, as every browser test does them."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.tutorial import tutorials_seen

DESKTOP = {"width": 1280, "height": 800}


def desktop_context(browser: Any, locale: str = "fr-FR") -> BrowserContext:
    """A fresh context (cookies, localStorage) at a laptop's size, the tutorials seen."""
    context = browser.new_context(locale=locale, viewport=DESKTOP)
    tutorials_seen(context)
    context.set_default_timeout(15_000)
    return context


def sign_in(
    site: Any,
    context: BrowserContext,
    username: str,
    path: str,
    *,
    password: str = DEMO_PASSWORD,
    tap: bool = False,
) -> Page:
    """A new page signed in as `username` through the log-in form, landed on `path`."""
    page = context.new_page()
    page.goto(f"{site.base_url}/accounts/login/?next={path}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    button = page.locator("form.stacked button[type=submit]")
    if tap:
        button.tap()
    else:
        button.click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    return page
