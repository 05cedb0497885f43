"""Addresses, forms, a tutorial step and a known answer for the tests of the Training pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tasks.models import KnownAnswer, TaskState, TutorialStep
from tests.factories import TaskFactory


def url(name, project, *args):
    return reverse(name, args=[project.slug, *args])


def step_data(**changes):
    data = {
        "step-title_fr": "Le viseur",
        "step-title_en": "The viewer",
        "step-body_fr": "Zoomez sur l’étiquette.",
        "step-body_en": "Zoom on the label.",
        "step-highlight": "",
        "step-crop_task": "",
        "step-crop": "",
    }
    data.update(changes)
    return data


def text(response):
    return response.content.decode()


def found(pattern, page):
    match = re.search(pattern, page, re.S)
    assert match is not None, pattern
    return match[1]


@pytest.fixture(name="step")
def tutorial_step(project):
    return TutorialStep.objects.create(
        project=project, position=1, title_fr="Bienvenue", title_en="Welcome"
    )


@pytest.fixture(name="known")
def known_answer(project):
    task = TaskFactory(project=project, state=TaskState.REFERENCE, original_name="ref-1.jpg")
    return KnownAnswer.objects.create(
        task=task,
        project=project,
        values={"scientificName": "Quercus ilex L.", "eventDate": "1898-06-12"},
        markers={"habitat": "illegible"},
    )
