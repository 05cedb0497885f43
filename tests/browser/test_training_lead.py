"""Browser tier: a lead uploads training images, writes a tutorial step whose picture is a crop
dragged on one of them, previews it in both languages, and deletes it after confirming."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.images import jpeg

pytestmark = pytest.mark.browser

SLUG = "browser-training"


def project_with_training_images(base_url: str) -> None:
    """A project of its own with two training images (a training batch, through the API)."""
    token = httpx.post(
        f"{base_url}/api/auth/token/",
        data={"username": "lead", "password": DEMO_PASSWORD},
        timeout=30,
    ).json()["token"]
    headers = {"Authorization": f"Token {token}"}
    created = httpx.post(
        f"{base_url}/api/projects/",
        json={"slug": SLUG, "title_fr": "Formation", "title_en": "Training", "preset": "herbarium"},
        headers=headers,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    batch = httpx.post(
        f"{base_url}/api/projects/{SLUG}/batches/",
        data={"purpose": "training"},
        files=[
            ("files", ("ref-1.jpg", jpeg(301, (600, 400)), "image/jpeg")),
            ("files", ("ref-2.jpg", jpeg(302, (400, 600)), "image/jpeg")),
        ],
        headers=headers,
        timeout=60,
    )
    assert batch.status_code == 201, batch.text
    assert batch.json()["purpose"] == "training"


def test_a_lead_crops_a_tutorial_picture_by_dragging_and_previews_the_step(site, page):
    project_with_training_images(site.base_url)
    page.goto(f"{site.base_url}/accounts/login/?next=/projects/{SLUG}/training/")
    page.locator("input[name=username]").fill("lead")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/projects/{SLUG}/training/$"))

    page.locator("#id_step-title_fr").fill("L’étiquette")
    page.locator("#id_step-title_en").fill("The label")
    page.locator("#id_step-body_fr").fill("Le nom est en bas à droite.")
    page.locator("#id_step-body_en").fill("The name is at the bottom right.")
    page.locator("#id_step-highlight").select_option("field:scientificName")
    # The thumbnails are buttons: the keyboard picks one as well as the mouse.
    thumb = page.locator("[data-pick-task]").first
    thumb.focus()
    page.keyboard.press("Enter")
    expect(thumb).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#id_step-crop_task")).to_have_value(thumb.get_attribute("data-pick-task"))
    image = page.locator("[data-crop-image]")
    expect(image).to_be_visible()
    image.scroll_into_view_if_needed()
    box = image.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.75, steps=4)
    page.mouse.up()
    crop = page.locator("#id_step-crop").input_value()
    left, top, width, height = (float(part) for part in crop.split(","))
    assert (left, top) == pytest.approx((0.5, 0.5), abs=0.02)
    assert (width, height) == pytest.approx((0.4, 0.25), abs=0.02)
    expect(page.locator("[data-crop-box]")).to_be_visible()
    page.locator("form.stacked button[type=submit]").last.click()

    # Back on the page: the step is listed and previewed in French (open) and in English.
    expect(page.locator("ul.messages")).to_contain_text("Étape ajoutée")
    preview = page.locator(".tutorial-preview[lang=fr] .tutorial-step")
    expect(preview).to_have_count(1)
    expect(preview.locator(".tutorial-title")).to_have_text("L’étiquette")
    expect(preview.locator(".tutorial-highlight")).to_contain_text("Nom scientifique")
    picture = preview.locator("img.tutorial-picture")
    expect(picture).to_be_visible()
    # The crop of the chosen image (600 × 400 or 400 × 600), in its pixels.
    size = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    expected = [
        [round((left + width) * w) - int(left * w), round((top + height) * h) - int(top * h)]
        for w, h in ((600, 400), (400, 600))
    ]
    assert size in expected
    page.locator(".tutorial-preview[lang=en] summary").click()
    expect(page.locator(".tutorial-preview[lang=en] .tutorial-title")).to_have_text("The label")

    # Deleting asks first; dismissing keeps the step, accepting deletes it.
    delete = page.locator("form[data-confirm=delete_step] button")
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    expect(page.locator("[data-step]")).to_have_count(1)
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(page.locator("[data-step]")).to_have_count(0)
