from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tasks.models import Project, Role, Visibility
from tasks.models.projects import TRAINING_FIELDS
from tasks.presets import preset_choices
from worker.template import TemplateError, default_label, metadata_parse


def _template_json(text: str) -> Any:
    """The template a lead wrote as JSON (the template builder writes it too)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _("Not valid JSON: %(message)s (line %(line)s, column %(column)s).")
            % {"message": error.msg, "line": error.lineno, "column": error.colno}
        ) from None
    except RecursionError:
        raise forms.ValidationError(
            _("Not valid JSON: arrays and objects are nested too deeply.")
        ) from None


FIELDS_JSON_ATTRS = {
    "rows": 24,
    "spellcheck": "false",
    "class": "code",
    # The template builder (static/js/template_builder.js) edits what this holds.
    "data-template-json": "",
}


class ProjectCreateForm(forms.Form):
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=60,
        help_text=_("Used in addresses: lower-case letters, digits and hyphens."),
    )
    preset = forms.ChoiceField(
        label=_("Template"),
        choices=preset_choices,
        initial=lambda: preset_choices()[0][0],
        widget=forms.RadioSelect,
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    fields_json = forms.CharField(
        label=_("Fields (JSON)"),
        required=False,
        widget=forms.Textarea(attrs=FIELDS_JSON_ATTRS),
        help_text=_(
            "Leave empty to start from the template's fields; or an ordered list of fields (see the README for every property)."
        ),
    )

    def clean_fields_json(self) -> Any:
        text = self.cleaned_data["fields_json"].strip()
        return _template_json(text) if text else None


class ProjectSettingsForm(forms.ModelForm):
    class Meta:
        # The training settings are edited on the Training page (tasks.training_forms.LevelsForm),
        # in a form of their own: here a checkbox left out of the POST would turn the
        # known-answer feedback off at each save.
        model = Project
        fields = [name for name in Project.EDITABLE_FIELDS if name not in TRAINING_FIELDS]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
        }


class TemplateForm(forms.Form):
    fields_json = forms.CharField(
        label=_("Fields (JSON)"),
        widget=forms.Textarea(attrs=FIELDS_JSON_ATTRS),
        help_text=_("An ordered list of fields; see the README for every property."),
    )
    metadata_shown = forms.CharField(
        label=_("Metadata shown to contributors"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "class": "code"}),
        help_text=_(
            "One per line, in order: a metadata key (catalogNumber), or a key, its French label "
            "and its English label separated by | (barcode | Code-barres | Barcode). Common "
            "Darwin Core keys have a default label; any other key needs one. Keys not listed "
            "are shown to curators and leads only."
        ),
    )

    def clean_fields_json(self) -> Any:
        return _template_json(self.cleaned_data["fields_json"])

    def clean_metadata_shown(self) -> list[Any]:
        entries, problems = metadata_lines_parse(self.cleaned_data["metadata_shown"])
        if problems:
            raise forms.ValidationError(problems)
        return entries


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


def metadata_lines(entries: Any) -> str:
    """The stored metadata list as the settings form writes it: one line per key."""
    lines = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            label = entry.get("label") or {}
            if isinstance(label, dict):
                lines.append(
                    f"{entry.get('key', '')} | {label.get('fr', '')} | {label.get('en', '')}"
                )
            else:
                lines.append(f"{entry.get('key', '')} | {label}")
        else:
            lines.append(str(entry))
    return "\n".join(lines)


def metadata_lines_parse(text: str) -> tuple[list[Any], list[str]]:
    """The settings form's lines as the template stores them, with a message per bad line
    (“Line 3: …”). A line is `key`, `key | label` (one label for both languages) or
    `key | French label | English label`; a line of keys separated by commas (the form's
    former writing) lists each key."""
    entries: list[Any] = []
    problems: list[str] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        items: list[Any]
        if "|" in line:
            parts = [part.strip() for part in line.split("|")]
            if len(parts) > 3:
                problems.append(
                    gettext("Line %(line)s: write key | French label | English label.")
                    % {"line": number}
                )
                continue
            french, english = parts[1], parts[-1]
            items = [{"key": parts[0], "label": {"fr": french, "en": english}}]
        else:
            items = [key.strip() for key in line.split(",") if key.strip()]
        for item in items:
            key = item["key"] if isinstance(item, dict) else item
            problem = _metadata_line_problem(item, key)
            if problem is None and key in first_line:
                problem = gettext("%(key)s is already on line %(first)s.") % {
                    "key": key,
                    "first": first_line[key],
                }
            if problem is not None:
                problems.append(
                    gettext("Line %(line)s: %(problem)s") % {"line": number, "problem": problem}
                )
                continue
            first_line[key] = number
            entries.append(item)
    return entries, problems


_PARTS = {
    ".key": lambda: gettext("the key"),
    ".label.fr": lambda: gettext("the French label"),
    ".label.en": lambda: gettext("the English label"),
}


def _metadata_line_problem(item: Any, key: str) -> str | None:
    try:
        if isinstance(item, str) and default_label(key) is None:
            metadata_parse([{"key": key, "label": "-"}])  # the key itself, then its label
            return gettext(
                "%(key)s has no default label: write it as %(key)s | French label | English label."
            ) % {"key": key}
        metadata_parse([item])
    except TemplateError as error:
        said = []
        for problem in error.errors:
            path, _sep, message = problem.partition(": ")
            part = next((name() for suffix, name in _PARTS.items() if path.endswith(suffix)), "")
            said.append(f"{part}: {message}" if part else message)
        return "; ".join(said)
    return None
