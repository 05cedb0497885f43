"""Batches: upload, zips, metadata CSV, ingest jobs, dedupe, withdrawal, roles. Fast tier: jobs
run eagerly when the request's transaction commits."""

from __future__ import annotations

import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from crowd.models import Role
from tasks.models import Batch, BatchFile, Lease, Task, Transcription
from tasks.services.batch_sources import Incoming
from tasks.services.batches import batch_create, batch_start
from tasks.services.ingest import batch_file_ingest
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.images import PDF, image_bytes, jpeg, noise_png, zip_bytes


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is sent on commit (the ingest jobs, eagerly) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def post_batch(api, user, project, committed, **data):
    api.force_authenticate(user)
    with committed():
        response = api.post(f"/api/projects/{project.slug}/batches/", data, format="multipart")
    return response


def batch_status(api, batch_id):
    response = api.get(f"/api/batches/{batch_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def failures(body):
    return {failure["file"]: failure["error"] for failure in body["failed"]}


def codes(body):
    return {failure["file"]: failure["code"] for failure in body["failed"]}


# --- The good path -------------------------------------------------------------------------------


def test_uploaded_images_become_open_tasks_with_iiif_tiles_a_thumbnail_and_the_original(
    api, project, lead, committed, settings
):
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("a.jpg", jpeg(1)), upload("b.tif", image_bytes(seed=2, format="TIFF"))],
    )
    assert response.status_code == 201, response.content
    body = batch_status(api, response.json()["id"])
    assert body["state"] == "done"
    assert body["counts"] | {} == body["counts"]
    assert (body["counts"]["ok"], body["counts"]["failed"], body["counts"]["total"]) == (2, 0, 2)
    media = Path(settings.MEDIA_ROOT)
    for task in Task.objects.filter(project=project):
        assert task.state == "open"
        assert task.batch_id == body["id"]
        assert task.target == project.redundancy_min
        info = json.loads((media / task.iiif_path / "info.json").read_text())
        assert info["id"] == f"/media/{task.iiif_path}"
        assert (task.image_width, task.image_height) == (info["width"], info["height"])
        assert (media / str(task.thumbnail.name)).is_file()
        assert (media / str(task.image.name)).is_file()
    names = set(Task.objects.values_list("original_name", flat=True))
    assert names == {"a.jpg", "b.tif"}
    # The uploads' waiting room is cleared once the batch is done.
    assert not (media / Batch.objects.get().folder).exists()
    # The transcription page's API hands out the tiles.
    api.force_authenticate(lead)
    task = api.post(f"/api/projects/{project.slug}/next-task/").json()["task"]
    assert task["iiif"].endswith("/info.json")


def test_a_bad_file_fails_alone_with_its_reason_and_the_rest_of_the_batch_goes_on(
    api, project, lead, committed
):
    good = jpeg(1)
    response = post_batch(
        api,
        lead,
        project,
        committed,
        files=[
            upload("good.jpg", good),
            upload("report.jpg", PDF),
            upload("half.jpg", jpeg(2, (300, 200))[:900]),
            upload("empty.jpg", b""),
        ],
    )
    body = batch_status(api, response.json()["id"])
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 1
    assert failures(body) == {
        "report.jpg": "Not an image: this file is a PDF document.",
        "half.jpg": "The image is truncated: the file ends before its last pixels (an "
        "interrupted copy or upload?).",
        "empty.jpg": "The file is empty.",
    }


def test_a_batch_where_every_file_failed_ends_failed(api, project, lead, committed):
    response = post_batch(api, lead, project, committed, files=[upload("a.jpg", PDF)])
    assert batch_status(api, response.json()["id"])["state"] == "failed"


def test_a_request_without_files_or_manifest_is_refused(api, project, lead, committed):
    response = post_batch(api, lead, project, committed)
    assert response.status_code == 400
    assert "files" in response.json()["error"]["fields"]


# --- Caps and bombs --------------------------------------------------------------------------


def test_a_file_over_the_upload_cap_is_refused_and_the_rest_of_the_batch_goes_on(
    api, project, lead, committed, settings
):
    settings.UPLOAD_MAX_FILE_BYTES = 2000
    big = noise_png()
    assert len(big) > 2000
    body = post_batch(
        api, lead, project, committed, files=[upload("big.png", big), upload("a.jpg", jpeg(1))]
    ).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"big.png": "too_large"}
    assert "more than the limit of 2.0\xa0KB per file" in failures(body)["big.png"]
    assert body["counts"]["ok"] == 1


