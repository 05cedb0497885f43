"""Reading what the machine read (tasks.models.readings)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from crowd.users import AnyUser
from tasks.models import ImageReading, Lease, Task
from tasks.roles import Capability
from tasks.selectors.results import task_with_capabilities


def reading_for(user: AnyUser, task_id: int) -> tuple[Task, ImageReading | None]:
    """An image's machine reading, for those who may see the image beside it: the curators and
    leads of its project, and the contributors it was given. 404 when there is no such image
    or its project is hidden from them; 403 for a contributor it was never given. The reading
    is None when the image has none."""
    task, capabilities = task_with_capabilities(user, task_id)
    if Capability.CURATE not in capabilities and not (
        user.is_authenticated and Lease.objects.filter(task=task, user=user).exists()
    ):
        raise PermissionDenied(
            _("Only curators, leads and the contributors given an image may see its reading.")
        )
    return task, ImageReading.objects.filter(task=task).first()


def reading_reason(reading: ImageReading) -> str:
    """Why a reading failed, or what it lacked, in the reader's language ("" for a reading
    with nothing to say)."""
    code, detail = reading.error_code, reading.error_detail
    reasons = {
        "engine_missing": _("The OCR engine is not installed on the server."),
        "languages_missing": _("The OCR engine has none of the languages asked: %(languages)s.")
        % {"languages": detail},
        "unreadable": _("The image file could not be read."),
        "image_missing": _("The image file is missing."),
        "timeout": _("The OCR engine took too long (over %(limit)s).") % {"limit": detail},
        "time_limit": _("The reading ran past the job's time limit."),
        "engine_error": _("The OCR engine failed: %(detail)s") % {"detail": detail},
        "attempts": _("The reading failed too many times."),
    }
    if code:
        return reasons.get(code, _("The reading failed (%(code)s).") % {"code": code})
    if reading.languages_missing:
        return _("Read without the languages the server lacks: %(languages)s.") % {
            "languages": reading.languages_missing
        }
    return ""
