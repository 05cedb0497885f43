"""Read a IIIF Presentation manifest for a new batch: its images, or a precise refusal."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tasks.batch_messages import batch_file_error_text
from worker.fetch import FetchError
from worker.iiif_import import ManifestError, ManifestImage, manifest_images, url_fetch_json


def manifest_read(url: str) -> list[ManifestImage]:
    """Fetch the manifest at `url` (http/https, time-out, size cap, no private addresses unless
    IIIF_IMPORT_ALLOW_PRIVATE) and list its images. Raises ValidationError on `manifest_url`."""
    try:
        document = url_fetch_json(
            url,
            deadline=settings.IIIF_IMPORT_TIMEOUT,
            allow_private=settings.IIIF_IMPORT_ALLOW_PRIVATE,
        )
        return manifest_images(document, limit=settings.IIIF_IMPORT_MAX_CANVASES)
    except FetchError as error:
        code = "fetch_refused" if error.refused else "fetch_failed"
        params: dict[str, Any] = {"url": error.url, "reason": error.reason, "host": error.host}
        params |= {"detail": error.detail, "limit": 20 * 1024**2}
        message = batch_file_error_text(code, params)
    except ManifestError as error:
        message = _("This is not a IIIF Presentation manifest we can read: %(detail)s.") % {
            "detail": error
        }
    raise ValidationError({"manifest_url": [message]})
