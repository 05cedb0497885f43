"""The volunteers' side of training: the practice page, the project page's order and links,
and what the transcription page is given to show the tutorial, guide and levels."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import (
    KnownAnswer,
    KnownAnswerCheck,
    KnownAnswerUse,
    Lease,
    LeaseKind,
    ProjectStatus,
    Role,
    TaskState,
    Template,
    TutorialStep,
)
from tasks.services.leases import lease_grant
from tasks.services.submissions import answer_submit
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory


def practice_url(project):
    return reverse("project-practice", args=[project.slug])


def detail_url(project):
    return reverse("project-detail", args=[project.slug])


def known_answer(project, *, use=KnownAnswerUse.PRACTICE, values=None):
    task = TaskFactory(project=project, state=TaskState.REFERENCE)
    return KnownAnswer.objects.create(
        task=task, project=project, use=use, values=values or {"scientificName": "Abies alba"}
    )


@pytest.fixture
def members_only(db):
    return ProjectFactory(visibility="members")


# --- The practice page ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_to_practise(client, project):
    response = client.get(practice_url(project))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_non_member_gets_404_on_the_practice_page_of_a_members_only_project(
    client, members_only, outsider
):
    client.force_login(outsider)
    assert client.get(practice_url(members_only)).status_code == 404


def test_a_member_of_a_members_only_project_may_practise(client, members_only):
    member = MembershipFactory(project=members_only, role=Role.CONTRIBUTOR).user
    client.force_login(member)
    assert client.get(practice_url(members_only)).status_code == 200


def test_nobody_practises_on_a_paused_project(client, project, contributor):
    project.status = ProjectStatus.PAUSED
    project.save(update_fields=["status"])
    client.force_login(contributor)
    assert client.get(practice_url(project)).status_code == 403


def test_the_practice_page_is_the_transcription_page_in_practice_mode(client, project, contributor):
    client.force_login(contributor)
    page = client.get(practice_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-mode="practice"' in page
    assert "Practice: this answer is not data." in page
    assert "You have done every practice image" in page
    # Its end leads to the real images.
    assert f'href="{reverse("project-transcribe", args=[project.slug])}"' in page
    # No counts of transcriptions there: practice answers are none.
    assert "data-count=" not in page


def test_the_practice_page_speaks_french(client, project, contributor):
    client.force_login(contributor)
    page = client.get(practice_url(project), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Entraînement\u00a0: cette réponse ne compte pas comme donnée." in page


def test_the_transcription_page_stays_in_data_mode_with_the_training_tools(
    client, project, contributor
):
    client.force_login(contributor)
    page = client.get(
        reverse("project-transcribe", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-mode="data"' in page
    assert "Practice: this answer is not data." not in page
    for hook in ("data-tutorial", "data-guide", "data-feedback", "data-level-needed"):
        assert hook in page
    # The shortcut help has the training shortcuts' descriptions to show.
    assert 'data-key="scGuide"' in page
    assert 'data-key="scTutorial"' in page


def test_practice_needs_no_level(api, project, contributor):
    # Practice is how levels are reached: a project that asks level 2 still gives its practice.
    project.levels = [{"answers": 3, "accuracy": 80}]
    project.min_level = 2
    project.save(update_fields=["levels", "min_level"])
    known_answer(project)
    api.force_authenticate(contributor)
    refused = api.post(f"/api/projects/{project.slug}/next-task/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "level_needed"
    practice = api.post(f"/api/projects/{project.slug}/practice/next/")
    assert practice.status_code == 200
    assert practice.json()["practice"] == {"done": 0, "total": 1}


# --- The project page -----------------------------------------------------------------------


def test_a_volunteer_finds_start_transcribing_before_the_statistics(client, project, contributor):
    client.force_login(contributor)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.index("Start transcribing") < page.index('id="progress-heading"')


def test_the_project_page_offers_practice_and_the_tutorial_only_when_the_project_has_them(
    client, project, contributor
):
    client.force_login(contributor)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-practice-link" not in page
    assert "data-tutorial-link" not in page

    known_answer(project)
    TutorialStep.objects.create(project=project, position=1, title_fr="Bienvenue", title_en="Hi")
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{practice_url(project)}" data-practice-link' in page
    assert "?tutorial=1" in page
    assert "Practice images done: 0 of 1." in page
    assert page.index("data-practice-link") < page.index('id="progress-heading"')


def test_blind_known_answers_are_not_offered_as_practice(client, project, contributor):
    known_answer(project, use=KnownAnswerUse.KNOWN)
    client.force_login(contributor)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-practice-link" not in page


def test_anonymous_visitors_see_no_training_links(client, project):
    known_answer(project)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-practice-link" not in page
    assert "Log in to transcribe" in page


def test_the_project_page_shows_the_volunteers_level_and_what_the_next_asks(
    client, project, contributor
):
    project.levels = [{"answers": 2, "accuracy": 80}]
    project.min_level = 2
    project.save(update_fields=["levels", "min_level"])
    client.force_login(contributor)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your level: 1 of 2." in page
    assert "Level 2: 2 more practice or known-answer images at 80% accuracy." in page
    assert "This project asks level 2 to transcribe its images" in page

    # One good practice answer: one image left, in the singular.
    known = known_answer(project)
    KnownAnswerCheck.objects.create(
        known_answer=known,
        project=project,
        task=known.task,
        user=contributor,
        practice=True,
        compared=1,
        matched=1,
        idempotency_key="k1",
    )
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Votre niveau\u00a0: 1 sur 2." in page
    assert "encore 1 image d’entraînement ou à réponse connue, avec 80\u00a0% de justesse" in page


def test_a_project_without_levels_shows_none(client, project, contributor):
    client.force_login(contributor)
    page = client.get(detail_url(project), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-level" not in page


# --- Locked fields --------------------------------------------------------------------------


@pytest.fixture
def gated(project):
    """The herbarium template with its required scientific name at level 2."""
    template = Template.objects.get(project=project)
    fields = [dict(field) for field in template.fields]
    for field in fields:
        if field["key"] == "scientificName":
            field["level"] = 2
    template.fields = fields
    template.save()  # all fields: updated_at too, which keys the parsed specs' cache
    project.levels = [{"answers": 2, "accuracy": 80}]
    project.save(update_fields=["levels"])
    return project


def test_the_training_answer_names_the_fields_a_new_volunteer_may_not_answer_yet(
    api, gated, contributor
):
    api.force_authenticate(contributor)
    training = api.get(f"/api/projects/{gated.slug}/training/").json()
    assert training["locked_fields"] == ["scientificName"]
    assert training["level"]["next"] == {"level": 2, "answers_missing": 2, "accuracy": 80}


def test_a_transcription_without_a_locked_required_field_is_taken(db, gated, contributor):
    TaskFactory(project=gated)
    lease = lease_grant(project=gated, user=contributor)
    assert lease is not None
    assert lease.kind == LeaseKind.DATA
    answer_submit(
        task_id=lease.task_id,
        user=contributor,
        lease_id=lease.pk,
        values={"recordedBy": "J. Dupont"},
        markers={},
        idempotency_key="locked-1",
    )
    assert Lease.objects.get(pk=lease.pk).state == "submitted"
