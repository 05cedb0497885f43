"""Discussion writes: comments on images and board topics, moderation of comments, reports,
flags on images.

Every service checks what the actor may do in the project itself (`Capability.DISCUSS` to
post, report and flag; curators and leads to pin, hide, settle and confirm), so pages and the
API cannot disagree. Rate limits count per person in the shared cache. Socket events carry ids
only: browsers fetch each comment through a view that applies the reading rules
(tasks.selectors.discussion), so nobody hears more than they may read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from crowd.ratelimit import limit_count, limit_reached
from tasks.events import event_send_on_commit, project_group
from tasks.markup import Rendered, Resolvers, comment_render
from tasks.models import (
    Comment,
    CommentReport,
    CommentTag,
    FlagKind,
    FlagState,
    ImageFlag,
    NotificationKind,
    Project,
    ReportReason,
    Task,
    TaskState,
    Thread,
    ThreadKind,
)
from tasks.models.discussion import BODY_MAX_LENGTH, REASON_MAX_LENGTH, TITLE_MAX_LENGTH
from tasks.selectors.discussion import (
    Reader,
    comment_for_reader,
    discussion_reader,
    mention_candidates,
    thread_guarded,
)
from tasks.services.notifications import (
    comment_notifications_create,
    comment_notifications_withdraw,
)
from tasks.services.recognition import badges_award
from tasks.values import hides_characters

HOUR = 3600


class DiscussionInvalid(DomainError):
    """A body, title or reason the platform will not publish, with the field it concerns."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str = "body"):
        super().__init__(message)
        self.field = field

    def payload(self) -> dict[str, Any]:
        return {"fields": {self.field: [str(self)]}}


class DiscussionForbidden(DomainError):
    status_code = 403
    code = "forbidden"


class DiscussionConflict(DomainError):
    status_code = 409
    code = "conflict"


class DiscussionThrottled(DomainError):
    status_code = 429
    code = "throttled"


@dataclass(frozen=True)
class Posted:
    """A comment just posted, and who hears of it (notifications): the people it names, and
    the author of the comment it answers. Neither is the author; a person named and answered is
    told once, as named."""

    comment: Comment
    mentioned: list[User] = field(default_factory=list)
    replied_to: User | None = None


def _reader(actor: User, project: Project) -> Reader:
    return discussion_reader(actor, project)


def _require_post(reader: Reader) -> None:
    if not reader.may_post:
        raise DiscussionForbidden(_("You cannot take part in this project's discussion."))


def _require_moderator(reader: Reader) -> None:
    if not reader.may_moderate:
        raise DiscussionForbidden(_("Only the project's curators and leads may do this."))


def _throttle(kind: str, actor: User, limit: int) -> None:
    """Refuse once `actor` did `kind` `limit` times this hour; count this one."""
    key = f"talk-{kind}:{actor.pk}"
    if limit_reached(key, limit=limit):
        raise DiscussionThrottled(_("You are posting too fast: wait a while and try again."))
    limit_count(key, window_seconds=HOUR)


def _text(value: str, *, name: str, maximum: int, required: bool = True) -> str:
    text = value.replace("\r\n", "\n").strip()
    if required and not text:
        messages = {
            "body": _("Write your comment."),
            "title": _("Give the topic a title."),
            "reason": _("Say why."),
        }
        raise DiscussionInvalid(messages.get(name, _("This field is required.")), field=name)
    if len(text) > maximum:
        raise DiscussionInvalid(
            _("At most %(max)s characters (this one has %(count)s).")
            % {"max": maximum, "count": len(text)},
            field=name,
        )
    if hides_characters(text):
        raise DiscussionInvalid(
            _("Use visible characters only (no control or direction characters)."), field=name
        )
    return text


def _resolvers(project: Project) -> Resolvers:
    def person(name: str) -> tuple[Any, str] | None:
        found = mention_candidates(project, name)
        # Two people with one name: naming either would be a guess.
        return (found[0], found[0].public_name) if len(found) == 1 else None

    def image(task_id: int) -> str | None:
        exists = (
            Task.objects.filter(project=project, pk=task_id)
            .exclude(state=TaskState.WITHDRAWN)
            .exists()
        )
        return reverse("discussion-image", args=[project.slug, task_id]) if exists else None

    def tag(name: str) -> str:
        return reverse("discussion-tag", args=[project.slug, name])

    return Resolvers(person=person, image=image, tag=tag)


