"""Browser tier: the georeference step opens only once the label is settled.

A project of its own (the demo's counts stay as they are) with a label of two fields and a
georeference field. A volunteer who chose to georeference gets nothing while the label is
unsettled; two volunteers read the label and a curator settles it; the same page then gives the
image for georeferencing, with the settled locality beside the image and the point to give.
"""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.browser.accounts import desktop_context, sign_in
from tests.images import jpeg

pytestmark = pytest.mark.browser

SLUG = "browser-georeference"
FIELDS = [
    {"key": "locality", "label": {"fr": "Localité", "en": "Locality"}, "type": "text",
     "mapping": {"dwc": "locality"}},
    # Not keyed "country": the page learns the record's country from the server (as the
    # consensus reads it, by its Darwin Core term), not by guessing from keys.
    {"key": "pays", "label": {"fr": "Pays", "en": "Country"}, "type": "text",
     "mapping": {"dwc": "country"}},
    {"key": "georeference", "label": {"fr": "Point de récolte", "en": "Collection point"},
     "type": "geopoint", "georeference": True},
]  # fmt: skip
LABEL = {"locality": "Environs de Mauriac, vieux murs", "pays": "France"}
# Accounts of this test's own: the demo volunteers' answers are counted by other tests.
VOLUNTEERS = ("step-reader-1", "step-reader-2", "step-placer")
ACCOUNTS = f"""
from crowd.models import User
for name in {VOLUNTEERS!r}:
    User.objects.create_user(username=name, email=f"{{name}}@example.org",
                             password={DEMO_PASSWORD!r}, email_verified=True)
print(User.objects.filter(username__in={VOLUNTEERS!r}).count())
"""


def client(site, username):
    token = httpx.post(
        f"{site.base_url}/api/auth/token/",
        data={"username": username, "password": DEMO_PASSWORD},
        timeout=30,
    )
    token.raise_for_status()
    return httpx.Client(
        base_url=site.base_url,
        headers={"Authorization": f"Token {token.json()['token']}"},
        timeout=30,
    )


