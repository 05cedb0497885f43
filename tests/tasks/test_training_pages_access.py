"""The leads' Training pages, who may open them: roles, other projects, CSRF, links, French."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import KnownAnswer, Task, TaskState, TutorialStep
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory
from tests.helpers import page_client
from tests.tasks.training_pages import (
    found,
    known_answer,  # noqa: F401 (the known fixture)
    step_data,
    text,
    tutorial_step,  # noqa: F401 (the step fixture)
    url,
)

# --- Who may open them -----------------------------------------------------------------------


def pages(project, step, known):
    return [
        url("project-training", project),
        url("project-training-step", project, step.pk),
        url("project-training-guide", project),
        url("project-training-guide-field", project, "eventDate"),
        url("project-training-known", project),
        url("project-training-known-template", project),
        url("project-training-known-edit", project, known.pk),
        url("project-training-contributors", project),
        url("project-training-levels", project),
    ]


def posts(project, step, known, task):
    return [
        (url("project-training", project), step_data()),
        (url("project-training-step", project, step.pk), step_data()),
        (url("project-training-step-move", project, step.pk), {"direction": "down"}),
        (url("project-training-step-delete", project, step.pk), {}),
        (url("project-training-guide-field", project, "eventDate"), {"section": "entry"}),
        (url("project-training-known", project), {}),
        (url("project-training-known-edit", project, known.pk), {"use": "practice"}),
        (url("project-training-known-set", project, known.pk), {"active": "0"}),
        (url("project-training-promote", project, task.pk), {"use": "known"}),
        (url("project-training-levels", project), {}),
    ]


def test_a_lead_opens_every_training_page(lead_page, project, step, known):
    for address in pages(project, step, known):
        assert lead_page.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["contributor", "curator"])
def test_contributors_and_curators_get_403_on_every_training_page_and_form(
    request, project, step, known, role
):
    client = page_client(request.getfixturevalue(role))
    task = TaskFactory(project=project, state=TaskState.COMPLETE)
    for address in pages(project, step, known):
        assert client.get(address).status_code == 403, address
    for address, data in posts(project, step, known, task):
        assert client.post(address, data).status_code == 403, address
    assert TutorialStep.objects.filter(pk=step.pk).exists()
    known.refresh_from_db()
    assert (known.use, known.active) == ("known", True)
    assert Task.objects.get(pk=task.pk).state == TaskState.COMPLETE


def test_who_may_not_see_a_members_only_project_gets_404(db, outsider):
    project = ProjectFactory(visibility="members")
    lead = MembershipFactory(project=project, role="lead").user
    step = TutorialStep.objects.create(project=project, title_fr="a", title_en="a")
    task = TaskFactory(project=project, state=TaskState.REFERENCE)
    known = KnownAnswer.objects.create(task=task, project=project, values={})
    client = page_client(outsider)
    for address in pages(project, step, known):
        assert client.get(address).status_code == 404, address
    for address, data in posts(project, step, known, task):
        assert client.post(address, data).status_code == 404, address
    assert page_client(lead).get(url("project-training", project)).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, project, step, known):
    for address in pages(project, step, known):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login"))


def test_a_lead_of_another_project_cannot_touch_this_one(project, step, known):
    other_lead = MembershipFactory(role="lead").user  # lead of a project of their own
    client = page_client(other_lead)
    assert client.get(url("project-training", project)).status_code == 403
    assert client.post(url("project-training-step-delete", project, step.pk)).status_code == 403
    assert TutorialStep.objects.filter(pk=step.pk).exists()


def test_every_training_form_needs_its_csrf_token(lead, project, step):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(lead)
    address = url("project-training-step-delete", project, step.pk)
    assert client.post(address).status_code == 403
    assert TutorialStep.objects.filter(pk=step.pk).exists()
    page = text(client.get(url("project-training", project)))
    token = found(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    forms = re.findall(r"<form [^>]*method=\"post\"[^>]*>(.*?)</form>", page, re.S)
    assert forms
    assert all("csrfmiddlewaretoken" in form for form in forms)
    assert client.post(address, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not TutorialStep.objects.filter(pk=step.pk).exists()


def test_the_project_and_settings_pages_link_leads_to_training(project, lead, contributor):
    training = url("project-training", project)
    for name in ("project-detail", "project-settings"):
        assert training in text(page_client(lead).get(url(name, project)))
    assert training not in text(page_client(contributor).get(url("project-detail", project)))


# --- In French ---------------------------------------------------------------------------------


def test_the_training_pages_speak_french(lead, project, step, known):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(lead)
    assert "Tutoriel" in text(client.get(url("project-training", project)))
    assert "Guide des champs" in text(client.get(url("project-training-guide", project)))
    assert "Réponses connues" in text(client.get(url("project-training-known", project)))
    assert "Niveaux" in text(client.get(url("project-training-levels", project)))
    assert "Contributeurs" in text(client.get(url("project-training-contributors", project)))
