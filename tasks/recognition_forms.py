"""Forms of recognition: the ranking's month (read from the address) and a person's opt-ins."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


class RankingFilterForm(forms.Form):
    """`?month=YYYY-MM`, or nothing for all time."""

    month = forms.CharField(label=_("Month"), required=False, max_length=7, strip=True)

    def clean_month(self) -> datetime.date | None:
        raw = self.cleaned_data.get("month") or ""
        if not raw:
            return None
        match = MONTH_PATTERN.match(raw)
        if match is None:
            raise forms.ValidationError(_("Write the month as year-month, for example 2025-03."))
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12 or not 2000 <= year <= 2999:
            raise forms.ValidationError(_("There is no such month."))
        return datetime.date(year, month, 1)


class RecognitionChoicesForm(forms.Form):
    rank_me = forms.BooleanField(
        label=_("Show my display name and agreed values in the rankings of my projects"),
        required=False,
    )
    profile_public = forms.BooleanField(
        label=_("Make my profile public: my display name, projects and badges"),
        required=False,
    )
