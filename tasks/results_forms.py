"""The results browser's query string, read as a form: every filter, the sort, the view and the
page, each checked with a precise message. Values the form does not offer (a state that does
not exist, a batch of another project, a page past the end of what is counted) are refused."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tasks.models import BatchPurpose, FieldStatus, Project, TaskState
from tasks.selectors.results_browser import COUNT_LIMIT, PAGE_SIZE, ResultFilters

QUERY_MAX_LENGTH = 200
VIEWS = ("table", "grid")
_DATE = {"type": "date"}


class ResultsForm(forms.Form):
    q = forms.CharField(
        label=_("Search the values and answers"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    batch = forms.TypedChoiceField(label=_("Batch"), required=False, coerce=int, empty_value=None)
    field_status = forms.ChoiceField(label=_("A field that is"), required=False)
    field = forms.ChoiceField(label=_("Field"), required=False)
    contributor = forms.CharField(
        label=_("Transcribed by (user name)"),
        required=False,
        max_length=150,
        widget=forms.TextInput(attrs={"type": "search", "spellcheck": "false"}),
    )
    date_field = forms.ChoiceField(
        label=_("Dates of"),
        required=False,
        # The defaults are empty values, left out of the address by the page's script.
        choices=[("", _("last activity")), ("created", _("upload"))],
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )
    known = forms.ChoiceField(
        label=_("Known answers"),
        required=False,
        choices=[
            ("", _("All images")),
            ("training", _("Training images only")),
            ("real", _("Real images only")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("", _("Number, oldest first")),
            ("-id", _("Number, newest first")),
            ("state", _("State")),
            ("agreement", _("Agreement, lowest first")),
            ("-updated", _("Last activity, latest first")),
            ("updated", _("Last activity, earliest first")),
        ],
    )
    view = forms.ChoiceField(
        label=_("Show as"),
        required=False,
        choices=[("table", _("Table")), ("grid", _("Thumbnails"))],
    )
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=COUNT_LIMIT // PAGE_SIZE,
        widget=forms.HiddenInput,
    )

    def __init__(self, data: Any, *, project: Project, with_training: bool) -> None:
        super().__init__(data)
        self.with_training = with_training
        states = [(value, label) for value, label in TaskState.choices]
        if not with_training:
            states = [(v, label) for v, label in states if v != TaskState.REFERENCE]
            del self.fields["known"]
        self._choices("state", [("", _("All states")), *states])
        batches = project.batches.order_by("-created_at")
        if not with_training:
            batches = batches.exclude(purpose=BatchPurpose.TRAINING)
        self._choices(
            "batch",
            [("", _("All batches"))]
            + [(str(pk), name) for pk, name in batches.values_list("pk", "name")],
        )
        self._choices("field_status", [("", _("Any status")), *FieldStatus.choices])
        language = (get_language() or "fr")[:2]
        self._choices(
            "field",
            [("", _("Any field"))]
            + [(spec.key, spec.label_in(language)) for spec in project.template.specs],
        )

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the date range is before its start."))
        return cleaned

    def filters(self) -> ResultFilters:
        """The checked filters (call once the form is valid)."""
        data = self.cleaned_data
        return ResultFilters(
            query=data.get("q") or "",
            state=data.get("state") or "",
            batch_id=data.get("batch"),
            field_status=data.get("field_status") or "",
            field_key=data.get("field") or "",
            contributor=data.get("contributor") or "",
            date_field=data.get("date_field") or "activity",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            known=(data.get("known") or "") if self.with_training else "",
            sort=data.get("sort") or "id",
        )

    def view_chosen(self) -> str:
        """Table or thumbnails: what the query asks, also when another value is wrong."""
        chosen = self.cleaned_data.get("view") if self.is_valid() else self.data.get("view")
        return chosen if chosen in VIEWS else "table"

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1
