"""Account pages: sign-up and log-in (throttled by crowd.auth, as every door is). Log-out and
password reset are Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crowd.forms import LoginForm, SignupForm, form_add_errors
from crowd.ratelimit import client_ip, limit_count
from crowd.services import user_create

HOUR = 3600


class SignInView(LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


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
            login(request, user, backend="crowd.auth.ThrottledBackend")
            return redirect("home")
    return render(
        request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200
    )
