"""Writes about projects and their templates."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.events import access_changed_on_commit, event_send_on_commit, project_group
from tasks.models import Project, ProjectStatus, Role, Template
from tasks.presets import PRESETS
from tasks.roles import may_review_projects
from tasks.selectors.templates import template_problems
from tasks.services.members import membership_set
from tasks.services.progress import project_progress_request
from tasks.services.project_review import project_launch_check
from worker.template import TemplateError, metadata_dump, metadata_parse


@transaction.atomic
def project_create(
    *,
    lead: User,
    slug: str,
    title_fr: str,
    title_en: str,
    preset: str,
    fields: Any = None,
    **settings: Any,
) -> Project:
    """Create a project with `lead` as its first lead, its template the preset's fields or
    `fields` (a template the lead made from it, checked as saving a template is)."""
    if preset not in PRESETS:
        raise ValidationError({"preset": _("Unknown preset %(name)s.") % {"name": preset}})
    if fields is not None:
        problems = template_problems(fields=fields)
        if problems:
            raise ValidationError({"fields": [problem.text for problem in problems]})
    unknown = set(settings).difference(Project.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown project settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if settings.get("status", ProjectStatus.DRAFT) != ProjectStatus.DRAFT and not (
        may_review_projects(lead)
    ):
        raise ValidationError(
            {"status": _("A new project starts as a draft: open it once it is ready.")}
        )
    _projects_quota_check(lead)
    project = Project(slug=slug, title_fr=title_fr, title_en=title_en, created_by=lead, **settings)
    project.full_clean()
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:
        raise ValidationError(
            {"slug": _("A project with this short name already exists.")}
        ) from None
    project_launch_check(before=None, after=project, actor=lead)
    project.save(update_fields=["review_state", "review_reason"])
    preset_data = PRESETS[preset]
    Template.objects.create(
        project=project,
        fields=preset_data["fields"] if fields is None else fields,
        metadata_shown=preset_data["metadata_shown"],
        preset=preset,
    )
    membership_set(project=project, user=lead, role=Role.LEAD, actor=lead)
    return project


class ProjectsQuotaReached(DomainError):
    status_code = 403
    code = "quota"


def _projects_quota_check(lead: User) -> None:
    if may_review_projects(lead):
        return
    limit = django_settings.LEAD_MAX_PROJECTS
    if Project.objects.filter(created_by=lead).count() >= limit:
        raise ProjectsQuotaReached(
            _(
                "You have already created %(limit)s projects, the most one person may start "
                "here (LEAD_MAX_PROJECTS). Ask the platform's staff for more."
            )
            % {"limit": limit}
        )


@transaction.atomic
def project_update(*, project: Project, actor: User, changes: dict[str, Any]) -> Project:
    """Change a project's settings. Callers check that `actor` manages the project."""
    unknown = set(changes).difference(Project.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These settings cannot be changed: %(names)s.")
            % {"names": ", ".join(sorted(unknown))}
        )
    project = Project.objects.select_for_update().get(pk=project.pk)
    before = Project(status=project.status, visibility=project.visibility)
    if any(
        getattr(project, name) != changes[name]
        for name in ("visibility", "status")
        if name in changes
    ):
        access_changed_on_commit(project.pk)
    for name, value in changes.items():
        setattr(project, name, value)
    project.full_clean()
    project_launch_check(before=before, after=project, actor=actor)
    project.save()
    event_send_on_commit(
        project_group(project.pk),
        "project.updated",
        {"project": project.slug, "status": project.status},
    )
    project_progress_request(project_id=project.pk)
    return project


@transaction.atomic
def template_update(
    *, project: Project, actor: User, fields: Any, metadata_shown: Any = None
) -> Template:
    """Replace a project's template fields (and, when given, the metadata it shows
    contributors), after validation.

    Once transcriptions exist, a field may be added, relabelled or given more options, but not
    removed nor change type: that would orphan what volunteers already typed. The checks are
    `template_problems`, which the template builder runs as the lead edits.
    """
    refused: dict[str, list[str]] = {}
    if metadata_shown is not None:
        try:
            metadata_shown = metadata_dump(metadata_parse(metadata_shown))
        except TemplateError as error:
            refused["metadata_shown"] = error.errors
    template = Template.objects.select_for_update().get(project=project)
    problems = template_problems(fields=fields, project=project)
    if problems:
        refused["fields"] = [problem.text for problem in problems]
    if refused:
        raise ValidationError(refused)
    template.fields = fields
    if metadata_shown is not None:
        template.metadata_shown = metadata_shown
    template.version += 1
    template.full_clean()
    template.save()
    event_send_on_commit(
        project_group(project.pk),
        "template.updated",
        {"project": project.slug, "version": template.version},
    )
    return template
