"""Sockets under load from one person or one address.

| hostile input | expected refusal |
|---|---|
| one account opens more sockets than SOCKETS_PER_USER | the extra socket is closed with 4429 and the reason |
| one address opens more sockets than SOCKETS_PER_ADDRESS, whatever the accounts | the same |
| a closed socket | gives its place back |
| a socket floods messages past SOCKET_MESSAGES_PER_MINUTE | it is closed with 4429 and the reason |
| the notifications socket floods messages the same way | the same |
| a client writes its own X-Forwarded-For | only the hop the trusted proxy appended counts |
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from crowd.socket_limits import MessageBudget
from tasks.consumers import CLOSE_TOO_MANY
from tasks.routing import websocket_urlpatterns
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def socket(slug, user, address="198.51.100.7", headers=(), language="en"):
    headers = [(b"accept-language", language.encode()), *headers]
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns), f"/ws/projects/{slug}/", headers=headers
    )
    communicator.scope["user"] = user
    communicator.scope["client"] = (address, 50000)
    return communicator


async def opened(communicator):
    """Connect; the first message tells whether the socket stayed open (a snapshot) or was
    closed with a reason."""
    connected, _ = await communicator.connect()
    assert connected
    return await communicator.receive_output(timeout=5)


@pytest.fixture
def project():
    return ProjectFactory(status="active", visibility="public")


@pytest.fixture
def user():
    return UserFactory()


async def test_an_account_past_its_socket_cap_is_closed_with_the_reason(settings, project, user):
    settings.SOCKETS_PER_USER = 2
    first, second = socket(project.slug, user), socket(project.slug, user)
    third = socket(project.slug, user, address="198.51.100.8")
    assert (await opened(first))["type"] == "websocket.send"
    assert (await opened(second))["type"] == "websocket.send"

    refused = await opened(third)

    assert refused["type"] == "websocket.close"
    assert refused["code"] == CLOSE_TOO_MANY
    assert "your account" in refused["reason"]
    await first.disconnect()
    # The closed socket gave its place back.
    again = socket(project.slug, user, address="198.51.100.9")
    assert (await opened(again))["type"] == "websocket.send"
    await second.disconnect()
    await again.disconnect()


async def test_an_address_past_its_socket_cap_is_closed_whatever_the_accounts(settings, project):
    settings.SOCKETS_PER_ADDRESS = 2
    users = [await sync_to_async(UserFactory)() for _ in range(3)]
    sockets = [socket(project.slug, u, address="203.0.113.5") for u in users]
    assert (await opened(sockets[0]))["type"] == "websocket.send"
    assert (await opened(sockets[1]))["type"] == "websocket.send"

    refused = await opened(sockets[2])

    assert (refused["type"], refused["code"]) == ("websocket.close", CLOSE_TOO_MANY)
    assert "your address" in refused["reason"]
    # The reason is in the page's language.
    french = socket(project.slug, users[2], address="203.0.113.5", language="fr")
    assert "votre adresse" in (await opened(french))["reason"]
    # Signed-out visitors of a public project count against the address too.
    anonymous = socket(project.slug, AnonymousUser(), address="203.0.113.5")
    assert (await opened(anonymous))["type"] == "websocket.close"
    for communicator in sockets[:2]:
        await communicator.disconnect()


async def test_a_socket_flooding_messages_is_closed_with_the_reason(settings, project, user):
    settings.SOCKET_MESSAGES_PER_MINUTE = 5
    communicator = socket(project.slug, user)
    assert (await opened(communicator))["type"] == "websocket.send"
    for _ in range(5):
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from(timeout=10))["type"] == "pong"

    await communicator.send_to(text_data="not even json")

    closed = await communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_TOO_MANY)
    assert "Too many messages" in closed["reason"]


async def test_the_notifications_socket_flooding_messages_is_closed_with_the_reason(settings, user):
    settings.SOCKET_MESSAGES_PER_MINUTE = 3
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/notifications/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=10))["type"] == "notifications"
    for _ in range(3):
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from(timeout=10))["type"] == "pong"

    await communicator.send_to(text_data="not even json")

    closed = await communicator.receive_output(timeout=5)
    assert (closed["type"], closed["code"]) == ("websocket.close", CLOSE_TOO_MANY)
    assert closed["reason"] == "Trop de messages : ralentissez."  # the site's language


async def test_an_address_a_client_writes_in_x_forwarded_for_is_not_the_one_counted(
    settings, project
):
    settings.NUM_PROXIES = 1
    settings.SOCKETS_PER_ADDRESS = 1
    users = [await sync_to_async(UserFactory)() for _ in range(2)]
    # The proxy appends the real address after whatever the client wrote.
    forged = [(b"x-forwarded-for", f"10.0.0.{n}, 192.0.2.1".encode()) for n in (1, 2)]
    first = socket(project.slug, users[0], address="127.0.0.1", headers=[forged[0]])
    second = socket(project.slug, users[1], address="127.0.0.1", headers=[forged[1]])
    assert (await opened(first))["type"] == "websocket.send"

    refused = await opened(second)

    assert (refused["type"], refused["code"]) == ("websocket.close", CLOSE_TOO_MANY)
    await first.disconnect()


def test_a_message_budget_refills_with_time_and_never_past_its_burst():
    budget = MessageBudget(60)
    assert all(budget.spend() for _ in range(60))
    assert not budget.spend()
    budget.checked -= 2.0  # two seconds later: two more messages, at one a second
    assert budget.spend()
    assert budget.spend()
    assert not budget.spend()
    budget.checked -= 3600.0
    assert sum(budget.spend() for _ in range(100)) == 60
