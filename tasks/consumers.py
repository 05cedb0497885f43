"""WebSocket consumers: authenticate, check membership, join groups, relay. A client message
that must change state calls a service; nothing here writes business data itself."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

import redis
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from crowd.metrics import SOCKETS
from crowd.socket_limits import MessageBudget, socket_slot_release, socket_slot_take
from crowd.sockets import (
    session_fingerprint,
    socket_client_ip,
    socket_language,
    socket_session_key,
    socket_user,
    user_group,
)
from crowd.users import AnyUser
from tasks.events import (
    RELAY,
    curators_group,
    event_message,
    leads_group,
    project_group,
    task_group,
)
from tasks.models import Project
from tasks.roles import Capability, project_capabilities
from tasks.selectors.leases import lease_task_held, task_working_count
from tasks.selectors.projects import project_for
from tasks.services.lease_upkeep import lease_abandon_later, lease_heartbeat
from tasks.services.leases import LeaseConflict
from tasks.services.progress import snapshot_payload

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's). The browser module does not retry 4404 nor
# 4401; it retries 4429 with its growing delay (other pages may have closed by then), and 1013
# (RFC 6455's "try again later": the channel layer is away) likewise.
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429
CLOSE_SESSION_ENDED = 4401
CLOSE_TRY_AGAIN = 1013

# What the channel layer raises when Redis is away or a pooled connection went stale.
LAYER_ERRORS = (redis.exceptions.RedisError, OSError, asyncio.TimeoutError)


class LayerUnavailable(Exception):
    """The channel layer failed twice in a row: the socket cannot hear its events now."""


class FrameBudgeted(AsyncJsonWebsocketConsumer):
    """A socket whose client may send only so many frames (`self.budget`, set on connect):
    past it, the socket closes with CLOSE_TOO_MANY."""

    budget: MessageBudget

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        # Every frame counts, even one that is not JSON: each may cost a database round trip.
        if not self.budget.spend():
            with translation.override(socket_language(self.scope)):
                reason = _("Too many messages: slow down.")
            await self.close(code=CLOSE_TOO_MANY, reason=reason)
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)


class ProjectConsumer(FrameBudgeted):
    """`ws/projects/<slug>/`: a project's live events, for whoever may see the project.

    Curators and leads also join the curators' group (claims, decisions); leads the leads'
    group (exports). A contributor may `watch` the task they hold to hear how many others hold
    it, and send lease heartbeats.
    Access is checked on connect and again on `access.changed`. A signed-in user's sockets
    also join their user's group, where `session.ended` closes those whose session ended.

    When the channel layer (Redis) cannot add the socket to its groups, the socket closes with
    1013 and the browser comes back later. An open socket whose Redis goes away stays open: the
    layer's subscriber reconnects and subscribes again, and events resume when Redis answers;
    the browser meanwhile keeps the last counts it was sent.
    """

    joined: list[str]
    watched: tuple[int, int] | None  # (task id, lease id)
    counted: tuple[int | None, str] | None = None  # (user id, address) while a slot is held
    open_counted = False  # counted in the open sockets' metric
    budget: MessageBudget
    layer_unavailable = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Channels' own __call__, except that the socket's channel is asked for twice, and a
        # layer that fails both times leaves the socket without one: `connect` then closes it
        # with 1013 instead of the handshake failing with a 500.
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        if self.channel_layer is not None:
            try:
                self.channel_name = await self._twice(self.channel_layer.new_channel)
            except LayerUnavailable:
                self.channel_layer, self.layer_unavailable = None, True
            else:
                self.channel_receive = functools.partial(
                    self.channel_layer.receive, self.channel_name
                )
        self.base_send = send
        sources = [receive] if self.channel_layer is None else [receive, self.channel_receive]
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch(sources, self.dispatch)

    @staticmethod
    async def _twice(call: Any, *args: Any) -> Any:
        """`call` on the channel layer, tried twice: the first call after Redis restarted may
        meet a pooled connection that Redis closed, and the layer opens a new one for the
        second."""
        try:
            return await call(*args)
        except LAYER_ERRORS:
            try:
                return await call(*args)
            except LAYER_ERRORS as error:
                logger.warning("channel layer unavailable, socket asked to come back: %r", error)
                raise LayerUnavailable from error

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, a hop to the
        # database thread: for an event sent to a thousand sockets, a thousand hops queued on
        # one thread. Relaying touches no database; the handlers that do go through
        # database_sync_to_async, which closes stale connections itself.
        if message["type"] == RELAY:
            await self.event_relay(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.joined, self.watched = [], None
        self.budget = MessageBudget(settings.SOCKET_MESSAGES_PER_MINUTE)
        if self.layer_unavailable:
            await self.accept()
            await self._close_try_again()
            return
        refusal, found = await self._admit()
        if refusal is not None:
            # Accept-then-close so the browser sees our close code instead of a bare 403.
            await self.accept()
            await self.close(code=CLOSE_TOO_MANY, reason=refusal)
            return
        if found is None:
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        project, capabilities, self.user_id = found
        self.project_id = project.pk
        groups = [project_group(project.pk)]
        if self.user_id is not None:
            groups.append(user_group(self.user_id))
        if Capability.CURATE in capabilities:
            groups.append(curators_group(project.pk))
        if Capability.MANAGE in capabilities:
            groups.append(leads_group(project.pk))
        try:
            for group in groups:
                await self._join(group)
        except LayerUnavailable:
            await self.accept()
            await self._close_try_again()
            return
        await self.accept()
        SOCKETS.inc()
        self.open_counted = True
        snapshot = snapshot_payload(
            slug=project.slug, progress=project.progress, updated_at=project.progress_updated_at
        )
        await self.send_json(event_message("snapshot", snapshot))

    async def disconnect(self, code: int) -> None:
        if self.open_counted:
            SOCKETS.dec()
            self.open_counted = False
        if self.counted is not None:
            await self._slot_release()
        for group in self.joined:
            await self._leave(group)
        self.joined = []
        if self.watched is not None:
            await self._schedule_abandon(self.watched[1])

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json(event_message("pong", {}))
        elif kind == "watch" and isinstance(content.get("lease"), int):
            await self._watch(content["lease"])
        elif kind == "heartbeat" and isinstance(content.get("lease"), int):
            await self.send_json(await self._heartbeat(content["lease"]))

    async def event_relay(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])

    async def session_ended(self, message: dict[str, Any]) -> None:
        ended = message.get("session")
        if ended is not None:
            key = socket_session_key(self.scope)
            if key is None or session_fingerprint(key) != ended:
                return  # another session of the same user: this one goes on
        elif await self._still_signed_in():
            return
        await self.send_json(event_message("session.ended", {}))
        await self.disconnect(CLOSE_SESSION_ENDED)
        with translation.override(socket_language(self.scope)):
            reason = _("Your session ended: sign in again to see live updates.")
        await self.close(code=CLOSE_SESSION_ENDED, reason=reason)

    async def access_changed(self, message: dict[str, Any]) -> None:
        found = await self._project_and_capabilities()
        if found is None:
            await self.disconnect(CLOSE_NOT_FOUND)
            await self.close(code=CLOSE_NOT_FOUND)
            return
        for group, needed in (
            (curators_group(self.project_id), Capability.CURATE),
            (leads_group(self.project_id), Capability.MANAGE),
        ):
            if needed not in found[1] and group in self.joined:
                await self._leave(group)
                self.joined.remove(group)

    async def _join(self, group: str) -> None:
        await self._twice(self.channel_layer.group_add, group, self.channel_name)
        self.joined.append(group)

    async def _leave(self, group: str) -> None:
        # A socket closing while Redis is away: nothing to undo there (its subscription went
        # with the connection), and the close itself must not fail.
        try:
            await self.channel_layer.group_discard(group, self.channel_name)
        except LAYER_ERRORS as error:
            logger.info("could not leave %s on the channel layer: %r", group, error)

    async def _close_try_again(self) -> None:
        with translation.override(socket_language(self.scope)):
            reason = _("Live updates are unavailable for a moment: reconnecting shortly.")
        await self.close(code=CLOSE_TRY_AGAIN, reason=reason)

    async def _watch(self, lease_id: int) -> None:
        task_id = await self._live_lease_task(lease_id)
        if task_id is None:
            await self.send_json(event_message("watch.refused", {"lease": lease_id}))
            return
        if self.watched is not None and self.watched[0] != task_id:
            old = task_group(self.watched[0])
            await self._leave(old)
            self.joined.remove(old)
        if self.watched is None or self.watched[0] != task_id:
            try:
                await self._join(task_group(task_id))
            except LayerUnavailable:
                await self._close_try_again()
                return
        self.watched = (task_id, lease_id)
        working = await self._working(task_id)
        await self.send_json(event_message("presence", {"task": task_id, "working": working}))

    @database_sync_to_async
    def _admit(
        self,
    ) -> tuple[str | None, tuple[Project, frozenset[Capability], int | None] | None]:
        """One trip to the database thread on connect: count the socket against its person's and
        address's caps (the refusal, if any), then find the project and what they may do."""
        user = socket_user(self.scope)
        counted = (user.pk if user.is_authenticated else None, socket_client_ip(self.scope))
        with translation.override(socket_language(self.scope)):
            refusal = socket_slot_take(user_id=counted[0], address=counted[1])
        if refusal is not None:
            return refusal, None
        self.counted = counted
        return None, self._project_for(user)

    @database_sync_to_async
    def _slot_release(self) -> None:
        if self.counted is not None:
            socket_slot_release(user_id=self.counted[0], address=self.counted[1])
            self.counted = None

    @database_sync_to_async
    def _project_and_capabilities(
        self,
    ) -> tuple[Project, frozenset[Capability], int | None] | None:
        # A fresh user: a logout, a membership or visibility change must count at once.
        return self._project_for(socket_user(self.scope))

    def _project_for(
        self, user: AnyUser
    ) -> tuple[Project, frozenset[Capability], int | None] | None:
        try:
            project = project_for(user, self.slug)
        except Http404:
            return None
        return project, project_capabilities(user, project), user.pk

    @database_sync_to_async
    def _still_signed_in(self) -> bool:
        user = socket_user(self.scope)
        return user.is_authenticated and user.pk == self.user_id

    @database_sync_to_async
    def _live_lease_task(self, lease_id: int) -> int | None:
        return lease_task_held(
            user=socket_user(self.scope), lease_id=lease_id, project_id=self.project_id
        )

    @database_sync_to_async
    def _working(self, task_id: int) -> int:
        return task_working_count(task_id=task_id)

    @database_sync_to_async
    def _heartbeat(self, lease_id: int) -> dict[str, Any]:
        user = socket_user(self.scope)
        if not user.is_authenticated:
            return event_message("lease.ended", {"lease": lease_id})
        try:
            lease = lease_heartbeat(lease_id=lease_id, user=user)
        except (LeaseConflict, PermissionDenied) as error:
            return event_message("lease.ended", {"lease": lease_id, "message": str(error)})
        return event_message(
            "lease", {"lease": lease.pk, "expires_at": lease.expires_at.isoformat()}
        )

    @database_sync_to_async
    def _schedule_abandon(self, lease_id: int) -> None:
        lease_abandon_later(lease_id=lease_id)