def _render(project: Project, body: str) -> Rendered:
    rendered = comment_render(body, _resolvers(project))
    if rendered.links > settings.DISCUSSION_MAX_LINKS:
        raise DiscussionInvalid(
            _("At most %(max)s links in one comment.") % {"max": settings.DISCUSSION_MAX_LINKS}
        )
    if len(rendered.mentions) > settings.DISCUSSION_MAX_MENTIONS:
        raise DiscussionInvalid(
            _("At most %(max)s people named in one comment.")
            % {"max": settings.DISCUSSION_MAX_MENTIONS}
        )
    return rendered


def _comment_create(
    *, reader: Reader, thread: Thread, actor: User, body: str, reply_to: Comment | None
) -> Posted:
    rendered = _render(reader.project, body)
    comment = Comment.objects.create(
        thread=thread,
        project=reader.project,
        author=actor,
        by_staff=reader.may_moderate,
        body=body,
        html=rendered.html,
        reply_to=reply_to,
    )
    if rendered.mentions:
        comment.mentions.set(rendered.mentions)
    CommentTag.objects.bulk_create(
        CommentTag(project=reader.project, comment=comment, tag=tag) for tag in rendered.tags
    )
    Thread.objects.filter(pk=thread.pk).update(
        comment_count=F("comment_count") + 1, last_comment_at=comment.created_at
    )
    event_send_on_commit(
        project_group(reader.project.pk),
        "comment.posted",
        {"thread": thread.pk, "task": thread.task_id, "comment": comment.pk},
    )
    posted = _posted(comment, actor, rendered.mentions)
    _notify(reader.project, thread, posted)
    return posted


def _notify(project: Project, thread: Thread, posted: Posted) -> None:
    """Tell the people a comment names (`mention`) and the author of the comment it answers
    (`reply`). The link leads to the comment in its thread. Someone who may not read the
    comment yet (an image still collecting answers that they have not answered: the module's
    rule) is told that it is there, without the quote; someone who may not read the project's
    discussion at all is not told."""
    comment = posted.comment
    if thread.task_id is not None:
        where = reverse("discussion-image", args=[project.slug, thread.task_id])
    else:
        where = reverse("discussion-topic", args=[project.slug, thread.pk])
    link = f"{where}#comment-{comment.pk}"
    told: list[tuple[str, User]] = [
        (NotificationKind.MENTION, person) for person in posted.mentioned
    ]
    if posted.replied_to is not None:
        told.append((NotificationKind.REPLY, posted.replied_to))
    for kind, person in told:
        reader = discussion_reader(person, project)
        if not reader.may_post:
            continue
        quoted = comment.by_staff or not thread_guarded(reader, thread.task)
        comment_notifications_create(
            kind=kind,
            recipient_ids=[person.pk],
            actor=comment.author,
            project=project,
            comment_id=comment.pk,
            text=comment.body if quoted else "",
            link=link,
            task_id=thread.task_id,
        )


def _posted(comment: Comment, actor: User, mentioned: list[User]) -> Posted:
    told = {actor.pk}
    mentions = [person for person in mentioned if person.pk not in told]
    told.update(person.pk for person in mentions)
    replied_to = None
    if comment.reply_to is not None and comment.reply_to.author_id not in told:
        replied_to = comment.reply_to.author
    return Posted(comment, mentions, replied_to)


def _reply_target(thread: Thread, reply_to_id: int | None) -> Comment | None:
    if reply_to_id is None:
        return None
    target = Comment.objects.filter(thread=thread, pk=reply_to_id, hidden_at__isnull=True).first()
    if target is None:
        raise DiscussionInvalid(_("The comment you answer is no longer there."), field="reply_to")
    return target


