"""The notification socket (`ws/notifications/`) with Channels' WebsocketCommunicator: the
signed-in person hears their unread count at once and whenever it changes; nobody else's."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from tasks.consumers import CLOSE_SESSION_ENDED
from tasks.routing import websocket_urlpatterns
from tasks.services.notifications import notification_create, notifications_mark_read
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user):
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_the_socket_says_the_unread_count_then_each_new_notification():
    project = await sync_to_async(ProjectFactory)()
    person, other = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    await sync_to_async(notification_create)(recipient=person, kind="news", project=project)
    communicator = await connect(person)
    assert await communicator.receive_json_from(timeout=10) == {
        "type": "notifications",
        "unread": 1,
    }
    await sync_to_async(notification_create)(recipient=other, kind="news", project=project)
    await sync_to_async(notification_create)(recipient=person, kind="decision", project=project)
    event = await communicator.receive_json_from(timeout=10)
    assert (event["type"], event["unread"], event["kind"]) == ("notifications", 2, "decision")
    await sync_to_async(notifications_mark_read)(user=person)
    assert (await communicator.receive_json_from(timeout=10))["unread"] == 0
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_an_anonymous_socket_is_closed_as_signed_out():
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = AnonymousUser()
    await communicator.connect()
    closed = await communicator.receive_output(timeout=10)
    assert closed == {"type": "websocket.close", "code": CLOSE_SESSION_ENDED}
