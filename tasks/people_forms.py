"""The filters of the contributors and audit pages, read from the address (GET): each value is
checked, and a bad one is answered with what is wrong with it."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crowd.selectors import user_named
from tasks.selectors.contributors import DEFAULT_SORT, SEARCH_MAX, SORTS, STATES
from tasks.values import hides_characters

# Audit dates: the platform's own acts, within a range a calendar input offers.
DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2999, 12, 31)


def _sort_choices() -> list[tuple[str, Any]]:
    labels = {
        "transcriptions": _("transcriptions"),
        "last_active": _("last seen"),
        "name": _("user name"),
        "agreement": _("agreement"),
        "accuracy": _("known-answer accuracy"),
    }
    choices: list[tuple[str, Any]] = []
    for key in SORTS:
        choices.append((f"-{key}", _("%(what)s, descending") % {"what": labels[key]}))
        choices.append((key, _("%(what)s, ascending") % {"what": labels[key]}))
    return choices


def _search_check(value: str) -> str:
    if hides_characters(value):
        raise forms.ValidationError(_("Control characters are not allowed."))
    return value


class ContributorFilterForm(forms.Form):
    q = forms.CharField(label=_("Name contains"), required=False, max_length=SEARCH_MAX, strip=True)
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("everyone")),
            (STATES[0], _("neither blocked nor voided")),
            (STATES[1], _("blocked")),
            (STATES[2], _("work void")),
        ],
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=_sort_choices)

    def clean_q(self) -> str:
        return _search_check(self.cleaned_data.get("q") or "")

    def clean_sort(self) -> str:
        return self.cleaned_data.get("sort") or DEFAULT_SORT


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), required=False)
    person = forms.CharField(
        label=_("Person (user name)"),
        required=False,
        max_length=150,
        strip=True,
        help_text=_("Who acted, or whom it concerned."),
    )
    since = forms.DateField(label=_("From"), required=False, input_formats=["%Y-%m-%d"])
    until = forms.DateField(label=_("To (included)"), required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, *args: Any, groups: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [("", _("everything"))]
        choices += list(groups.items())
        self.fields["kind"].choices = choices  # type: ignore[attr-defined]
        self.person_id: int | None = None

    def clean_person(self) -> str:
        name = _search_check(self.cleaned_data.get("person") or "")
        if name:
            user = user_named(name)
            if user is None:
                raise forms.ValidationError(_("No user named %(name)s.") % {"name": name})
            self.person_id = user.pk
        return name

    def _date(self, name: str) -> datetime.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(
                _("Give a date from %(min)s to %(max)s.")
                % {"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()}
            )
        return value

    def clean_since(self) -> datetime.date | None:
        return self._date("since")

    def clean_until(self) -> datetime.date | None:
        return self._date("until")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the range comes before its start."))
        return cleaned
