"""A person's own account: profile, e-mail address, closing the account. Their data
(transcriptions, decisions on them) are downloaded from the projects' side
(tasks.views.personal_data)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crowd.forms import AccountDeleteForm, EmailChangeForm, ProfileForm, form_add_errors
from crowd.models import User
from crowd.services import account_delete, email_change, profile_update
from crowd.users import acting_user


def language_remember(response: HttpResponse, language: str) -> None:
    """The pages' language from now on in this browser (Django's language cookie)."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )


def _page(
    request: HttpRequest, profile: ProfileForm, email: EmailChangeForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "registration/profile.html",
        {"form": profile, "email_form": email},
        status=status,
    )


def _profile_initial(user: User) -> dict[str, object]:
    return {
        "display_name": user.display_name,
        "credit_me": user.credit_me,
        "preferred_language": user.preferred_language,
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    form = ProfileForm(request.POST or None, initial=_profile_initial(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            profile_update(
                user=user,
                display_name=data["display_name"],
                credit_me=data["credit_me"],
                preferred_language=data["preferred_language"],
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            language = data["preferred_language"]
            with translation.override(language or translation.get_language()):
                messages.success(request, _("Your profile is saved."))
            response = redirect("profile")
            language_remember(response, language)
            return response
    return _page(request, form, EmailChangeForm(), status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def profile_email(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            email_change(
                user=user,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                link=lambda token: request.build_absolute_uri(
                    reverse("email-verify", args=[token])
                ),
            )
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            messages.success(
                request, _("Your address is changed: follow the link we sent to confirm it.")
            )
            return redirect("profile")
    return _page(request, ProfileForm(initial=_profile_initial(user)), form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def account_close(request: HttpRequest) -> HttpResponse:
    user = acting_user(request.user)
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=user, password=form.cleaned_data["password"])
        except ValidationError as error:
            form_add_errors(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account is closed. Thank you for your help."))
            return redirect("home")
    return render(
        request,
        "registration/account_close.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
