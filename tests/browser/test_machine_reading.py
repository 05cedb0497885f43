"""Browser tier: the machine reading's layer on the transcription page. A volunteer shows the
words the OCR engine read over the image, picks one with the mouse and one from the keyboard,
each going into the field they were in; the form was not pre-filled, and the transcription
records which fields took machine words.

The test makes its own project (machine reading on, one typed card read at ingest by the real
Tesseract) and its own volunteer, so it shares no image with the other browser tests.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import ConsoleMessage, expect

from tests.browser.accounts import desktop_context, sign_in
from tests.ocr import tesseract

pytestmark = pytest.mark.browser

__all__ = ["tesseract"]

SLUG = "machine-cards"
USER = "ocr-volunteer"
PASSWORD = "lire-les-etiquettes-1898"
TRANSCRIBE = f"/projects/{SLUG}/transcribe/"

SETUP = f"""
import tempfile
from pathlib import Path
from crowd.models import User
from tasks.models import ProjectStatus, ReadingStatus, ImageReading
from tasks.services.batch_sources import Incoming
from tasks.services.batches import batch_create, batch_start
from tasks.services.ingest import batch_ingest_here
from tasks.services.projects import project_create
from tests.ocr import label_image

lead = User.objects.get(username="lead")
volunteer = User.objects.create_user(username={USER!r}, email="ocr@example.org", password={PASSWORD!r})
project = project_create(
    lead=lead, slug={SLUG!r}, preset="reference", title_fr="Fiches lues", title_en="Read cards",
    status=ProjectStatus.ACTIVE, machine_reading=True,
)
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "card.jpg"
    label_image(["PERRIN,  Genevieve", "Hommage  a  Lester  Young.", "Jazz  Hot,  1947."],
                size=(1000, 400)).save(path, quality=92)
    batch = batch_create(project=project, actor=lead, uploads=[Incoming.from_path(path)], start=False)
    batch_start(batch_id=batch.pk, send=False)
    batch_ingest_here(batch_id=batch.pk)
print(ImageReading.objects.get(project=project).status)
"""


@pytest.fixture(scope="module")
def read_project(site):
    output = site.manage("shell", "--no-imports", "-c", SETUP)
    assert output.strip().splitlines()[-1] == "done", output
    return SLUG


def machine_fields(site):
    code = (
        "import json; from tasks.models import Transcription; "
        f"t = Transcription.objects.get(user__username={USER!r}); "
        "print(json.dumps({'values': t.values, 'machine': t.machine_fields}))"
    )
    return json.loads(site.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def test_a_volunteer_shows_the_machine_reading_and_inserts_its_words_into_fields(
    site, browser, tesseract, read_project
):
    context = desktop_context(browser)
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page = sign_in(site, context, USER, TRANSCRIBE, password=PASSWORD)
    page.on("console", console)
    root = page.locator("[data-transcribe]")
    expect(root).to_have_attribute("data-state", "ready")
    title = page.get_by_role("textbox", name="Titre", exact=True)
    container = page.get_by_role("textbox", name="Revue ou ouvrage", exact=True)
    # Never a pre-fill: the form is empty, and the layer is off until asked for.
    expect(title).to_have_value("")
    expect(container).to_have_value("")
    toggle = page.locator("[data-machine-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".machine-word")).to_have_count(0)

    title.click()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    lester = page.locator(".machine-word[data-word=Lester]")
    expect(lester).to_be_visible()
    # The box sits on the printed word: inside the viewer, about as high as the print.
    box = lester.bounding_box()
    viewer = page.locator("[data-viewer]").bounding_box()
    assert box is not None
    assert viewer is not None
    assert viewer["x"] <= box["x"] <= viewer["x"] + viewer["width"]
    assert viewer["y"] <= box["y"] <= viewer["y"] + viewer["height"]

    # With the mouse: the word goes into the title, which keeps the focus.
    lester.click()
    expect(title).to_have_value("Lester")
    expect(title).to_be_focused()
    page.locator('.machine-word[data-word="Young."]').click()
    expect(title).to_have_value("Lester Young.")

    # From the keyboard: into the field the volunteer was in, the focus staying on the word.
    container.click()
    jazz = page.locator(".machine-word[data-word=Jazz]")
    jazz.focus()
    page.keyboard.press("Enter")
    expect(container).to_have_value("Jazz")
    expect(jazz).to_be_focused()

    # Alt+W hides the layer.
    container.click()
    page.keyboard.press("Alt+W")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".machine-word")).to_have_count(0)

    page.get_by_role("textbox", name="Année", exact=True).fill("1947")
    kind = page.get_by_role("textbox", name="Type de document", exact=True).or_(
        page.get_by_role("combobox", name="Type de document", exact=True)
    )
    kind.fill("article")
    page.keyboard.press("Control+Enter")
    expect(root).to_have_attribute("data-state", "finished")
    recorded = machine_fields(site)
    assert recorded["values"]["title"] == "Lester Young."
    assert recorded["machine"] == ["container", "title"]
    assert refused == []
    context.close()
