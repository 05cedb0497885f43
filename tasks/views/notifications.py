"""A person's notifications: the list, marking read, their settings, and unsubscribing from
e-mail by the link of a message, without signing in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from crowd.users import acting_user
from tasks.notification_forms import NotificationSettingsForm
from tasks.notification_texts import notification_link, notification_text
from tasks.selectors.notifications import notifications_of, notifications_unread_count
from tasks.services.notification_mail import UnsubscribeInvalid, unsubscribe_user
from tasks.services.notifications import (
    NotificationRefused,
    notification_settings_update,
    notifications_email_stop,
    notifications_mark_read,
)

PER_PAGE = 30


@never_cache
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    items = [
        {"notification": n, "text": notification_text(n), "link": notification_link(n)}
        for n in page.object_list
    ]
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "items": items,
            "unread": notifications_unread_count(user_id=acting_user(request.user).pk),
        },
    )


def _own(request: HttpRequest, notification_id: int) -> int:
    """The id when it is one of the person's notifications; 404 otherwise (another's id says
    nothing about whether it exists)."""
    if not notifications_of(request.user).filter(pk=notification_id).exists():
        raise Http404(_("No such notification."))
    return notification_id


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark read and go where it leads."""
    _own(request, notification_id)
    notifications_mark_read(user=acting_user(request.user), ids=[notification_id])
    notification = notifications_of(request.user).get(pk=notification_id)
    return redirect(notification_link(notification) or reverse("notifications"))


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    _own(request, notification_id)
    notifications_mark_read(user=acting_user(request.user), ids=[notification_id])
    return redirect(f"{reverse('notifications')}#notification-{notification_id}")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    changed = notifications_mark_read(user=acting_user(request.user))
    if changed:
        messages.success(request, _("All your notifications are marked read."))
    return redirect("notifications")


@login_required
@require_POST
def notification_settings(request: HttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST)
    if form.is_valid():
        try:
            notification_settings_update(
                user=acting_user(request.user),
                email=form.cleaned_data["email"],
                email_kinds=form.cleaned_data["email_kinds"],
            )
        except NotificationRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your notification settings are saved."))
    else:
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
    return redirect(f"{reverse('profile')}#notification-settings")


@never_cache
@csrf_exempt  # the signed token is the credential; mail clients POST without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def notifications_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page that asks to confirm (a link opened by a mail scanner changes nothing).
    POST: no more e-mail; what a mail client's one-click unsubscribe sends too."""
    try:
        user = unsubscribe_user(token=token)
    except UnsubscribeInvalid as error:
        return render(request, "notifications/unsubscribe.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        notifications_email_stop(user_id=user.pk)
        return render(request, "notifications/unsubscribe.html", {"done": True})
    return render(request, "notifications/unsubscribe.html", {"token": token})
