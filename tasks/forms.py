from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import Project, Role, Visibility
from tasks.models.projects import TRAINING_FIELDS
from tasks.presets import preset_choices


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
        help_text=_("Comma-separated metadata keys, e.g. catalogNumber, institution."),
    )

    def clean_fields_json(self) -> Any:
        return _template_json(self.cleaned_data["fields_json"])

    def clean_metadata_shown(self) -> list[str]:
        return [
            key.strip() for key in self.cleaned_data["metadata_shown"].split(",") if key.strip()
        ]


class MemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
