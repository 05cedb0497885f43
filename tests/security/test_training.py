"""Training images against the crowd: known answers must measure, never be gamed or leak.

A catalogue, one line per test below (hostile input → expected refusal):

- an account that types nothing on known-answer images → scores nothing, its rate stays 1 in 5
- an account agreeing with known answers → proven (trusted) by them, and its rate falls
- a contributor reading the known answers, promoting an image or editing a known answer → 403
- an outsider asking a members-only project's tutorial, guide or practice → 404
- an answer on a practice image → never weighs, never counts as data

Elsewhere: a known-answer image's detail and next-task answer tell nothing
(tests/tasks/test_training_known.py), a value in a field above one's level is refused
(tests/tasks/test_training_levels.py), every bad CSV of known answers is refused whole
(tests/tasks/test_training_import.py).
"""

from __future__ import annotations

import pytest

from tasks.models import ContributorTrust, KnownAnswerCheck, KnownAnswerUse, Transcription
from tasks.selectors.training import known_answer_rates, training_record
from tasks.selectors.trust import proven_user_ids
from tasks.services.leases import lease_grant
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from tests.tasks.training import EXPERT, known_image
from worker.training import known_answer_rate

pytestmark = pytest.mark.django_db


@pytest.fixture
def always_known(settings):
    settings.KNOWN_ANSWER_EVERY_NEW = 1
    settings.KNOWN_ANSWER_EVERY_TRUSTED = 1


def answer_known_images(project, user, values, count):
    client = api_client(user)
    for n in range(count):
        lease = lease_grant(project=project, user=user)
        assert lease.kind == "known"
        response = client.post(
            f"/api/tasks/{lease.task_id}/transcriptions/",
            {"lease": lease.pk, "values": values, "idempotency_key": f"k{n}"},
            format="json",
        )
        assert response.status_code == 201, response.content


def test_an_account_typing_nothing_scores_nothing_on_known_answers(project, always_known, settings):
    TaskFactory(project=project, target=2)
    for _ in range(3):
        known_image(project)
    lazy = UserFactory()
    answer_known_images(project, lazy, {"scientificName": "?"}, 3)  # the one required field
    record = training_record(project=project, user=lazy, practice=False)
    assert record.compared == 9
    assert record.matched == 0
    settings.KNOWN_ANSWER_EVERY_NEW, settings.KNOWN_ANSWER_EVERY_TRUSTED = 5, 50
    assert known_answer_rate(record, known_answer_rates()) == pytest.approx(1 / 5)
    assert lazy.pk not in proven_user_ids(project=project, user_ids=[lazy.pk])


def test_agreeing_with_known_answers_proves_a_new_account(project, always_known, settings):
    settings.TRUST_MIN_COMPARISONS = 6
    TaskFactory(project=project, target=2)
    for _ in range(2):
        known_image(project)
    careful = UserFactory()
    assert careful.pk not in proven_user_ids(project=project, user_ids=[careful.pk])
    answer_known_images(project, careful, EXPERT, 2)
    trust = ContributorTrust.objects.get(project=project, user=careful)
    assert (trust.compared, trust.agreed) == (6, 6)
    assert careful.pk in proven_user_ids(project=project, user_ids=[careful.pk])


def test_a_contributor_reads_no_known_answer_and_changes_none(project, contributor, lead):
    known = known_image(project)
    client = api_client(contributor)
    assert client.get(f"/api/projects/{project.slug}/known-answers/").status_code == 403
    assert client.post(f"/api/tasks/{known.task_id}/known-answer/", {}).status_code == 403
    patch = client.patch(f"/api/known-answers/{known.pk}/", {"active": False}, format="json")
    assert patch.status_code == 403
    assert EXPERT["scientificName"] not in str(
        client.get(f"/api/projects/{project.slug}/training/").json()
    )


def test_an_outsider_sees_nothing_of_a_members_only_projects_training(db):
    private = ProjectFactory(visibility="members")
    known_image(private, use=KnownAnswerUse.PRACTICE)
    client = api_client(UserFactory())
    assert client.get(f"/api/projects/{private.slug}/training/").status_code == 404
    assert client.post(f"/api/projects/{private.slug}/practice/next/").status_code == 404


def test_a_practice_answer_never_weighs_nor_counts_as_data(project):
    known_image(project, use=KnownAnswerUse.PRACTICE)
    user = UserFactory()
    client = api_client(user)
    body = client.post(f"/api/projects/{project.slug}/practice/next/").json()
    response = client.post(
        f"/api/tasks/{body['task']['id']}/transcriptions/",
        {"lease": body["lease"]["id"], "values": {"scientificName": "x"}, "idempotency_key": "p"},
        format="json",
    )
    assert response.status_code == 201
    assert KnownAnswerCheck.objects.get().practice is True
    assert not Transcription.objects.exists()
    assert not ContributorTrust.objects.filter(user=user).exists()
