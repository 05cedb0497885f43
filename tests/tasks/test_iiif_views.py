"""Live IIIF Presentation 3 documents: the collection and a manifest per batch, at the
addresses the export's ids name, with the export's access rule."""

from __future__ import annotations

import json

import pytest
from iiif_prezi3 import Collection, Manifest

from tasks.models import Batch, FieldResult, Project, Role, Visibility
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory
from tests.helpers import page_client


def annotated_batch(project):
    batch = Batch.objects.create(project=project, name="Lot 1", state="done")
    task = TaskFactory(
        project=project, batch=batch, state="complete", image="projects/1/originals/a.jpg",
        iiif_path="projects/1/iiif/a", image_width=800, image_height=1200,
    )  # fmt: skip
    FieldResult.objects.create(
        project=project, task=task, key="scientificName", value="Quercus ilex L.",
        status="agreed", agreement=1.0, support=2, n=2, method="exact",
    )  # fmt: skip
    return batch, task


def read(response):
    return json.loads(
        b"".join(response.streaming_content) if response.streaming else response.content
    )


def test_a_lead_reads_a_batch_manifest_that_iiif_prezi3_loads(project, lead):
    batch, _task = annotated_batch(project)
    response = page_client(lead).get(f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert "Access-Control-Allow-Origin" not in response  # the data is not open
    data = read(response)
    manifest = Manifest(**data)
    assert data["id"] == f"http://testserver/iiif/{project.slug}/batch-{batch.pk}/manifest.json"
    assert len(manifest.items) == 1
    annotation = data["items"][0]["annotations"][0]["items"][0]
    assert annotation["body"]["value"] == "Quercus ilex L."
    painting = data["items"][0]["items"][0]["items"][0]["body"]
    assert painting["service"][0]["id"] == "http://testserver/media/projects/1/iiif/a"
    listed = read(page_client(lead).get(f"/iiif/{project.slug}/collection.json"))
    Collection(**listed)
    assert [item["id"] for item in listed["items"]] == [data["id"]]


def test_open_data_of_a_public_project_is_readable_from_any_origin(project):
    batch, _ = annotated_batch(project)
    Project.objects.filter(pk=project.pk).update(data_open=True)
    response = page_client().get(f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_contributors_and_outsiders_are_refused_what_is_not_open(project):
    batch, _ = annotated_batch(project)
    contributor = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    url = f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json"
    assert page_client(contributor).get(url).status_code == 403
    Project.objects.filter(pk=project.pk).update(visibility=Visibility.MEMBERS, data_open=True)
    outsider = MembershipFactory(project=ProjectFactory(), role=Role.LEAD).user
    assert page_client(outsider).get(url).status_code == 404
    member = page_client(contributor).get(url)
    assert member.status_code == 200
    assert "Access-Control-Allow-Origin" not in member  # members only: not for other sites


def test_a_batch_of_another_project_is_not_found(project, lead):
    other, _ = annotated_batch(ProjectFactory())
    response = page_client(lead).get(f"/iiif/{project.slug}/batch-{other.pk}/manifest.json")
    assert response.status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_under_the_asgi_server_a_manifest_streams_without_being_read_whole_first():
    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    project = await sync_to_async(ProjectFactory)(data_open=True)
    batch, _ = await sync_to_async(annotated_batch)(project)
    response = await AsyncClient().get(f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json")
    assert response.status_code == 200
    assert response.is_async  # an asynchronous iterator: Django does not buffer it
    body = b"".join([chunk async for chunk in response.streaming_content])
    assert json.loads(body)["items"][0]["annotations"][0]["items"][0]["body"]["value"] == (
        "Quercus ilex L."
    )
    assert "Cookie" in response["Vary"]
    # The manifest's queries ran in the database thread, whose connection the test client
    # leaves open (it keeps Django from closing connections at the end of requests).
    await sync_to_async(connections.close_all, thread_sensitive=True)()


def test_a_batch_with_no_image_to_show_has_no_manifest_and_is_not_listed(project, lead):
    shown, _ = annotated_batch(project)
    empty = Batch.objects.create(project=project, name="Lot 2", state="receiving")
    TaskFactory(project=project, batch=empty, state="pending")  # still being prepared
    client = page_client(lead)
    listed = read(client.get(f"/iiif/{project.slug}/collection.json"))
    assert [item["id"].rsplit("/", 2)[1] for item in listed["items"]] == [f"batch-{shown.pk}"]
    assert client.get(f"/iiif/{project.slug}/batch-{empty.pk}/manifest.json").status_code == 404


def test_one_address_asking_for_manifests_without_end_is_told_to_wait(project, lead, settings):
    from django.core.cache import cache

    cache.clear()
    settings.IIIF_PER_MINUTE = 2
    batch, _ = annotated_batch(project)
    client = page_client(lead)
    url = f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(f"/iiif/{project.slug}/collection.json")["Retry-After"] == "60"
