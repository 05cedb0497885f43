"""Browser tier: a lead finds an image by a word of its scientific name in the results browser
and opens the history of its values, with the keyboard.

The images are the test's own: a members-only project of the lead's with two copies of the
first demo image, which two volunteers of its own transcribe through the services (the demo
projects are left as the other tests expect them). Interface strings are found by ids, data
attributes and roles, not by their text; the search box by its label (in French), which checks
that it has one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import desktop_context, sign_in

pytestmark = pytest.mark.browser

PROJECT = "browse-herbarium"
RESULTS = f"/projects/{PROJECT}/results/"

# Run in the site's own process (manage.py shell): prints the id of the oak's image.
SETUP = """
from crowd.models import User
from tasks.models import ContributorTrust, Membership, Project, Task, Template
from tasks.presets import PRESETS
from tasks.services.leases import lease_grant
from tasks.services.reconcile import task_reconcile
from tasks.services.submissions import transcription_submit

lead = User.objects.get(username="lead")
project = Project.objects.create(
    slug="browse-herbarium", title_fr="Herbier à parcourir", title_en="Herbarium to browse",
    status="active", visibility="members", redundancy_min=2, redundancy_max=2,
)
Template.objects.create(project=project, fields=PRESETS["herbarium"]["fields"], preset="herbarium")
Membership.objects.create(project=project, user=lead, role="lead")
demo = Task.objects.filter(project__slug="demo-herbarium").order_by("pk").first()
tasks = {}
for name in ("chene", "sapin"):
    task = Task.objects.get(pk=demo.pk)
    task.pk = None
    task.project, task.batch, task.content_hash, task.metadata = project, None, "", {}
    task.state, task.target, task.transcription_count = "open", 2, 0
    task.reconcile_pending, task.agreement, task.original_name = False, None, name + ".jpg"
    task.save()
    tasks[task.pk] = name
values = {
    "chene": {"scientificName": "Quercus pubescens Willd.", "country": "France", "locality": "Vif"},
    "sapin": {"scientificName": "Abies alba Mill.", "country": "France", "locality": "Vif"},
}
for n in (1, 2):
    user = User.objects.create_user(f"browser{n}", f"browser{n}@example.org", "x-" * 8)
    Membership.objects.create(project=project, user=user, role="contributor")
    # Proven volunteers (as tests.helpers.prove): two of them agreeing settle a value.
    ContributorTrust.objects.create(project=project, user=user, compared=50, agreed=50)
    for _ in tasks:
        lease = lease_grant(project=project, user=user)
        transcription_submit(
            task_id=lease.task_id, user=user, lease_id=lease.pk,
            values=values[tasks[lease.task_id]], markers={}, idempotency_key=f"{n}-{lease.task_id}",
        )
for task_id in tasks:
    task_reconcile(task_id=task_id)
print(next(pk for pk, name in tasks.items() if name == "chene"))
"""


@pytest.fixture(scope="module")
def oak(site):
    return int(site.manage("shell", "--no-imports", "-c", SETUP).strip().splitlines()[-1])


@pytest.fixture
def context(browser):
    context = desktop_context(browser)
    yield context
    context.close()


def test_a_lead_finds_an_image_by_a_word_of_its_name_and_opens_its_history(site, context, oak):
    page = sign_in(site, context, "lead", RESULTS)
    rows = page.locator("[data-rows] [data-task]")
    expect(rows).to_have_count(2)

    # Typed as a person would, capital and accent included; Enter sends the form.
    search = page.get_by_role("searchbox", name=re.compile("Chercher dans les valeurs"))
    search.focus()
    page.keyboard.type("Quércus")
    page.keyboard.press("Enter")
    # The search is in the address, with no empty filter beside it: a link to share.
    expect(page).to_have_url(re.compile(r"/results/\?q=Qu%C3%A9rcus$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", str(oak))
    expect(page.locator("[data-count]")).to_contain_text("1")

    # The thumbnails show the same image; back to the table.
    page.locator("[data-view-link=grid]").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".results-grid [data-task]")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=Qu%C3%A9rcus"))
    page.locator("[data-view-link=table]").focus()
    page.keyboard.press("Enter")

    # Open the image from its row, with the keyboard.
    rows.first.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/results/{oak}/\?back="))
    image = page.locator("[data-results-image]")
    expect(image).to_be_visible()
    # The viewer opened the image.
    page.wait_for_function(
        "() => window.crowdViewer && window.crowdViewer.world.getItemCount() > 0"
    )

    # The name's history: closed at first, opened from the keyboard.
    name = page.locator("#field-scientificName")
    expect(name.locator("[data-value]")).to_have_text("Quercus pubescens Willd.")
    history = name.locator("[data-history]")
    versions = history.locator("li[data-version]")
    expect(versions.first).to_be_hidden()
    history.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(versions).to_have_count(2)
    expect(versions.last).to_be_visible()
    expect(versions.last.locator(".badge")).to_have_class(re.compile("status-agreed"))
    # Who answered what.
    answers = page.locator("[data-answers] tbody tr")
    expect(answers).to_have_count(2)
    expect(page.locator("[data-answers]")).to_contain_text("browser1")

    # Back to the very search it came from.
    page.locator(".results-head .back a").click()
    expect(page).to_have_url(re.compile(r"/results/\?q=Qu%C3%A9rcus$"))
    expect(rows).to_have_count(1)