@transaction.atomic
def comment_post(
    *,
    actor: User,
    project: Project,
    body: str,
    task: Task | None = None,
    thread: Thread | None = None,
    reply_to_id: int | None = None,
) -> Posted:
    """Post a comment on `task`'s thread (made with its first comment) or in a board `thread`.
    Whoever may discuss the project may post; a reply must answer a visible comment of the same
    thread. Raises DiscussionInvalid, DiscussionForbidden, DiscussionThrottled. Not idempotent:
    a comment sent twice is two comments (the form disables itself while sending)."""
    reader = _reader(actor, project)
    _require_post(reader)
    text = _text(body, name="body", maximum=BODY_MAX_LENGTH)
    if (task is None) == (thread is None):
        raise ValueError("comment_post takes a task or a thread")
    if task is not None:
        if task.project_id != project.pk:
            raise ValueError("task of another project")
        thread, _made = Thread.objects.get_or_create(
            task=task,
            defaults={"project": project, "kind": ThreadKind.IMAGE, "created_by": actor},
        )
    assert thread is not None
    if thread.project_id != project.pk:
        raise ValueError("thread of another project")
    if reply_to_id is not None:
        # 404 for a comment the reader may not read (yet): an answer would confirm it exists.
        comment_for_reader(reader, reply_to_id)
    reply_to = _reply_target(thread, reply_to_id)
    _throttle("comment", actor, settings.DISCUSSION_COMMENTS_PER_HOUR)
    return _comment_create(reader=reader, thread=thread, actor=actor, body=text, reply_to=reply_to)


@transaction.atomic
def topic_open(*, actor: User, project: Project, title: str, body: str) -> Posted:
    """A new topic on the project's board, with its first comment."""
    reader = _reader(actor, project)
    _require_post(reader)
    title = _text(title, name="title", maximum=TITLE_MAX_LENGTH)
    text = _text(body, name="body", maximum=BODY_MAX_LENGTH)
    _throttle("comment", actor, settings.DISCUSSION_COMMENTS_PER_HOUR)
    thread = Thread.objects.create(
        project=project, kind=ThreadKind.TOPIC, title=title, created_by=actor
    )
    return _comment_create(reader=reader, thread=thread, actor=actor, body=text, reply_to=None)


def _locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().select_related("thread").get(pk=comment.pk)


def _ids(comment: Comment) -> dict[str, int]:
    return {"thread": comment.thread_id, "comment": comment.pk}


@transaction.atomic
def comment_hide(*, actor: User, comment: Comment, reason: str) -> Comment:
    """Hide a comment from everyone but its author and the project's curators and leads, with
    a reason; its open reports are settled and the notifications it caused (which quote it)
    withdrawn. Curators and leads only. Hiding twice changes nothing."""
    _require_moderator(_reader(actor, comment.project))
    why = _text(reason, name="reason", maximum=REASON_MAX_LENGTH)
    comment = _locked(comment)
    if comment.hidden_at is not None:
        return comment
    now = timezone.now()
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = now, actor, why
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    Thread.objects.filter(pk=comment.thread_id).update(comment_count=F("comment_count") - 1)
    CommentReport.objects.filter(comment=comment, settled_at__isnull=True).update(
        settled_at=now, settled_by=actor
    )
    # Its text is quoted in the notifications it caused: they go with it.
    comment_notifications_withdraw(comment_id=comment.pk)
    event_send_on_commit(project_group(comment.project_id), "comment.hidden", _ids(comment))
    return comment


@transaction.atomic
def comment_unhide(*, actor: User, comment: Comment) -> Comment:
    """Show a hidden comment again (the reason it was hidden is cleared). Curators, leads."""
    _require_moderator(_reader(actor, comment.project))
    comment = _locked(comment)
    if comment.hidden_at is None:
        return comment
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = None, None, ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    Thread.objects.filter(pk=comment.thread_id).update(comment_count=F("comment_count") + 1)
    event_send_on_commit(project_group(comment.project_id), "comment.changed", _ids(comment))
    return comment


@transaction.atomic
def comment_pin(*, actor: User, comment: Comment, pinned: bool) -> Comment:
    """Pin a comment at the top of its thread, or unpin it. Curators, leads."""
    _require_moderator(_reader(actor, comment.project))
    comment = _locked(comment)
    if comment.pinned != pinned:
        comment.pinned = pinned
        comment.save(update_fields=["pinned"])
        event_send_on_commit(project_group(comment.project_id), "comment.changed", _ids(comment))
    return comment


