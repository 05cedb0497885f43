"""Forms of the notification settings and of news posts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import EmailMode, NotificationKind
from tasks.services.news import BODY_MAX, TITLE_MAX


class NotificationSettingsForm(forms.Form):
    email = forms.ChoiceField(
        label=_("E-mail"),
        choices=EmailMode.choices,
        widget=forms.RadioSelect,
        help_text=_("In the page you always see your notifications; e-mail only if you ask."),
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("E-mail me about"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class NewsForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown: *italics*, **bold**, lists, links, > quotes. HTML is shown as written."
        ),
        strip=False,
    )
