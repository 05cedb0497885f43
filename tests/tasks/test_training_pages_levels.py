"""The leads' contributors and levels pages: accuracy and weights, levels, the settings form."""

from __future__ import annotations

import re

import pytest

from tasks.models import ContributorReliability, KnownAnswerCheck, Project
from tests.factories import UserFactory
from tests.tasks.training_pages import (
    found,
    known_answer,  # noqa: F401 (the known fixture)
    text,
    url,
)


def test_leads_see_each_contributors_known_answer_accuracy_and_weights(lead_page, project, known):
    volunteer = UserFactory(username="jeanne")
    KnownAnswerCheck.objects.create(
        known_answer=known,
        project=project,
        task=known.task,
        user=volunteer,
        outcome={
            "scientificName": {"type": "text", "match": True},
            "eventDate": {"type": "date", "match": False},
        },
        compared=2,
        matched=1,
        idempotency_key="k1",
    )
    ContributorReliability.objects.create(
        project=project, user=volunteer, field_type="text", weight=0.87
    )
    page = text(lead_page.get(url("project-training-contributors", project)))
    row = found(r'<tr data-contributor="jeanne">(.*?)</tr>', page)
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    # Username, answers given, known-answer images, then accuracy in template order.
    assert cells[:4] == ["jeanne", "0", "1", "100.0"]
    assert "not measured" in cells[4]  # recordedBy: never compared
    assert cells[6] == "0.0"  # eventDate
    assert cells[-1] == "0.87"


def levels_data(rows, *, min_level=1, feedback=True, total=None):
    data = {
        "levels-TOTAL_FORMS": str(total or len(rows)),
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "9",
        "min_level": str(min_level),
    }
    if feedback:
        data["known_answer_feedback"] = "on"
    for index, (answers, accuracy) in enumerate(rows):
        data[f"levels-{index}-answers"] = answers
        data[f"levels-{index}-accuracy"] = accuracy
    return data


def test_a_lead_sets_levels_the_level_to_transcribe_and_the_feedback(lead_page, project):
    address = url("project-training-levels", project)
    response = lead_page.post(
        address, levels_data([(5, 70), (20, 85), ("", "")], min_level=2, feedback=False)
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.levels == [{"answers": 5, "accuracy": 70}, {"answers": 20, "accuracy": 85}]
    assert (project.min_level, project.known_answer_feedback) == (2, False)
    page = text(lead_page.get(address))
    assert 'name="levels-1-answers" value="20"' in page
    assert 'name="levels-2-answers"' in page  # room to add more


@pytest.mark.parametrize(
    ("rows", "min_level", "message"),
    [
        ([(20, 85), (5, 70)], 1, "Level 3 must ask at least as many answers"),
        ([(5, "")], 1, "Give both the answers and the accuracy, or neither."),
        ([(5, 101)], 1, "Ensure this value is less than or equal to 100."),
        ([(5, 70)], 3, "There are only 2 levels: nobody could reach this one."),
    ],
)
def test_levels_that_cannot_work_are_refused(lead_page, project, rows, min_level, message):
    response = lead_page.post(
        url("project-training-levels", project), levels_data(rows, min_level=min_level)
    )
    assert response.status_code == 400
    assert message in text(response)
    assert Project.objects.get(pk=project.pk).levels == []


def test_the_levels_page_lists_the_fields_that_ask_a_level(lead_page, project):
    fields = list(project.template.fields)
    fields[-1] = {**fields[-1], "level": 2}
    project.template.fields = fields
    project.template.save()
    page = text(lead_page.get(url("project-training-levels", project)))
    assert "Coordinates (<code>coordinates</code>): level 2" in page


def test_saving_the_settings_page_keeps_the_training_settings(lead_page, project):
    # The settings form once carried these: an unchecked box turned the feedback off at each save.
    Project.objects.filter(pk=project.pk).update(
        levels=[{"answers": 3, "accuracy": 80}], min_level=2, known_answer_feedback=True
    )
    response = lead_page.post(
        url("project-settings", project),
        {
            "section": "settings",
            "settings-title_fr": "T",
            "settings-title_en": "T",
            "settings-status": "active",
            "settings-visibility": "public",
            "settings-redundancy_min": 2,
            "settings-redundancy_max": 3,
            "settings-agreement_threshold": 0.6,
            "settings-lease_minutes": 30,
            "settings-assignment_order": "depth",
            "settings-licence": "CC0-1.0",
            "settings-machine_languages": "fra+eng+lat",
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.known_answer_feedback, project.min_level) == (True, 2)
    assert project.levels == [{"answers": 3, "accuracy": 80}]
