"""The project dashboard's ways in for the people who run the project: dispute counts that open
the review queue already filtered (curators and leads), disputed values per field, and the
upload, contributors and audit pages (leads). Contributors see the counts, not the links."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import Task
from tests.factories import TaskFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def disputed(project, transcribe):
    """One image whose locality two readers gave differently, at the project's maximum."""
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon"}, task=task)
    assert Task.objects.get(pk=task.pk).state == "disputed"
    return task


def detail(project, user):
    return page_client(user).get(reverse("project-detail", args=[project.slug])).content.decode()


def test_curators_open_the_queue_from_the_counts(project, curator, disputed):
    html = detail(project, curator)
    queue = reverse("project-review", args=[project.slug])
    assert f'href="{queue}?status=disputed" data-queue-link="disputed">' in html
    assert f'href="{queue}?status=resolved" data-queue-link="resolved">' in html
    assert f'href="{queue}?status=disputed" data-queue-link="fields-disputed">' in html
    # The live counter stays in the link, for the page's script to update.
    assert 'data-queue-link="disputed"><span data-count="tasks.disputed">1</span>' in html
    # Per field, each count opens the queue on that field.
    assert f'<a href="{queue}?field=locality" data-dispute-field="locality">' in html
    assert "Locality: 1 disputed value</a>" in html
    assert queue.encode() in page_client(curator).get(f"{queue}?field=locality").content


def test_contributors_see_the_counts_without_links(project, contributor, disputed):
    html = detail(project, contributor)
    assert "data-queue-link" not in html
    assert "data-dispute-field" not in html
    assert '<span data-count="tasks.disputed">1</span>' in html


def test_leads_reach_the_upload_page_from_the_dashboard(project, lead, curator):
    upload = reverse("project-batches", args=[project.slug])
    assert f'<a class="button" href="{upload}" data-upload-link>Upload images</a>' in detail(
        project, lead
    )
    assert upload not in detail(project, curator)
