"""`manage.py check_integrity` on a project with a real ingested image and a real answer: clean,
it says so and exits 0; each kind of damage is named, with an example, and exits 1."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tasks.models import BatchFile, Lease, Task
from tasks.services.batches import batch_start
from tasks.services.ingest import batch_file_ingest
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory
from tests.helpers import submit
from tests.images import jpeg
from tests.tasks.uploads import stored_batch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ingested(project, lead):
    """A project with one image ingested from a real upload and one answer on it."""
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1)), ("b.jpg", jpeg(2))])
    batch_start(batch_id=batch.pk, send=False)
    for record in BatchFile.objects.filter(batch=batch):
        assert batch_file_ingest(batch_file_id=record.pk) == "ok"
    contributor = MembershipFactory(project=project).user
    lease = lease_grant(project=project, user=contributor)
    assert lease is not None
    submit(lease, {"scientificName": "Quercus robur"})
    return project


def run() -> tuple[int, dict]:
    out = StringIO()
    try:
        call_command("check_integrity", "--json", stdout=out)
        status = 0
    except SystemExit as exit_:
        status = int(exit_.code or 0)
    return status, json.loads(out.getvalue())


def problems(report: dict) -> dict[str, list[str]]:
    return {c["check"]: c["examples"] for c in report["checks"] if c["problems"]}


def test_a_healthy_installation_passes_every_check(ingested):
    status, report = run()
    assert problems(report) == {}
    assert report["ok"] is True
    assert status == 0
    assert {c["check"] for c in report["checks"]} == {
        "transcription counts",
        "batch files",
        "task files",
        "orphan files",
        "waiting too long",
    }


def test_a_count_that_does_not_match_its_transcriptions_is_named(ingested):
    task = Task.objects.filter(transcription_count=1).get()
    Task.objects.filter(pk=task.pk).update(transcription_count=3)
    status, report = run()
    assert status == 1
    assert problems(report) == {"transcription counts": [f"task {task.pk}: counts 3, has 1"]}


def test_a_missing_thumbnail_and_missing_tiles_are_named(ingested):
    task = Task.objects.order_by("pk").first()
    assert task is not None
    root = Path(settings.MEDIA_ROOT)
    (root / str(task.thumbnail.name)).unlink()
    (root / task.iiif_path / "info.json").unlink()
    status, report = run()
    assert status == 1
    found = problems(report)["task files"]
    assert f"task {task.pk}: thumbnail {task.thumbnail.name} is missing" in found
    assert f"task {task.pk}: tiles {task.iiif_path}/info.json is missing" in found


def test_a_file_no_image_uses_is_an_orphan_and_a_used_tile_is_not(ingested):
    root = Path(settings.MEDIA_ROOT)
    orphan = root / f"projects/{ingested.pk}/originals/ff/{'f' * 64}.jpg"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left behind")
    stray_tile = root / f"projects/{ingested.pk}/iiif/ee/{'e' * 64}/full/max/0/default.jpg"
    stray_tile.parent.mkdir(parents=True, exist_ok=True)
    stray_tile.write_bytes(b"tile")
    status, report = run()
    assert status == 1
    assert sorted(problems(report)["orphan files"]) == sorted(
        [
            orphan.relative_to(root).as_posix(),
            stray_tile.relative_to(root).as_posix(),
        ]
    )


def test_work_left_waiting_too_long_is_named(ingested):
    task = Task.objects.filter(transcription_count=1).get()
    long_ago = timezone.now() - timedelta(hours=3)
    Task.objects.filter(pk=task.pk).update(reconcile_pending=True, last_transcribed_at=long_ago)
    other = Task.objects.exclude(pk=task.pk).get()
    lease = Lease.objects.create(
        task=other, user=ingested.memberships.first().user, expires_at=long_ago
    )
    status, report = run()
    assert status == 1
    found = problems(report)["waiting too long"]
    assert any(line.startswith(f"task {task.pk}: reconciliation pending") for line in found)
    assert f"lease {lease.pk}: active past its expiry" in found


def test_an_upload_waiting_for_ingest_without_its_file_is_named(project, lead):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(1))])
    record = BatchFile.objects.get(batch=batch)
    (Path(settings.MEDIA_ROOT) / record.stored).unlink()
    status, report = run()
    assert status == 1
    assert problems(report) == {
        "batch files": [f"batch file {record.pk}: waiting, its upload {record.stored} is gone"]
    }


def test_the_plain_report_names_each_check():
    out = StringIO()
    call_command("check_integrity", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "ok       transcription counts"
    assert len(lines) == 5
