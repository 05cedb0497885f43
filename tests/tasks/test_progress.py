"""Progress is counted by a job after commit and pushed as a snapshot event."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tasks.events import project_group
from tasks.models import Project
from tasks.services.projects import project_update
from tests.factories import TaskFactory


def test_a_settings_change_recounts_progress_after_commit(
    project, lead, django_capture_on_commit_callbacks
):
    TaskFactory.create_batch(2, project=project)
    TaskFactory(project=project, state="withdrawn")
    assert Project.objects.get(pk=project.pk).progress == {}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        project_update(project=project, actor=lead, changes={"title_en": "Renamed"})
    # The project.updated event, the progress job, and the snapshot event the job sends.
    assert len(callbacks) == 3
    progress = Project.objects.get(pk=project.pk).progress
    assert progress["tasks"]["open"] == 2
    assert progress["tasks"]["withdrawn"] == 1
    assert progress["tasks"]["total"] == 2  # withdrawn images are not part of the work


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_change_rolls_back(project, lead):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(project_group(project.pk), channel)

    def update_then_fail():
        with transaction.atomic():
            project_update(project=project, actor=lead, changes={"title_en": "Renamed"})
            raise RuntimeError("the request failed after the update")

    with pytest.raises(RuntimeError):
        update_then_fail()
    assert receive_or_none(layer, channel) is None
    assert Project.objects.get(pk=project.pk).title_en != "Renamed"
    project_update(project=project, actor=lead, changes={"title_en": "Renamed"})
    assert json.loads(receive_or_none(layer, channel)["text"])["type"] == "project.updated"


def receive_or_none(layer, channel):
    async def receive():
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout=0.5)
        except TimeoutError:
            return None

    return async_to_sync(receive)()


def test_the_snapshot_event_reaches_the_project_group(
    project, lead, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(project_group(project.pk), channel)
    TaskFactory(project=project)
    with django_capture_on_commit_callbacks(execute=True):
        project_update(project=project, actor=lead, changes={"status": "paused"})
    messages = [async_to_sync(layer.receive)(channel) for _ in range(3)]
    assert [m["type"] for m in messages].count("access.changed") == 1  # the status changed
    received = [json.loads(m["text"]) for m in messages if m["type"] == "event.relay"]
    assert [event["type"] for event in received] == ["project.updated", "snapshot"]
    assert received[0]["status"] == "paused"
    assert received[1]["progress"]["tasks"]["open"] == 1


def test_an_older_count_never_overwrites_a_newer_one(project):
    from datetime import timedelta

    from django.utils import timezone

    from tasks.services.progress import project_progress_refresh

    future = timezone.now() + timedelta(minutes=5)
    Project.objects.filter(pk=project.pk).update(
        progress={"tasks": {"open": 99}}, progress_updated_at=future
    )
    TaskFactory(project=project)
    project_progress_refresh(project_id=project.pk)
    assert Project.objects.get(pk=project.pk).progress == {"tasks": {"open": 99}}


def test_the_periodic_refresh_skips_draft_and_finished_projects(
    db, django_capture_on_commit_callbacks
):
    from tests.factories import ProjectFactory
    from worker.jobs import progress_refresh_all

    active, finished = ProjectFactory(status="active"), ProjectFactory(status="finished")
    with django_capture_on_commit_callbacks(execute=True):
        progress_refresh_all()
    assert Project.objects.get(pk=active.pk).progress_updated_at is not None
    assert Project.objects.get(pk=finished.pk).progress_updated_at is None


def test_progress_counts_active_contributors_and_transcriptions_per_hour(project):
    from datetime import timedelta

    from django.utils import timezone

    from tasks.models import Transcription
    from tasks.services.leases import lease_grant
    from tasks.services.progress import project_progress_compute
    from tests.factories import UserFactory

    tasks = TaskFactory.create_batch(3, project=project, target=3)
    holders = [UserFactory() for _ in range(2)]
    for user in holders:
        lease_grant(project=project, user=user)
    for n, task in enumerate(tasks):
        made = Transcription.objects.create(
            project=project, task=task, user=UserFactory(), values={}, idempotency_key=str(n)
        )
        Transcription.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - timedelta(hours=2 * n)
        )
    progress = project_progress_compute(project_id=project.pk)
    assert progress["active_contributors"] == 2
    assert len(progress["per_hour"]) == 24
    assert progress["per_hour"][-1] == 1
    assert progress["per_hour"][-3] == 1
    assert progress["per_hour"][-5] == 1
    assert sum(progress["per_hour"]) == 3
