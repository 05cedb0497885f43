"""Exports through the platform: who may ask and download, formats, and what the records say
(pseudonyms, credits, curator decisions)."""

from __future__ import annotations

import csv
import errno
import gzip
import io
import json
import zipfile

import pytest

from tasks.models import Export, ExportState, Project, Role, Transcription, Visibility
from tasks.services.exports import export_error_text, export_request
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from tests.tasks.exports import VALUES, download, run_export


def test_a_lead_exports_csv_and_downloads_it(
    project, lead, complete_tasks, django_capture_on_commit_callbacks
):
    client = api_client(lead)
    export = run_export(client, project, "csv", django_capture_on_commit_callbacks)
    assert (export.total, export.done, export.records) == (3, 3, 3)
    body, response = download(client, export)
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{project.slug}-' in response["Content-Disposition"]
    assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'
    archive = zipfile.ZipFile(io.BytesIO(body))
    rows = list(csv.DictReader(io.StringIO(archive.read(f"{project.slug}.csv").decode())))
    assert len(rows) == 3
    assert {row["eventDate"] for row in rows} == {"1898-06-12"}
    assert {row["metadata.catalogNumber"] for row in rows} == {"C0", "C1", "C2"}
    package = json.loads(archive.read("datapackage.json"))
    # Only the contributor who chose to be named is credited, with their count.
    assert package["contributors"] == [
        {"title": "Jeanne Baret", "role": "contributor", "transcriptions": 3}
    ]


def test_json_lines_name_contributors_by_stable_pseudonyms_and_keep_curator_decisions(
    project, lead, curator, complete_tasks, transcribe, django_capture_on_commit_callbacks
):
    tasks, people = complete_tasks
    disputed = TaskFactory(project=project, target=2)
    for person, date in zip(people, ("12/06/1898", "1901"), strict=True):
        transcribe(project, {**VALUES, "eventDate": date}, user=person, task=disputed)
    result = disputed.field_results.get(key="eventDate")
    assert result.status == "disputed"
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=result.pk, curator=curator, decision="value", value="1898-06-12",
            reason="reading_checked",
        )  # fmt: skip
    client = api_client(lead)
    first = run_export(client, project, "jsonl", django_capture_on_commit_callbacks)
    body, _ = download(client, first)
    lines = [json.loads(line) for line in gzip.decompress(body).splitlines()]
    assert lines[0]["record"] == "dataset"
    assert len(lines) == 5
    task = next(line for line in lines[1:] if line["id"] == tasks[0].pk)
    contributors = [entry["contributor"] for entry in task["transcriptions"]]
    assert len(set(contributors)) == 2
    assert all(name.startswith("v-") for name in contributors)
    assert people[0].username not in body.decode("utf-8", "replace")
    decided = next(line for line in lines[1:] if line["id"] == disputed.pk)["values"]["eventDate"]
    assert decided["value"] == "1898-06-12"
    assert decided["method"] == "curator"
    assert decided["status"] == "resolved"
    assert decided["curator_decision"]["reason"] == "reading_checked"
    assert decided["curator_decision"]["value_before"] in {"1898-06-12", "1901"}
    assert decided["curator_decision"]["curator"].startswith("v-")
    assert sorted(alt["value"] for alt in decided["alternatives"]) == ["1898-06-12", "1901"]
    second = run_export(client, project, "jsonl", django_capture_on_commit_callbacks)
    again = [json.loads(line) for line in gzip.decompress(download(client, second)[0]).splitlines()]
    same = next(line for line in again[1:] if line["id"] == tasks[0].pk)
    assert [e["contributor"] for e in same["transcriptions"]] == contributors


def test_the_darwin_core_archive_of_the_platform_reads_back(
    project, lead, complete_tasks, tmp_path, django_capture_on_commit_callbacks
):
    from dwca.read import DwCAReader

    client = api_client(lead)
    export = run_export(client, project, "dwca", django_capture_on_commit_callbacks)
    path = tmp_path / "archive.zip"
    path.write_bytes(download(client, export)[0])
    with DwCAReader(str(path)) as archive:
        rows = list(archive)
    assert len(rows) == 3
    dwc = "http://rs.tdwg.org/dwc/terms/"
    assert {row.data[dwc + "eventDate"] for row in rows} == {"1898-06-12"}
    assert {row.data[dwc + "catalogNumber"] for row in rows} == {"C0", "C1", "C2"}


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.CURATOR])
def test_only_leads_may_ask_for_an_export(project, role):
    member = MembershipFactory(project=project, role=role).user
    response = api_client(member).post(
        f"/api/projects/{project.slug}/exports/", {"format": "csv"}, format="json"
    )
    assert response.status_code == 403
    assert not Export.objects.exists()


def test_members_of_another_private_project_cannot_see_its_exports(
    project, lead, complete_tasks, django_capture_on_commit_callbacks
):
    project.visibility = Visibility.MEMBERS
    project.data_open = True
    project.save()
    export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    stranger = MembershipFactory(project=ProjectFactory(), role=Role.LEAD).user
    for url in (f"/api/exports/{export.pk}/", f"/api/exports/{export.pk}/download/"):
        assert api_client(stranger).get(url).status_code == 404
    assert api_client(stranger).get(f"/api/projects/{project.slug}/exports/").status_code == 404
    assert api_client().get(f"/api/exports/{export.pk}/download/").status_code == 404


