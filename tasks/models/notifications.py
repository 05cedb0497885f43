"""Notifications (in the page and by e-mail), each person's settings for them, and project news.

A notification stores codes and parameters, never sentences: it is rendered in the reader's
language when read, or mailed (`tasks.notification_texts`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.models.projects import Project


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Replies to my comments")
    MENTION = "mention", _("Mentions of my name")
    DECISION = "decision", _("Curators' decisions on my answers")
    NEWS = "news", _("News of my projects")
    INGEST_DONE = "ingest_done", _("Batches I uploaded are ready")
    EXPORT_DONE = "export_done", _("Exports I asked for are ready")


class EmailMode(models.TextChoices):
    OFF = "off", _("No e-mail")
    IMMEDIATE = "immediate", _("An e-mail for each notification")
    DAILY = "daily", _("A daily digest")


def all_kinds() -> list[str]:
    return list(NotificationKind.values)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Notifications of one kind with the same key are merged while unread and not yet mailed
    # (a curator settling several of one's answers makes one notification, not twenty).
    group_key = models.CharField(max_length=100, blank=True)
    # Codes and numbers the text is built from in the reader's language; `link` is a path on
    # this site.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set by compare-and-set by whoever mails it: never mailed twice.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")
        indexes = [
            models.Index(fields=("recipient", "read_at"), name="notification_unread"),
            models.Index(fields=("recipient", "-created_at"), name="notification_recent"),
            models.Index(fields=("emailed_at", "created_at"), name="notification_mail"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationSettings(models.Model):
    """How one person wants to hear of what happens. In the page always; by e-mail only once
    they asked for it (`email` is off by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email = models.CharField(
        _("e-mail"), max_length=16, choices=EmailMode.choices, default=EmailMode.OFF
    )
    # The kinds mailed when `email` is on.
    email_kinds = models.JSONField(default=all_kinds)
    digest_sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"

    def mails(self, kind: str) -> bool:
        return self.email != EmailMode.OFF and kind in self.email_kinds


class News(models.Model):
    """A post of a project's leads, in Markdown; `body_html` is its sanitised rendering."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="news")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    body_html = models.TextField(blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ("-published_at", "-pk")
        verbose_name = _("news")
        verbose_name_plural = _("news")
        indexes = [models.Index(fields=("project", "-published_at"), name="news_recent")]

    def __str__(self) -> str:
        return self.title
