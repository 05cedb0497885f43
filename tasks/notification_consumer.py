"""`ws/notifications/`: the signed-in person's notification counter, on every page.

Authenticates, joins the person's groups, relays; writes nothing. Anonymous sockets close with
4401 (nothing to hear). The socket counts against the person's and address's caps like every
other, and closes when its session ends (`session.ended` on the user's group)."""

from __future__ import annotations

import contextlib
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from crowd.socket_limits import MessageBudget, socket_slot_release, socket_slot_take
from crowd.sockets import (
    session_fingerprint,
    socket_client_ip,
    socket_language,
    socket_session_key,
    socket_user,
    user_group,
)
from tasks.consumers import (
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_MANY,
    CLOSE_TRY_AGAIN,
    LAYER_ERRORS,
    FrameBudgeted,
)
from tasks.events import RELAY, event_message, notifications_group
from tasks.selectors.notifications import notifications_unread_count


class NotificationConsumer(FrameBudgeted):
    user_id: int | None = None
    counted: tuple[int, str] | None = None
    joined: list[str]
    budget: MessageBudget

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message["type"] == RELAY:  # relaying touches no database (see ProjectConsumer)
            await self.send(text_data=message["text"])
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        self.joined = []
        self.budget = MessageBudget(settings.SOCKET_MESSAGES_PER_MINUTE)
        await self.accept()
        refusal, unread = await self._admit()
        if refusal is not None:
            await self.close(code=CLOSE_TOO_MANY, reason=refusal)
            return
        if self.user_id is None or unread is None:
            await self.close(code=CLOSE_SESSION_ENDED)
            return
        try:
            for group in (notifications_group(self.user_id), user_group(self.user_id)):
                await self.channel_layer.group_add(group, self.channel_name)
                self.joined.append(group)
        except LAYER_ERRORS:
            with translation.override(socket_language(self.scope)):
                reason = _("Live updates are unavailable for a moment: reconnecting shortly.")
            await self.close(code=CLOSE_TRY_AGAIN, reason=reason)
            return
        await self.send_json(event_message("notifications", {"unread": unread}))

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            with contextlib.suppress(*LAYER_ERRORS):
                await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []
        if self.counted is not None:
            await self._release()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json(event_message("pong", {}))

    async def session_ended(self, message: dict[str, Any]) -> None:
        ended = message.get("session")
        key = socket_session_key(self.scope)
        if ended is not None and (key is None or session_fingerprint(key) != ended):
            return
        if ended is None and await self._still_signed_in():
            return
        await self.send_json(event_message("session.ended", {}))
        with translation.override(socket_language(self.scope)):
            reason = _("Your session ended: sign in again to see live updates.")
        await self.close(code=CLOSE_SESSION_ENDED, reason=reason)

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Sent to project groups only; nothing to do here."""

    @database_sync_to_async
    def _admit(self) -> tuple[str | None, int | None]:
        user = socket_user(self.scope)
        if not user.is_authenticated:
            return None, None
        address = socket_client_ip(self.scope)
        with translation.override(socket_language(self.scope)):
            refusal = socket_slot_take(user_id=user.pk, address=address)
        if refusal is not None:
            return refusal, None
        self.counted = (user.pk, address)
        self.user_id = user.pk
        return None, notifications_unread_count(user_id=user.pk)

    @database_sync_to_async
    def _release(self) -> None:
        if self.counted is not None:
            socket_slot_release(user_id=self.counted[0], address=self.counted[1])
            self.counted = None

    @database_sync_to_async
    def _still_signed_in(self) -> bool:
        user = socket_user(self.scope)
        return user.is_authenticated and user.pk == self.user_id
