"""Browser tier: the map beside a geopoint field. A volunteer opens it from the button beside
the coordinates (tiles from the local tile server, the map opening on the record's region),
types DMS and sees the marker move there, places the marker with a click and drags it, sees
the field filled as "lat, lon", sets the uncertainty radius; another finds a commune by name
in the gazetteer and the field is filled. Each transcription records how its point was made.

The test makes its own project (the herbarium preset, three images) and its own volunteers, so
it shares no image with the other browser tests.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.accounts import desktop_context, sign_in
from tests.browser.transcribing import wait_until_image_left
from tests.browser.tutorial import tutorials_seen

pytestmark = pytest.mark.browser

SLUG = "geo-sheets"
USERS = ("geo-volunteer", "geo-finder", "geo-phone", "geo-typist")
PASSWORD = "placer-les-points-1898"
TRANSCRIBE = f"/projects/{SLUG}/transcribe/"
POINT_TEXT = re.compile(r"^-?\d{1,2}\.\d{4}, -?\d{1,3}\.\d{4}$")

SETUP = f"""
import tempfile
from pathlib import Path
from crowd.models import User
from tasks.models import ProjectStatus, Task
from tasks.services.batch_sources import Incoming
from tasks.services.batches import batch_create, batch_start
from tasks.services.ingest import batch_ingest_here
from tasks.services.projects import project_create
from tests.images import image_bytes

lead = User.objects.get(username="lead")
for name in {USERS!r}:
    User.objects.create_user(username=name, email=f"{{name}}@example.org", password={PASSWORD!r},
                             email_verified=True)
project = project_create(
    lead=lead, slug={SLUG!r}, preset="herbarium", title_fr="Planches à placer",
    title_en="Sheets to place", status=ProjectStatus.ACTIVE, redundancy_min=2, redundancy_max=2,
)
with tempfile.TemporaryDirectory() as folder:
    uploads = []
    for n in range(3):
        path = Path(folder) / f"sheet-{{n}}.png"
        path.write_bytes(image_bytes(size=(600, 400), seed=n, format="PNG"))
        uploads.append(Incoming.from_path(path))
    batch = batch_create(project=project, actor=lead, uploads=uploads, start=False)
    batch_start(batch_id=batch.pk, send=False)
    batch_ingest_here(batch_id=batch.pk)
print(Task.objects.filter(project=project, state="open").count())
"""


@pytest.fixture(scope="module")
def geo_project(site):
    output = site.manage("shell", "--no-imports", "-c", SETUP)
    assert output.strip().splitlines()[-1] == "3", output
    return SLUG


def recorded(site, username):
    code = (
        "import json; from tasks.models import Transcription; "
        f"t = Transcription.objects.get(user__username={username!r}); "
        "print(json.dumps({'values': t.values, 'georeference': t.georeference}))"
    )
    return json.loads(site.manage("shell", "--no-imports", "-c", code).strip().splitlines()[-1])


def marker_at(page: Page) -> list[float] | None:
    """The marker's [lat, lon] on the first map of the page, or None."""
    return page.evaluate(
        """() => {
          let found = null;
          window.crowdMaps[0].eachLayer((layer) => {
            if (layer.getLatLng && !layer.getRadius) found = [layer.getLatLng().lat, layer.getLatLng().lng];
          });
          return found;
        }"""
    )


def as_field_text(point: list[float]) -> str:
    return f"{point[0]:.4f}, {point[1]:.4f}"


def open_page(site, browser, username):
    context = desktop_context(browser)
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page = sign_in(site, context, username, TRANSCRIBE, password=PASSWORD)
    page.on("console", console)
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    page.get_by_role("textbox", name="Nom scientifique", exact=True).fill("Digitalis purpurea L.")
    return context, page, refused


