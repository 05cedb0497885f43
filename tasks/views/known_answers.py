"""The leads' Training pages for known answers: the CSV of expert values (and its template),
the list with notes, use and whether each is served, and the promotion of settled images.
Every page and form asks Capability.MANAGE."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crowd.errors import DomainError
from crowd.users import acting_user
from tasks.models import Task
from tasks.selectors.training_leads import (
    known_answer_of,
    known_answers_csv_header,
    known_answers_listed,
    settled_tasks,
)
from tasks.services.known_answer_import import MAX_CSV_BYTES, known_answers_import
from tasks.services.known_answers import known_answer_promote, known_answer_update
from tasks.training_forms import (
    KnownAnswerForm,
    KnownAnswerSetForm,
    KnownAnswersUploadForm,
    PromoteForm,
)
from tasks.values import ValuesRejected
from tasks.views.training import training_project, training_render
from worker.consensus.check import expected_unchecked

PAGE_SIZE = 50


@login_required
@require_http_methods(["GET", "POST"])
def training_known_answers(request: HttpRequest, slug: str) -> HttpResponse:
    """Known answers: the CSV upload (all or nothing: a refusal lists each bad line), the list,
    and the settled images that may be promoted."""
    project = training_project(request, slug)
    form = KnownAnswersUploadForm(prefix="upload")
    refusal: dict[str, Any] | None = None
    if request.method == "POST":
        form = KnownAnswersUploadForm(request.POST, request.FILES, prefix="upload")
        if form.is_valid():
            try:
                report = known_answers_import(
                    project=project,
                    data=form.cleaned_data["file"].read(MAX_CSV_BYTES + 1),
                    use=form.cleaned_data["use"],
                    actor=acting_user(request.user),
                )
            except DomainError as error:
                refusal = {"message": error.message(), "errors": getattr(error, "errors", [])}
            else:
                messages.success(
                    request,
                    _("Known answers saved: %(created)s new, %(updated)s updated.")
                    % {"created": report.created, "updated": report.updated},
                )
                return redirect("project-training-known", slug=project.slug)
    context = {
        "project": project,
        "tab": "known",
        "form": form,
        "refusal": refusal,
        "known_page": Paginator(known_answers_listed(project=project), PAGE_SIZE).get_page(
            request.GET.get("page")
        ),
        "settled_page": Paginator(settled_tasks(project=project), PAGE_SIZE).get_page(
            request.GET.get("settled")
        ),
        "header": known_answers_csv_header(specs=project.template.specs),
        "max_mb": MAX_CSV_BYTES // 1_000_000,
    }
    failed = form.errors or refusal
    return training_render(request, "training/known_answers.html", context, 400 if failed else 200)


@login_required
def training_known_answers_template(request: HttpRequest, slug: str) -> HttpResponse:
    """An empty CSV with the columns a known-answer file takes, for this project's template."""
    project = training_project(request, slug)
    out = io.StringIO()
    csv.writer(out).writerow(known_answers_csv_header(specs=project.template.specs))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{project.slug}-known-answers.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def training_known_answer(request: HttpRequest, slug: str, known_id: int) -> HttpResponse:
    """One known answer: the expert's values, and per field why they read it so (fr, en)."""
    project = training_project(request, slug)
    known = known_answer_of(project=project, known_id=known_id)
    if known is None:
        raise Http404(_("No such known answer."))
    specs = project.template.specs
    language = (get_language() or "fr")[:2]
    initial: dict[str, Any] = {"use": known.use, "active": known.active}
    for key, note in (known.notes or {}).items():
        for code in ("fr", "en"):
            initial[f"note_{code}_{key}"] = (note or {}).get(code, "")
    posted = request.method == "POST"
    form = KnownAnswerForm(
        request.POST if posted else None, initial=initial, specs=specs, language=language
    )
    if posted and form.is_valid():
        try:
            known_answer_update(
                known_answer=known,
                notes=form.notes(),
                use=form.cleaned_data["use"],
                active=form.cleaned_data["active"],
            )
        except ValuesRejected as rejected:
            for key, texts in rejected.errors.items():
                name = f"note_fr_{key}"
                form.add_error(name if name in form.fields else None, texts)
        except DomainError as error:
            form.add_error(None, error.message())
        else:
            messages.success(request, _("Known answer saved."))
            return redirect("project-training-known", slug=project.slug)
    rows = [
        {
            "label": spec.label_in(language),
            "key": spec.key,
            "value": known.values.get(spec.key, ""),
            "marker": known.markers.get(spec.key, ""),
            # A placeholder typed as the expected value ("non lisible", "???") is read as the
            # illegible marker: volunteers' answers on that field are not checked against it.
            "placeholder": not known.markers.get(spec.key)
            and expected_unchecked(known.values.get(spec.key), None),
            "note_fr": form[f"note_fr_{spec.key}"],
            "note_en": form[f"note_en_{spec.key}"],
        }
        for spec in specs
    ]
    context = {"project": project, "tab": "known", "known": known, "form": form, "rows": rows}
    return training_render(
        request, "training/known_answer.html", context, 400 if form.errors else 200
    )


@login_required
@require_POST
def training_known_answer_set(request: HttpRequest, slug: str, known_id: int) -> HttpResponse:
    """From the list: switch a known answer's use, or stop or start serving it."""
    project = training_project(request, slug)
    known = known_answer_of(project=project, known_id=known_id)
    if known is None:
        raise Http404(_("No such known answer."))
    form = KnownAnswerSetForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose practice or known answer."), status=400)
    use, active = form.cleaned_data.get("use") or None, form.cleaned_data.get("active")
    if request.POST.get("active", "") == "":
        active = None
    known = known_answer_update(known_answer=known, use=use, active=active)
    messages.success(
        request,
        _("%(image)s: %(use)s, %(state)s.")
        % {
            "image": known.task.original_name or known.task_id,
            "use": known.get_use_display(),
            "state": _("in use") if known.active else _("not in use"),
        },
    )
    page = request.POST.get("page", "")
    target = reverse("project-training-known", args=[project.slug])
    return redirect(f"{target}?page={page}#known-list" if page.isdigit() else target)


@login_required
@require_POST
def training_promote(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    """Make a settled image a known answer (or a practice image) from its settled values."""
    project = training_project(request, slug)
    task = get_object_or_404(Task, pk=task_id, project=project)
    form = PromoteForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose practice or known answer."), status=400)
    try:
        known = known_answer_promote(
            task=task, use=form.cleaned_data["use"], actor=acting_user(request.user)
        )
    except DomainError as error:
        messages.error(request, error.message())
    else:
        messages.success(
            request,
            _("Image %(number)s is now a training image: %(use)s.")
            % {"number": task.pk, "use": known.get_use_display()},
        )
    return redirect(reverse("project-training-known", args=[project.slug]) + "#promote-heading")
