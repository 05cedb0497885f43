from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _.")},
    )
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Used to confirm your account and to reset your password.")
    )
    display_name = forms.CharField(label=_("Display name"), max_length=80, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    credit_me = forms.BooleanField(
        label=_("Name me in the credits of exported data"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        strip=False,
        help_text=_("Shown to the project's curators and leads, and in credits if you wish."),
    )
    credit_me = forms.BooleanField(
        label=_("Name me in the credits of exported data and on project pages"), required=False
    )
    preferred_language = forms.ChoiceField(
        label=_("Language of pages and e-mails"),
        choices=[("", _("The browser's")), *settings.LANGUAGES],
        required=False,
    )


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"))
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_("I understand that my account is closed for good."), required=True
    )


class LoginForm(AuthenticationForm):
    """Django's form; the view adds the rate limit."""


def form_add_errors(
    form: forms.BaseForm, error: ValidationError, *, default_field: str | None = None
) -> None:
    """Show a service's ValidationError on a form: each message on its field when the form has
    that field, else on `default_field` (None: above the form)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else default_field, messages)
    else:
        form.add_error(default_field, error.messages)