def test_a_volunteer_types_dms_then_places_and_drags_the_marker_and_sets_the_radius(
    site, browser, tiles, geo_project
):
    context, page, refused = open_page(site, browser, USERS[0])
    coordinates = page.get_by_role("textbox", name="Coordonnées", exact=True)
    field = page.locator(".tfield[data-key=coordinates]")
    # The record's region is known on the page (typed in its fields): the map opens there.
    page.locator("#field-country").fill("France")
    page.locator("#field-stateProvince").fill("Cantal")

    # The button beside the field, reached from it with Tab, named in French.
    opener = field.locator("[data-map-open]")
    expect(opener).to_have_attribute("aria-label", "Afficher la carte pour Coordonnées")
    coordinates.focus()
    page.keyboard.press("Tab")
    expect(opener).to_be_focused()
    page.keyboard.press("Enter")
    expect(opener).to_have_attribute("aria-expanded", "true")
    panel = field.locator("[data-map-panel]")
    expect(panel).to_be_visible()
    # Tiles from the local server only, and zoom controls.
    expect(panel.locator("img.leaflet-tile-loaded").first).to_be_attached()
    sources = panel.locator("img.leaflet-tile").evaluate_all("tiles => tiles.map((t) => t.src)")
    assert sources
    assert all(src.startswith(tiles.url.split("{z}")[0]) for src in sources), sources
    expect(panel.locator(".leaflet-control-zoom-in")).to_be_visible()
    page.wait_for_function(
        "() => { const c = window.crowdMaps[0].getCenter();"
        " return c.lat > 43.5 && c.lat < 46.5 && c.lng > 1 && c.lng < 4.5; }"
    )
    assert marker_at(page) is None

    # Typing DMS moves the marker there and centres the map on it.
    coordinates.fill("45°13'12\"N 2°18'36\"E")
    expect(field.locator("[data-understood]")).to_contain_text("lat. 45.2200, long. 2.3100")
    page.wait_for_function("() => window.crowdMaps[0].getCenter().distanceTo([45.22, 2.31]) < 50")
    assert as_field_text(marker_at(page)) == "45.2200, 2.3100"
    expect(panel.locator("[data-map-readout]")).to_contain_text("lat. 45.2200, long. 2.3100")

    # A click places the marker there; the field says where, as "lat, lon".
    canvas = panel.locator("[data-map]")
    box = canvas.bounding_box()
    assert box is not None
    canvas.click(position={"x": box["width"] * 0.3, "y": box["height"] * 0.4})
    placed = coordinates.input_value()
    assert POINT_TEXT.match(placed), placed
    assert placed != "45.2200, 2.3100"
    assert as_field_text(marker_at(page)) == placed
    expect(panel.locator("[data-map-readout]")).to_contain_text("lat. " + placed.split(", ")[0])

    # Dragging the marker fills the field again.
    icon = panel.locator(".leaflet-marker-icon")
    at = icon.bounding_box()
    assert at is not None
    page.mouse.move(at["x"] + at["width"] / 2, at["y"] + at["height"] - 4)
    page.mouse.down()
    page.mouse.move(at["x"] + 60, at["y"] + 50, steps=8)
    page.mouse.up()
    expect(coordinates).not_to_have_value(placed)
    dragged = coordinates.input_value()
    assert POINT_TEXT.match(dragged), dragged
    assert as_field_text(marker_at(page)) == dragged

    # The radius: a preset, then a number of metres; out of bounds is refused on the spot.
    radius = panel.locator("[data-map-radius]")
    panel.locator("[data-map-preset]").select_option("2000")
    expect(radius).to_have_value("2000")
    expect(panel.locator("path.map-circle")).to_be_attached()
    radius.fill("250000")
    expect(radius).to_have_attribute("aria-invalid", "true")
    expect(panel.locator("[data-map-radius-error]")).not_to_be_empty()
    radius.fill("1500")
    expect(radius).not_to_have_attribute("aria-invalid", "true")
    assert (
        page.evaluate(
            "() => { let r = null; window.crowdMaps[0].eachLayer((l) => { if (l.getRadius) r = l.getRadius(); }); return r; }"
        )
        == 1500
    )

    # A reload keeps it all (the draft).
    page.reload()
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    expect(coordinates).to_have_value(dragged)

    root = page.locator("[data-transcribe]")
    task_id = root.get_attribute("data-task-id")
    page.keyboard.press("Control+Enter")
    wait_until_image_left(page, root, task_id)
    answer = recorded(site, USERS[0])
    assert answer["values"]["coordinates"] == dragged
    assert answer["georeference"] == {
        "coordinates": {"source": "map", "uncertainty_m": 1500, "place": None}
    }
    assert refused == []
    context.close()


