"""Forms of the leads' Training pages. They check shapes and lengths; the services check the
rest (hostile characters, pictures, the template's keys) and their messages land on the form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tasks.models import KnownAnswerUse
from tasks.services.training import Crop, crop_parse
from tasks.values import ValuesRejected
from worker.template import FieldSpec

MAX_LEVELS = 9  # levels 2 to 10 (worker.training.levels_parse)


class PictureForm(forms.Form):
    """A picture given as an upload, or cut from one of the project's images; either may be
    cropped by a rectangle in fractions of the image."""

    picture = forms.FileField(
        label=_("Picture to upload"),
        required=False,
        help_text=_("JPEG, PNG, TIFF or WebP; it is checked as uploaded images are."),
    )
    crop_task = forms.IntegerField(
        label=_("Or the number of one of the project's images"),
        required=False,
        min_value=1,
        help_text=_("Its number is on the image list below and in the review pages."),
    )
    crop = forms.CharField(
        label=_("Crop (left,top,width,height)"),
        required=False,
        max_length=100,
        help_text=_(
            "Fractions of the image from 0 to 1, e.g. 0.1,0.6,0.5,0.2; drag on the image to "
            "fill it. Empty: the whole image."
        ),
    )

    def clean_crop(self) -> Crop | None:
        try:
            return crop_parse(self.cleaned_data["crop"])
        except ValuesRejected as rejected:
            raise forms.ValidationError(rejected.errors["crop"]) from None


class TutorialStepForm(PictureForm):
    title_fr = forms.CharField(label=_("Title (French)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200)
    body_fr = forms.CharField(
        label=_("Text (French)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    body_en = forms.CharField(
        label=_("Text (English)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    highlight = forms.ChoiceField(
        label=_("Point at"),
        required=False,
        help_text=_("What the step outlines on the transcription page while it is shown."),
    )
    picture_remove = forms.BooleanField(label=_("Remove the picture"), required=False)

    field_order = [
        "title_fr",
        "title_en",
        "body_fr",
        "body_en",
        "highlight",
        "picture",
        "crop_task",
        "crop",
        "picture_remove",
    ]

    def __init__(self, *args: Any, choices: list[Any], with_picture: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        highlight = self.fields["highlight"]
        assert isinstance(highlight, forms.ChoiceField)
        highlight.choices = choices
        if not with_picture:
            del self.fields["picture_remove"]


class GuideEntryForm(forms.Form):
    body_fr = forms.CharField(
        label=_("How to read and write it (French)"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    body_en = forms.CharField(
        label=_("How to read and write it (English)"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class GuideExampleForm(PictureForm):
    value = forms.CharField(
        label=_("Value to write"),
        max_length=500,
        help_text=_("Exactly what a volunteer should type for this example."),
    )
    note_fr = forms.CharField(label=_("Note (French)"), max_length=1000, required=False)
    note_en = forms.CharField(label=_("Note (English)"), max_length=1000, required=False)

    field_order = ["value", "note_fr", "note_en", "picture", "crop_task", "crop"]


class KnownAnswersUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV of expert values"),
        help_text=_("UTF-8; comma, semicolon or tab. Download the template below."),
    )
    use = forms.ChoiceField(
        label=_("Use"),
        choices=KnownAnswerUse.choices,
        initial=KnownAnswerUse.KNOWN,
        widget=forms.RadioSelect,
    )


class KnownAnswerForm(forms.Form):
    """Why the expert read each field so (shown as feedback), in French and English; the use;
    whether it is served."""

    use = forms.ChoiceField(label=_("Use"), choices=KnownAnswerUse.choices)
    active = forms.BooleanField(label=_("In use (served to contributors)"), required=False)

    def __init__(self, *args: Any, specs: tuple[FieldSpec, ...], language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.specs = specs
        for spec in specs:
            label = spec.label_in(language)
            for code, name in (("fr", _("French")), ("en", _("English"))):
                self.fields[f"note_{code}_{spec.key}"] = forms.CharField(
                    label=_("Note on %(field)s (%(language)s)")
                    % {"field": label, "language": name},
                    max_length=1000,
                    required=False,
                )

    def notes(self) -> dict[str, dict[str, str]]:
        return {
            spec.key: {
                code: self.cleaned_data.get(f"note_{code}_{spec.key}", "") for code in ("fr", "en")
            }
            for spec in self.specs
        }


class PromoteForm(forms.Form):
    use = forms.ChoiceField(choices=KnownAnswerUse.choices, initial=KnownAnswerUse.KNOWN)


class KnownAnswerSetForm(forms.Form):
    """One change from the list of known answers: its use, or whether it is served."""

    use = forms.ChoiceField(choices=KnownAnswerUse.choices, required=False)
    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1", required=False
    )


class LevelForm(forms.Form):
    answers = forms.IntegerField(
        label=_("Answers on practice or known-answer images"),
        min_value=1,
        max_value=1000,
        required=False,
    )
    accuracy = forms.IntegerField(
        label=_("Accuracy (%)"), min_value=0, max_value=100, required=False
    )


class BaseLevelFormSet(forms.BaseFormSet):
    """Levels 2, 3… in order; a row left empty is no level, a half-filled one is refused."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return
        before: tuple[int, int] | None = None
        for number, form in enumerate(self.filled(), start=2):
            answers, accuracy = form.cleaned_data["answers"], form.cleaned_data["accuracy"]
            if before and (answers < before[0] or accuracy < before[1]):
                raise forms.ValidationError(
                    _(
                        "Level %(level)s must ask at least as many answers and as much accuracy "
                        "as the level before it."
                    )
                    % {"level": number}
                )
            before = (answers, accuracy)

    def filled(self) -> list[forms.Form]:
        filled = []
        for form in self.forms:
            data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
            answers, accuracy = data.get("answers"), data.get("accuracy")
            if answers is None and accuracy is None:
                continue
            if answers is None or accuracy is None:
                form.add_error(None, _("Give both the answers and the accuracy, or neither."))
                raise forms.ValidationError(_("A level is half filled."))
            filled.append(form)
        return filled

    def levels(self) -> list[dict[str, int]]:
        return [
            {"answers": form.cleaned_data["answers"], "accuracy": form.cleaned_data["accuracy"]}
            for form in self.filled()
        ]


def level_formset(*, initial: list[dict[str, Any]], data: Any = None) -> BaseLevelFormSet:
    """The levels as rows, with two empty rows to add more (nine levels at most)."""
    extra = max(0, min(2, MAX_LEVELS - len(initial)))
    formset_class = forms.formset_factory(
        LevelForm,
        formset=BaseLevelFormSet,
        extra=extra,
        max_num=MAX_LEVELS,
        validate_max=True,
        absolute_max=MAX_LEVELS,
    )
    formset = formset_class(data=data, initial=initial, prefix="levels")
    assert isinstance(formset, BaseLevelFormSet)
    return formset


class TrainingSettingsForm(forms.Form):
    min_level = forms.IntegerField(
        label=_("Level needed to transcribe"),
        min_value=1,
        max_value=10,
        initial=1,
        help_text=_("Below it, a contributor may only practise. 1: everyone may transcribe."),
    )
    known_answer_feedback = forms.BooleanField(
        label=_("Show feedback after a known-answer image"),
        required=False,
        help_text=_(
            "After answering a known-answer image, the contributor sees what matched and what "
            "an expert read. Turn it off if you fear that accounts share the answers."
        ),
    )
