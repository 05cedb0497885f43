"""The API's list of a project's batches: one page costs the same queries however many rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tasks.models import Batch, BatchFile


def batches_make(project, count, state="done"):
    for n in range(count):
        batch = Batch.objects.create(project=project, name=f"Lot {n}", state=state)
        BatchFile.objects.bulk_create(
            [
                BatchFile(batch=batch, position=0, name="a.jpg", state="ok"),
                BatchFile(
                    batch=batch, position=1, name="b.pdf", state="failed", error_code="not_image"
                ),
                BatchFile(batch=batch, position=2, name="c.jpg", state="duplicate"),
            ]
        )


def listed(client, project, **query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/projects/{project.slug}/batches/", query)
    assert response.status_code == 200
    return response.json(), len(queries)


def test_a_page_of_batches_costs_the_same_queries_for_two_rows_as_for_six(project, lead):
    client = APIClient()
    client.force_authenticate(lead)
    batches_make(project, 2)
    two, few = listed(client, project)
    batches_make(project, 4)
    six, many = listed(client, project)
    assert len(two["results"]) == 2
    assert len(six["results"]) == 6
    assert many == few
    row = six["results"][0]
    assert row["counts"]["failed"] == 1
    assert row["counts"]["total"] == 3
    assert [failure["file"] for failure in row["failed"]] == ["b.pdf"]
    assert [duplicate["file"] for duplicate in row["duplicates"]] == ["c.jpg"]


def test_the_batches_list_filters_by_state(project, lead):
    client = APIClient()
    client.force_authenticate(lead)
    batches_make(project, 1, state="done")
    batches_make(project, 2, state="receiving")
    body, _ = listed(client, project, state="receiving")
    assert [row["state"] for row in body["results"]] == ["receiving", "receiving"]