def test_a_file_streamed_to_disk_stops_being_written_at_the_cap_and_is_reported_with_its_size(
    api, project, lead, committed, settings
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # every upload goes to a temporary file
    settings.UPLOAD_MAX_FILE_BYTES = 1000
    body = post_batch(
        api, lead, project, committed, files=[upload("big.jpg", b"\xff" * 5000)]
    ).json()
    [record] = BatchFile.objects.filter(batch_id=body["id"])
    assert (record.error_code, record.error_params["size"]) == ("too_large", 5000)


def test_files_past_the_batch_cap_are_refused_and_those_that_fit_are_kept(
    api, project, lead, committed, settings
):
    first, second = jpeg(1), jpeg(2)
    settings.UPLOAD_MAX_BATCH_BYTES = len(first) + 10
    body = post_batch(
        api, lead, project, committed, files=[upload("a.jpg", first), upload("b.jpg", second)]
    ).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"b.jpg": "batch_full"}
    assert body["counts"]["ok"] == 1


def test_a_decompression_bomb_in_a_batch_fails_alone(api, project, lead, committed, settings):
    settings.IMAGE_MAX_PIXELS = 10_000
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("bomb.png", image_bytes((200, 100), format="PNG")), upload("a.jpg", jpeg())],
    ).json()
    body = batch_status(api, body["id"])
    assert failures(body) == {
        "bomb.png": "The image is 200 × 100 = 20,000 pixels, more than the limit of 10,000 "
        "(IMAGE_MAX_PIXELS): it could be a decompression bomb."
    }
    assert body["counts"]["ok"] == 1


# --- Zips ------------------------------------------------------------------------------------


def test_a_zip_is_unpacked_into_one_task_per_image_with_its_folders_in_the_names(
    api, project, lead, committed
):
    archive = zip_bytes([("sheets/a.jpg", jpeg(1)), ("sheets/b/c.jpg", jpeg(2))])
    body = post_batch(api, lead, project, committed, zip=upload("sheets.zip", archive)).json()
    assert batch_status(api, body["id"])["counts"]["ok"] == 2
    names = set(Task.objects.values_list("original_name", flat=True))
    assert names == {"sheets/a.jpg", "sheets/b/c.jpg"}


def test_hidden_system_files_in_a_zip_are_skipped_silently(api, project, lead, committed):
    archive = zip_bytes(
        [
            ("a.jpg", jpeg(1)),
            ("__MACOSX/._a.jpg", b"\x00\x05\x16\x07resource fork"),
            ("__MACOSX/sub/x.jpg", b"junk"),
            (".DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("sub/.DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("sub/Thumbs.db", b"junk"),
        ]
    )
    body = post_batch(api, lead, project, committed, files=[upload("a.zip", archive)]).json()
    body = batch_status(api, body["id"])
    assert body["counts"]["total"] == 1
    assert body["failed"] == []


def test_zip_entries_with_absolute_paths_or_dotdot_are_refused_and_never_written_outside(
    api, project, lead, committed, tmp_path
):
    archive = zip_bytes(
        [
            ("../escape.jpg", jpeg(1)),
            ("ok/../../escape2.jpg", jpeg(2)),
            ("/etc/escape3.jpg", jpeg(3)),
            ("C:\\Windows\\escape4.jpg", jpeg(4)),
            ("fine.jpg", jpeg(5)),
        ]
    )
    body = post_batch(api, lead, project, committed, files=[upload("evil.zip", archive)]).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {
        "../escape.jpg": "zip_unsafe_path",
        "ok/../../escape2.jpg": "zip_unsafe_path",
        "/etc/escape3.jpg": "zip_unsafe_path",
        "C:\\Windows\\escape4.jpg": "zip_unsafe_path",
    }
    assert body["counts"]["ok"] == 1
    written = [path.name for path in tmp_path.rglob("escape*")]
    assert written == []


def test_a_zip_inside_the_zip_is_reported_and_not_unpacked(api, project, lead, committed):
    inner = zip_bytes([("deep.jpg", jpeg(1))])
    archive = zip_bytes([("inner.zip", inner), ("a.jpg", jpeg(2))])
    body = post_batch(api, lead, project, committed, files=[upload("outer.zip", archive)]).json()
    body = batch_status(api, body["id"])
    assert failures(body) == {
        "inner.zip": "Not extracted: a zip inside the zip. Unpack it and add its files instead."
    }
    assert body["counts"]["ok"] == 1


def test_an_empty_zip_is_reported(api, project, lead, committed):
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("empty.zip", zip_bytes([])), upload("a.jpg", jpeg(1))],
    ).json()
    body = batch_status(api, body["id"])
    assert failures(body) == {"empty.zip": "The zip archive holds no files."}


