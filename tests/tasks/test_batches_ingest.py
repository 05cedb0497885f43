"""Batch ingest: the metadata CSV, dedupe and idempotence of the ingest jobs, progress events."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.models import Batch, BatchFile, Role, Task
from tasks.services.batches import batch_start
from tasks.services.ingest import batch_file_ingest
from tests.factories import MembershipFactory, ProjectFactory
from tests.images import PDF, jpeg, zip_bytes
from tests.tasks.uploads import batch_status, post_batch, stored_batch, upload

# --- Metadata CSV ----------------------------------------------------------------------------


def test_metadata_csv_columns_are_stored_on_each_task(api, project, lead, committed):
    csv = "file,catalogNumber,institution\na.jpg,P0001,MNHN\nsub/b.jpg,P0002,\n"
    archive = zip_bytes([("a.jpg", jpeg(1)), ("sub/b.jpg", jpeg(2))])
    post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("z.zip", archive)],
        metadata=upload("meta.csv", csv.encode()),
    )
    metadata = dict(Task.objects.values_list("original_name", "metadata"))
    assert metadata == {
        "a.jpg": {"catalogNumber": "P0001", "institution": "MNHN"},
        "sub/b.jpg": {"catalogNumber": "P0002"},
    }


def test_a_semicolon_csv_with_a_bom_from_a_french_spreadsheet_is_read_by_bare_file_names(
    api, project, lead, committed
):
    csv = "\ufeffFichier;Numéro;Herbier\nA.JPG;P1;Paris\n".encode()
    archive = zip_bytes([("scans/a.jpg", jpeg(1))])
    post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("z.zip", archive)],
        metadata=upload("m.csv", csv),
    )
    assert Task.objects.get().metadata == {"Numéro": "P1", "Herbier": "Paris"}


def test_a_csv_that_is_not_utf8_is_refused_with_the_byte_and_line(api, project, lead, committed):
    csv = "file,locality\na.jpg,Montpellier\nb.jpg,Béziers\n".encode("latin-1")
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1))],
        metadata=upload("m.csv", csv),
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["metadata"]
    assert message == (
        "The metadata file is not UTF-8 text (byte 0xE9 on line 3): save it as “CSV UTF-8” and "
        "upload it again."
    )
    assert not Batch.objects.exists()


def test_a_csv_without_a_filename_column_is_refused_naming_its_columns(
    api, project, lead, committed
):
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1))],
        metadata=upload("m.csv", b"barcode,locality\n1,Paris\n"),
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["metadata"]
    assert message.endswith("Its columns are: barcode, locality.")
    assert not Task.objects.exists()


def test_an_empty_csv_is_refused(api, project, lead, committed):
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1))],
        metadata=upload("m.csv", b"  \n"),
    )
    assert response.json()["error"]["fields"]["metadata"] == ["The metadata file is empty."]


def test_rows_for_unknown_files_and_files_without_rows_are_reported(api, project, lead, committed):
    csv = b"file,barcode\na.jpg,1\nghost.jpg,2\nphantom.jpg,3\na.jpg,4\n"
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1)), upload("b.jpg", jpeg(2))],
        metadata=upload("m.csv", csv),
    ).json()
    body = batch_status(api, body["id"])
    assert body["notices"] == [
        "Rows 2 and 5 of the metadata both name a.jpg; the first is kept.",
        "2 rows of the metadata name files that are not in the batch: ghost.jpg, phantom.jpg.",
        "1 file has no row in the metadata: b.jpg.",
    ]
    assert Task.objects.get(original_name="a.jpg").metadata == {"barcode": "1"}


# --- Dedupe and idempotence ------------------------------------------------------------------


def test_the_same_image_twice_in_a_batch_opens_one_task_and_reports_the_duplicate(
    api, project, lead, committed
):
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1)), upload("copy of a.jpg", jpeg(1))],
    ).json()
    body = batch_status(api, body["id"])
    task = Task.objects.get()
    assert body["counts"] | {"ok": 1, "duplicate": 1} == body["counts"]
    assert body["duplicates"] == [
        {
            "file": "copy of a.jpg",
            "task": task.pk,
            "message": f"Already in the project (task {task.pk}, a.jpg).",
        }
    ]


def test_an_image_already_in_the_project_is_a_duplicate_in_a_later_batch(
    api, project, lead, committed
):
    post_batch(api, lead, project, committed, files=[upload("a.jpg", jpeg(1))])
    body = post_batch(api, lead, project, committed, files=[upload("again.jpg", jpeg(1))]).json()
    assert batch_status(api, body["id"])["counts"]["duplicate"] == 1
    assert Task.objects.count() == 1


def test_the_same_image_in_another_project_is_not_a_duplicate(api, project, lead, committed):
    other = ProjectFactory()
    MembershipFactory(project=other, user=lead, role=Role.LEAD)
    post_batch(api, lead, project, committed, files=[upload("a.jpg", jpeg(1))])
    post_batch(api, lead, other, committed, files=[upload("a.jpg", jpeg(1))])
    assert Task.objects.filter(state="open").count() == 2


def test_ingesting_a_file_again_makes_nothing_twice(project, lead):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1))])
    batch_start(batch_id=batch.pk, send=False)
    record = BatchFile.objects.get(batch=batch)
    assert batch_file_ingest(batch_file_id=record.pk) == "ok"
    assert batch_file_ingest(batch_file_id=record.pk) is None
    assert Task.objects.count() == 1


def test_a_file_claimed_by_another_delivery_is_left_to_it(project, lead):
    from django.utils import timezone

    batch = stored_batch(project, lead, [("a.jpg", jpeg(1))])
    record = BatchFile.objects.get(batch=batch)
    BatchFile.objects.filter(pk=record.pk).update(claimed_at=timezone.now())
    assert batch_file_ingest(batch_file_id=record.pk) is None
    assert not Task.objects.exists()


def test_a_run_killed_after_tiling_is_redone_and_reuses_the_complete_tiles(
    project, lead, settings, monkeypatch
):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1))])
    record = BatchFile.objects.get(batch=batch)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # a worker stopped between tiling and the task

    monkeypatch.setattr("tasks.services.ingest._original_keep", killed)
    with pytest.raises(KeyboardInterrupt):
        batch_file_ingest(batch_file_id=record.pk)
    assert not Task.objects.exists()
    # Nothing half-made is left: no task, and derivatives no task owns are gone.
    media = Path(settings.MEDIA_ROOT)
    assert not list((media / "projects").rglob("info.json"))
    monkeypatch.undo()
    BatchFile.objects.filter(pk=record.pk).update(claimed_at=None)
    assert batch_file_ingest(batch_file_id=record.pk) == "ok"
    task = Task.objects.get()
    assert (media / task.iiif_path / "info.json").is_file()


def test_an_unexpected_error_fails_the_file_alone_and_is_logged(project, lead, monkeypatch, caplog):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1)), ("b.jpg", jpeg(2))])
    batch_start(batch_id=batch.pk, send=False)
    first, second = BatchFile.objects.filter(batch=batch).order_by("position")

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("tasks.services.ingest.image_ingest", broken)
    assert batch_file_ingest(batch_file_id=first.pk) == "failed"
    monkeypatch.undo()
    assert batch_file_ingest(batch_file_id=second.pk) == "ok"
    first.refresh_from_db()
    assert first.error_code == "internal"
    assert "a bug" in caplog.text


# --- Progress events -------------------------------------------------------------------------


def test_progress_events_go_to_the_batch_and_project_groups_and_the_last_one_is_final(
    api, project, lead, committed, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        "tasks.services.batches.event_send",
        lambda group, kind, payload: sent.append((group, kind, payload)),
    )
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1)), upload("b.jpg", PDF), upload("c.jpg", jpeg(3))],
    ).json()
    groups = {group for group, _, _ in sent}
    assert groups == {f"batch-{body['id']}", f"project-{project.pk}"}
    final = [payload for group, _, payload in sent if group == f"project-{project.pk}"][-1]
    assert final == {
        "batch": body["id"],
        "state": "done",
        "files_total": 3,
        "files_ok": 2,
        "files_duplicate": 0,
        "files_failed": 1,
        "files_done": 3,
        "finished": True,
    }
    # Coalesced: fewer events than files finishing, start and close included.
    assert len(sent) <= 2 * 4
