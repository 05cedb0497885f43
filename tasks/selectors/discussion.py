"""Reads of the discussion: who reads what, threads, topics, tags, the moderation list.

Independence. Consensus is worth something only if each volunteer reads an image alone, and a
comment may quote the very values the volunteer is about to type ("I read *Quercus robur*").
Blanking values inside free text cannot be done reliably, so the thread of an image still
collecting answers (being prepared, open, needing more answers, or a training image) shows a
reader who has not answered it only two kinds of comments: their own, and those posted by the
project's curators and leads, who answer questions as the field guide would, and are told on
the form that volunteers still transcribing read them. Everyone else's comments wait, counted
("3 comments open once you have sent your answer"), until the reader's own answer is recorded.
Curators and leads read everything; once an image stops collecting answers its thread opens
to everyone who may see the project. Tag pages follow the same rule, so `#Quercus` on an image
does not give its genus away either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crowd.models import User
from crowd.users import AnyUser
from tasks.models import (
    Comment,
    CommentReport,
    CommentTag,
    FlagKind,
    FlagState,
    ImageFlag,
    KnownAnswerCheck,
    Project,
    Task,
    TaskState,
    Thread,
    ThreadKind,
    Transcription,
)
from tasks.roles import Capability, project_capabilities, project_sees_unsettled

# Images whose values are still being collected: reading others' comments on them before
# answering would break independence. Training images have known answers to protect.
COLLECTING_STATES = (
    TaskState.PENDING,
    TaskState.OPEN,
    TaskState.NEEDS_MORE,
    TaskState.REFERENCE,
)

TOPICS_PER_PAGE = 30


@dataclass(frozen=True)
class Reader:
    """Someone reading a project's discussion, and what they may do in it."""

    user: AnyUser
    project: Project
    granted: frozenset[Capability]

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user.is_authenticated else None

    @property
    def may_post(self) -> bool:
        return Capability.DISCUSS in self.granted

    @property
    def may_moderate(self) -> bool:
        """Answer with authority, pin, hide, settle reports, confirm flags: curators, leads."""
        return Capability.DISCUSS in self.granted and project_sees_unsettled(self.granted)


def discussion_reader(user: AnyUser, project: Project) -> Reader:
    return Reader(user=user, project=project, granted=project_capabilities(user, project))


def task_answered(*, user: AnyUser, task: Task) -> bool:
    """Whether `user` gave `task` their answer (a transcription, or a known-answer check on a
    training image)."""
    if not user.is_authenticated:
        return False
    return (
        Transcription.objects.filter(task=task, user=user).exists()
        or KnownAnswerCheck.objects.filter(task=task, user=user).exists()
    )


def thread_guarded(reader: Reader, task: Task | None) -> bool:
    """Whether `reader` sees only their own and the staff's comments in `task`'s thread (see
    the module's docstring)."""
    if task is None or reader.may_moderate or task.state not in COLLECTING_STATES:
        return False
    return not task_answered(user=reader.user, task=task)


def _visible(reader: Reader, comments: QuerySet[Comment], *, guarded: bool) -> QuerySet[Comment]:
    if not reader.may_moderate:
        # Authors still see what a curator hid of theirs, marked so (they know why).
        shown = Q(hidden_at__isnull=True)
        if reader.user_id is not None:
            shown |= Q(author_id=reader.user_id)
        comments = comments.filter(shown)
    if guarded:
        mine = Q(author_id=reader.user_id) if reader.user_id is not None else Q(pk__in=[])
        comments = comments.filter(Q(by_staff=True) | mine)
    return comments


@dataclass(frozen=True)
class ThreadView:
    thread: Thread | None
    task: Task | None
    comments: list[Comment]
    guarded: bool
    held_back: int  # others' comments waiting for the reader's answer