def test_contributors_download_only_when_the_lead_opened_the_data(
    project, lead, contributor, complete_tasks, django_capture_on_commit_callbacks
):
    export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    url = f"/api/exports/{export.pk}/download/"
    refused = api_client(contributor).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    Project.objects.filter(pk=project.pk).update(data_open=True)
    # The leads' own export stays theirs; the next one, made for everyone, is downloadable.
    assert api_client(contributor).get(url).status_code == 403
    project.refresh_from_db()
    export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    url = f"/api/exports/{export.pk}/download/"
    assert api_client(contributor).get(url).status_code == 200
    assert api_client().get(url).status_code == 200  # a public project's open data
    listed = api_client(contributor).get(f"/api/projects/{project.slug}/exports/").json()
    assert [item["id"] for item in listed["results"]] == [export.pk]


def test_a_format_the_template_cannot_fill_is_refused_with_the_reason(project, lead):
    response = api_client(lead).post(
        f"/api/projects/{project.slug}/exports/", {"format": "bibtex"}, format="json"
    )
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["format"][0]
    assert "No field of this project's template maps to CSL" in message
    unknown = api_client(lead).post(
        f"/api/projects/{project.slug}/exports/", {"format": "xlsx"}, format="json"
    )
    assert unknown.status_code == 400
    assert "format" in unknown.json()["error"]["fields"]


def test_asking_twice_while_one_is_on_its_way_returns_the_same_export(project, lead):
    first = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    second = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    assert first.pk == second.pk
    assert Export.objects.count() == 1
    other = export_request(project=project, actor=lead, format="jsonl", base_url="http://x")
    assert other.pk != first.pk


def test_a_file_not_ready_yet_answers_409(project, lead):
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    response = api_client(lead).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 409
    assert "not ready" in response.json()["error"]["message"]


def test_an_export_that_fails_says_why_and_leaves_no_file(
    project, lead, complete_tasks, monkeypatch, settings, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/exports/1/1-csv.zip.part")

    from worker import exports

    monkeypatch.setitem(
        exports.FORMATS, "csv", exports.ExportFormat("csv", broken, "csv.zip", "application/zip")
    )
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert export.error == "No space left on device"  # the cause, without the server's path
    assert export_error_text(export) == "The export failed: No space left on device"
    assert not [path for path in settings.EXPORT_ROOT.rglob("*") if path.is_file()]


def test_others_see_only_finished_exports_of_open_data(project, lead, contributor, complete_tasks):
    from tasks.services.exports import export_run

    # Exports made for everyone: those of a project whose data is open (the leads' own are theirs).
    project.data_open = True
    project.save()
    leads_only = export_request(
        project=project, actor=lead, format="csv", base_url="http://x", public=False
    )
    export_run(export_id=leads_only.pk)
    done = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=done.pk)
    queued = export_request(project=project, actor=lead, format="jsonl", base_url="http://x")
    listed = api_client(contributor).get(f"/api/projects/{project.slug}/exports/").json()
    assert [item["id"] for item in listed["results"]] == [done.pk]
    assert api_client(contributor).get(f"/api/exports/{queued.pk}/").status_code == 403
    lead_list = api_client(lead).get(f"/api/projects/{project.slug}/exports/").json()
    assert {item["id"] for item in lead_list["results"]} == {leads_only.pk, done.pk, queued.pk}


def test_pseudonyms_differ_from_one_project_to_another():
    from tasks.selectors.exports import Pseudonyms

    assert Pseudonyms(1)(42) == Pseudonyms(1)(42)
    assert Pseudonyms(1)(42) != Pseudonyms(2)(42)


def test_credits_name_only_people_who_gave_a_display_name(project):
    from tasks.selectors.exports import export_credits

    named = UserFactory(display_name="Jeanne Baret", credit_me=True)
    unnamed = UserFactory(username="jeanne.baret@example.org", display_name="", credit_me=True)
    task = TaskFactory(project=project)
    for n, person in enumerate((named, unnamed)):
        Transcription.objects.create(
            project=project, task=task, user=person, values={}, idempotency_key=f"k{n}"
        )
    assert [credit.name for credit in export_credits(project)] == ["Jeanne Baret"]


def test_occurrence_ids_do_not_depend_on_the_address_the_export_was_asked_from(project):
    from tasks.selectors.exports import export_dataset
    from worker.exports.dwca import occurrence_id

    one = export_dataset(project, base_url="https://herbier.example.org")
    other = export_dataset(project, base_url="http://10.0.0.5:8000")
    assert occurrence_id(one, 7) == occurrence_id(other, 7)
    assert occurrence_id(one, 7) != occurrence_id(export_dataset(ProjectFactory(), base_url="x"), 7)


def test_the_exports_list_filters_by_format_and_state_and_refuses_unknown_values(
    project, lead, complete_tasks
):
    from tasks.services.exports import export_run

    done = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=done.pk)
    export_request(project=project, actor=lead, format="jsonl", base_url="http://x")
    url = f"/api/projects/{project.slug}/exports/"
    client = api_client(lead)
    assert [e["id"] for e in client.get(url, {"export_format": "csv"}).json()["results"]] == [
        done.pk
    ]
    assert [e["id"] for e in client.get(url, {"state": "done"}).json()["results"]] == [done.pk]
    refused = client.get(url, {"export_format": "xlsx"})
    assert refused.status_code == 400
    assert "export_format" in refused.json()["error"]["fields"]
