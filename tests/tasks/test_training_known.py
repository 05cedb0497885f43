"""Known-answer and practice images: served apart from the data, answered, compared, counted
as reliability evidence, and never data."""

from __future__ import annotations

import pytest

from tasks.models import (
    ContributorReliability,
    ContributorTrust,
    KnownAnswerCheck,
    KnownAnswerUse,
    Lease,
    LeaseKind,
    Task,
    TaskState,
    Transcription,
)
from tasks.services.leases import lease_current, lease_grant, practice_lease_grant
from tasks.services.progress import project_progress_compute
from tasks.services.reliability import project_reliability_refresh
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client
from tests.tasks.training import EXPERT, known_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def always_known(settings):
    settings.KNOWN_ANSWER_EVERY_NEW = 1
    settings.KNOWN_ANSWER_EVERY_TRUSTED = 1


@pytest.fixture
def never_known(settings):
    settings.KNOWN_ANSWER_EVERY_NEW = 0


def post_answer(client, lease, values, key="k1"):
    return client.post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {"lease": lease.pk, "values": values, "idempotency_key": key},
        format="json",
    )


def test_a_known_answer_image_is_served_at_the_rate_and_only_once(project, always_known):
    TaskFactory(project=project, target=2)
    known = known_image(project)
    user = UserFactory()
    lease = lease_grant(project=project, user=user)
    assert (lease.task_id, lease.kind) == (known.task_id, LeaseKind.KNOWN)
    Lease.objects.filter(pk=lease.pk).update(state="released")
    again = lease_grant(project=project, user=user)
    assert again.kind == LeaseKind.DATA  # the only known answer was met already


def test_no_known_answer_image_is_served_without_real_work_left(project, always_known):
    known_image(project)
    assert lease_grant(project=project, user=UserFactory()) is None


def test_none_is_served_when_the_rate_is_zero(project, never_known):
    task = TaskFactory(project=project, target=2)
    known_image(project)
    assert lease_grant(project=project, user=UserFactory()).task_id == task.pk


def test_the_next_task_answer_does_not_tell_a_known_answer_image_from_a_real_one(
    project, always_known
):
    TaskFactory(project=project, target=2)
    known_image(project)
    client = api_client(UserFactory())
    body = client.post(f"/api/projects/{project.slug}/next-task/").json()
    assert "kind" not in body["lease"]
    assert "state" not in body["task"]
    assert "known" not in str(body).lower()
    assert "reference" not in str(body).lower()


def test_an_answer_on_a_known_answer_image_is_compared_and_never_a_transcription(
    project, always_known, django_capture_on_commit_callbacks
):
    TaskFactory(project=project, target=2)
    known = known_image(project)
    user = UserFactory()
    client = api_client(user)
    lease = lease_grant(project=project, user=user)
    answer = {**EXPERT, "eventDate": "13/06/1898"}
    with django_capture_on_commit_callbacks(execute=True):
        response = post_answer(client, lease, answer)
    assert response.status_code == 201, response.content
    feedback = response.json()["feedback"]
    by_key = {field["key"]: field for field in feedback["fields"]}
    assert by_key["scientificName"]["match"] is True
    assert by_key["eventDate"]["match"] is False
    assert by_key["eventDate"]["expected"] == "12/06/1898"
    assert by_key["eventDate"]["note"] == "Written 12 VI 1898."
    assert feedback["practice"] is False
    assert not Transcription.objects.exists()
    task = Task.objects.get(pk=known.task_id)
    assert (task.state, task.transcription_count) == (TaskState.REFERENCE, 0)
    check = KnownAnswerCheck.objects.get()
    assert check.compared == len(EXPERT)  # the fields both left blank are not compared
    assert check.matched == check.compared - 1
    # The strongest evidence, counted at once: a date weighs 4 observations.
    dates = ContributorReliability.objects.get(user=user, field_type="date")
    assert (dates.correct, dates.total) == (0.0, 4.0)
    assert dates.weight < 1.0
    trust = ContributorTrust.objects.get(user=user, project=project)
    assert (trust.compared, trust.agreed) == (check.compared, check.matched)


def test_a_retried_answer_on_a_known_answer_image_is_recorded_once(project, always_known):
    TaskFactory(project=project, target=2)
    known_image(project)
    user = UserFactory()
    client = api_client(user)
    lease = lease_grant(project=project, user=user)
    first = post_answer(client, lease, EXPERT, key="same")
    again = post_answer(client, lease, EXPERT, key="same")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert KnownAnswerCheck.objects.count() == 1
    other = post_answer(client, lease, EXPERT, key="other")
    assert other.status_code == 409


