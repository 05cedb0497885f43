"""Exports through the platform: who may ask and download, the job, its events, the command,
and what the records say (pseudonyms, credits, curator decisions)."""

from __future__ import annotations

import csv
import errno
import gzip
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.management import CommandError, call_command
from django.utils import timezone

from crowd.models import Role
from tasks.events import leads_group
from tasks.models import Export, ExportState, Project, Task, Transcription, Visibility
from tasks.presets import PRESETS
from tasks.selectors import exports as selectors_exports
from tasks.services.exports import export_error_text, export_request, exports_sweep
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client

VALUES = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}


@pytest.fixture
def transcribed(project, transcribe):
    """Three tasks, each transcribed twice (the same values): complete."""
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    people = [UserFactory(display_name="Jeanne Baret", credit_me=True), UserFactory()]
    tasks = [
        TaskFactory(project=project, target=2, metadata={"catalogNumber": f"C{n}"})
        for n in range(3)
    ]
    for person in people:
        for _ in tasks:
            transcribe(project, VALUES, user=person)
    assert set(Task.objects.filter(project=project).values_list("state", flat=True)) == {"complete"}
    return tasks, people


def run_export(client, project, fmt, capture):
    with capture(execute=True):
        response = client.post(
            f"/api/projects/{project.slug}/exports/", {"format": fmt}, format="json"
        )
    assert response.status_code == 202, response.content
    export = Export.objects.get(pk=response.json()["id"])
    assert export.state == ExportState.DONE, export.error
    return export


def download(client, export):
    response = client.get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content), response


def test_a_lead_exports_csv_and_downloads_it(
    project, lead, transcribed, django_capture_on_commit_callbacks
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
    project, lead, curator, transcribed, transcribe, django_capture_on_commit_callbacks
):
    tasks, people = transcribed
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
    project, lead, transcribed, tmp_path, django_capture_on_commit_callbacks
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
    project, lead, transcribed, django_capture_on_commit_callbacks
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
    project, lead, contributor, transcribed, django_capture_on_commit_callbacks
):
    export = run_export(api_client(lead), project, "csv", django_capture_on_commit_callbacks)
    url = f"/api/exports/{export.pk}/download/"
    refused = api_client(contributor).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    Project.objects.filter(pk=project.pk).update(data_open=True)
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
    project, lead, transcribed, monkeypatch, settings, django_capture_on_commit_callbacks
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


def test_the_job_runs_once_even_if_delivered_twice(project, lead, transcribed):
    from tasks.services.exports import export_run

    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=export.pk)
    export.refresh_from_db()
    finished = export.finished_at
    export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == ExportState.DONE
    assert export.finished_at == finished


def test_the_sweep_resends_a_stalled_export_and_deletes_old_files(
    project, lead, transcribed, settings
):
    from tasks.services.exports import export_path, export_run

    old = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=old.pk)
    old.refresh_from_db()
    assert export_path(old).is_file()
    Export.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS + 1)
    )
    stalled = export_request(project=project, actor=lead, format="jsonl", base_url="http://x")
    Export.objects.filter(pk=stalled.pk).update(
        state=ExportState.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    resent, expired = exports_sweep()
    assert (resent, expired) == (1, 1)
    old.refresh_from_db()
    stalled.refresh_from_db()
    assert old.state == ExportState.EXPIRED
    assert not any(settings.EXPORT_ROOT.rglob("*-csv.zip"))
    assert stalled.state == ExportState.DONE  # re-sent, and run eagerly here


def test_records_are_read_in_pages_and_none_is_lost(project, transcribed, monkeypatch):
    monkeypatch.setattr(selectors_exports, "CHUNK", 2)
    TaskFactory(project=project, state="withdrawn")
    records = list(
        selectors_exports.export_records(project, base_url="http://x", transcriptions=True)
    )
    assert [r.id for r in records] == sorted(t.pk for t in transcribed[0])
    assert all(len(r.transcriptions) == 2 for r in records)


def test_lead_sockets_hear_export_progress_and_the_download_link(project, lead, transcribed):
    from tasks.services.exports import export_run

    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(leads_group(project.pk), channel)
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=export.pk)
    events = []
    while True:
        try:
            message = async_to_sync(layer.receive)(channel)
        except Exception:  # pragma: no cover
            break
        event = json.loads(message["text"])
        events.append(event)
        if event["state"] == "done":
            break
    assert events[-1]["download"] == f"/api/exports/{export.pk}/download/"
    assert events[-1]["records"] == 3


