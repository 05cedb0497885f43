"""Discussion pages: the project's board and its topics, each image's thread (a page, and a
fragment for the transcription page's panel), one comment (what live updates fetch), tag pages,
and the curators' moderation list. Forms post, call one service and come back; the pages' script
posts the same forms with fetch and gets the new comment's HTML, or the error, in return.

Reading follows the project's visibility (404 to those who may not see it, as everywhere);
what each reader sees of a thread is `tasks.selectors.discussion`'s business.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crowd.errors import DomainError
from crowd.users import acting_user
from tasks.markup import TAG_MAX_LENGTH, tag_normal
from tasks.models import Comment, Project, Task, Thread
from tasks.models.discussion import BODY_MAX_LENGTH, TITLE_MAX_LENGTH, ReportReason
from tasks.roles import Capability
from tasks.selectors.discussion import (
    TOPICS_PER_PAGE,
    Reader,
    ThreadView,
    board_topics,
    comment_for_reader,
    comment_of,
    discussion_reader,
    image_thread,
    moderation_lists,
    tag_page,
    task_flags,
    task_of_discussion,
    topic_of,
    topic_thread,
)
from tasks.selectors.projects import project_for
from tasks.services.discussion import (
    DiscussionInvalid,
    comment_hide,
    comment_pin,
    comment_post,
    comment_report,
    comment_reports_dismiss,
    comment_unhide,
    flag_clear,
    flag_set,
    flags_decide,
    topic_open,
    topic_pin,
)


def _fetching(request: HttpRequest) -> bool:
    """The pages' script asks for JSON; a plain form post gets a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def _reader(request: HttpRequest, slug: str) -> Reader:
    project = project_for(request.user, slug)
    return discussion_reader(request.user, project)


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


def _next(request: HttpRequest, project: Project, fallback: str) -> str:
    """Where a form comes back to: `next` when it is a path of this project's pages (never
    another site), else `fallback`."""
    target = urlsplit(request.POST.get("next", ""))
    prefix = reverse("project-detail", args=[project.slug])
    if not (target.scheme or target.netloc) and target.path.startswith(prefix):
        return target.path + (f"#{target.fragment}" if target.fragment else "")
    return fallback


def _refused(request: HttpRequest, error: DomainError, back: str) -> HttpResponse:
    if _fetching(request):
        return JsonResponse(
            {"error": {"code": error.code, "message": error.message(), **error.payload()}},
            status=error.status_code,
        )
    messages.error(request, error.message())
    return redirect(back)


def _comment_html(request: HttpRequest, reader: Reader, comment: Comment) -> str:
    return render_to_string(
        "discussion/_comment.html",
        {
            "comment": comment,
            "reader": reader,
            "project": reader.project,
            "report_reasons": ReportReason.choices,
        },
        request=request,
    )


def _done(
    request: HttpRequest, reader: Reader, comment: Comment, back: str, note: str, status: int = 200
) -> HttpResponse:
    if _fetching(request):
        shown = comment_for_reader(reader, comment.pk)
        return JsonResponse(
            {"comment": shown.pk, "html": _comment_html(request, reader, shown), "message": note},
            status=status,
        )
    messages.success(request, note)
    return redirect(back)


def _thread_context(reader: Reader, view: ThreadView, post_url: str) -> dict[str, object]:
    return {
        "project": reader.project,
        "reader": reader,
        "view": view,
        "post_url": post_url,
        "body_max": BODY_MAX_LENGTH,
        "report_reasons": ReportReason.choices,
        "flags": task_flags(task=view.task, user=reader.user) if view.task is not None else None,
    }


