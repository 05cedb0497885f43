"""Events pushed to browsers over WebSockets: group names and the one way to send.

Web processes and Celery workers alike send through the channel layer (Redis in production),
so an event reaches every ASGI process whatever process sent it. Services send on commit, so
nobody hears of data that a rollback takes back.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from crowd.layer import group_send
from tasks.selectors.leases import task_working_count

logger = logging.getLogger(__name__)

# The consumer method that relays an event to its socket (`event.relay` -> `event_relay`).
RELAY = "event.relay"


@dataclass(frozen=True)
class EventType:
    """One kind of message a browser may receive, and the fields it carries (besides `type`,
    and `sent_at` on group events). `audience` says who hears it: a group, or `socket` for a
    reply to the socket that asked."""

    name: str
    fields: frozenset[str]
    audience: str
    optional: frozenset[str] = frozenset()


def _event(name: str, audience: str, *fields: str, optional: tuple[str, ...] = ()) -> EventType:
    return EventType(name, frozenset(fields), audience, frozenset(optional))


_BATCH_COUNTS = (
    "batch",
    "state",
    "files_total",
    "files_ok",
    "files_duplicate",
    "files_failed",
    "files_done",
    "finished",
)

# Every event the platform sends, in one place: the browser modules and the README read the
# same names. `event_send` and `event_message` refuse a type or a shape that is not here.
EVENTS: dict[str, EventType] = {
    event.name: event
    for event in (
        _event("snapshot", "project", "project", "progress", "updated_at"),
        _event("project.updated", "project", "project", "status"),
        _event("template.updated", "project", "project", "version"),
        _event("batch.progress", "project, batch", *_BATCH_COUNTS),
        _event("task.reconciled", "curators", "task", "state", "fields_changed"),
        _event("dispute.claimed", "curators", "task", "curator", "until"),
        _event("dispute.released", "curators", "task"),
        _event("dispute.resolved", "curators", "task", "field_result", "key", "status"),
        _event("dispute.reopened", "curators", "task", "field_result", "key", "status"),
        _event(
            "export",
            "leads",
            "id",
            "format",
            "state",
            "done",
            "total",
            "percent",
            "records",
            "size",
            "error",
            "download",
        ),
        # Ids only: browsers fetch the comment through a view that applies the reading rules.
        _event("comment.posted", "project", "thread", "task", "comment"),
        _event("comment.hidden", "project", "thread", "comment"),
        _event("comment.changed", "project", "thread", "comment"),
        _event("presence", "task", "task", "working"),
        _event("pong", "socket"),
        _event("watch.refused", "socket", "lease"),
        _event("lease", "socket", "lease", "expires_at"),
        _event("lease.ended", "socket", "lease", optional=("message",)),
        # To each socket of a user whose session ended (log-out, password change, deactivation),
        # just before it closes.
        _event("session.ended", "user"),
        # To a person's notification sockets (every page): how many notifications they have not
        # read, with the kind of a new one.
        _event("notifications", "notifications", "unread", optional=("kind",)),
    )
}


class EventShapeError(ValueError):
    """An event of a type not in EVENTS, or with fields its type does not declare: a bug."""


def event_message(event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """`{"type": event_type, **payload}`, once the payload is checked against its type."""
    spec = EVENTS.get(event_type)
    if spec is None:
        raise EventShapeError(f"unknown event type {event_type!r}")
    given = set(payload)
    missing, extra = spec.fields - given, given - spec.fields - spec.optional
    if missing or extra:
        raise EventShapeError(
            f"{event_type}: missing {sorted(missing)}, not declared {sorted(extra)}"
        )
    return {"type": event_type, **payload}


def project_group(project_id: int) -> str:
    return f"project-{project_id}"


def curators_group(project_id: int) -> str:
    """Events only curators and leads may hear (claims, decisions)."""
    return f"project-{project_id}-curators"


def leads_group(project_id: int) -> str:
    """Events only leads may hear (exports and their download links)."""
    return f"project-{project_id}-leads"


def notifications_group(user_id: int) -> str:
    """The notification sockets of one person (the header's counter on every page)."""
    return f"notifications-{user_id}"


def batch_group(batch_id: int) -> str:
    return f"batch-{batch_id}"


def task_group(task_id: int) -> str:
    return f"task-{task_id}"


def event_send(group: str, event_type: str, payload: dict[str, Any]) -> None:
    """Send now. A channel layer that is down loses the event, never the request: events are
    hints, and clients fetch a fresh snapshot when they reconnect."""
    layer = get_channel_layer()
    if layer is None:
        event_message(event_type, payload)  # the shape is checked even with no one to hear
        return
    # sent_at (seconds since the epoch) lets clients and benchmarks see how fresh an event is.
    event = {**event_message(event_type, payload), "sent_at": round(time.time(), 3)}
    # Serialised once here, not once per socket: a snapshot may go to a thousand browsers.
    message = {
        "type": RELAY,
        "text": json.dumps(event, separators=(",", ":"), cls=DjangoJSONEncoder),
    }
    try:
        group_send(layer, group, message)
    except Exception:  # a broken layer must not fail the write that already committed
        logger.exception("could not send %s event to %s", event_type, group)


def access_changed_on_commit(project_id: int) -> None:
    """Tell the project's open sockets to check their access again (members or visibility
    changed); those that lost it are closed."""
    layer = get_channel_layer()
    if layer is None:
        return

    def send() -> None:
        try:
            group_send(layer, project_group(project_id), {"type": "access.changed"})
        except Exception:
            logger.exception("could not send access.changed to project %s", project_id)

    transaction.on_commit(send, robust=True)


def presence_send_on_commit(task_id: int, *, working: int | None = None) -> None:
    """After commit, tell the task's watchers how many people hold it now (never who, never what
    they typed). `working` is that count when the caller counted it under the task's lock, as
    `task_working_count` would after the commit; else it is counted after the commit."""

    def send() -> None:
        count = task_working_count(task_id=task_id) if working is None else working
        event_send(task_group(task_id), "presence", {"task": task_id, "working": count})

    transaction.on_commit(send, robust=True)


def event_send_on_commit(group: str, event_type: str, payload: dict[str, Any]) -> None:
    transaction.on_commit(lambda: event_send(group, event_type, payload), robust=True)
