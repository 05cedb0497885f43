"""The leads' upload page: the browser creates the batch, sends the files and watches the ingest
through the API and the project's WebSocket."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from crowd.users import acting_user
from tasks.models import BatchPurpose, BatchState
from tasks.roles import Capability
from tasks.selectors.batches import (
    batch_source_error,
    project_batch,
    project_batches,
)
from tasks.selectors.projects import project_for
from tasks.services.batch_priority import (
    PRIORITY_MAX,
    PRIORITY_MIN,
    PriorityRefused,
    batch_priority_set,
    priority_parse,
)


def _plural(singular: str, plural: str) -> dict[str, str]:
    """Both forms of a counted sentence, by Intl.PluralRules category, for the page's script."""
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


@login_required
def batch_upload(request: HttpRequest, slug: str) -> HttpResponse:
    project = project_for(request.user, slug, Capability.MANAGE)
    batches = project_batches(project.pk)
    return render(
        request,
        "batches/upload.html",
        {
            "project": project,
            "purposes": BatchPurpose.choices,
            "priority_min": PRIORITY_MIN,
            "priority_max": PRIORITY_MAX,
            "watched": _watched(request, project.pk),
            "batch_rows": [(batch, batch_source_error(batch)) for batch in batches],
            "max_file": filesizeformat(settings.UPLOAD_MAX_FILE_BYTES),
            "max_batch": filesizeformat(settings.UPLOAD_MAX_BATCH_BYTES),
            "upload_messages": {
                "waiting": _("Waiting"),
                "uploading": _("Uploading…"),
                "stored": _("Received"),
                "refused": _("Refused"),
                "network": _("The upload was interrupted: check the connection and try again."),
                "no_files": _("Choose or drop at least one image or zip first."),
                "chosen": _plural("%(count)s file chosen", "%(count)s files chosen"),
                "ingest": _plural(
                    "%(done)s of %(total)s file ingested: %(ok)s ready, %(duplicate)s already in the project, %(failed)s failed.",
                    "%(done)s of %(total)s files ingested: %(ok)s ready, %(duplicate)s already in the project, %(failed)s failed.",
                ),
                "confirm_withdraw": _(
                    "Withdraw this batch? Its images leave the queue; transcriptions already made are kept."
                ),
                "error": _("Something went wrong; try again."),
                "reading": _("Reading the manifest: its images are added once it is read."),
                "sending": _plural(
                    "Sending %(done)s of %(total)s file…", "Sending %(done)s of %(total)s files…"
                ),
                "starting": _("All files sent; starting the ingest…"),
                "finished": _("Ingest finished."),
                "row_counts": _("%(ok)s of %(total)s ready, %(failed)s failed"),
                "states": {state.value: str(state.label) for state in BatchState},
            },
        },
    )


def _watched(request: HttpRequest, project_id: int) -> dict[str, object]:
    """The batch the page opens on (`?batch=ID`, the link the upload ends with), or why not."""
    raw = request.GET.get("batch")
    if raw is None:
        return {}
    wellformed = raw.isascii() and raw.isdigit() and len(raw) <= 12
    if wellformed and project_batch(project_id=project_id, batch_id=int(raw)) is not None:
        return {"id": int(raw)}
    return {"error": _("No batch %(id)s in this project.") % {"id": raw[:20]}}


@login_required
@require_POST
def batch_priority_form(request: HttpRequest, slug: str, batch_id: int) -> HttpResponse:
    """Set a batch's priority (leads). Answers JSON to the page's script, which asks for it,
    and comes back to the upload page otherwise."""
    project = project_for(request.user, slug, Capability.MANAGE)
    batch = project_batch(project_id=project.pk, batch_id=batch_id)
    if batch is None:
        raise Http404(_("No such batch."))
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        priority = priority_parse(request.POST.get("priority"))
        changed = batch_priority_set(
            batch=batch, priority=priority, actor=acting_user(request.user)
        )
    except PriorityRefused as refused:
        if wants_json:
            return JsonResponse({"error": {"message": refused.message()}}, status=400)
        messages.error(request, f"{batch.name}: {refused.message()}")
    else:
        done = ngettext(
            "Priority of %(name)s: %(priority)s (%(count)s image changed).",
            "Priority of %(name)s: %(priority)s (%(count)s images changed).",
            changed,
        ) % {"name": batch.name, "priority": priority, "count": changed}
        if wants_json:
            return JsonResponse({"priority": priority, "changed": changed, "message": done})
        messages.success(request, done)
    return redirect(reverse("project-batches", args=[project.slug]) + f"#batch-{batch.pk}")