def waited(check, what, seconds=60):
    """What `check` returns once it is truthy (the worker reconciles and ingests after the
    requests that ask it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"still waiting for {what}")


# Two places named Mauriac: the Cantal's and one in Belgium (made up), which the settled
# country leaves out. The columns of a GeoNames dump.
DUMP = "\n".join(
    "\t".join(row)
    for row in (
        ("2995183", "Mauriac", "Mauriac", "", "45.21853", "2.33294", "P", "PPL", "FR", "",
         "84", "15", "151", "15120", "3710", "", "700", "Europe/Paris", "2024-01-01"),
        ("9999183", "Mauriac", "Mauriac", "", "50.50000", "4.50000", "P", "PPL", "BE", "",
         "WAL", "WNA", "", "", "9000", "", "150", "Europe/Brussels", "2024-01-01"),
    )
)  # fmt: skip


@pytest.fixture(scope="module")
def gazetteer(site, tmp_path_factory):
    path = tmp_path_factory.mktemp("gazetteer") / "places.txt"
    path.write_text(DUMP + "\n", encoding="utf-8")
    site.manage("gazetteer_import", str(path))
    return path


@pytest.fixture(scope="module")
def project(site, gazetteer):
    """The project, open, with one image ingested; this test's volunteers are its members."""
    made = site.manage("shell", "--no-imports", "-c", ACCOUNTS)
    assert made.strip().splitlines()[-1] == str(len(VOLUNTEERS)), made
    lead = client(site, "lead")
    created = lead.post(
        "/api/projects/",
        json={"slug": SLUG, "title_fr": "Géoréférencement", "title_en": "Georeferencing",
              "preset": "herbarium_georeference", "fields": FIELDS},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    for name in VOLUNTEERS:
        added = lead.post(
            f"/api/projects/{SLUG}/members/", json={"username": name, "role": "contributor"}
        )
        assert added.status_code in (200, 201), added.text
    opened = lead.patch(
        f"/api/projects/{SLUG}/",
        json={"status": "active", "redundancy_min": 2, "redundancy_max": 2},
    )
    assert opened.status_code == 200, opened.text
    batch = lead.post(
        f"/api/projects/{SLUG}/batches/",
        files=[("files", ("mauriac.jpg", jpeg(2201, (600, 400)), "image/jpeg"))],
    )
    assert batch.status_code in (200, 201, 202), batch.text
    batch_id = batch.json()["id"]
    waited(lambda: lead.get(f"/api/batches/{batch_id}/").json()["state"] == "done", "ingest")
    tasks = lead.get(f"/api/projects/{SLUG}/tasks/").json()["results"]
    assert len(tasks) == 1
    return tasks[0]["id"]


def label_read(site, username, task_id):
    """`username` reads the label over the API, in the label step."""
    http = client(site, username)
    granted = http.post(f"/api/projects/{SLUG}/next-task/?step=label")
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert (body["task"]["id"], body["step"]) == (task_id, "label")
    sent = http.post(
        f"/api/tasks/{task_id}/transcriptions/",
        json={"lease": body["lease"]["id"], "values": LABEL, "idempotency_key": uuid.uuid4().hex},
    )
    assert sent.status_code == 201, sent.text


def label_settled_by_a_curator(site, task_id):
    """New accounts' answers alone are never settled: the lead decides each label field."""
    lead = client(site, "lead")

    def unsettled():
        results = lead.get(f"/api/projects/{SLUG}/field-results/?task={task_id}").json()
        found = {r["key"]: r for r in results["results"]}
        return found if {"locality", "pays"} <= set(found) else None

    results = waited(unsettled, "the label's reconciliation")
    for key in ("locality", "pays"):
        if results[key]["status"] in ("agreed", "resolved"):
            continue
        decided = lead.post(
            f"/api/field-results/{results[key]['id']}/resolve/",
            json={"decision": "accept", "value": LABEL[key], "reason": "reading_checked"},
        )
        assert decided.status_code == 200, decided.text


def test_the_georeference_step_opens_only_once_the_label_is_settled(site, browser, project):
    context = desktop_context(browser)
    page = sign_in(site, context, "step-placer", f"/projects/{SLUG}/transcribe/?step=georeference")
    root = page.locator("[data-transcribe]")
    # The label is not settled: nothing to georeference yet.
    expect(root).to_have_attribute("data-step", "georeference")
    expect(root).to_have_attribute("data-state", "finished")

    label_read(site, "step-reader-1", project)
    label_read(site, "step-reader-2", project)
    page.reload()
    expect(root).to_have_attribute("data-state", "finished")  # read, not yet settled

    label_settled_by_a_curator(site, project)
    # The choice is remembered for the session: the page without ?step= georeferences.
    page.goto(f"{site.base_url}/projects/{SLUG}/transcribe/")
    expect(root).to_have_attribute("data-state", "ready")
    expect(root).to_have_attribute("data-task-id", str(project))
    expect(root).to_have_attribute("data-task-step", "georeference")
    settled = page.locator("[data-settled-section]")
    expect(settled).to_be_visible()
    expect(settled.locator("[data-settled-key=locality] dd")).to_have_text(LABEL["locality"])
    expect(settled.locator("[data-settled-key=pays] dd")).to_have_text("France")
    # The point is asked; the label's fields are not asked again.
    point = page.get_by_role("textbox", name="Point de récolte", exact=True)
    expect(point).to_be_visible()
    expect(page.get_by_role("textbox", name="Localité", exact=True)).to_have_count(0)

    # The gazetteer searches the settled country only: the Belgian Mauriac is left out.
    field = page.locator(".tfield[data-key=georeference]")
    field.locator("[data-map-open]").click()
    search = field.locator("[data-map-search]")
    search.fill("mauriac")
    expect(field.locator("[data-place='2995183']")).to_have_count(1)
    expect(field.locator("[data-place='9999183']")).to_have_count(0)
    search.press("Enter")
    expect(point).to_have_value("45.2185, 2.3329")
    page.keyboard.press("Control+Enter")
    expect(root).to_have_attribute("data-state", "finished")
    context.close()

    lead = client(site, "lead")
    mine = lead.get(f"/api/tasks/{project}/").json()["transcriptions"]
    placed = [t for t in mine if "georeference" in t["values"]]
    assert [t["values"]["georeference"] for t in placed] == ["45.2185, 2.3329"]
    assert placed[0]["georeference"]["georeference"]["source"] == "gazetteer"
