"""WebSocket consumers: authenticate, check membership, join groups, relay. Nothing else."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from tasks.events import project_group
from tasks.models import Project
from tasks.selectors import project_for
from tasks.services.progress import snapshot_payload

# Close codes (4000-4999 are the application's): the browser module does not retry these.
CLOSE_NOT_FOUND = 4404


class ProjectConsumer(AsyncJsonWebsocketConsumer):
    """`ws/projects/<slug>/`: a project's live events, for whoever may see the project.

    Access is checked on connect and again whenever the project's access rules or members
    change (`access.changed`), so a socket never outlives the right to see the project.
    """

    joined: str | None = None

    async def connect(self) -> None:
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        project = await self._project_if_visible()
        if project is None:
            # Accept-then-close so the browser sees our close code instead of a bare 403.
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.joined = project_group(project.pk)
        await self.channel_layer.group_add(self.joined, self.channel_name)
        await self.accept()
        snapshot = snapshot_payload(
            slug=project.slug, progress=project.progress, updated_at=project.progress_updated_at
        )
        await self.send_json({"type": "snapshot", **snapshot})

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await self.channel_layer.group_discard(self.joined, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket is read-only for now: state changes go through the HTTP API.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def event_relay(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def access_changed(self, message: dict[str, Any]) -> None:
        if await self._project_if_visible() is None:
            await self.disconnect(CLOSE_NOT_FOUND)
            self.joined = None
            await self.close(code=CLOSE_NOT_FOUND)

    @database_sync_to_async
    def _project_if_visible(self) -> Project | None:
        # A fresh user row: a membership or visibility change must count at once.
        user = self.scope["user"]
        if user.is_authenticated:
            user.refresh_from_db()
        try:
            return project_for(user, self.slug)
        except Http404:
            return None
