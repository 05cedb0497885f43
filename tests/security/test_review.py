"""Contribute checks: answers go only to projects that take them now.

- a submission on a live lease of a paused, finished or draft project is refused with a message
  naming why, and nothing is recorded; the lease stays, so the answer can be sent again once the
  project reopens;
- a submission already recorded before the pause is still answered (an idempotent retry loses
  nothing);
- a heartbeat no longer extends a lease of a paused project (the API and the socket call the
  same service);
- a member removed from a members-only project cannot submit on the lease they held;
- a pause committed between the next-task check and the grant hands out no lease.
"""

from __future__ import annotations

import pytest

from tasks.models import Lease, LeaseState, Membership, ProjectStatus, Transcription, Visibility
from tasks.services.leases import ProjectNotTakingAnswers, lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client

VALUES = {"scientificName": "Quercus ilex L."}


def _hold(project):
    user = UserFactory()
    TaskFactory(project=project)
    lease = lease_grant(project=project, user=user)
    assert lease is not None
    return user, lease


def _post(user, lease, key="k1"):
    return api_client(user).post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {"lease": lease.pk, "values": VALUES, "idempotency_key": key},
        format="json",
    )


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (ProjectStatus.PAUSED, "paused"),
        (ProjectStatus.FINISHED, "finished"),
    ],
)
@pytest.mark.django_db
def test_an_answer_on_a_live_lease_of_a_paused_or_finished_project_is_refused_and_not_recorded(
    status, words
):
    project = ProjectFactory()
    user, lease = _hold(project)
    project.status = status
    project.save()
    response = _post(user, lease)
    assert response.status_code == 409, response.content
    assert words in response.json()["error"]["message"]
    assert not Transcription.objects.exists()
    # The lease is kept: the contributor may send the same answer once the project reopens.
    assert Lease.objects.get(pk=lease.pk).state == LeaseState.ACTIVE
    project.status = ProjectStatus.ACTIVE
    project.save()
    assert _post(user, lease).status_code == 201


@pytest.mark.django_db
def test_an_answer_on_a_live_lease_of_a_project_sent_back_to_draft_is_refused():
    project = ProjectFactory()
    user, lease = _hold(project)
    MembershipFactory(project=project, user=user, role="contributor")
    project.status = ProjectStatus.DRAFT
    project.save()
    response = _post(user, lease)
    assert response.status_code in (404, 409)
    assert not Transcription.objects.exists()


@pytest.mark.django_db
def test_a_retry_of_an_answer_recorded_before_the_pause_still_gets_its_transcription():
    project = ProjectFactory()
    user, lease = _hold(project)
    first = _post(user, lease)
    assert first.status_code == 201
    project.status = ProjectStatus.PAUSED
    project.save()
    again = _post(user, lease)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_a_heartbeat_on_a_lease_of_a_paused_project_is_refused_with_the_reason():
    project = ProjectFactory()
    user, lease = _hold(project)
    project.status = ProjectStatus.PAUSED
    project.save()
    response = api_client(user).post(f"/api/leases/{lease.pk}/heartbeat/")
    assert response.status_code == 409
    assert "paused" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_member_removed_from_a_members_only_project_cannot_answer_on_the_lease_they_held():
    project = ProjectFactory(visibility=Visibility.MEMBERS)
    user = MembershipFactory(project=project, role="contributor").user
    TaskFactory(project=project)
    lease = lease_grant(project=project, user=user)
    Membership.objects.filter(project=project, user=user).delete()
    response = _post(user, lease)
    assert response.status_code == 404
    assert not Transcription.objects.exists()


@pytest.mark.django_db
def test_a_pause_committed_after_the_callers_check_hands_out_no_new_lease():
    """The view checked an active project; a lead paused it before the lease was granted."""
    project = ProjectFactory(status=ProjectStatus.ACTIVE)
    TaskFactory(project=project)
    seen_active = type(project).objects.get(pk=project.pk)
    type(project).objects.filter(pk=project.pk).update(status=ProjectStatus.PAUSED)

    with pytest.raises(ProjectNotTakingAnswers, match="paused"):
        lease_grant(project=seen_active, user=UserFactory())

    assert not Lease.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "said"), [(ProjectStatus.PAUSED, "paused"), (ProjectStatus.FINISHED, "finished")]
)
def test_asking_a_paused_or_finished_project_for_work_says_why(status, said):
    project = ProjectFactory(status=status)
    TaskFactory(project=project)

    refused = api_client(UserFactory()).post(f"/api/projects/{project.slug}/next-task/")

    assert refused.status_code == 403
    assert said in refused.json()["error"]["message"]
