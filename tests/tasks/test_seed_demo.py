"""The demo data a newcomer gets from `make run`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from crowd.models import User
from tasks.models import Membership, Project, Task


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # seed_demo runs only in development


def test_seed_demo_creates_accounts_projects_and_images_and_is_safe_to_run_twice(
    db, debug, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=2)
        call_command("seed_demo", images=2)
    out = capsys.readouterr().out
    assert "transcrire-1898" in out
    assert set(User.objects.values_list("username", flat=True)) == {
        "lead", "curator", "contributor1", "contributor2", "contributor3", "contributor4", "contributor5",
    }  # fmt: skip
    assert set(Project.objects.values_list("slug", flat=True)) == {
        "demo-herbarium",
        "demo-references",
    }
    for project in Project.objects.all():
        assert project.status == "active"
        assert Task.objects.filter(project=project, state="open").count() == 2
        roles = dict(
            Membership.objects.filter(project=project).values_list("user__username", "role")
        )
        assert roles == {"lead": "lead", "curator": "curator"}
        assert project.progress["tasks"]["open"] == 2
    task = Task.objects.filter(project__slug="demo-herbarium").first()
    assert task.image.storage.exists(task.image.name)
    assert task.thumbnail.storage.exists(task.thumbnail.name)
    assert task.metadata
    assert User.objects.get(username="lead").check_password("transcrire-1898")


def test_seed_demo_adds_only_the_missing_images(db, debug):
    call_command("seed_demo", images=1)
    call_command("seed_demo", images=3)
    data = Task.objects.filter(project__slug="demo-references").exclude(state="reference")
    assert data.count() == 3


def test_every_demo_value_of_a_select_field_is_an_option_of_its_preset():
    from tasks.presets import PRESETS
    from worker.demo import herbarium_items, reference_items
    from worker.template import template_parse

    for preset, items in (
        ("herbarium", herbarium_items(count=60)),
        ("reference", reference_items(count=60)),
    ):
        selects = [
            spec for spec in template_parse(PRESETS[preset]["fields"]) if spec.type == "select"
        ]
        for item in items:
            for spec in selects:
                value = item.truth[spec.key]
                assert value == "" or spec.option_for(value) is not None, (preset, spec.key, value)


def test_seed_demo_refuses_to_run_in_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("seed_demo", images=1)
    assert not User.objects.exists()


def test_seed_demo_simulates_volunteers_once_through_the_real_services(
    db, debug, django_capture_on_commit_callbacks
):
    from tasks.models import FieldResult, Transcription

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=4, transcriptions=True)
    made = Transcription.objects.count()
    assert made == 2 * 4 * 2  # two projects, images × redundancy minimum
    assert FieldResult.objects.filter(status="agreed").exists()
    assert set(Task.objects.values_list("state", flat=True)) <= {
        "open",
        "needs_more",
        "complete",
        "disputed",
        "reference",  # the training images
    }
    assert Task.objects.exclude(state="open").exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=4, transcriptions=True)
    assert Transcription.objects.count() == made


def test_simulated_volunteers_leave_no_lease_behind(db, debug, django_capture_on_commit_callbacks):
    from tasks.models import Lease

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=4, transcriptions=True)
    assert not Lease.objects.filter(state="active").exists()


def test_seed_demo_gives_each_project_a_tutorial_a_field_guide_and_training_images_once(
    db, debug, django_capture_on_commit_callbacks
):
    from tasks.models import (
        Batch,
        GuideEntry,
        GuideExample,
        KnownAnswer,
        Lease,
        TutorialStep,
    )

    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=3)
    counts = (
        TutorialStep.objects.count(),
        GuideEntry.objects.count(),
        GuideExample.objects.count(),
        KnownAnswer.objects.count(),
        Task.objects.count(),
    )
    for project in Project.objects.all():
        steps = list(TutorialStep.objects.filter(project=project).order_by("position"))
        assert 4 <= len(steps) <= 6
        assert all(s.title_fr and s.title_en and s.body_fr and s.body_en for s in steps)
        assert sum(bool(s.image) for s in steps) >= 2
        highlights = {s.highlight for s in steps}
        assert any(h.startswith("field:") for h in highlights)
        assert "zoom" in highlights
        entries = GuideEntry.objects.filter(project=project)
        assert {e.field_key for e in entries} == set(project.template.field_keys())
        assert all(e.body_fr and e.body_en for e in entries)
        assert GuideExample.objects.filter(project=project).exclude(image="").exists()
        known = KnownAnswer.objects.filter(project=project)
        assert known.filter(use="practice").count() == 4
        assert known.filter(use="known").count() == 6
        assert all(k.task.state == "reference" for k in known)
        assert all(k.task.batch.purpose == "training" for k in known)
        assert any(k.notes for k in known)
        assert Task.objects.filter(project=project, state="open").count() == 3
        assert project.progress["tasks"]["open"] == 3
    herbarium_date = GuideEntry.objects.get(project__slug="demo-herbarium", field_key="eventDate")
    assert "VI.1898" in herbarium_date.body_fr
    assert "7bre" in herbarium_date.body_en
    coordinates = GuideEntry.objects.get(project__slug="demo-herbarium", field_key="coordinates")
    assert "degrees-minutes-seconds" in coordinates.body_en
    assert Batch.objects.filter(purpose="training").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", images=3)
    assert (
        TutorialStep.objects.count(),
        GuideEntry.objects.count(),
        GuideExample.objects.count(),
        KnownAnswer.objects.count(),
        Task.objects.count(),
    ) == counts
    assert Batch.objects.filter(purpose="training").count() == 2
    assert not Lease.objects.exists()
