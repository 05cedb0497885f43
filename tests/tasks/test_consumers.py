"""The project socket with Channels' WebsocketCommunicator and the in-memory layer."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from crowd.asgi import application
from tasks.consumers import CLOSE_NOT_FOUND, CLOSE_SESSION_ENDED
from tasks.events import RELAY, event_send, project_group
from tasks.routing import websocket_urlpatterns
from tasks.services.members import membership_remove
from tasks.services.projects import project_update
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMED = {"task": 1, "curator": "Ada", "until": "2026-01-01T00:00:00+00:00"}


async def connect(slug, user):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/projects/{slug}/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def connect_signed_in(slug, user):
    """A socket opened through the whole application with the user's session cookie, as the
    browser opens it. Returns it with the browser's HTTP client (to sign out)."""
    browser = Client()
    await sync_to_async(browser.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        f"/ws/projects/{slug}/",
        headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator, browser


async def test_a_visitor_of_a_public_project_gets_a_snapshot_then_relayed_events():
    project = await sync_to_async(ProjectFactory)(progress={"tasks": {"open": 7}})
    communicator = await connect(project.slug, AnonymousUser())
    snapshot = await communicator.receive_json_from(timeout=10)
    assert snapshot["type"] == "snapshot"
    assert snapshot["progress"] == {"tasks": {"open": 7}}
    await sync_to_async(event_send)(
        project_group(project.pk), "template.updated", {"project": project.slug, "version": 3}
    )
    relayed = await communicator.receive_json_from(timeout=10)
    assert relayed.pop("sent_at") > 0
    assert relayed == {"type": "template.updated", "project": project.slug, "version": 3}
    await communicator.disconnect()


async def test_a_non_member_is_refused_on_a_members_only_project_and_hears_nothing():
    project = await sync_to_async(ProjectFactory)(visibility="members")
    outsider = await sync_to_async(UserFactory)()
    communicator = await connect(project.slug, outsider)
    closing = await communicator.receive_output(timeout=10)
    assert closing == {"type": "websocket.close", "code": CLOSE_NOT_FOUND}
    await sync_to_async(event_send)(
        project_group(project.pk),
        "snapshot",
        {"project": project.slug, "progress": {}, "updated_at": None},
    )
    assert await communicator.receive_nothing()


async def test_a_member_of_a_members_only_project_is_accepted():
    membership = await sync_to_async(MembershipFactory)(project__visibility="members")
    user = await sync_to_async(lambda: membership.user)()
    slug = await sync_to_async(lambda: membership.project.slug)()
    communicator = await connect(slug, user)
    assert (await communicator.receive_json_from(timeout=10))["type"] == "snapshot"
    await communicator.disconnect()


async def test_an_unknown_project_closes_with_not_found():
    communicator = await connect("no-such-project", AnonymousUser())
    assert (await communicator.receive_output(timeout=10))["code"] == CLOSE_NOT_FOUND


async def test_the_full_application_refuses_a_foreign_origin():
    project = await sync_to_async(ProjectFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/projects/{project.slug}/", headers=[(b"origin", b"http://evil.example")]
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_the_full_application_accepts_its_own_origin():
    project = await sync_to_async(ProjectFactory)()
    communicator = WebsocketCommunicator(
        application, f"/ws/projects/{project.slug}/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=10))["type"] == "snapshot"
    await communicator.disconnect()


async def test_a_socket_is_closed_when_the_project_becomes_members_only():
    lead = await sync_to_async(UserFactory)()
    membership = await sync_to_async(MembershipFactory)(user=lead, role="lead")
    project = await sync_to_async(lambda: membership.project)()
    communicator = await connect(project.slug, AnonymousUser())
    assert (await communicator.receive_json_from(timeout=10))["type"] == "snapshot"
    await sync_to_async(project_update)(
        project=project, actor=lead, changes={"visibility": "members"}
    )
    message = await until_closed(communicator)
    assert message == {"type": "websocket.close", "code": CLOSE_NOT_FOUND}


async def test_a_member_removed_from_a_private_project_is_disconnected_and_others_stay():
    lead = await sync_to_async(UserFactory)()
    membership = await sync_to_async(MembershipFactory)(
        user=lead, role="lead", project__visibility="members"
    )
    project = await sync_to_async(lambda: membership.project)()
    leaving = await sync_to_async(MembershipFactory)(project=project)
    leaving_user = await sync_to_async(lambda: leaving.user)()
    gone = await connect(project.slug, leaving_user)
    staying = await connect(project.slug, lead)
    for communicator in (gone, staying):
        assert (await communicator.receive_json_from(timeout=10))["type"] == "snapshot"
    await sync_to_async(membership_remove)(project=project, user=leaving_user)
    assert (await until_closed(gone))["code"] == CLOSE_NOT_FOUND
    await sync_to_async(event_send)(
        project_group(project.pk), "template.updated", {"project": "p", "version": 2}
    )
    assert (await staying.receive_json_from(timeout=10))["type"] == "template.updated"
    await staying.disconnect()


async def test_a_draft_project_refuses_anonymous_sockets():
    project = await sync_to_async(ProjectFactory)(status="draft")
    communicator = await connect(project.slug, AnonymousUser())
    assert (await communicator.receive_output(timeout=10))["code"] == CLOSE_NOT_FOUND


async def until_closed(communicator):
    while True:
        message = await communicator.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            return message


async def test_a_contributor_watching_their_task_hears_how_many_hold_it_and_renews_over_the_socket():
    from tasks.services.leases import lease_grant

    project = await sync_to_async(ProjectFactory)()
    await sync_to_async(TaskFactory)(project=project, target=2)
    alice, bob = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    lease = await sync_to_async(lease_grant)(project=project, user=alice)
    communicator = await connect(project.slug, alice)
    await communicator.receive_json_from(timeout=10)  # snapshot
    await communicator.send_json_to({"type": "watch", "lease": lease.pk})
    assert await communicator.receive_json_from(timeout=10) == {
        "type": "presence",
        "task": lease.task_id,
        "working": 1,
    }
    await sync_to_async(lease_grant)(project=project, user=bob)
    presence = await communicator.receive_json_from(timeout=10)
    assert presence.pop("sent_at") > 0
    assert presence == {"type": "presence", "task": lease.task_id, "working": 2}
    await communicator.send_json_to({"type": "heartbeat", "lease": lease.pk})
    renewed = await communicator.receive_json_from(timeout=10)
    assert renewed["type"] == "lease"
    assert renewed["lease"] == lease.pk
    await communicator.disconnect()


async def test_nobody_watches_a_task_through_someone_elses_lease():
    from tasks.services.leases import lease_grant

    project = await sync_to_async(ProjectFactory)()
    await sync_to_async(TaskFactory)(project=project)
    owner, snoop = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    lease = await sync_to_async(lease_grant)(project=project, user=owner)
    communicator = await connect(project.slug, snoop)
    await communicator.receive_json_from(timeout=10)
    await communicator.send_json_to({"type": "watch", "lease": lease.pk})
    assert await communicator.receive_json_from(timeout=10) == {
        "type": "watch.refused",
        "lease": lease.pk,
    }
    await communicator.send_json_to({"type": "heartbeat", "lease": lease.pk})
    assert (await communicator.receive_json_from(timeout=10))["type"] == "lease.ended"


async def test_curator_events_reach_curators_but_not_contributors():
    from tasks.events import curators_group

    membership = await sync_to_async(MembershipFactory)(role="curator")
    curator, project = await sync_to_async(lambda: (membership.user, membership.project))()
    contributor = await sync_to_async(MembershipFactory)(project=project)
    contributor_user = await sync_to_async(lambda: contributor.user)()
    curating = await connect(project.slug, curator)
    contributing = await connect(project.slug, contributor_user)
    for communicator in (curating, contributing):
        await communicator.receive_json_from(timeout=10)
    await sync_to_async(event_send)(curators_group(project.pk), "dispute.claimed", CLAIMED)
    assert (await curating.receive_json_from(timeout=10))["type"] == "dispute.claimed"
    assert await contributing.receive_nothing()
    await curating.disconnect()
    await contributing.disconnect()


async def test_the_full_application_knows_a_member_by_their_session_cookie():
    membership = await sync_to_async(MembershipFactory)(project__visibility="members")
    member, slug = await sync_to_async(lambda: (membership.user, membership.project.slug))()
    outsider = await sync_to_async(UserFactory)()
    socket, _ = await connect_signed_in(slug, member)
    assert (await socket.receive_json_from(timeout=10))["type"] == "snapshot"
    refused, _ = await connect_signed_in(slug, outsider)
    assert (await refused.receive_output(timeout=10))["code"] == CLOSE_NOT_FOUND
    await socket.disconnect()


async def test_a_socket_whose_session_signed_out_is_closed_at_the_log_out():
    lead = await sync_to_async(UserFactory)()
    membership = await sync_to_async(MembershipFactory)(
        user=lead, role="lead", project__visibility="members"
    )
    project = await sync_to_async(lambda: membership.project)()
    member = await sync_to_async(lambda: MembershipFactory(project=project).user)()
    leaving = await sync_to_async(lambda: MembershipFactory(project=project).user)()
    socket, browser = await connect_signed_in(project.slug, member)
    assert (await socket.receive_json_from(timeout=10))["type"] == "snapshot"
    await sync_to_async(browser.logout)()
    # The log-out itself closes it, before any change of members makes sockets check again.
    assert (await until_closed(socket))["code"] == CLOSE_SESSION_ENDED
    await sync_to_async(membership_remove)(project=project, user=leaving)


async def test_events_are_relayed_while_the_database_thread_is_busy():
    project = await sync_to_async(ProjectFactory)()
    communicator = await connect(project.slug, AnonymousUser())
    await communicator.receive_json_from(timeout=10)  # snapshot
    # A slow database call (another socket's heartbeat, say) holds the one thread Channels runs
    # database work on; relaying an event must not wait for it.
    release = threading.Event()
    busy = asyncio.ensure_future(sync_to_async(release.wait)())
    try:
        await get_channel_layer().group_send(
            project_group(project.pk), {"type": RELAY, "text": '{"type":"ping.test"}'}
        )
        assert await communicator.receive_json_from(timeout=5) == {"type": "ping.test"}
    finally:
        release.set()
        await busy
    await communicator.disconnect()