# --- Board and topics -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def board(request: HttpRequest, slug: str) -> HttpResponse:
    reader = _reader(request, slug)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('login')}?next={request.path}")
        try:
            posted = topic_open(
                actor=acting_user(request.user),
                project=reader.project,
                title=request.POST.get("title", ""),
                body=request.POST.get("body", ""),
            )
        except DiscussionInvalid as error:
            errors[error.field] = error.message()
        except DomainError as error:
            return _refused(request, error, request.path)
        else:
            messages.success(request, _("Your topic is posted."))
            return redirect("discussion-topic", slug, posted.comment.thread_id)
    # A page out of range (or not a number) shows the nearest one, never an error.
    page = Paginator(board_topics(reader.project), TOPICS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "discussion/board.html",
        {
            "project": reader.project,
            "reader": reader,
            "topics": page.object_list,
            "page": page.number,
            "has_next": page.has_next(),
            "errors": errors,
            "title_max": TITLE_MAX_LENGTH,
            "body_max": BODY_MAX_LENGTH,
            "values": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
def topic(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    reader = _reader(request, slug)
    thread = topic_of(reader.project, thread_id)
    if request.method == "POST":
        return _comment_post(request, reader, request.path, thread=thread)
    view = topic_thread(reader, thread)
    return render(
        request,
        "discussion/topic.html",
        _thread_context(reader, view, request.path),
    )


@login_required
@require_POST
def topic_pin_form(request: HttpRequest, slug: str, thread_id: int) -> HttpResponse:
    reader = _reader(request, slug)
    thread = topic_of(reader.project, thread_id)
    back = reverse("discussion-topic", args=[slug, thread.pk])
    pinned = request.POST.get("pinned") == "1"
    try:
        topic_pin(actor=acting_user(request.user), thread=thread, pinned=pinned)
    except DomainError as error:
        return _refused(request, error, back)
    messages.success(request, _("The topic is pinned.") if pinned else _("The topic is unpinned."))
    return redirect(back)


# --- Images' threads ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def image(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    reader = _reader(request, slug)
    task = task_of_discussion(reader.project, task_id)
    if request.method == "POST":
        return _comment_post(request, reader, request.path, task=task)
    view = image_thread(reader, task)
    return render(request, "discussion/image.html", _thread_context(reader, view, request.path))


@require_GET
def image_panel(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    """The image's thread alone, for the transcription page's panel."""
    reader = _reader(request, slug)
    task = task_of_discussion(reader.project, task_id)
    view = image_thread(reader, task)
    post_url = reverse("discussion-image", args=[slug, task.pk])
    return render(
        request,
        "discussion/_thread.html",
        {**_thread_context(reader, view, post_url), "in_panel": True},
    )


def image_discussion_fragment(request: HttpRequest, project: Project, task: Task) -> str:
    """The image's thread for another page (the results' image page)."""
    reader = discussion_reader(request.user, project)
    view = image_thread(reader, task)
    post_url = reverse("discussion-image", args=[project.slug, task.pk])
    return render_to_string(
        "discussion/_thread.html", _thread_context(reader, view, post_url), request=request
    )


def _comment_post(
    request: HttpRequest,
    reader: Reader,
    back: str,
    *,
    task: Task | None = None,
    thread: Thread | None = None,
) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    back = _next(request, reader.project, back)
    try:
        posted = comment_post(
            actor=acting_user(request.user),
            project=reader.project,
            task=task,
            thread=thread,
            body=request.POST.get("body", ""),
            reply_to_id=_int(request.POST.get("reply_to")),
        )
    except DomainError as error:
        return _refused(request, error, back)
    return _done(
        request,
        reader,
        posted.comment,
        f"{back}#comment-{posted.comment.pk}",
        _("Your comment is posted."),
        status=201,
    )


@login_required
@require_POST
def image_flag_form(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    """Raise or take back one's flag, or (curators) confirm or dismiss a kind of flag."""
    reader = _reader(request, slug)
    task = task_of_discussion(reader.project, task_id)
    back = _next(request, reader.project, reverse("discussion-image", args=[slug, task.pk]))
    actor = acting_user(request.user)
    kind, action = request.POST.get("kind", ""), request.POST.get("action", "")
    notes = {
        "set": _("Your flag is recorded: the project's curators will look at it."),
        "clear": _("Your flag is taken back."),
        "confirm": _("The flag is confirmed."),
        "dismiss": _("The flag is dismissed."),
    }
    try:
        if action == "set":
            flag_set(actor=actor, task=task, kind=kind)
        elif action == "clear":
            flag_clear(actor=actor, task=task, kind=kind)
        elif action in ("confirm", "dismiss"):
            flags_decide(actor=actor, task=task, kind=kind, confirmed=action == "confirm")
        else:
            raise DiscussionInvalid(_("No such action."), field="action")
    except DomainError as error:
        return _refused(request, error, back)
    if _fetching(request):
        return JsonResponse(
            {"message": notes[action], "flags": task_flags(task=task, user=actor)}, safe=True
        )
    messages.success(request, notes[action])
    return redirect(back)


# --- One comment: read, moderate, report --------------------------------------------------


@require_GET
def comment(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """One comment's HTML as the reader may see it (404 otherwise): live updates fetch it."""
    reader = _reader(request, slug)
    shown = comment_for_reader(reader, comment_id)
    return HttpResponse(_comment_html(request, reader, shown))


def _comment_page(comment: Comment, slug: str) -> str:
    thread = comment.thread
    if thread.task_id is not None:
        return reverse("discussion-image", args=[slug, thread.task_id])
    return reverse("discussion-topic", args=[slug, thread.pk])


def _moderate(request: HttpRequest, slug: str, comment_id: int, action: str) -> HttpResponse:
    reader = _reader(request, slug)
    target = comment_of(reader.project, comment_id)
    comment_for_reader(reader, target.pk)  # 404 for a comment this reader may not read
    back = _next(request, reader.project, _comment_page(target, slug))
    actor = acting_user(request.user)
    try:
        if action == "hide":
            done = comment_hide(actor=actor, comment=target, reason=request.POST.get("reason", ""))
            note = _("The comment is hidden.")
        elif action == "unhide":
            done = comment_unhide(actor=actor, comment=target)
            note = _("The comment is shown again.")
        elif action == "pin":
            pinned = request.POST.get("pinned") == "1"
            done = comment_pin(actor=actor, comment=target, pinned=pinned)
            note = _("The comment is pinned.") if pinned else _("The comment is unpinned.")
        elif action == "dismiss":
            comment_reports_dismiss(actor=actor, comment=target)
            done, note = target, _("The reports are dismissed.")
        else:
            comment_report(
                actor=actor,
                comment=target,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            done, note = target, _("Thank you: the project's curators will look at it.")
    except DomainError as error:
        return _refused(request, error, back)
    return _done(request, reader, done, f"{back}#comment-{done.pk}", note)


@login_required
@require_POST
def comment_hide_form(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    return _moderate(request, slug, comment_id, "hide")


@login_required
@require_POST
def comment_unhide_form(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    return _moderate(request, slug, comment_id, "unhide")


@login_required
@require_POST
def comment_pin_form(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    return _moderate(request, slug, comment_id, "pin")


@login_required
@require_POST
def comment_report_form(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    return _moderate(request, slug, comment_id, "report")


@login_required
@require_POST
def comment_dismiss_form(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    return _moderate(request, slug, comment_id, "dismiss")


# --- Tags and moderation --------------------------------------------------------------------


@require_GET
def tag(request: HttpRequest, slug: str, tag: str) -> HttpResponse:
    reader = _reader(request, slug)
    normal = tag_normal(tag)[:TAG_MAX_LENGTH]
    return render(
        request,
        "discussion/tag.html",
        {"project": reader.project, "reader": reader, "page": tag_page(reader, normal)},
    )


@login_required
@require_GET
def moderation(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, Capability.CURATE)
    reader = discussion_reader(request.user, project)
    reported, flags = moderation_lists(project)
    return render(
        request,
        "discussion/moderation.html",
        {"project": project, "reader": reader, "reported": reported, "flags": flags},
    )
