"""No peeking: nobody reads the leading value of an image they may still be given.

- a contributor holding the lease on an image reads its field results with `?task=` → nothing,
  until they answered it (open data);
- anyone reads the values of settled images (complete, resolved) when the data is open;
- an export for everyone of an open project → settled images only, no raw answers, no
  alternatives naming who answered;
- raw transcriptions go to everyone only once the project is finished and its leads opened them;
  asked for everyone before that → refused with the reason;
- the leads' own exports are never listed to others;
- live IIIF manifests show others only settled images; leads see every image;
- a volunteer's feedback page says of an image still collecting answers only that it is open:
  no other reader's value, no leading value.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import pytest

from tasks.models import Batch, Export, ExportState, FieldResult, ProjectStatus, Task, TaskState
from tasks.services.exports import export_request, export_run
from tasks.services.lease_upkeep import lease_release
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client
from tests.tasks.exports import VALUES
from tests.tasks.test_iiif_views import read

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_project():
    project = ProjectFactory(data_open=True, redundancy_min=2, redundancy_max=2)
    return project


@pytest.fixture
def lead(open_project):
    return MembershipFactory(project=open_project, role="lead").user


@pytest.fixture
def half_done(open_project, transcribe):
    """One complete image (two agreeing answers) and one with one answer of two."""
    settled = TaskFactory(project=open_project, target=2)
    collecting = TaskFactory(project=open_project, target=2)
    first, second = UserFactory(), UserFactory()
    transcribe(open_project, VALUES, user=first, task=settled)
    transcribe(open_project, VALUES, user=second, task=settled)
    transcribe(open_project, VALUES, user=first, task=collecting)
    assert Task.objects.get(pk=settled.pk).state == TaskState.COMPLETE
    assert Task.objects.get(pk=collecting.pk).state in {"open", "needs_more"}
    return settled, collecting, first


def _result_tasks(user, project, **query):
    response = api_client(user).get(f"/api/projects/{project.slug}/field-results/", query)
    assert response.status_code == 200, response.content
    return {row["task"] for row in response.json()["results"]}


def test_a_contributor_holding_the_lease_reads_no_result_of_that_image_until_they_answer(
    open_project, half_done
):
    settled, collecting, first = half_done
    peeker = UserFactory()
    lease = lease_grant(project=open_project, user=peeker)
    assert lease is not None
    assert lease.task_id == collecting.pk
    assert _result_tasks(peeker, open_project, task=collecting.pk) == set()
    assert _result_tasks(peeker, open_project) == {settled.pk}
    # Who already answered it will never be given it again: they may read it.
    assert _result_tasks(first, open_project) == {settled.pk, collecting.pk}


def test_skipping_an_image_does_not_open_its_leading_value(open_project, half_done):
    """Else one account skips to read it and a second, served the same image, types it in."""
    _settled, collecting, _first = half_done
    peeker = UserFactory()
    lease = lease_grant(project=open_project, user=peeker)
    assert lease.task_id == collecting.pk
    lease_release(lease_id=lease.pk, user=peeker)

    assert _result_tasks(peeker, open_project, task=collecting.pk) == set()


def test_curators_and_leads_still_read_every_value(open_project, half_done, lead):
    settled, collecting, _first = half_done
    assert _result_tasks(lead, open_project) == {settled.pk, collecting.pk}


def _public_export(project, lead, fmt):
    export = export_request(project=project, actor=lead, format=fmt, base_url="http://x")
    export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == ExportState.DONE, export.error
    assert export.public
    return export


def _download(client, export):
    response = client.get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_an_export_of_open_data_downloaded_anonymously_carries_settled_images_only(
    open_project, half_done, lead
):
    settled, _collecting, _first = half_done
    export = _public_export(open_project, lead, "csv")
    with zipfile.ZipFile(io.BytesIO(_download(api_client(), export))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{open_project.slug}.csv").decode())))
    assert [row["subject_id"] for row in rows] == [str(settled.pk)]


def test_a_jsonl_export_for_everyone_carries_no_raw_answer_nor_who_gave_it(
    open_project, half_done, lead
):
    export = _public_export(open_project, lead, "jsonl")
    lines = [
        json.loads(line) for line in gzip.decompress(_download(api_client(), export)).splitlines()
    ]
    tasks = [line for line in lines if line.get("record") == "task"]
    assert len(tasks) == 1
    assert not tasks[0].get("transcriptions")
    for value in tasks[0]["values"].values():
        assert not value.get("alternatives")


def test_raw_transcriptions_for_everyone_before_the_project_is_finished_are_refused(
    open_project, half_done, lead
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="finished"):
        export_request(
            project=open_project, actor=lead, format="raw-csv", base_url="http://x", public=True
        )
    # Asked without saying: made for the leads only, and never listed to others.
    export = export_request(project=open_project, actor=lead, format="raw-csv", base_url="http://x")
    export_run(export_id=export.pk)
    assert not Export.objects.get(pk=export.pk).public
    assert api_client().get(f"/api/exports/{export.pk}/download/").status_code == 403


def test_raw_transcriptions_go_to_everyone_once_finished_and_opened_by_the_leads(
    open_project, half_done, lead
):
    open_project.status = ProjectStatus.FINISHED
    open_project.transcriptions_open = True
    open_project.save()
    export = _public_export(open_project, lead, "raw-csv")
    with zipfile.ZipFile(io.BytesIO(_download(api_client(), export))) as archive:
        name = next(n for n in archive.namelist() if n.endswith("-transcriptions.csv"))
        rows = list(csv.DictReader(io.StringIO(archive.read(name).decode())))
    assert len(rows) == 2  # the settled image's two answers; the other image is not settled


def test_live_iiif_documents_show_others_only_settled_images_and_leads_every_image(open_project):
    """A collecting image's leading value, read from the live IIIF manifest, would be a peek."""
    lead = MembershipFactory(project=open_project, role="lead").user
    batch = Batch.objects.create(project=open_project, name="Lot 1", state="done")
    for name, state in (("settled", "complete"), ("collecting", "needs_more")):
        task = TaskFactory(
            project=open_project, batch=batch, state=state, image=f"projects/1/originals/{name}.jpg",
            iiif_path=f"projects/1/iiif/{name}", image_width=800, image_height=1200,
        )  # fmt: skip
        FieldResult.objects.create(
            project=open_project, task=task, key="scientificName", value=f"Leading {name}",
            status="agreed" if state == "complete" else "needs_more", agreement=1.0,
            support=1, n=1, method="exact",
        )  # fmt: skip
    address = f"/iiif/{open_project.slug}/batch-{batch.pk}/manifest.json"

    def values(client):
        canvases = read(client.get(address))["items"]
        return {
            item["body"]["value"]
            for canvas in canvases
            for page in canvas.get("annotations", [])
            for item in page["items"]
        }, len(canvases)

    assert values(page_client()) == ({"Leading settled"}, 1)
    assert values(page_client(UserFactory())) == ({"Leading settled"}, 1)
    seen_by_lead, canvases = values(page_client(lead))
    assert canvases == 2
    assert "Leading settled" in seen_by_lead


def test_the_feedback_page_shows_no_value_of_an_image_still_collecting_answers(transcribe):
    project = ProjectFactory(data_open=True, redundancy_min=3, redundancy_max=3)
    collecting = TaskFactory(project=project, target=3)
    first, second = UserFactory(), UserFactory()
    transcribe(project, VALUES, user=first, task=collecting)
    transcribe(project, {**VALUES, "scientificName": "Quercus suber L."}, user=second)
    assert Task.objects.get(pk=collecting.pk).state in {"open", "needs_more"}
    page = page_client(first).get(f"/projects/{project.slug}/my-feedback/").content.decode()
    assert f'data-task="{collecting.pk}" data-outcome="open"' in page
    assert "Quercus" not in page
