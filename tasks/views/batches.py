"""The leads' upload page: the browser creates the batch, sends the files and watches the ingest
through the API and the project's WebSocket."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tasks.models import BatchPurpose
from tasks.roles import Capability
from tasks.selectors.batches import batch_source_error, project_batches
from tasks.selectors.projects import project_for


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
                "chosen": _("%(count)s files chosen"),
                "ingest": _(
                    "%(done)s of %(total)s files ingested: %(ok)s ready, %(duplicate)s already in the project, %(failed)s failed."
                ),
                "confirm_withdraw": _(
                    "Withdraw this batch? Its images leave the queue; transcriptions already made are kept."
                ),
                "error": _("Something went wrong; try again."),
                "reading": _("Reading the manifest: its images are added once it is read."),
            },
        },
    )
