"""Export jobs: run once, swept when stalled or lost, heard on the lead's sockets, read in pages;
the export command."""

from __future__ import annotations

import errno
import io
import json
import zipfile
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.management import CommandError, call_command
from django.utils import timezone

from tasks.events import leads_group
from tasks.models import Export, ExportState, Role
from tasks.presets import PRESETS
from tasks.selectors import exports as selectors_exports
from tasks.services.exports import export_error_text, export_request, exports_sweep
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory


def test_the_job_runs_once_even_if_delivered_twice(project, lead, complete_tasks):
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
    project, lead, complete_tasks, settings
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


def test_records_are_read_in_pages_and_none_is_lost(project, complete_tasks, monkeypatch):
    monkeypatch.setattr(selectors_exports, "CHUNK", 2)
    TaskFactory(project=project, state="withdrawn")
    records = list(
        selectors_exports.export_records(project, base_url="http://x", transcriptions=True)
    )
    assert [r.id for r in records] == sorted(t.pk for t in complete_tasks[0])
    assert all(len(r.transcriptions) == 2 for r in records)


def test_lead_sockets_hear_export_progress_and_the_download_link(project, lead, complete_tasks):
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


def test_the_command_writes_each_format(project, complete_tasks, tmp_path):
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
    project, complete_tasks, monkeypatch, settings
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
    project, lead, complete_tasks, monkeypatch, settings
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


def test_a_queued_export_whose_message_was_lost_is_sent_again(project, lead, complete_tasks):
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


def test_the_sweep_deletes_files_no_export_owns(project, lead, complete_tasks, settings):
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


def test_a_running_export_moves_its_heartbeat_as_it_reads(
    project, lead, complete_tasks, monkeypatch
):
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
