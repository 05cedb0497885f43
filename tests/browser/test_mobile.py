"""Browser tier: the transcription page on a phone (390 x 844, touch), on a stack of its own.

Typing in a field low in the form keeps the image in view (the viewer is sticky at the top),
the field typed in is not hidden under it, no keyboard shortcut hint shows on a touch screen,
and the image's metadata is named by the template's labels in the page's language.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.accounts import sign_in
from tests.browser.tutorial import tutorials_seen
from tests.servers import embedded_stack

pytestmark = pytest.mark.browser

TRANSCRIBE = "/projects/demo-herbarium/transcribe/"
PHONE = {"width": 390, "height": 844}
VOLUNTEERS = ("phone-fr", "phone-en")


@pytest.fixture(scope="module")
def phone_site(tmp_path_factory):
    with embedded_stack(tmp_path_factory.mktemp("mobile")) as running:
        # Volunteers of their own, who have seen no image yet.
        code = (
            "from crowd.models import User\n"
            f"for name in {VOLUNTEERS!r}:\n"
            "    user = User.objects.create_user(name, f'{name}@example.org', "
            f"{DEMO_PASSWORD!r}, email_verified=True)\n"
        )
        running.manage("shell", "--no-imports", "-c", code)
        yield running


def phone(browser, locale):
    context = browser.new_context(
        locale=locale, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    tutorials_seen(context)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def french(browser):
    context = phone(browser, "fr-FR")
    yield context
    context.close()


@pytest.fixture
def english(browser):
    context = phone(browser, "en-GB")
    yield context
    context.close()


def open_transcription_page(site, context, username):
    page = sign_in(site, context, username, TRANSCRIBE, tap=True)
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    return page


def visible_height(box, viewport_height):
    """How much of `box` (Playwright's bounding box, in viewport coordinates) is on screen."""
    return max(0.0, min(box["y"] + box["height"], viewport_height) - max(box["y"], 0.0))


def test_typing_low_in_the_form_keeps_the_image_in_view(phone_site, french):
    page = open_transcription_page(phone_site, french, "phone-fr")
    assert page.evaluate("matchMedia('(hover: none) and (pointer: coarse)').matches")
    low = page.locator("[data-fields] input[type=text]").last
    low.tap()
    expect(low).to_be_focused()
    page.keyboard.type("45.1885, 5.7245")
    expect(low).to_have_value("45.1885, 5.7245")

    # The field was far below the first screen: the page scrolled to it.
    assert page.evaluate("window.scrollY") > 300
    image = page.locator("[data-viewer]").bounding_box()
    assert image is not None
    assert visible_height(image, PHONE["height"]) >= 100, image
    # The field typed in is on screen, below the image rather than under it.
    pane = page.locator("[data-viewer-pane]").bounding_box()
    field = low.bounding_box()
    assert field["y"] >= pane["y"] + pane["height"] - 1, (field, pane)
    assert field["y"] + field["height"] <= PHONE["height"], field


def test_no_shortcut_hint_shows_on_a_touch_screen(phone_site, french):
    page = open_transcription_page(phone_site, french, "phone-fr")
    hints = page.locator("[data-transcribe] kbd")
    assert hints.count() > 0  # there are hints on the page, for keyboards
    for index in range(hints.count()):
        expect(hints.nth(index)).to_be_hidden()
    expect(page.locator("[data-action=help]")).to_be_hidden()
    # Sending stays one tap away, without its Ctrl+Enter hint.
    send = page.locator("[data-form] button[type=submit]")
    expect(send).to_be_visible()
    expect(send.locator("kbd")).to_be_hidden()


@pytest.mark.parametrize(
    ("language", "label"), [("french", "Numéro de catalogue"), ("english", "Catalogue number")]
)
def test_the_image_metadata_is_named_by_its_label_not_its_key(phone_site, request, language, label):
    context = request.getfixturevalue(language)
    username = "phone-fr" if language == "french" else "phone-en"
    page = open_transcription_page(phone_site, context, username)
    metadata = page.locator("[data-metadata]")
    expect(metadata.locator("dt").first).to_have_text(label)
    expect(metadata).not_to_contain_text("catalogNumber")