def test_a_zip_of_only_hidden_files_counts_as_empty(api, project, lead, committed):
    archive = zip_bytes([("__MACOSX/._a.jpg", b"x"), (".DS_Store", b"y")])
    body = post_batch(api, lead, project, committed, files=[upload("mac.zip", archive)]).json()
    assert codes(batch_status(api, body["id"])) == {"mac.zip": "zip_empty"}


def test_a_damaged_zip_is_reported(api, project, lead, committed):
    body = post_batch(
        api, lead, project, committed, files=[upload("broken.zip", b"PK\x03\x04garbage")]
    ).json()
    assert codes(batch_status(api, body["id"])) == {"broken.zip": "zip_corrupt"}


def test_a_zip_bomb_over_the_total_uncompressed_cap_is_refused_whole(
    api, project, lead, committed, settings
):
    settings.UPLOAD_ZIP_MAX_BYTES = 1_000_000
    archive = zip_bytes(
        [("a.jpg", jpeg(1)), ("zeros.bmp", b"\x00" * 2_000_000)], compression=zipfile.ZIP_DEFLATED
    )
    body = post_batch(api, lead, project, committed, files=[upload("bomb.zip", archive)]).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"bomb.zip": "zip_too_large"}
    assert body["counts"]["total"] == 1
    assert not Task.objects.exists()


def test_a_zip_entry_that_expands_too_far_is_refused_as_a_zip_bomb(
    api, project, lead, committed, settings
):
    settings.UPLOAD_ZIP_MAX_RATIO = 50
    archive = zip_bytes(
        [("a.jpg", jpeg(1)), ("zeros.bmp", b"\x00" * 3_000_000)], compression=zipfile.ZIP_DEFLATED
    )
    body = post_batch(api, lead, project, committed, files=[upload("bomb.zip", archive)]).json()
    body = batch_status(api, body["id"])
    assert codes(body) == {"zeros.bmp": "zip_ratio"}
    assert "looks like a zip bomb" in failures(body)["zeros.bmp"]
    assert body["counts"]["ok"] == 1


