"""Zips in a batch: unpacked into tasks, hidden files, unsafe paths, nested, empty, damaged and
bomb zips."""

from __future__ import annotations

import zipfile

from tasks.models import Task
from tests.images import jpeg, noise_png, zip_bytes
from tests.tasks.uploads import batch_status, codes, failures, post_batch, upload

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
