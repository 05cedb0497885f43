"""Machine reading (OCR) at ingest: the job after the task opens, the stored words, reading
again, the command for images already there, and every way a reading fails while the image
stays available. Runs the real Tesseract (tests/ocr.py)."""

from __future__ import annotations

from datetime import timedelta

import pytesseract
import pytest
from django.core.management import call_command
from django.utils import timezone

from crowd.storage import media_files
from tasks import jobs
from tasks.models import ImageReading, ReadingStatus, Task, TaskState
from tasks.services.readings import (
    project_readings_read_here,
    readings_resume,
    task_image_read,
)
from tests.images import jpeg
from tests.ocr import label_jpeg, tesseract
from tests.tasks.uploads import post_batch, upload

__all__ = ["tesseract"]

LABEL = ["HERBIER DE MONTPELLIER", "Quercus  ilex  L.", "Leg.  J.  Dupont  1898"]


@pytest.fixture
def reading_project(project):
    project.machine_reading = True
    project.save()
    return project


def ingest(api, lead, project, committed, files):
    response = post_batch(api, lead, project, committed, files=files)
    assert response.status_code == 201, response.content
    return Task.objects.filter(project=project).order_by("pk")


def words_of(task):
    return [word["t"] for word in ImageReading.objects.get(task=task).words]


def test_a_new_image_is_read_once_its_task_is_open_and_its_words_are_kept_with_boxes(
    api, reading_project, lead, committed, tesseract
):
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    assert task.state == TaskState.OPEN
    reading = ImageReading.objects.get(task=task)
    assert reading.status == ReadingStatus.DONE
    assert reading.engine == "tesseract"
    assert reading.engine_version
    assert reading.languages == "fra+eng+lat"
    assert reading.languages_missing == ""
    assert reading.scale == 1.0
    assert reading.duration_ms is not None
    found = {word["t"]: word for word in reading.words}
    assert {"MONTPELLIER", "Quercus", "Dupont"} <= set(found)
    x, y, width, height = found["Quercus"]["b"]
    # Drawn at (40, 104), 40 pixels high: the box is where the word is on the image.
    assert 30 <= x <= 60
    assert 95 <= y <= 125
    assert 20 <= height <= 50
    assert width > 80
    assert found["Quercus"]["c"] > 60
    assert found["Quercus"]["l"] != found["Dupont"]["l"]
    assert "HERBIER DE MONTPELLIER" in reading.text.splitlines()