def test_a_zip_entry_over_the_file_cap_is_refused(api, project, lead, committed, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 3000
    archive = zip_bytes([("big.png", noise_png()), ("a.jpg", jpeg())])
    body = post_batch(api, lead, project, committed, files=[upload("z.zip", archive)]).json()
    assert codes(batch_status(api, body["id"])) == {"big.png": "too_large"}


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


def stored_batch(project, lead, files):
    return batch_create(
        project=project,
        actor=lead,
        uploads=[Incoming.from_upload(upload(name, data)) for name, data in files],
        start=False,
    )


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


# --- Staged uploads (the upload page) --------------------------------------------------------


def test_a_staged_batch_takes_files_one_by_one_then_starts(api, project, lead, committed):
    created = post_batch(
        api,
        lead,
        project,
        committed,
        staged="true",
        metadata=upload("m.csv", b"file,barcode\na.jpg,42\n"),
    ).json()
    assert created["state"] == "receiving"
    for name, data in (("a.jpg", jpeg(1)), ("b.jpg", PDF)):
        response = api.post(
            f"/api/batches/{created['id']}/files/",
            {"files": upload(name, data)},
            format="multipart",
        )
        assert response.status_code == 201
        assert response.json()[0]["file"] == name
    with committed():
        started = api.post(f"/api/batches/{created['id']}/start/")
    assert started.status_code == 200
    body = batch_status(api, created["id"])
    assert body["state"] == "done"
    assert codes(body) == {"b.jpg": "not_image"}
    assert Task.objects.get().metadata == {"barcode": "42"}
    late = api.post(
        f"/api/batches/{created['id']}/files/",
        {"files": upload("c.jpg", jpeg(3))},
        format="multipart",
    )
    assert late.status_code == 400


def test_a_file_refused_while_uploading_is_told_at_once(api, project, lead, committed, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 10
    created = post_batch(api, lead, project, committed, staged="true").json()
    response = api.post(
        f"/api/batches/{created['id']}/files/",
        {"files": upload("a.jpg", jpeg(1))},
        format="multipart",
    )
    [record] = response.json()
    assert record["state"] == "failed"
    assert record["error"].startswith("The file is ")


# --- Withdrawal ------------------------------------------------------------------------------


def test_withdrawing_a_batch_takes_its_open_tasks_out_of_the_queue_and_keeps_transcriptions(
    api, project, lead, committed, transcribe
):
    from tasks.services.leases import lease_grant

    body = post_batch(
        api, lead, project, committed, files=[upload(f"{i}.jpg", jpeg(i)) for i in range(3)]
    ).json()
    volunteer = UserFactory()
    MembershipFactory(project=project, user=volunteer, role=Role.CONTRIBUTOR)
    transcribe(project, {"scientificName": "Quercus robur L."}, user=volunteer, key="k1")
    other = UserFactory()
    live = lease_grant(project=project, user=other)
    with committed():
        response = api.post(f"/api/batches/{body['id']}/withdraw/")
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    assert set(Task.objects.values_list("state", flat=True)) == {"withdrawn"}
    assert Transcription.objects.count() == 1
    live.refresh_from_db()
    assert live.state == "expired"
    assert lease_grant(project=project, user=UserFactory()) is None
    assert Lease.objects.filter(state="active").count() == 0
    # Withdrawing again changes nothing.
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 200


def test_files_not_yet_ingested_when_a_batch_is_withdrawn_are_not_ingested(project, lead):
    from tasks.services.batches import batch_withdraw
    from tasks.services.ingest import batch_ingest_here

    batch = stored_batch(project, lead, [("a.jpg", jpeg(1)), ("b.jpg", jpeg(2))])
    batch_start(batch_id=batch.pk, send=False)
    batch_withdraw(batch_id=batch.pk, actor=lead)
    batch_ingest_here(batch_id=batch.pk)
    assert not Task.objects.exists()
    assert set(BatchFile.objects.values_list("state", flat=True)) == {"withdrawn"}


# --- Roles -----------------------------------------------------------------------------------


def test_a_contributor_may_not_upload_see_batch_errors_or_withdraw(
    api, project, lead, contributor, committed
):
    body = post_batch(api, lead, project, committed, files=[upload("a.jpg", jpeg(1))]).json()
    api.force_authenticate(contributor)
    refused = api.post(
        f"/api/projects/{project.slug}/batches/",
        {"files": [upload("b.jpg", jpeg(2))]},
        format="multipart",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Only the project's leads may do this."
    assert api.get(f"/api/batches/{body['id']}/").status_code == 403
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 403
    assert api.post(f"/api/batches/{body['id']}/start/").status_code == 403
    assert api.get(f"/api/projects/{project.slug}/batches/").status_code == 403
    assert Task.objects.get().state == "open"


def test_an_outsider_of_a_members_only_project_is_told_nothing_exists(api, outsider, committed):
    hidden = ProjectFactory(visibility="members")
    lead = MembershipFactory(project=hidden, role=Role.LEAD).user
    body = post_batch(api, lead, hidden, committed, files=[upload("a.jpg", jpeg(1))]).json()
    api.force_authenticate(outsider)
    assert api.get(f"/api/batches/{body['id']}/").status_code == 404
    assert api.post(f"/api/batches/{body['id']}/withdraw/").status_code == 404
    posted = api.post(
        f"/api/projects/{hidden.slug}/batches/", {"files": [upload("b.jpg", jpeg(2))]}
    )
    assert posted.status_code == 404
    assert api.get("/api/batches/999999/").status_code == 404


def test_anonymous_visitors_may_not_upload(api, project):
    response = api.post(f"/api/projects/{project.slug}/batches/", {"files": [upload("a", b"x")]})
    assert response.status_code in (401, 403)


def test_the_upload_page_is_for_leads_and_linked_from_the_settings(
    client, project, lead, contributor
):
    client.force_login(lead)
    page = client.get(f"/projects/{project.slug}/batches/")
    assert page.status_code == 200
    assert b"data-batch-upload" in page.content
    settings_page = client.get(f"/projects/{project.slug}/settings/")
    assert f"/projects/{project.slug}/batches/".encode() in settings_page.content
    client.force_login(contributor)
    assert client.get(f"/projects/{project.slug}/batches/").status_code == 403


# --- IIIF manifests --------------------------------------------------------------------------


def test_a_iiif_manifest_is_imported_through_its_image_service(
    api, project, lead, committed, settings
):
    from tests.iiif_server import http_server, manifest_v3

    settings.IIIF_IMPORT_ALLOW_PRIVATE = True
    routes: dict[str, tuple[int, bytes, dict[str, str]]] = {
        "/iiif/a/full/max/0/default.jpg": (200, jpeg(1), {"Content-Type": "image/jpeg"}),
        "/b.jpg": (200, jpeg(2), {"Content-Type": "image/jpeg"}),
        "/c.jpg": (200, PDF, {"Content-Type": "application/pdf"}),
    }
    with http_server(routes) as base:
        manifest = manifest_v3(
            base,
            [
                ("Sheet A", f"{base}/a.jpg", f"{base}/iiif/a"),
                ("Sheet B", f"{base}/b.jpg", None),
                ("Sheet C", f"{base}/c.jpg", None),
                ("Sheet D", f"{base}/gone.jpg", None),
            ],
        )
        routes["/manifest.json"] = (200, json.dumps(manifest).encode(), {})
        body = post_batch(
            api, lead, project, committed, manifest_url=f"{base}/manifest.json"
        ).json()
        body = batch_status(api, body["id"])
    assert body["state"] == "done"
    assert body["counts"]["ok"] == 2
    assert codes(body) == {"Sheet C": "not_image", "Sheet D": "fetch_failed"}
    assert "HTTP 404" in failures(body)["Sheet D"]
    task = Task.objects.get(original_name="Sheet A")
    assert task.metadata["Barcode"] == "B1"
    assert task.iiif_path


def test_a_manifest_on_a_private_address_is_refused_unless_allowed(
    api, project, lead, committed, settings
):
    settings.IIIF_IMPORT_ALLOW_PRIVATE = False
    response = post_batch(
        api, lead, project, committed, manifest_url="http://127.0.0.1:9/manifest.json"
    )
    assert response.status_code == 400
    [message] = response.json()["error"]["fields"]["manifest_url"]
    assert "127.0.0.1 is a private, local or reserved address" in message
    assert not Batch.objects.exists()


# --- import_batch and seed_demo --------------------------------------------------------------


def test_import_batch_waits_and_prints_the_result_as_json(transactional_db, project, tmp_path):
    # Committed for real: the command waits for jobs that run when its transaction commits.
    folder = tmp_path / "sheets"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(jpeg(1))
    (folder / "sub" / "b.jpg").write_bytes(jpeg(2))
    (folder / "sub" / "copy.jpg").write_bytes(jpeg(2))
    (folder / "notes.jpg").write_bytes(PDF)
    (folder / ".DS_Store").write_bytes(b"junk")
    (folder / "more.zip").write_bytes(zip_bytes([("c.jpg", jpeg(3))]))
    metadata = tmp_path / "meta.csv"
    metadata.write_text("file,barcode\na.jpg,A1\nb.jpg,B1\n")
    out = StringIO()
    call_command(
        "import_batch",
        project.slug,
        str(folder),
        "--metadata",
        str(metadata),
        "--wait",
        "--timeout",
        "30",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    assert result["ok"] == 3
    assert result["duplicates"] == 1
    assert result["failed"] == [
        {"file": "notes.jpg", "error": "Not an image: this file is a PDF document."}
    ]
    assert result["batch"] == Batch.objects.get().pk
    assert Task.objects.get(original_name="sub/b.jpg").metadata == {"barcode": "B1"}


def test_import_batch_refuses_an_unknown_project_and_a_bad_csv(project, tmp_path):
    from django.core.management.base import CommandError

    (tmp_path / "a.jpg").write_bytes(jpeg(1))
    with pytest.raises(CommandError):
        call_command("import_batch", "no-such-project", str(tmp_path / "a.jpg"))
    (tmp_path / "m.csv").write_bytes(b"nothing,here\n")
    with pytest.raises(CommandError, match="no column naming the files"):
        call_command(
            "import_batch",
            project.slug,
            str(tmp_path / "a.jpg"),
            "--metadata",
            str(tmp_path / "m.csv"),
        )


def test_seed_demo_tasks_get_iiif_tiles(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", images=1, stdout=StringIO())
    for task in Task.objects.all():
        assert task.iiif_path
        assert (Path(settings.MEDIA_ROOT) / task.iiif_path / "info.json").is_file()
        assert task.metadata


def test_a_zip_with_too_many_files_is_refused_whole(api, project, lead, committed, settings):
    settings.UPLOAD_ZIP_MAX_FILES = 3
    entries = [(f"note-{n}.txt", b"") for n in range(4)]
    body = post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("many.zip", zip_bytes(entries)), upload("a.jpg", jpeg(1))],
    ).json()
    body = batch_status(api, body["id"])
    assert failures(body) == {
        "many.zip": "Not extracted: the zip holds 4 files, more than the limit of 3 (UPLOAD_ZIP_MAX_FILES)."
    }
