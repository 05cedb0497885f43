"""Batches uploaded through the API: the good path, caps and decompression bombs, staged uploads
(the upload page). Fast tier: jobs run eagerly when the request's transaction commits."""

from __future__ import annotations

import json
from pathlib import Path

from tasks.models import Batch, BatchFile, Task
from tests.images import PDF, image_bytes, jpeg, noise_png
from tests.tasks.uploads import batch_status, codes, failures, post_batch, upload

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
