"""The leads' Training pages: the tutorial (with a preview as volunteers see it), the field
guide, the contributors' known-answer results and the levels. Known answers have their own
module (tasks.views.known_answers). Every page and form asks Capability.MANAGE: 404 for who may
not see the project, 403 for its contributors and curators."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crowd.errors import DomainError
from crowd.forms import form_add_errors
from crowd.users import acting_user
from tasks.models import GuideExample, Project, TutorialStep
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.selectors.training import contributors_training, project_levels, tutorial_steps
from tasks.selectors.training_leads import (
    guide_entries_by_key,
    guide_entry_of,
    highlight_choices,
    pictured_tasks,
    project_task,
)
from tasks.services.projects import project_update
from tasks.services.training import (
    PictureRefused,
    guide_entry_for,
    guide_entry_save,
    guide_example_delete,
    guide_example_save,
    picture_from,
    tutorial_step_delete,
    tutorial_step_move,
    tutorial_step_save,
)
from tasks.training_forms import (
    GuideEntryForm,
    GuideExampleForm,
    TrainingSettingsForm,
    TutorialStepForm,
    level_formset,
)
from tasks.values import ValuesRejected

PREVIEW_LANGUAGES = (("fr", "Français"), ("en", "English"))


def training_project(request: HttpRequest, slug: str) -> Project:
    return project_for(request.user, slug, Capability.MANAGE)


def training_render(
    request: HttpRequest, name: str, context: dict[str, Any], status: int
) -> HttpResponse:
    project: Project = context["project"]
    return render(
        request,
        name,
        {
            **context,
            "confirm_messages": {
                "delete_step": _("Delete this step of the tutorial?"),
                "delete_example": _("Delete this example?"),
            },
            "tab_links": _tabs(project),
        },
        status=status,
    )


def _tabs(project: Project) -> list[tuple[str, str, str]]:
    names = [
        ("tutorial", "project-training", _("Tutorial")),
        ("guide", "project-training-guide", _("Field guide")),
        ("known", "project-training-known", _("Known answers")),
        ("contributors", "project-training-contributors", _("Contributors")),
        ("levels", "project-training-levels", _("Levels")),
    ]
    return [(tab, reverse(url, args=[project.slug]), label) for tab, url, label in names]


def _errors_show(form: BaseForm, error: DomainError, *, field: str) -> None:
    """A service's refusal on the form: ValuesRejected on its fields, anything else on `field`."""
    if isinstance(error, ValuesRejected):
        for name, texts in error.errors.items():
            form.add_error(name if name in form.fields else None, texts)
    else:
        form.add_error(field, error.message())


def _picture(project: Project, form: BaseForm) -> ContentFile[bytes] | None:
    """The picture the form gives (an upload, or a crop of a project image), or None."""
    upload, task_id, crop = (form.cleaned_data.get(n) for n in ("picture", "crop_task", "crop"))
    if upload:
        return picture_from(project=project, upload=upload, crop=crop)
    if task_id:
        task = project_task(project=project, task_id=task_id)
        if task is None:
            raise PictureRefused(_("No image %(number)s in this project.") % {"number": task_id})
        return picture_from(project=project, task=task, crop=crop)
    if crop:
        raise PictureRefused(_("Choose the image to crop: upload one or give its number."))
    return None


# --- Tutorial --------------------------------------------------------------------------------


def _step_form(project: Project, request: HttpRequest, step: TutorialStep | None) -> Any:
    initial = {}
    if step is not None:
        initial = {
            name: getattr(step, name)
            for name in ("title_fr", "title_en", "body_fr", "body_en", "highlight")
        }
    posted = request.method == "POST"
    return TutorialStepForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        initial=initial,
        choices=highlight_choices(specs=project.template.specs),
        with_picture=bool(step is not None and step.image),
        prefix="step",
    )


