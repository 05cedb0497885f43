"""What a notification says and where it leads, in the active language.

Notifications keep codes and numbers (`Notification.payload`); the sentence is made here when
someone reads it, in the page's language or, for e-mail, in the recipient's."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tasks.models import Notification, NotificationKind

# How much of a comment a notification quotes.
EXCERPT_CHARS = 140


def excerpt(text: str) -> str:
    """The start of a comment, on one line, cut at EXCERPT_CHARS."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1].rstrip() + "…"


def safe_path(link: Any) -> str:
    """`link` when it is a path on this site, else ""; a notification never leads elsewhere."""
    if not isinstance(link, str) or not link.startswith("/") or link.startswith("//"):
        return ""
    if "\\" in link or any(ord(char) < 32 for char in link):
        return ""
    return link


def _number(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key, 0)
    return value if isinstance(value, int) else 0


def notification_text(notification: Notification) -> str:
    payload = notification.payload or {}
    project = notification.project.title if notification.project is not None else ""
    actor = notification.actor.public_name if notification.actor is not None else _("Someone")
    kind = notification.kind
    if kind in (NotificationKind.REPLY, NotificationKind.MENTION):
        quoted = excerpt(str(payload.get("excerpt", "")))
        names = {"name": actor, "project": project, "excerpt": quoted}
        if not quoted:
            # A comment on an image the reader has not answered yet: not quoted (independence).
            if kind == NotificationKind.REPLY:
                return (
                    _(
                        "%(name)s replied to you in %(project)s; the comment opens once you have "
                        "answered the image."
                    )
                    % names
                )
            return (
                _(
                    "%(name)s mentioned you in %(project)s; the comment opens once you have "
                    "answered the image."
                )
                % names
            )
        if kind == NotificationKind.REPLY:
            return _("%(name)s replied to you in %(project)s: “%(excerpt)s”") % names
        return _("%(name)s mentioned you in %(project)s: “%(excerpt)s”") % names
    if kind == NotificationKind.DECISION:
        kept, changed = _number(payload, "kept"), _number(payload, "changed")
        settled = ngettext(
            "A curator settled %(count)d value you answered in %(project)s.",
            "Curators settled %(count)d values you answered in %(project)s.",
            kept + changed,
        ) % {"count": kept + changed, "project": project}
        outcome = ngettext(
            "Your answer was kept on %(count)d.",
            "Your answer was kept on %(count)d.",
            kept,
        ) % {"count": kept}
        if changed:
            outcome += " " + ngettext(
                "%(count)d was settled otherwise.",
                "%(count)d were settled otherwise.",
                changed,
            ) % {"count": changed}
        return f"{settled} {outcome}"
    if kind == NotificationKind.NEWS:
        return _("News in %(project)s: %(title)s") % {
            "project": project,
            "title": str(payload.get("title", "")),
        }
    if kind == NotificationKind.INGEST_DONE:
        if payload.get("state") == "failed":
            return _("Batch #%(batch)s of %(project)s failed: no image could be added.") % {
                "batch": _number(payload, "batch"),
                "project": project,
            }
        ok, failed = _number(payload, "ok"), _number(payload, "failed")
        text = ngettext(
            "Batch #%(batch)s of %(project)s is ready: %(count)d image added.",
            "Batch #%(batch)s of %(project)s is ready: %(count)d images added.",
            ok,
        ) % {"batch": _number(payload, "batch"), "project": project, "count": ok}
        if failed:
            text += " " + ngettext(
                "%(count)d file was refused.", "%(count)d files were refused.", failed
            ) % {"count": failed}
        return text
    if kind == NotificationKind.EXPORT_DONE:
        if payload.get("state") == "failed":
            return _("Your export #%(export)s of %(project)s failed.") % {
                "export": _number(payload, "export"),
                "project": project,
            }
        return _("Your export #%(export)s of %(project)s is ready to download.") % {
            "export": _number(payload, "export"),
            "project": project,
        }
    return _("Something new in %(project)s.") % {"project": project}


def notification_link(notification: Notification) -> str:
    """Where the notification leads: a path on this site ("" when nowhere)."""
    payload = notification.payload or {}
    project = notification.project
    kind = notification.kind
    if kind in (NotificationKind.REPLY, NotificationKind.MENTION):
        return safe_path(payload.get("link"))
    if project is None:
        return ""
    if kind == NotificationKind.DECISION:
        return reverse("my-feedback", args=[project.slug])
    if kind == NotificationKind.NEWS:
        return reverse("project-news", args=[project.slug]) + f"#news-{_number(payload, 'news')}"
    if kind == NotificationKind.INGEST_DONE:
        return reverse("project-batches", args=[project.slug])
    if kind == NotificationKind.EXPORT_DONE:
        return reverse("project-exports", args=[project.slug])
    return reverse("project-detail", args=[project.slug])
