"""Pages: thin views that check capabilities, call a service or selector, and render."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crowd.errors import DomainError
from crowd.forms import form_add_errors
from crowd.models import User
from crowd.selectors import user_active_named
from crowd.users import acting_user
from tasks.forms import (
    MemberForm,
    ProjectCreateForm,
    ProjectSettingsForm,
    TemplateForm,
    metadata_lines,
)
from tasks.models import Project, ResolutionReason, Task, Template
from tasks.roles import (
    Capability,
    may_create_projects,
    project_capabilities,
    project_data_downloadable,
    projects_visible_to,
)
from tasks.selectors.feedback import my_transcriptions
from tasks.selectors.moderation import project_blocks, project_outliers, project_voids
from tasks.selectors.projects import (
    contributor_activity,
    metadata_unlabelled,
    project_credits,
    project_for,
    project_memberships,
    project_team,
)
from tasks.selectors.recognition import volunteer_standing
from tasks.selectors.review import contributor_feedback, dispute_counts
from tasks.selectors.training_summary import training_summary
from tasks.services.members import membership_remove, membership_set
from tasks.services.projects import project_create, project_update, template_update
from tasks.step_choice import step_remember, step_remembered
from tasks.views.template_builder import template_builder_for, template_builder_new
from worker.template.steps import has_georeference


def home(request: HttpRequest) -> HttpResponse:
    projects = projects_visible_to(request.user).order_by("-created_at")
    page = Paginator(projects, 24).get_page(request.GET.get("page"))
    return render(
        request,
        "home.html",
        {"page": page, "may_create": may_create_projects(request.user)},
    )


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug)
    capabilities = project_capabilities(request.user, project)
    training = (
        training_summary(project=project, user=acting_user(request.user))
        if Capability.CONTRIBUTE in capabilities
        else None
    )
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "can": {c.value: c in capabilities for c in Capability},
            "may_download": project_data_downloadable(request.user, project, capabilities),
            "training": training,
            "batches": project.batches.order_by("-created_at")[:10]
            if Capability.MANAGE in capabilities
            else [],
            "disputes_by_field": _disputes_by_field(project)
            if Capability.CURATE in capabilities
            else [],
            "count_formats": _count_formats(),
            "stepped": has_georeference(project.template.specs),
            "credits": project_credits(project),
            "team": project_team(project),
            "activity": contributor_activity(project, request.user),
            "standing": volunteer_standing(project=project, user=request.user),
            "live_messages": {
                "connecting": _("Connecting to live updates…"),
                "open": _("Live: counts update by themselves."),
                "reconnecting": _("Reconnecting…"),
                "waiting": _("Connection lost; trying again shortly."),
                "refused": _("Live updates are not available for this project."),
            },
        },
    )


@login_required
def project_transcribe(request: HttpRequest, slug: str) -> HttpResponse:
    """The transcription page; the browser asks the API for tasks and submits through it. In
    a project with a georeference step, `?step=` chooses the work (label, georeference, or
    empty for either), remembered for the session as next-task remembers it."""
    project = project_for(request.user, slug, Capability.CONTRIBUTE)
    context: dict[str, object] = {"project": project, "practice": False}
    if has_georeference(project.template.specs):
        asked = request.GET.get("step")
        if asked is not None:
            step_remember(request.session, slug, asked)
        context["step"] = step_remembered(request.session, slug)
        context["stepped"] = True
    return render(request, "projects/transcribe.html", context)


@login_required
def project_practice(request: HttpRequest, slug: str) -> HttpResponse:
    """The transcription page in practice mode: images with known answers, each answer
    compared at once and never counted as data. Open at any level (practice is how levels are
    reached)."""
    project = project_for(request.user, slug, Capability.CONTRIBUTE)
    return render(request, "projects/transcribe.html", {"project": project, "practice": True})


@login_required
def project_review_queue(request: HttpRequest, slug: str) -> HttpResponse:
    """The curators' queue; the browser reads and filters it through the API."""
    project = project_for(request.user, slug, Capability.CURATE)
    batches = project.batches.order_by("-created_at").only("pk", "name", "created_at")
    context = {"project": project, "reasons": ResolutionReason.choices, "batches": batches}
    return render(request, "review/queue.html", context)


@login_required
def task_review_page(request: HttpRequest, slug: str, task_id: int) -> HttpResponse:
    """Resolve one image's disputed fields; the browser claims it and decides through the API."""
    project = project_for(request.user, slug, Capability.CURATE)
    task = get_object_or_404(Task, pk=task_id, project=project)
    return render(
        request,
        "review/task.html",
        {"project": project, "task": task, "reasons": ResolutionReason.choices},
    )


@login_required
def my_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """A contributor's agreement rate, their recent transcriptions with what came of each image,
    and what curators decided on their answers."""
    project = project_for(request.user, slug)
    user = acting_user(request.user)
    feedback = contributor_feedback(project=project, user=user)
    transcriptions = my_transcriptions(project=project, user=user, page=request.GET.get("page"))
    context = {
        "project": project,
        "feedback": feedback,
        "transcriptions": transcriptions,
        "may_contribute": Capability.CONTRIBUTE in project_capabilities(request.user, project),
    }
    return render(request, "review/feedback.html", context)