def test_the_command_writes_each_format(project, transcribed, tmp_path):
    for fmt in ("csv", "raw-csv", "jsonl", "dwca", "iiif"):
        target = tmp_path / f"out.{fmt}"
        err = io.StringIO()
        call_command("export_project", project.slug, "--format", fmt, "-o", str(target), stderr=err)
        assert target.stat().st_size > 0
        assert "3 tasks read" in err.getvalue()
    assert not list(tmp_path.glob("*.part"))


def test_the_command_says_what_is_wrong(project, tmp_path):
    with pytest.raises(CommandError, match="No project 'nope'"):
        call_command("export_project", "nope", "--format", "csv", "-o", str(tmp_path / "x"))
    with pytest.raises(CommandError, match="maps to CSL"):
        call_command(
            "export_project", project.slug, "--format", "csl-json", "-o", str(tmp_path / "x")
        )
    with pytest.raises(CommandError, match="Cannot write"):
        call_command(
            "export_project", project.slug, "--format", "csv", "-o", str(tmp_path / "no" / "x")
        )


def test_reference_projects_export_csl_json_and_bibtex(db, tmp_path):
    project = ProjectFactory(
        template__fields=PRESETS["reference"]["fields"], template__preset="reference"
    )
    TaskFactory(project=project, state="open")
    call_command(
        "export_project",
        project.slug,
        "-f",
        "csl-json",
        "-o",
        str(tmp_path / "r.json"),
        stderr=io.StringIO(),
    )
    assert json.loads((tmp_path / "r.json").read_text())[0]["type"] == "document"
    call_command(
        "export_project",
        project.slug,
        "-f",
        "bibtex",
        "-o",
        str(tmp_path / "r.bib"),
        stderr=io.StringIO(),
    )
    assert "Licence: CC BY 4.0" in (tmp_path / "r.bib").read_text()


def test_a_long_export_in_debug_mode_does_not_keep_the_sql_of_every_page(
    project, transcribed, monkeypatch, settings
):
    from django.db import connection, reset_queries

    monkeypatch.setattr(selectors_exports, "CHUNK", 1)
    settings.DEBUG = True
    reset_queries()
    records = list(
        selectors_exports.export_records(project, base_url="http://x", transcriptions=True)
    )
    assert len(records) == 3
    # Each page takes four queries (tasks, results, transcriptions, the next page's tasks);
    # without the reset, three pages would leave a dozen.
    assert len(connection.queries) <= 4


@pytest.mark.django_db(transaction=True)
async def test_under_the_asgi_server_a_download_streams_from_the_file():
    from asgiref.sync import sync_to_async
    from django.test import AsyncClient

    from tasks.services.exports import export_run

    lead = await sync_to_async(UserFactory)()
    project = await sync_to_async(ProjectFactory)()
    await sync_to_async(MembershipFactory)(project=project, user=lead, role=Role.LEAD)
    await sync_to_async(TaskFactory)(project=project, state="complete")
    export = await sync_to_async(export_request)(
        project=project, actor=lead, format="csv", base_url="http://x"
    )
    await sync_to_async(export_run)(export_id=export.pk)
    client = AsyncClient()
    await sync_to_async(client.force_login)(lead)
    response = await client.get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert response.is_async
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None


