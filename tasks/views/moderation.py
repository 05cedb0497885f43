"""Leads' moderation forms on the settings page: block and unblock, void and unvoid, archive.
Each posts, calls one service and comes back to the page with what happened or why not."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crowd.errors import DomainError
from crowd.selectors import user_named
from crowd.users import acting_user
from tasks.models import Project
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.services.moderation import (
    contributor_unvoid,
    contributor_void,
    project_archive,
    project_block,
    project_unblock,
)

Action = Callable[..., object]


def _act(request: HttpRequest, slug: str, username: str, action: Action, done: str) -> HttpResponse:
    project = project_for(request.user, slug, Capability.MANAGE)
    user = user_named(username.strip())
    if user is None:
        messages.error(request, _("No user named %(name)s.") % {"name": username})
        return _back(request, project)
    try:
        action(
            project=project,
            user=user,
            actor=acting_user(request.user),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message())
    else:
        messages.success(request, done % {"name": user.public_name})
    return _back(request, project)


def _back(request: HttpRequest, project: Project) -> HttpResponse:
    """Back to the settings' moderation section, or to the contributors page the form was
    posted from (`next`, only an address of that page: nowhere else)."""
    target = urlsplit(request.POST.get("next", ""))
    contributors = reverse("project-contributors", args=[project.slug])
    if target.path == contributors and not (target.scheme or target.netloc):
        # Only its filters are kept from what the form sent: the address is ours.
        return redirect(f"{contributors}?{target.query}" if target.query else contributors)
    return redirect(reverse("project-settings", args=[project.slug]) + "#moderation-heading")


@login_required
@require_POST
def project_block_form(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(
        request,
        slug,
        request.POST.get("username", ""),
        project_block,
        _("%(name)s is blocked from this project; their images went back to the queue."),
    )


@login_required
@require_POST
def project_unblock_form(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    return _act(request, slug, username, project_unblock, _("%(name)s is no longer blocked."))


@login_required
@require_POST
def project_void_form(request: HttpRequest, slug: str) -> HttpResponse:
    return _act(
        request,
        slug,
        request.POST.get("username", ""),
        contributor_void,
        _("The work of %(name)s is void here; their images are being reconciled again."),
    )


@login_required
@require_POST
def project_unvoid_form(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    return _act(
        request,
        slug,
        username,
        contributor_unvoid,
        _("The work of %(name)s counts again; their images are being reconciled again."),
    )


@login_required
@require_POST
def project_archive_form(request: HttpRequest, slug: str) -> HttpResponse:
    """Deleting a project from its page archives it; only staff can bring it back."""
    project = project_for(request.user, slug, Capability.MANAGE)
    project_archive(project=project, actor=acting_user(request.user))
    messages.success(
        request,
        _("“%(title)s” is archived: nobody sees it any more, and nothing was deleted.")
        % {"title": project.title},
    )
    return redirect("home")