def _with_people(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    return comments.select_related("author", "hidden_by", "reply_to__author").order_by(
        "-pinned", "created_at", "pk"
    )


def image_thread(reader: Reader, task: Task) -> ThreadView:
    """`task`'s thread as `reader` may read it (it may not exist yet: no comment so far)."""
    thread = Thread.objects.filter(task=task).first()
    guarded = thread_guarded(reader, task)
    if thread is None:
        return ThreadView(None, task, [], guarded, 0)
    everything = _visible(reader, thread.comments.all(), guarded=False)
    shown = _visible(reader, thread.comments.all(), guarded=guarded)
    comments = list(_with_people(shown))
    held_back = everything.count() - len(comments) if guarded else 0
    return ThreadView(thread, task, comments, guarded, held_back)


def topic_thread(reader: Reader, thread: Thread) -> ThreadView:
    comments = list(_with_people(_visible(reader, thread.comments.all(), guarded=False)))
    return ThreadView(thread, None, comments, False, 0)


def task_of_discussion(project: Project, task_id: int) -> Task:
    """An image of `project` (404 otherwise: ids of other projects' images are never confirmed)."""
    task = Task.objects.filter(project=project, pk=task_id).exclude(state=TaskState.WITHDRAWN)
    found = task.first()
    if found is None:
        raise Http404(_("No such image."))
    return found


def topic_of(project: Project, thread_id: int) -> Thread:
    thread = Thread.objects.filter(project=project, kind=ThreadKind.TOPIC, pk=thread_id).first()
    if thread is None:
        raise Http404(_("No such topic."))
    return thread


def comment_of(project: Project, comment_id: int) -> Comment:
    comment = (
        Comment.objects.select_related("thread__task", "author")
        .filter(project=project, pk=comment_id)
        .first()
    )
    if comment is None:
        raise Http404(_("No such comment."))
    return comment


def comment_for_reader(reader: Reader, comment_id: int) -> Comment:
    """One comment, if `reader` may read it where it stands (404 otherwise): the live updates
    fetch each new comment through this, so a socket event never carries a body."""
    comment = comment_of(reader.project, comment_id)
    guarded = thread_guarded(reader, comment.thread.task)
    visible = _visible(reader, Comment.objects.filter(pk=comment.pk), guarded=guarded)
    found = _with_people(visible).first()
    if found is None:
        raise Http404(_("No such comment."))
    return found


def board_topics(project: Project) -> QuerySet[Thread]:
    """The board's topics, pinned first, then by their latest comment (paged by the caller)."""
    return (
        Thread.objects.filter(project=project, kind=ThreadKind.TOPIC)
        .select_related("created_by")
        .order_by("-pinned", "-last_comment_at", "-pk")
    )


def board_latest(project: Project, *, limit: int = 5) -> list[Thread]:
    """The topics with the latest comments, for the project page."""
    return list(board_topics(project)[:limit])


@dataclass(frozen=True)
class TagPage:
    tag: str
    images: list[Task]
    topics: list[Thread]


def tag_page(reader: Reader, tag: str, *, limit: int = 200) -> TagPage:
    """The images and topics of `reader`'s project that comments `reader` may read tag `tag`."""
    tagged = CommentTag.objects.filter(project=reader.project, tag=tag, comment__hidden_at=None)
    image_tags = tagged.filter(comment__thread__kind=ThreadKind.IMAGE)
    if not reader.may_moderate:
        user_id = reader.user_id or 0  # signed out: answered nothing, wrote nothing
        withheld = Q(comment__thread__task__state__in=COLLECTING_STATES) & ~(
            Q(comment__by_staff=True)
            | Q(comment__author_id=user_id)
            | Exists(
                Transcription.objects.filter(
                    task=OuterRef("comment__thread__task"), user_id=user_id
                )
            )
            | Exists(
                KnownAnswerCheck.objects.filter(
                    task=OuterRef("comment__thread__task"), user_id=user_id
                )
            )
        )
        image_tags = image_tags.exclude(withheld)
    task_ids = image_tags.values("comment__thread__task")
    images = list(
        Task.objects.filter(pk__in=task_ids)
        .exclude(state=TaskState.WITHDRAWN)
        .order_by("pk")[:limit]
    )
    topics = list(
        Thread.objects.filter(
            pk__in=tagged.filter(comment__thread__kind=ThreadKind.TOPIC).values("comment__thread")
        ).order_by("-last_comment_at")[:limit]
    )
    return TagPage(tag=tag, images=images, topics=topics)


@dataclass(frozen=True)
class FlagGroup:
    task_id: int
    kind: str
    count: int

    @property
    def label(self) -> str:
        return str(FlagKind(self.kind).label)


def moderation_lists(project: Project) -> tuple[list[Any], list[FlagGroup]]:
    """What waits for the project's curators: reported comments (most reported first) and open
    flags on images, by image and kind."""
    open_reports = CommentReport.objects.filter(settled_at__isnull=True)
    reported = list(
        Comment.objects.filter(project=project, reports__settled_at__isnull=True)
        .annotate(open_reports=Count("reports", filter=Q(reports__in=open_reports)))
        .select_related("author", "thread__task")
        .prefetch_related("reports")
        .order_by("-open_reports", "created_at")[:200]
    )
    flags = [
        FlagGroup(task_id=row["task_id"], kind=row["kind"], count=row["count"])
        for row in ImageFlag.objects.filter(project=project, state=FlagState.OPEN)
        .values("task_id", "kind")
        .annotate(count=Count("pk"))
        .order_by("-count", "task_id", "kind")[:200]
    ]
    return reported, flags


def task_flags(*, task: Task, user: AnyUser) -> dict[str, dict[str, object]]:
    """Each kind of flag on `task`: how many people raised it and still wait, whether `user`
    did, and whether a curator confirmed it."""
    rows = ImageFlag.objects.filter(task=task).values("kind", "state", "user_id")
    result: dict[str, dict[str, object]] = {
        kind: {"label": label, "open": 0, "mine": False, "confirmed": False}
        for kind, label in FlagKind.choices
    }
    for row in rows:
        entry = result[row["kind"]]
        if row["state"] == FlagState.OPEN:
            entry["open"] = int(str(entry["open"])) + 1
        if row["state"] == FlagState.CONFIRMED:
            entry["confirmed"] = True
        if user.is_authenticated and row["user_id"] == user.pk:
            entry["mine"] = True
    return result


def mention_candidates(project: Project, name: str) -> list[User]:
    """Who `@name` may mean in `project`: people whose shown name is `name` (any case) among its
    members and those who took part in it (transcribed or commented), who may read it now."""
    named = Q(display_name__iexact=name) | (Q(display_name="") & Q(username__iexact=name))
    involved = (
        Q(memberships__project=project)
        | Q(pk__in=Transcription.objects.filter(project=project).values("user_id"))
        | Q(pk__in=Comment.objects.filter(project=project).values("author_id"))
    )
    people = User.objects.filter(named, involved, is_active=True).distinct()[:3]
    return [person for person in people if Capability.VIEW in project_capabilities(person, project)]