def test_feedback_on_known_answer_images_can_be_turned_off(project, always_known):
    project.known_answer_feedback = False
    project.save()
    TaskFactory(project=project, target=2)
    known_image(project)
    user = UserFactory()
    response = post_answer(api_client(user), lease_grant(project=project, user=user), EXPERT)
    assert response.status_code == 201
    assert "feedback" not in response.json()


def test_a_refresh_counts_known_answers_as_the_answers_counted_them(project, always_known):
    TaskFactory(project=project, target=2)
    known_image(project)
    user = UserFactory()
    post_answer(api_client(user), lease_grant(project=project, user=user), {"scientificName": "x"})
    before = {
        r.field_type: (r.correct, r.total, r.weight)
        for r in ContributorReliability.objects.filter(user=user)
    }
    project_reliability_refresh(project_id=project.pk)
    after = {
        r.field_type: (r.correct, r.total, r.weight)
        for r in ContributorReliability.objects.filter(user=user)
    }
    assert before
    assert after == before


def test_practice_goes_in_the_leads_order_and_gives_feedback_without_weighing(project):
    first = known_image(project, use=KnownAnswerUse.PRACTICE)
    second = known_image(project, use=KnownAnswerUse.PRACTICE)
    real = TaskFactory(project=project, target=2)
    user = UserFactory()
    client = api_client(user)
    data_lease = lease_grant(project=project, user=user)
    assert data_lease.task_id == real.pk
    lease = practice_lease_grant(project=project, user=user)
    assert (lease.task_id, lease.kind) == (first.task_id, LeaseKind.PRACTICE)
    # Two pages, two leases: the transcription page keeps its real image.
    assert lease_current(project=project, user=user).pk == data_lease.pk
    response = post_answer(client, lease, {"scientificName": "Quercus ilex"})
    assert response.status_code == 201
    assert response.json()["feedback"]["practice"] is True
    assert not ContributorReliability.objects.filter(user=user).exists()
    assert practice_lease_grant(project=project, user=user).task_id == second.task_id


def test_practice_next_through_the_api_ends_with_204(project):
    known_image(project, use=KnownAnswerUse.PRACTICE)
    user = UserFactory()
    client = api_client(user)
    body = client.post(f"/api/projects/{project.slug}/practice/next/").json()
    assert body["practice"] == {"total": 1, "done": 0}
    lease = Lease.objects.get(pk=body["lease"]["id"])
    assert post_answer(client, lease, EXPERT).status_code == 201
    assert client.post(f"/api/projects/{project.slug}/practice/next/").status_code == 204


def test_training_images_count_in_neither_progress_nor_exports(project):
    TaskFactory(project=project, target=2)
    known_image(project)
    progress = project_progress_compute(project_id=project.pk)
    assert progress["tasks"]["total"] == 1
    assert progress["tasks"]["reference"] == 1
    from tasks.selectors.exports import EXPORTED

    assert not Task.objects.filter(EXPORTED, state=TaskState.REFERENCE).exists()


def test_an_answer_sent_to_an_image_that_became_a_training_image_is_refused_clearly(project):
    task = TaskFactory(project=project, target=2)
    user = UserFactory()
    lease = lease_grant(project=project, user=user)
    assert lease.task_id == task.pk
    Task.objects.filter(pk=task.pk).update(state=TaskState.REFERENCE)
    response = post_answer(api_client(user), lease, EXPERT)
    assert response.status_code == 409
    assert "has just become a training image" in response.json()["error"]["message"]
    assert not Transcription.objects.exists()


def test_leads_see_each_contributors_accuracy_on_known_answers_and_weights(
    project, always_known, lead
):
    TaskFactory(project=project, target=2)
    known_image(project)
    user = UserFactory(username="spammy")
    post_answer(
        api_client(user), lease_grant(project=project, user=user), {**EXPERT, "eventDate": "1700"}
    )
    rows = api_client(lead).get(f"/api/projects/{project.slug}/contributors/training/").json()
    row = next(r for r in rows["contributors"] if r["username"] == "spammy")
    assert row["known_images"] == 1
    assert row["answers"] == 0
    assert row["accuracy"]["eventDate"] == 0.0
    assert row["accuracy"]["scientificName"] == 100.0
    assert row["weights"]["date"] < 1.0


def test_the_image_detail_does_not_tell_a_contributor_it_is_a_known_answer_image(
    project, always_known
):
    TaskFactory(project=project, target=2)
    known = known_image(project)
    user = UserFactory()
    lease = lease_grant(project=project, user=user)
    assert lease.task_id == known.task_id
    body = api_client(user).get(f"/api/tasks/{known.task_id}/").json()
    assert body["full"] is False
    assert "reference" not in str(body)
    assert "state" not in body
    assert "original_name" not in body
    assert "field_results" in body
    assert body["field_results"] == []
