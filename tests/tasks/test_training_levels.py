"""Levels: a project or a field may ask a level, reached through practice and known answers."""

from __future__ import annotations

import pytest

from tasks.models import KnownAnswerUse, Transcription
from tasks.services.leases import LevelNeeded, lease_grant, practice_lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client, submit
from tests.tasks.training import EXPERT, known_image

pytestmark = pytest.mark.django_db

LEVELS = [{"answers": 1, "accuracy": 80}]


def practise(project, user, values):
    lease = practice_lease_grant(project=project, user=user)
    response = api_client(user).post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {"lease": lease.pk, "values": values, "idempotency_key": f"p{lease.pk}"},
        format="json",
    )
    assert response.status_code == 201, response.content


def test_a_project_asking_a_level_sends_newcomers_to_practise_first(project):
    project.levels, project.min_level = LEVELS, 2
    project.save()
    TaskFactory(project=project, target=2)
    known_image(project, use=KnownAnswerUse.PRACTICE)
    known_image(project, use=KnownAnswerUse.PRACTICE)
    newcomer, sloppy = UserFactory(), UserFactory()
    with pytest.raises(LevelNeeded):
        lease_grant(project=project, user=newcomer)
    refused = api_client(newcomer).post(f"/api/projects/{project.slug}/next-task/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "level_needed"
    assert refused.json()["error"]["needed"] == 2
    practise(project, sloppy, {"scientificName": "Quercus"})  # mostly wrong: still level 1
    with pytest.raises(LevelNeeded):
        lease_grant(project=project, user=sloppy)
    practise(project, newcomer, EXPERT)
    assert lease_grant(project=project, user=newcomer) is not None


def test_leads_and_curators_are_at_every_level(project, curator):
    project.levels, project.min_level = LEVELS, 2
    project.save()
    TaskFactory(project=project, target=2)
    assert lease_grant(project=project, user=curator) is not None


def locked_project(project):
    template = project.template
    fields = [dict(field) for field in template.fields]
    for field in fields:
        if field["key"] == "coordinates":
            field["level"] = 2
    template.fields = fields
    template.save()
    project.levels = LEVELS
    project.save()


def test_a_field_above_ones_level_is_locked_refused_and_recorded_unasked(project):
    locked_project(project)
    TaskFactory(project=project, target=2)
    user = UserFactory()
    training = api_client(user).get(f"/api/projects/{project.slug}/training/").json()
    assert training["locked_fields"] == ["coordinates"]
    assert training["level"]["next"] == {"level": 2, "answers_missing": 1, "accuracy": 80}
    lease = lease_grant(project=project, user=user)
    response = api_client(user).post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {
            "lease": lease.pk,
            "values": {**EXPERT, "coordinates": "47.4, 6.56"},
            "idempotency_key": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "needs level 2" in str(response.json())
    submit(lease, EXPERT)
    assert Transcription.objects.get().markers == {"coordinates": "unasked"}


def test_reaching_the_level_unlocks_the_field(project):
    locked_project(project)
    known_image(project, use=KnownAnswerUse.PRACTICE)
    user = UserFactory()
    practise(project, user, EXPERT)
    training = api_client(user).get(f"/api/projects/{project.slug}/training/").json()
    assert training["locked_fields"] == []
    assert training["level"]["level"] == 2
