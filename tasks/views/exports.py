"""The exports page: leads ask for an export and follow it live; when the data is open, anyone
who may see the project downloads the finished files."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crowd.users import acting_user
from tasks.models import ExportFormatChoice
from tasks.roles import Capability, project_capabilities, project_data_downloadable
from tasks.selectors.exports import exports_visible_to
from tasks.selectors.projects import project_for
from tasks.services.exports import export_error_text, export_format_check, export_request
from worker.exports.records import LICENCES

# How many past exports the page lists.
SHOWN = 30


@require_http_methods(["GET", "POST"])
def project_exports(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug)
    granted = project_capabilities(request.user, project)
    manage = Capability.MANAGE in granted
    if not project_data_downloadable(request.user, project, granted):
        raise PermissionDenied(_("Only the project's leads may see its exports."))
    if request.method == "POST":
        if not manage:
            raise PermissionDenied(_("Only the project's leads may export its data."))
        try:
            export = export_request(
                project=project,
                actor=acting_user(request.user),
                format=request.POST.get("format", ""),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Export #%(id)s is on its way: this page shows its progress.")
                % {"id": export.pk},
            )
        return redirect("project-exports", slug=project.slug)
    formats = []
    for code, label in ExportFormatChoice.choices:
        try:
            export_format_check(project, code)
            reason = ""
        except ValidationError as error:
            reason = " ".join(error.messages)
        formats.append({"code": code, "label": label, "unavailable": reason})
    exports = list(
        exports_visible_to(request.user, project, granted).select_related("requested_by")[:SHOWN]
    )
    for export in exports:
        export.error_text = export_error_text(export)  # type: ignore[attr-defined]
    return render(
        request,
        "exports/list.html",
        {
            "project": project,
            "manage": manage,
            "formats": formats,
            "licence": LICENCES.get(project.licence),
            "exports": exports,
            "export_messages": {
                "queued": _("Queued"),
                "running": _("Running"),
                "done": _("Ready"),
                "failed": _("Failed"),
                "download": _("Download"),
            },
        },
    )
