"""Account pages: sign-up and log-in (throttled by crowd.auth, as every door is). Log-out and
password reset are Django's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crowd.forms import LoginForm, SignupForm, form_add_errors
from crowd.profile_views import language_remember
from crowd.ratelimit import client_ip, limit_count
from crowd.services import (
    EmailVerificationInvalid,
    email_verification_send,
    email_verify,
    user_create,
)
from crowd.users import acting_user

HOUR = 3600


class SignInView(LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        # The language the person chose in their profile, from this sign-in on.
        language_remember(response, acting_user(form.get_user()).preferred_language)
        return response


class RateLimitedPasswordResetView(PasswordResetView):
    """Password reset mails are limited per address, so the form cannot flood an inbox."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            limit_count(f"reset:{client_ip(request)}", window_seconds=HOUR)
            > settings.LOGIN_ATTEMPTS_PER_HOUR
        ):
            form = self.get_form()
            form.add_error(None, _("Too many requests from your address. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"signup:{client_ip(request)}"
        if limit_count(key, window_seconds=HOUR) > settings.LOGIN_ATTEMPTS_PER_HOUR:
            form.add_error(None, _("Too many sign-ups from your address. Try again in an hour."))
            return render(request, "registration/signup.html", {"form": form}, status=429)
        data = form.cleaned_data
        try:
            user = user_create(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                display_name=data["display_name"],
                credit_me=data["credit_me"],
            )
        except ValidationError as error:
            # Password validators raise plain lists: they belong to the password.
            form_add_errors(form, error, default_field="password1")
        else:
            email_verification_send(user=user, link=_verification_link(request))
            login(request, user, backend="crowd.auth.ThrottledBackend")
            return redirect("home")
    return render(
        request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200
    )


def _verification_link(request: HttpRequest) -> Callable[[str], str]:
    return lambda token: request.build_absolute_uri(reverse("email-verify", args=[token]))


@require_http_methods(["GET", "POST"])
def email_verify_page(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail. Opening it only shows a button: mail scanners that follow links
    verify nothing."""
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            email_verify(token=token)
        except EmailVerificationInvalid as error:
            context["error"], status = error.message(), 400
        else:
            context["verified"] = True
    return render(request, "registration/verify_email.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def email_verification_request(request: HttpRequest) -> HttpResponse:
    """Where a signed-in user asks for a new link (limited per address and per account, so the
    form cannot flood an inbox)."""
    user = acting_user(request.user)
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST" and not user.email_verified:
        counts = [
            limit_count(key, window_seconds=HOUR)
            for key in (f"verify:{client_ip(request)}", f"verify-user:{user.pk}")
        ]
        if max(counts) > settings.LOGIN_ATTEMPTS_PER_HOUR:
            context["error"], status = (
                _("Too many requests from your address. Try again in an hour."),
                429,
            )
        else:
            email_verification_send(user=user, link=_verification_link(request))
            context["sent"] = True
    return render(request, "registration/verify_email_request.html", context, status=status)


def favicon(request: HttpRequest) -> HttpResponse:
    # The static URL is resolved per request: in production it carries the manifest's hash.
    return redirect(static("img/favicon.svg"), permanent=True)