def test_on_a_phone_the_map_opens_under_its_field_and_never_covers_the_image(
    site, browser, geo_project
):
    context = browser.new_context(
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    tutorials_seen(context)
    context.set_default_timeout(15_000)
    page = sign_in(site, context, USERS[2], TRANSCRIBE, password=PASSWORD, tap=True)
    expect(page.locator("[data-transcribe]")).to_have_attribute("data-state", "ready")
    field = page.locator(".tfield[data-key=coordinates]")
    field.locator("[data-map-open]").tap()
    canvas = field.locator("[data-map]")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    expect(field.locator("img.leaflet-tile-loaded").first).to_be_attached()
    # The image stays at the top of the screen, above the map, which scrolls under it.
    pane = page.locator("[data-viewer-pane]").bounding_box()
    assert pane is not None
    assert pane["y"] >= -1
    assert pane["height"] >= 100
    input_box = page.get_by_role("textbox", name="Coordonnées", exact=True).bounding_box()
    map_box = canvas.bounding_box()
    assert input_box is not None
    assert map_box is not None
    assert map_box["y"] > input_box["y"]
    page.mouse.wheel(0, 120)
    on_top = page.evaluate(
        """() => { const pane = document.querySelector('[data-viewer-pane]').getBoundingClientRect();
          const hit = document.elementFromPoint(pane.left + pane.width / 2, pane.top + pane.height / 2);
          return Boolean(hit && hit.closest('[data-viewer-pane]')); }"""
    )
    assert on_top
    context.close()


# A GeoNames dump of three places (the columns of geonames.org's export): two communes of the
# Cantal whose names start alike, and a Mauriac in the Gironde the region leaves out.
DUMP = "\n".join(
    "\t".join(row)
    for row in (
        ("2995183", "Mauriac", "Mauriac", "", "45.21853", "2.33294", "P", "PPL", "FR", "",
         "84", "15", "151", "15120", "3710", "", "700", "Europe/Paris", "2024-01-01"),
        ("2995157", "Maurs", "Maurs", "", "44.71056", "2.19778", "P", "PPL", "FR", "",
         "84", "15", "152", "15122", "2200", "", "283", "Europe/Paris", "2024-01-01"),
        ("2995184", "Mauriac", "Mauriac", "", "44.75000", "-0.21667", "P", "PPL", "FR", "",
         "75", "33", "333", "33277", "300", "", "40", "Europe/Paris", "2024-01-01"),
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def gazetteer(site, tmp_path_factory):
    path = tmp_path_factory.mktemp("gazetteer") / "FR.txt"
    path.write_text(DUMP + "\n", encoding="utf-8")
    site.manage("gazetteer_import", str(path))
    return path


def test_a_volunteer_finds_a_commune_by_name_and_the_field_is_filled(
    site, browser, geo_project, gazetteer
):
    context, page, refused = open_page(site, browser, USERS[1])
    coordinates = page.get_by_role("textbox", name="Coordonnées", exact=True)
    field = page.locator(".tfield[data-key=coordinates]")
    page.locator("#field-country").fill("France")
    page.locator("#field-stateProvince").fill("Cantal")
    field.locator("[data-map-open]").click()
    panel = field.locator("[data-map-panel]")
    search = panel.locator("[data-map-search]")
    # GeoNames' licence: its credit beside the places it gives.
    expect(panel.locator("[data-map-credit]")).to_contain_text("Lieux : GeoNames (CC BY 4.0)")
    expect(panel.locator("[data-map-credit] a")).to_have_attribute(
        "href", "https://www.geonames.org/"
    )
    # Lower case, and the start of the name: both communes of the Cantal, not the Gironde's.
    search.fill("maur")
    options = panel.locator("[data-map-results] [role=option]")
    expect(options).to_have_count(2)
    expect(search).to_have_attribute("aria-expanded", "true")
    expect(panel.locator("[data-place='2995184']")).to_have_count(0)
    # The keyboard walks the list to Mauriac; Enter takes it.
    target = panel.locator("[data-place='2995183']")
    for _ in range(3):
        if target.get_attribute("aria-selected") == "true":
            break
        search.press("ArrowDown")
    expect(target).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", target.get_attribute("id"))
    search.press("Enter")
    expect(coordinates).to_have_value("45.2185, 2.3329")
    expect(panel.locator("[data-map-results]")).to_be_hidden()
    # A commune: a village's radius is proposed.
    expect(panel.locator("[data-map-radius]")).to_have_value("2000")
    assert as_field_text(marker_at(page)) == "45.2185, 2.3329"
    page.wait_for_function(
        "() => window.crowdMaps[0].getCenter().distanceTo([45.2185, 2.3329]) < 50"
    )

    # Adjusted on the map, the point still comes from the gazetteer.
    icon = panel.locator(".leaflet-marker-icon")
    at = icon.bounding_box()
    assert at is not None
    page.mouse.move(at["x"] + at["width"] / 2, at["y"] + at["height"] - 4)
    page.mouse.down()
    page.mouse.move(at["x"] + 30, at["y"] + 20, steps=6)
    page.mouse.up()
    expect(coordinates).not_to_have_value("45.2185, 2.3329")
    moved = coordinates.input_value()

    root = page.locator("[data-transcribe]")
    task_id = root.get_attribute("data-task-id")
    page.keyboard.press("Control+Enter")
    wait_until_image_left(page, root, task_id)
    answer = recorded(site, USERS[1])
    assert answer["values"]["coordinates"] == moved
    assert answer["georeference"] == {
        "coordinates": {
            "source": "gazetteer",
            "uncertainty_m": 2000,
            "place": {"id": 2995183, "name": "Mauriac"},
        }
    }
    assert refused == []
    context.close()


def test_a_country_typed_as_the_gazetteer_cannot_read_it_restricts_nothing(
    site, browser, geo_project, gazetteer
):
    """The search is restricted to the country typed on the page when the gazetteer knows it;
    a country it does not ("Gaule") leaves the search unrestricted rather than failing."""
    context, page, refused = open_page(site, browser, USERS[3])
    field = page.locator(".tfield[data-key=coordinates]")
    page.locator("#field-country").fill("Gaule")
    field.locator("[data-map-open]").click()
    panel = field.locator("[data-map-panel]")
    panel.locator("[data-map-search]").fill("mauriac")
    # Both Mauriacs, the Cantal's and the Gironde's: nothing left out, nothing refused.
    expect(panel.locator("[data-map-results] [data-place='2995183']")).to_have_count(1)
    expect(panel.locator("[data-map-results] [data-place='2995184']")).to_have_count(1)
    expect(panel.locator("[data-map-status]")).not_to_contain_text("pays")
    assert refused == []
    context.close()