def _step_saved(project: Project, form: Any, step: TutorialStep | None) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        tutorial_step_save(
            project=project,
            step=step,
            title_fr=data["title_fr"],
            title_en=data["title_en"],
            body_fr=data["body_fr"],
            body_en=data["body_en"],
            highlight=data["highlight"],
            picture=_picture(project, form),
            picture_remove=bool(data.get("picture_remove")),
        )
    except DomainError as error:
        _errors_show(form, error, field="picture")
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def training_tutorial(request: HttpRequest, slug: str) -> HttpResponse:
    """The tutorial's steps in order, a preview in each language, and a form to add a step."""
    project = training_project(request, slug)
    form = _step_form(project, request, None)
    if request.method == "POST" and _step_saved(project, form, None):
        messages.success(request, _("Step added at the end of the tutorial."))
        return redirect("project-training", slug=project.slug)
    context = {
        "project": project,
        "tab": "tutorial",
        "steps": tutorial_steps(project=project),
        "form": form,
        "pictured": pictured_tasks(project=project),
        "preview_languages": PREVIEW_LANGUAGES,
    }
    return training_render(request, "training/tutorial.html", context, 400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def training_step(request: HttpRequest, slug: str, step_id: int) -> HttpResponse:
    project = training_project(request, slug)
    step = get_object_or_404(TutorialStep, pk=step_id, project=project)
    form = _step_form(project, request, step)
    if request.method == "POST" and _step_saved(project, form, step):
        messages.success(request, _("Step saved."))
        return redirect(reverse("project-training", args=[project.slug]) + f"#step-{step.pk}")
    context = {
        "project": project,
        "tab": "tutorial",
        "step": step,
        "form": form,
        "pictured": pictured_tasks(project=project),
    }
    return training_render(request, "training/step.html", context, 400 if form.errors else 200)


@login_required
@require_POST
def training_step_delete(request: HttpRequest, slug: str, step_id: int) -> HttpResponse:
    project = training_project(request, slug)
    step = get_object_or_404(TutorialStep, pk=step_id, project=project)
    tutorial_step_delete(project=project, step=step)
    messages.success(request, _("Step deleted."))
    return redirect("project-training", slug=project.slug)


@login_required
@require_POST
def training_step_move(request: HttpRequest, slug: str, step_id: int) -> HttpResponse:
    project = training_project(request, slug)
    step = get_object_or_404(TutorialStep, pk=step_id, project=project)
    offsets = {"up": -1, "down": 1}
    if request.POST.get("direction") not in offsets:
        return HttpResponse(_("Move a step up or down."), status=400)
    tutorial_step_move(project=project, step=step, offset=offsets[request.POST["direction"]])
    return redirect(reverse("project-training", args=[project.slug]) + f"#step-{step.pk}")


# --- Field guide -----------------------------------------------------------------------------


@login_required
def training_guide(request: HttpRequest, slug: str) -> HttpResponse:
    """The template's fields, each with what its guide entry holds."""
    project = training_project(request, slug)
    entries = guide_entries_by_key(project=project)
    language = (get_language() or "fr")[:2]
    fields = [
        {"spec": spec, "label": spec.label_in(language), "entry": entries.get(spec.key)}
        for spec in project.template.specs
    ]
    context = {"project": project, "tab": "guide", "fields": fields}
    return training_render(request, "training/guide.html", context, 200)


@login_required
@require_http_methods(["GET", "POST"])
def training_guide_field(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """One field's guide entry: its text in French and English, and its examples."""
    project = training_project(request, slug)
    spec = next((s for s in project.template.specs if s.key == key), None)
    if spec is None:
        raise Http404(_("This field is not in the template."))
    entry = guide_entry_of(project=project, field_key=key)
    entry_form = GuideEntryForm(
        initial={"body_fr": entry.body_fr, "body_en": entry.body_en} if entry else None,
        prefix="entry",
    )
    example_form = GuideExampleForm(prefix="example")
    here = reverse("project-training-guide-field", args=[project.slug, key])
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "entry":
            entry_form = GuideEntryForm(request.POST, prefix="entry")
            if entry_form.is_valid() and _entry_saved(project, key, entry_form):
                messages.success(request, _("Field guide entry saved."))
                return redirect(here)
        elif section == "example":
            example_form = GuideExampleForm(request.POST, request.FILES, prefix="example")
            if example_form.is_valid() and _example_saved(project, key, example_form):
                messages.success(request, _("Example added."))
                return redirect(here + "#examples-heading")
        else:
            return HttpResponse(_("Unknown form section."), status=400)
    context = {
        "project": project,
        "tab": "guide",
        "spec": spec,
        "label": spec.label_in((get_language() or "fr")[:2]),
        "entry": entry,
        "examples": list(entry.examples.all()) if entry else [],
        "entry_form": entry_form,
        "example_form": example_form,
        "pictured": pictured_tasks(project=project),
    }
    failed = entry_form.errors or example_form.errors
    return training_render(request, "training/guide_field.html", context, 400 if failed else 200)


def _entry_saved(project: Project, key: str, form: GuideEntryForm) -> bool:
    try:
        guide_entry_save(project=project, field_key=key, **form.cleaned_data)
    except DomainError as error:
        _errors_show(form, error, field="body_fr")
        return False
    return True


def _example_saved(project: Project, key: str, form: GuideExampleForm) -> bool:
    data = form.cleaned_data
    try:
        picture = _picture(project, form)
        guide_example_save(
            entry=guide_entry_for(project=project, field_key=key),
            value=data["value"],
            note_fr=data["note_fr"],
            note_en=data["note_en"],
            picture=picture,
        )
    except DomainError as error:
        _errors_show(form, error, field="picture")
        return False
    return True


@login_required
@require_POST
def training_example_delete(
    request: HttpRequest, slug: str, key: str, example_id: int
) -> HttpResponse:
    project = training_project(request, slug)
    example = get_object_or_404(
        GuideExample.objects.select_related("entry"),
        pk=example_id,
        project=project,
        entry__field_key=key,
    )
    guide_example_delete(entry=example.entry, example=example)
    messages.success(request, _("Example deleted."))
    return redirect(
        reverse("project-training-guide-field", args=[project.slug, key]) + "#examples-heading"
    )


# --- Contributors and levels -----------------------------------------------------------------


@login_required
def training_contributors(request: HttpRequest, slug: str) -> HttpResponse:
    """Per contributor: answers given, blind known-answer images, accuracy per field, weights."""
    project = training_project(request, slug)
    rows = contributors_training(project=project)
    language = (get_language() or "fr")[:2]
    specs = project.template.specs
    types = sorted({field_type for row in rows for field_type in row["weights"]})
    table = [
        {
            **row,
            "accuracy_cells": [row["accuracy"].get(spec.key) for spec in specs],
            "weight_cells": [row["weights"].get(field_type) for field_type in types],
        }
        for row in rows
    ]
    context = {
        "project": project,
        "tab": "contributors",
        "columns": [spec.label_in(language) for spec in specs],
        "types": types,
        "rows": table,
    }
    return training_render(request, "training/contributors.html", context, 200)


@login_required
@require_http_methods(["GET", "POST"])
def training_levels(request: HttpRequest, slug: str) -> HttpResponse:
    """The levels (answers and accuracy for each), the level needed to transcribe, and whether
    known-answer images show feedback."""
    project = training_project(request, slug)
    initial = [
        {"answers": level.answers, "accuracy": level.accuracy_percent}
        for level in project_levels(project)
    ]
    posted = request.POST if request.method == "POST" else None
    formset = level_formset(initial=initial, data=posted)
    form = TrainingSettingsForm(
        posted,
        initial={
            "min_level": project.min_level,
            "known_answer_feedback": project.known_answer_feedback,
        },
    )
    if posted is not None and formset.is_valid() and form.is_valid():
        levels = formset.levels()
        if form.cleaned_data["min_level"] > len(levels) + 1:
            form.add_error(
                "min_level",
                _("There are only %(count)s levels: nobody could reach this one.")
                % {"count": len(levels) + 1},
            )
        else:
            try:
                project_update(
                    project=project,
                    actor=acting_user(request.user),
                    changes={**form.cleaned_data, "levels": levels},
                )
            except ValidationError as error:
                form_add_errors(form, error)
            else:
                messages.success(request, _("Levels saved."))
                return redirect("project-training-levels", slug=project.slug)
    language = (get_language() or "fr")[:2]
    context = {
        "project": project,
        "tab": "levels",
        "formset": formset,
        "form": form,
        "gated_fields": [
            (spec.label_in(language), spec.key, spec.level)
            for spec in project.template.specs
            if spec.level > 1
        ],
    }
    failed = posted is not None and (form.errors or not formset.is_valid())
    return training_render(request, "training/levels.html", context, 400 if failed else 200)