def test_a_slow_run_superseded_by_the_sweep_stops_and_the_new_run_publishes(
    project, lead, transcribed, monkeypatch, settings
):
    from tasks.services import exports as service

    monkeypatch.setattr(service, "PROGRESS_EVERY_SECONDS", 0)
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    real_write = service.export_write
    resent: list[bool] = []

    def slow_then_resent(**kwargs):
        progress = kwargs["progress"]

        def first_progress(done, total):
            if not resent:
                # Meanwhile the sweep thought this run dead and a second run did the export.
                resent.append(True)
                Export.objects.filter(pk=export.pk).update(state=ExportState.QUEUED)
                service.export_run(export_id=export.pk)
                progress(done, total)  # the first run learns it lost the export, and stops
                raise OSError(errno.EIO, "the slow run went on and failed")
            progress(done, total)

        return real_write(**{**kwargs, "progress": first_progress})

    monkeypatch.setattr(service, "export_write", slow_then_resent)
    service.export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == ExportState.DONE
    assert export.attempts == 2
    assert service.export_path(export).is_file()
    # The first run left nothing behind, and its failure did not overwrite the second's result.
    assert not list(settings.EXPORT_ROOT.rglob("*.part"))


def test_a_queued_export_whose_message_was_lost_is_sent_again(project, lead, transcribed):
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    assert export.state == ExportState.QUEUED  # on_commit never ran: the message is lost
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert exports_sweep() == (1, 0)
    export.refresh_from_db()
    assert export.state == ExportState.DONE  # re-sent, and run eagerly here


def test_an_export_that_keeps_dying_fails_instead_of_being_sent_forever(project, lead):
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    Export.objects.filter(pk=export.pk).update(
        state=ExportState.RUNNING, attempts=3, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert exports_sweep() == (0, 0)
    export.refresh_from_db()
    assert export.state == ExportState.FAILED
    assert export_error_text(export) == ("The export failed: it stopped 3 times without finishing")


def test_the_sweep_deletes_files_no_export_owns(project, lead, transcribed, settings):
    import os

    from tasks.services.exports import export_path, export_run

    kept = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=kept.pk)
    kept.refresh_from_db()
    gone = ProjectFactory()
    stray = settings.EXPORT_ROOT / str(gone.pk) / "9-csv.zip"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"old")
    dead = settings.EXPORT_ROOT / str(project.pk) / "1-csv.zip.deadbeef.part"
    dead.write_bytes(b"half")
    old = timezone.now().timestamp() - 3600
    os.utime(dead, (old, old))
    gone.delete()
    exports_sweep()
    assert export_path(kept).is_file()
    assert not stray.parent.exists()
    assert not dead.exists()


def test_others_see_only_finished_exports_of_open_data(project, lead, contributor, transcribed):
    from tasks.services.exports import export_run

    done = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    export_run(export_id=done.pk)
    queued = export_request(project=project, actor=lead, format="jsonl", base_url="http://x")
    Project.objects.filter(pk=project.pk).update(data_open=True)
    listed = api_client(contributor).get(f"/api/projects/{project.slug}/exports/").json()
    assert [item["id"] for item in listed["results"]] == [done.pk]
    assert api_client(contributor).get(f"/api/exports/{queued.pk}/").status_code == 403
    lead_list = api_client(lead).get(f"/api/projects/{project.slug}/exports/").json()
    assert {item["id"] for item in lead_list["results"]} == {done.pk, queued.pk}


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
    project, lead, transcribed
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


def test_a_running_export_moves_its_heartbeat_as_it_reads(project, lead, transcribed, monkeypatch):
    from tasks.services import exports as service

    monkeypatch.setattr(service, "PROGRESS_EVERY_SECONDS", 0)
    export = export_request(project=project, actor=lead, format="csv", base_url="http://x")
    long_ago = timezone.now() - timedelta(hours=1)
    beats: list[datetime] = []
    real_write = service.export_write

    def watched(**kwargs):
        progress = kwargs["progress"]

        def beat(done, total):
            Export.objects.filter(pk=export.pk).update(heartbeat_at=long_ago)
            progress(done, total)
            beats.append(Export.objects.get(pk=export.pk).heartbeat_at)

        return real_write(**{**kwargs, "progress": beat})

    monkeypatch.setattr(service, "export_write", watched)
    service.export_run(export_id=export.pk)
    assert len(beats) == 3
    assert all(beat > long_ago for beat in beats)  # the sweep would not think it dead