def _disputes_by_field(project: Project) -> list[dict[str, object]]:
    """Disputed values per field, most first, each with its label: links to the queue."""
    counts = dispute_counts(project=project)
    language = (get_language() or "fr")[:2]
    labels = {spec.key: spec.label_in(language) for spec in project.template.specs}
    return [
        {"key": key, "label": labels.get(key, key), "count": count}
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _count_formats() -> dict[str, dict[str, str]]:
    """Translated sentences for the live counters, by plural category (as Intl.PluralRules)."""

    def plural(singular: str, plural: str) -> dict[str, str]:
        return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}

    return {
        "done_percent": {"other": _("%(percent)s %% done")},
        "tasks.total": plural("%(count)s image", "%(count)s images"),
        "transcriptions": plural("%(count)s transcription", "%(count)s transcriptions"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    if not may_create_projects(request.user):
        raise PermissionDenied(_("You may not create projects on this platform."))
    form = ProjectCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        fields = data.pop("fields_json")
        try:
            project = project_create(lead=acting_user(request.user), fields=fields, **data)
        except ValidationError as error:
            form_add_errors(form, _template_errors_on(error, "fields_json"))
        else:
            messages.success(
                request, _("Project created. Review its settings and template, then open it.")
            )
            return redirect("project-settings", slug=project.slug)
    context = {"form": form, "builder": template_builder_new()}
    return render(request, "projects/new.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def project_settings(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, Capability.MANAGE)
    template = Template.objects.get(project=project)
    settings_form = ProjectSettingsForm(instance=project, prefix="settings")
    template_form = TemplateForm(
        initial={
            "fields_json": json.dumps(template.fields, ensure_ascii=False, indent=2),
            "metadata_shown": metadata_lines(template.metadata_shown),
        },
        prefix="template",
    )
    member_form = MemberForm(prefix="member")
    status = 200
    if request.method == "POST":
        section = request.POST.get("section")
        if section == "settings":
            settings_form = ProjectSettingsForm(
                request.POST, instance=Project.objects.get(pk=project.pk), prefix="settings"
            )
            if settings_form.is_valid() and _saved(
                settings_form,
                lambda: project_update(
                    project=project,
                    actor=acting_user(request.user),
                    changes=settings_form.cleaned_data,
                ),
            ):
                messages.success(request, _("Settings saved."))
                return redirect("project-settings", slug=project.slug)
        elif section == "template":
            template_form = TemplateForm(request.POST, prefix="template")
            if template_form.is_valid() and _saved(
                template_form,
                lambda: template_update(
                    project=project,
                    actor=acting_user(request.user),
                    fields=template_form.cleaned_data["fields_json"],
                    metadata_shown=template_form.cleaned_data["metadata_shown"],
                ),
                field="fields_json",
            ):
                messages.success(request, _("Template saved."))
                return redirect("project-settings", slug=project.slug)
        elif section == "member":
            member_form = MemberForm(request.POST, prefix="member")
            if member_form.is_valid() and _saved(
                member_form,
                lambda: membership_set(
                    project=project,
                    user=_user_named(member_form.cleaned_data["username"]),
                    role=member_form.cleaned_data["role"],
                    actor=acting_user(request.user),
                ),
            ):
                messages.success(request, _("Member saved."))
                return redirect("project-settings", slug=project.slug)
        else:
            return HttpResponse(_("Unknown form section."), status=400)
        status = 400
    return render(
        request,
        "projects/settings.html",
        {
            "project": project,
            "settings_form": settings_form,
            "template_form": template_form,
            "member_form": member_form,
            "memberships": project_memberships(project),
            "template": template,
            "metadata_unlabelled": metadata_unlabelled(template),
            "builder": template_builder_for(project),
            "outliers": project_outliers(project=project),
            "blocks": project_blocks(project=project).filter(lifted_at__isnull=True),
            "voids": project_voids(project=project).filter(lifted_at__isnull=True),
        },
        status=status,
    )


@login_required
@require_POST
def project_member_remove(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    project = project_for(request.user, slug, Capability.MANAGE)
    user = user_active_named(username)
    if user is not None:
        try:
            membership_remove(project=project, user=user, actor=acting_user(request.user))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("%(name)s is no longer a member.") % {"name": user.public_name}
            )
    return redirect("project-settings", slug=project.slug)


def _template_errors_on(error: ValidationError, name: str) -> ValidationError:
    """A service's errors about the template ("fields") on the form field that holds it."""
    if not hasattr(error, "error_dict") or "fields" not in error.error_dict:
        return error
    return ValidationError(
        {(name if key == "fields" else key): value for key, value in error.error_dict.items()}
    )


def _user_named(username: str) -> User:
    user = user_active_named(username)
    if user is None:
        raise ValidationError({"username": _("No user named %(name)s.") % {"name": username}})
    return user


def _saved(form: BaseForm, action: Callable[[], object], *, field: str | None = None) -> bool:
    """Run a service; turn its ValidationError into form errors. True when it succeeded."""
    try:
        action()
    except ValidationError as error:
        form_add_errors(form, error, default_field=field)
        return False
    except DomainError as error:
        form.add_error(field, error.message())
        return False
    return True