def test_a_project_without_machine_reading_reads_nothing(api, project, lead, committed, tesseract):
    ingest(api, lead, project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    assert not ImageReading.objects.exists()


def test_the_reading_is_sent_to_the_ocr_queue_after_the_commit_that_opens_the_task(
    api, reading_project, lead, committed, published_jobs, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = post_batch(api, lead, reading_project, committed, files=[upload("a.jpg", jpeg(1))])
    assert response.status_code == 201
    from tasks.models import BatchFile
    from tasks.services.ingest import batch_file_ingest

    published_jobs.clear()
    with committed():
        batch_file_ingest(batch_file_id=BatchFile.objects.get().pk)
    task = Task.objects.get()
    assert task.state == TaskState.OPEN
    assert (jobs.IMAGE_READ, "ocr") in published_jobs
    assert ImageReading.objects.get(task=task).status == ReadingStatus.PENDING


def test_reading_again_replaces_the_reading_and_a_second_delivery_does_nothing(
    api, reading_project, lead, committed, tesseract
):
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    before = words_of(task)
    assert task_image_read(task_id=task.pk) is None  # read already: a redelivery
    read = project_readings_read_here(project=reading_project, again=True)
    assert (read.done, read.failed) == (1, 0)
    assert ImageReading.objects.count() == 1
    assert words_of(task) == before
    assert ImageReading.objects.get(task=task).attempts == 1


def test_a_reading_past_its_time_is_recorded_and_the_image_stays_available(
    api, reading_project, lead, committed, tesseract, settings
):
    settings.OCR_TIMEOUT = 0.01
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    reading = ImageReading.objects.get(task=task)
    assert (reading.status, reading.error_code) == (ReadingStatus.FAILED, "timeout")
    assert reading.words == []
    assert reading.text == ""
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_a_huge_image_is_downscaled_first_and_its_boxes_stay_in_full_size_pixels(
    api, reading_project, lead, committed, tesseract, settings
):
    big = label_jpeg(LABEL, size=(1800, 700), origin=(900, 300))
    settings.OCR_MAX_PIXELS = 1800 * 700 // 2
    (task,) = ingest(api, lead, reading_project, committed, [upload("big.jpg", big)])
    reading = ImageReading.objects.get(task=task)
    assert reading.status == ReadingStatus.DONE
    assert 0.6 < reading.scale < 0.8
    found = {word["t"]: word["b"] for word in reading.words}
    x, y, _width, _height = found["Quercus"]
    assert 880 <= x <= 930
    assert 350 <= y <= 390


def test_languages_this_machine_lacks_are_recorded_and_the_others_used(
    api, reading_project, lead, committed, tesseract
):
    reading_project.machine_languages = "zzz+fra"
    reading_project.save()
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    reading = ImageReading.objects.get(task=task)
    assert reading.status == ReadingStatus.DONE
    assert (reading.languages, reading.languages_missing) == ("fra", "zzz")


def test_a_reading_in_no_language_this_machine_has_fails_with_the_reason(
    api, reading_project, lead, committed, tesseract
):
    reading_project.machine_languages = "zzz"
    reading_project.save()
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    reading = ImageReading.objects.get(task=task)
    assert (reading.status, reading.error_code, reading.error_detail) == (
        ReadingStatus.FAILED,
        "languages_missing",
        "zzz",
    )
    task.refresh_from_db()
    assert task.state == TaskState.OPEN


def test_an_image_whose_file_is_gone_or_damaged_fails_with_the_reason(
    api, reading_project, lead, committed, tesseract
):
    first, second = ingest(
        api,
        lead,
        reading_project,
        committed,
        [upload("a.jpg", label_jpeg(LABEL)), upload("b.jpg", label_jpeg(["Autre"]))],
    )
    media_files().delete(first.image.name)
    path = media_files().path(second.image.name)
    path.write_bytes(b"not an image any more")
    project_readings_read_here(project=reading_project, again=True)
    codes = dict(ImageReading.objects.values_list("task_id", "error_code"))
    assert codes == {first.pk: "image_missing", second.pk: "unreadable"}


def test_a_machine_without_the_engine_records_it_and_a_later_command_reads_the_image(
    api, reading_project, lead, committed, tesseract, monkeypatch
):
    from worker.ocr import tesseract as engine

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    engine.engine_version.cache_clear()
    (task,) = ingest(api, lead, reading_project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    assert ImageReading.objects.get(task=task).error_code == "engine_missing"
    monkeypatch.undo()
    engine.engine_version.cache_clear()
    call_command("read_images", reading_project.slug, "--here", stdout=_Null())
    assert "Quercus" in words_of(task)


def test_the_command_reads_images_ingested_before_machine_reading_was_turned_on(
    api, project, lead, committed, tesseract
):
    (task,) = ingest(api, lead, project, committed, [upload("a.jpg", label_jpeg(LABEL))])
    assert not ImageReading.objects.exists()
    project.machine_reading = True
    project.save()
    with committed():
        call_command("read_images", stdout=_Null())
    assert ImageReading.objects.get(task=task).status == ReadingStatus.DONE


def test_the_command_refuses_a_project_that_does_not_exist(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No project 'nowhere'"):
        call_command("read_images", "nowhere")


def test_the_sweep_sends_again_a_reading_a_lost_message_left_waiting(
    reading_project, published_jobs, settings
):
    from tests.factories import TaskFactory

    settings.CELERY_TASK_ALWAYS_EAGER = False
    task = TaskFactory(project=reading_project)
    ImageReading.objects.create(task=task, project=reading_project)
    long_ago = timezone.now() - timedelta(hours=1)
    ImageReading.objects.filter(task=task).update(sent_at=long_ago)
    assert readings_resume() == 1
    assert published_jobs == [(jobs.IMAGE_READ, "ocr")]
    # Sent just now: the next sweep leaves it to the queue.
    assert readings_resume() == 0


class _Null:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
