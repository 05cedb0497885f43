"""WebSocket consumers: authenticate, check membership, join groups, relay. Nothing else."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from crowd.roles import Capability, project_require
from tasks.events import project_group
from tasks.models import Project
from tasks.services.progress import snapshot_payload

# Close codes (4000-4999 are the application's): the browser module does not retry these.
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


class ProjectConsumer(AsyncJsonWebsocketConsumer):
    """`ws/projects/<slug>/`: a project's live events, for whoever may see the project."""

    groups: list[str] = []

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        project = await self._project_if_visible(slug)
        if project is None:
            # Accept-then-close so the browser sees our close code instead of a bare 403.
            await self.accept()
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.groups = [project_group(project.pk)]
        await self.channel_layer.group_add(self.groups[0], self.channel_name)
        await self.accept()
        await self.send_json(
            {
                "type": "snapshot",
                **snapshot_payload(
                    slug=project.slug,
                    progress=project.progress,
                    updated_at=project.progress_updated_at,
                ),
            }
        )

    async def disconnect(self, code: int) -> None:
        for group in self.groups:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The socket is read-only for now: state changes go through the HTTP API.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def event_relay(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    @database_sync_to_async
    def _project_if_visible(self, slug: str) -> Project | None:
        project = Project.objects.filter(slug=slug).first()
        if project is None:
            return None
        try:
            project_require(self.scope["user"], project, Capability.VIEW)
        except Http404:
            return None
        return project