@transaction.atomic
def topic_pin(*, actor: User, thread: Thread, pinned: bool) -> Thread:
    """Keep a board topic at the top of the board, or let it go. Curators, leads."""
    _require_moderator(_reader(actor, thread.project))
    Thread.objects.filter(pk=thread.pk, kind=ThreadKind.TOPIC).update(pinned=pinned)
    thread.pinned = pinned
    return thread


@transaction.atomic
def comment_report(*, actor: User, comment: Comment, reason: str, note: str = "") -> CommentReport:
    """Report a comment to the project's curators. Anyone who may discuss the project and read
    the comment, once per comment, never their own."""
    reader = _reader(actor, comment.project)
    _require_post(reader)
    comment_for_reader(reader, comment.pk)  # 404 when they may not read it
    if comment.author_id == actor.pk:
        raise DiscussionInvalid(_("You cannot report your own comment."), field="reason")
    if reason not in ReportReason.values:
        raise DiscussionInvalid(_("Choose a reason."), field="reason")
    note = _text(note, name="note", maximum=REASON_MAX_LENGTH, required=False)
    if CommentReport.objects.filter(comment=comment, user=actor).exists():
        raise DiscussionConflict(_("You have already reported this comment."))
    _throttle("report", actor, settings.DISCUSSION_REPORTS_PER_HOUR)
    return CommentReport.objects.create(comment=comment, user=actor, reason=reason, note=note)


@transaction.atomic
def comment_reports_dismiss(*, actor: User, comment: Comment) -> int:
    """Settle a comment's open reports without hiding it. Curators, leads. Returns how many."""
    _require_moderator(_reader(actor, comment.project))
    return CommentReport.objects.filter(comment=comment, settled_at__isnull=True).update(
        settled_at=timezone.now(), settled_by=actor
    )


def _flag_kind(kind: str) -> str:
    if kind not in FlagKind.values:
        raise DiscussionInvalid(_("No such flag."), field="kind")
    return kind


@transaction.atomic
def flag_set(*, actor: User, task: Task, kind: str) -> ImageFlag:
    """Flag an image (interesting, wrong image, sensitive). Anyone who may discuss the project;
    flagging twice changes nothing."""
    _require_post(_reader(actor, task.project))
    kind = _flag_kind(kind)
    existing = ImageFlag.objects.filter(task=task, user=actor, kind=kind).first()
    if existing is not None:
        return existing
    _throttle("flag", actor, settings.DISCUSSION_FLAGS_PER_HOUR)
    flag, _made = ImageFlag.objects.get_or_create(
        task=task, user=actor, kind=kind, defaults={"project_id": task.project_id}
    )
    return flag


@transaction.atomic
def flag_clear(*, actor: User, task: Task, kind: str) -> bool:
    """Take back one's own flag while no curator decided on it. Whether one was removed."""
    _require_post(_reader(actor, task.project))
    deleted, _rows = ImageFlag.objects.filter(
        task=task, user=actor, kind=_flag_kind(kind), state=FlagState.OPEN
    ).delete()
    return deleted > 0


@transaction.atomic
def flags_decide(*, actor: User, task: Task, kind: str, confirmed: bool) -> int:
    """Confirm or dismiss the open flags of one kind on an image. Curators, leads. The decision
    stays on each flag; who raised an "interesting" flag a curator confirmed earns its badge.
    Returns how many flags were decided."""
    _require_moderator(_reader(actor, task.project))
    flag_kind = _flag_kind(kind)
    # Locked, so that the flaggers credited are exactly those whose flags this call decided.
    decided = list(
        ImageFlag.objects.select_for_update()
        .filter(task=task, kind=flag_kind, state=FlagState.OPEN)
        .values_list("pk", "user_id")
    )
    changed = ImageFlag.objects.filter(pk__in=[pk for pk, _ in decided]).update(
        state=FlagState.CONFIRMED if confirmed else FlagState.DISMISSED,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    if confirmed and flag_kind == FlagKind.INTERESTING and decided:
        badges_award(project=task.project, user_ids=[user_id for _, user_id in decided])
    return changed
