"""Discussion: a thread on every image, topics on a project's board, comments, reports,
hashtags and flags on images.

A comment keeps the Markdown its author wrote (`body`) and the safe HTML made from it when it
was posted (`html`, tasks.markup): pages never render a body themselves. Hiding a
comment keeps it (who hid it, when, why), as moderation records do everywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tasks.models.projects import Project
from tasks.models.work import Task

BODY_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = 140
REASON_MAX_LENGTH = 500


class ThreadKind(models.TextChoices):
    IMAGE = "image", _("Image")
    TOPIC = "topic", pgettext_lazy("board", "Topic")


class Thread(models.Model):
    """The comments on one image (one thread per image, made with its first comment), or one
    topic of the project's board (with a title)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=8, choices=ThreadKind.choices)
    task = models.OneToOneField(
        Task, on_delete=models.CASCADE, null=True, blank=True, related_name="thread"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_comment_at = models.DateTimeField(null=True, blank=True)
    # Comments others see (not hidden): kept by the services, read by lists.
    comment_count = models.PositiveIntegerField(default=0)
    # Board topics a curator pinned stay at the top of the board.
    pinned = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="image") & models.Q(task__isnull=False))
                | (models.Q(kind="topic") & models.Q(task__isnull=True)),
                name="thread_image_has_task",
            ),
        ]
        indexes = [
            models.Index(
                fields=["project", "kind", "-pinned", "-last_comment_at"], name="thread_board"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"thread of task {self.task_id}"


class Comment(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    # Copied from the thread: the project's lists (reports, tags, a person's comments) filter
    # on it without a join.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    # Posted as a curator or lead of the project: their comments on images still collecting
    # answers are shown to volunteers who have not answered (see tasks.selectors.discussion).
    by_staff = models.BooleanField(default=False)
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH)
    html = models.TextField(editable=False)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    pinned = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    # People the body names (@name), resolved when posted among those who may read the thread.
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="comment_thread_order"),
            models.Index(fields=["author", "created_at"], name="comment_author"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} in thread {self.thread_id}"

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


class CommentTag(models.Model):
    """A `#tag` in a comment: the project's tag page lists the images and topics it marks."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("hashtag")
        verbose_name_plural = _("hashtags")
        constraints = [
            models.UniqueConstraint(fields=["comment", "tag"], name="comment_tag_once"),
        ]
        indexes = [models.Index(fields=["project", "tag"], name="comment_tag_project")]

    def __str__(self) -> str:
        return f"#{self.tag}"


class ReportReason(models.TextChoices):
    REVEALS_VALUES = "reveals_values", _("Gives away values of an image still being transcribed")
    ABUSE = "abuse", _("Rude or abusive")
    SPAM = "spam", _("Spam or advertising")
    PERSONAL = "personal", _("Personal information")
    OTHER = "other", _("Other")


class CommentReport(models.Model):
    """Someone's report of a comment to the project's curators: one per person and comment.
    Settled when a curator hides the comment or dismisses its reports."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=16, choices=ReportReason.choices)
    note = models.CharField(_("note"), max_length=REASON_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="report_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"report of comment {self.comment_id} by {self.user_id}"


class FlagKind(models.TextChoices):
    INTERESTING = "interesting", _("Interesting")
    WRONG_IMAGE = "wrong_image", _("Wrong image")
    SENSITIVE = "sensitive", _("Sensitive")


class FlagState(models.TextChoices):
    OPEN = "open", pgettext_lazy("flag state", "Waiting for a curator")
    CONFIRMED = "confirmed", pgettext_lazy("flag state", "Confirmed")
    DISMISSED = "dismissed", pgettext_lazy("flag state", "Dismissed")


class ImageFlag(models.Model):
    """A person's flag on an image, one per person and kind. A curator confirms or dismisses
    the open flags of a kind on an image; a confirmed "interesting" flag is credited to each
    person who raised it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("flag"), max_length=16, choices=FlagKind.choices)
    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("image flag")
        verbose_name_plural = _("image flags")
        constraints = [
            models.UniqueConstraint(fields=["task", "user", "kind"], name="flag_once_per_kind"),
        ]
        indexes = [models.Index(fields=["project", "state"], name="flag_project_state")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.task_id} by {self.user_id}"
