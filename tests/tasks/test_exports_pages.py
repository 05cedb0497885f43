"""The exports page and the leads' socket group that carries export progress."""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from tasks.events import event_send, leads_group
from tasks.models import Export, Project, Role
from tasks.routing import websocket_urlpatterns
from tasks.services.exports import export_run
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory
from tests.helpers import page_client

EXPORT_DONE = {
    "id": 1,
    "format": "csv",
    "state": "done",
    "done": 1,
    "total": 1,
    "percent": 100,
    "records": 1,
    "size": 10,
    "error": "",
    "download": None,
}


def test_a_lead_asks_for_an_export_on_the_page_and_sees_it_listed(
    project, lead, django_capture_on_commit_callbacks
):
    TaskFactory(project=project, state="complete")
    client = page_client(lead)
    page = client.get(f"/projects/{project.slug}/exports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Darwin Core Archive (GBIF)" in text
    # The herbarium template maps nothing to CSL: those formats are offered disabled, with why.
    assert 'value="bibtex" id="format-bibtex" disabled' in text
    assert "maps to CSL" in text
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(f"/projects/{project.slug}/exports/", {"format": "dwca"})
    assert posted.status_code == 302
    response = client.get(posted["Location"])
    export = Export.objects.get()
    assert export.state == "done"
    assert export.format == "dwca"
    body = response.content.decode()
    assert f"Export #{export.pk} is on its way" in body
    assert f"/api/exports/{export.pk}/download/" in body


def test_the_page_refuses_a_format_with_its_reason(project, lead):
    response = page_client(lead).post(
        f"/projects/{project.slug}/exports/", {"format": "csl-json"}, follow=True
    )
    assert "No field of this project" in response.content.decode()
    assert not Export.objects.exists()


@pytest.mark.parametrize("role", [Role.CONTRIBUTOR, Role.CURATOR])
def test_other_members_see_the_page_only_when_the_data_is_open(project, role):
    member = MembershipFactory(project=project, role=role).user
    client = page_client(member)
    assert client.get(f"/projects/{project.slug}/exports/").status_code == 403
    assert client.post(f"/projects/{project.slug}/exports/", {"format": "csv"}).status_code == 403
    Project.objects.filter(pk=project.pk).update(data_open=True)
    page = client.get(f"/projects/{project.slug}/exports/")
    assert page.status_code == 200
    assert "New export" not in page.content.decode()
    assert client.post(f"/projects/{project.slug}/exports/", {"format": "csv"}).status_code == 403
    assert not Export.objects.exists()


def test_the_project_page_links_to_the_data_for_those_who_may_download(project, lead, contributor):
    assert (
        "Data and exports" in page_client(lead).get(f"/projects/{project.slug}/").content.decode()
    )
    assert (
        "Data and exports"
        not in page_client(contributor).get(f"/projects/{project.slug}/").content.decode()
    )


def test_a_lead_chooses_the_licence_and_opens_the_data_through_the_api(project, lead):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(lead)
    response = client.patch(
        f"/api/projects/{project.slug}/", {"licence": "CC0-1.0", "data_open": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["licence"], response.json()["data_open"]) == ("CC0-1.0", True)
    wrong = client.patch(f"/api/projects/{project.slug}/", {"licence": "GPL"}, format="json")
    assert wrong.status_code == 400
    assert "licence" in wrong.json()["error"]["fields"]


async def connect(slug, user):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/projects/{slug}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    await communicator.receive_json_from(timeout=10)  # the snapshot
    return communicator


@pytest.mark.django_db(transaction=True)
async def test_export_events_reach_leads_but_not_curators_or_contributors():
    project = await sync_to_async(ProjectFactory)()
    people = {}
    for role in (Role.LEAD, Role.CURATOR, Role.CONTRIBUTOR):
        membership = await sync_to_async(MembershipFactory)(project=project, role=role)
        people[role] = await sync_to_async(lambda m=membership: m.user)()
    sockets = {role: await connect(project.slug, user) for role, user in people.items()}
    await sync_to_async(event_send)(leads_group(project.pk), "export", EXPORT_DONE)
    assert (await sockets[Role.LEAD].receive_json_from(timeout=10))["type"] == "export"
    assert await sockets[Role.CURATOR].receive_nothing()
    assert await sockets[Role.CONTRIBUTOR].receive_nothing()
    for socket in sockets.values():
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_lead_socket_hears_its_export_finish():
    membership = await sync_to_async(MembershipFactory)(role=Role.LEAD)
    lead, project = await sync_to_async(lambda: (membership.user, membership.project))()
    await sync_to_async(TaskFactory)(project=project, state="complete")
    socket = await connect(project.slug, lead)
    export = await sync_to_async(Export.objects.create)(
        project=project, format="csv", base_url="http://testserver"
    )
    await sync_to_async(export_run)(export_id=export.pk)
    seen: list[dict] = []
    while not seen or seen[-1]["state"] != "done":
        seen.append(await socket.receive_json_from(timeout=5))
    assert seen[-1]["download"] == f"/api/exports/{export.pk}/download/"
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_lead_made_contributor_stops_hearing_exports():
    from tasks.services.members import membership_set

    project = await sync_to_async(ProjectFactory)()
    keeper = await sync_to_async(MembershipFactory)(project=project, role=Role.LEAD)
    demoted = await sync_to_async(MembershipFactory)(project=project, role=Role.LEAD)
    keeper_user, user = await sync_to_async(lambda: (keeper.user, demoted.user))()
    socket = await connect(project.slug, user)
    await sync_to_async(membership_set)(
        project=project, user=user, role=Role.CONTRIBUTOR, actor=keeper_user
    )
    # The consumer re-checks access on its own time: the leads' group empties once it has.
    layer = get_channel_layer()
    deadline = time.monotonic() + 10
    while layer.groups.get(leads_group(project.pk)) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not layer.groups.get(leads_group(project.pk))
    await sync_to_async(event_send)(leads_group(project.pk), "export", EXPORT_DONE)
    assert await socket.receive_nothing()
    await socket.disconnect()
