"""Writing a project's tutorial and field guide (leads).

Pictures are an upload or a crop of one of the project's images, made by
`worker.imaging.pictures` (checked as ingest checks images) and stored as one JPEG under the
project's `training/` folder. Texts are hostile until checked: length, and no control or
bidirectional characters (they hide or reorder what volunteers read).
"""

from __future__ import annotations

import io
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from tasks.batch_messages import batch_file_error_text
from tasks.models import GuideEntry, GuideExample, Project, Task, TaskState, TutorialStep
from tasks.models.training import Highlight
from tasks.values import ValuesRejected, hides_characters
from worker.imaging.ingest import ImageRejected
from worker.imaging.pictures import picture_make

MAX_PICTURE_BYTES = 20 * 1024**2
MAX_STEPS = 30
MAX_EXAMPLES = 12

Crop = tuple[float, float, float, float]


class PictureRefused(DomainError):
    code = "picture_refused"


def _texts_check(texts: dict[str, tuple[str, int, bool]]) -> dict[str, str]:
    """{name: (text, max length, required)} -> cleaned texts, or ValuesRejected."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, str] = {}
    for name, (text, limit, required) in texts.items():
        text = (text or "").strip()
        if required and not text:
            errors[name] = [_("Required.")]
        elif len(text) > limit:
            errors[name] = [
                _("At most %(max)s characters (%(count)s given).")
                % {"max": limit, "count": len(text)}
            ]
        elif hides_characters(text):
            errors[name] = [_("Control characters are not allowed.")]
        clean[name] = text
    if errors:
        raise ValuesRejected(errors)
    return clean


def picture_from(
    *,
    project: Project,
    upload: IO[bytes] | None = None,
    task: Task | None = None,
    crop: Crop | None = None,
) -> ContentFile[bytes]:
    """A picture for a step or an example: an uploaded image, or `crop` of one of the project's
    images (the whole image without it)."""
    try:
        if upload is not None:
            data = upload.read(MAX_PICTURE_BYTES + 1)
            if len(data) > MAX_PICTURE_BYTES:
                raise PictureRefused(
                    _("The picture is over %(limit)s MB.") % {"limit": MAX_PICTURE_BYTES // 1024**2}
                )
            made = picture_make(io.BytesIO(data), max_pixels=settings.IMAGE_MAX_PIXELS, box=crop)
        elif task is not None:
            if task.project_id != project.pk or not task.image or task.state == TaskState.PENDING:
                raise PictureRefused(_("Choose one of this project's images."))
            # Through the storage, not a path: images may live in object storage.
            with task.image.open("rb") as original:
                made = picture_make(original, max_pixels=settings.IMAGE_MAX_PIXELS, box=crop)
        else:
            raise PictureRefused(_("Give a picture or choose an image to crop."))
    except ImageRejected as rejected:
        raise PictureRefused(batch_file_error_text(rejected.code, rejected.params)) from None
    except ValueError:
        raise PictureRefused(_("The crop must lie inside the image.")) from None
    return ContentFile(made, name=f"{uuid.uuid4().hex}.jpg")


def _highlight_check(project: Project, highlight: str) -> str:
    highlight = (highlight or "").strip()
    if highlight in Highlight.values:
        return highlight
    if highlight.startswith("field:") and highlight[6:] in project.template.field_keys():
        return highlight
    raise ValuesRejected({"highlight": [_("Point at a field of the template or a tool.")]})


@transaction.atomic
def tutorial_step_save(
    *,
    project: Project,
    step: TutorialStep | None = None,
    title_fr: str,
    title_en: str,
    body_fr: str = "",
    body_en: str = "",
    highlight: str = "",
    picture: ContentFile[bytes] | None = None,
    picture_remove: bool = False,
) -> TutorialStep:
    """Create (`step` None, at the end) or change a tutorial step."""
    texts = _texts_check(
        {
            "title_fr": (title_fr, 200, True),
            "title_en": (title_en, 200, True),
            "body_fr": (body_fr, 4000, False),
            "body_en": (body_en, 4000, False),
        }
    )
    if step is None:
        if TutorialStep.objects.filter(project=project).count() >= MAX_STEPS:
            raise ValuesRejected({"steps": [_("At most %(max)s steps.") % {"max": MAX_STEPS}]})
        last = TutorialStep.objects.filter(project=project).aggregate(p=Max("position"))["p"]
        step = TutorialStep(project=project, position=(last or 0) + 1)
    elif step.project_id != project.pk:
        raise ValuesRejected({"step": [_("This step is not in this project.")]})
    for name, text in texts.items():
        setattr(step, name, text)
    step.highlight = _highlight_check(project, highlight)
    if picture is not None:
        step.image.save(picture.name or "step.jpg", picture, save=False)
    elif picture_remove:
        step.image = ""
    step.save()
    return step


@transaction.atomic
def tutorial_step_delete(*, project: Project, step: TutorialStep) -> None:
    if step.project_id == project.pk:
        step.delete()


@transaction.atomic
def tutorial_steps_order(*, project: Project, step_ids: list[int]) -> None:
    """Put the project's steps in the order of `step_ids` (which must name each once)."""
    steps = {s.pk: s for s in TutorialStep.objects.select_for_update().filter(project=project)}
    if sorted(step_ids) != sorted(steps):
        raise ValuesRejected({"order": [_("Give every step of the tutorial once.")]})
    for position, step_id in enumerate(step_ids, start=1):
        TutorialStep.objects.filter(pk=step_id).update(position=position)


@transaction.atomic
def guide_entry_save(
    *, project: Project, field_key: str, body_fr: str = "", body_en: str = ""
) -> GuideEntry:
    """Write (or rewrite) the field guide's entry of one field of the template."""
    if field_key not in project.template.field_keys():
        raise ValuesRejected({"field_key": [_("This field is not in the template.")]})
    texts = _texts_check({"body_fr": (body_fr, 8000, False), "body_en": (body_en, 8000, False)})
    entry, _created = GuideEntry.objects.update_or_create(
        project=project, field_key=field_key, defaults=texts
    )
    return entry


@transaction.atomic
def guide_example_save(
    *,
    entry: GuideEntry,
    example: GuideExample | None = None,
    value: str,
    note_fr: str = "",
    note_en: str = "",
    picture: ContentFile[bytes] | None = None,
) -> GuideExample:
    """Add (or change) an example of a field guide entry: a picture and the value to write."""
    texts = _texts_check(
        {
            "value": (value, 500, True),
            "note_fr": (note_fr, 1000, False),
            "note_en": (note_en, 1000, False),
        }
    )
    if example is None:
        if entry.examples.count() >= MAX_EXAMPLES:
            raise ValuesRejected(
                {"examples": [_("At most %(max)s examples per field.") % {"max": MAX_EXAMPLES}]}
            )
        last = entry.examples.aggregate(p=Max("position"))["p"]
        example = GuideExample(entry=entry, project_id=entry.project_id, position=(last or 0) + 1)
    elif example.entry_id != entry.pk:
        raise ValuesRejected({"example": [_("This example is not in this entry.")]})
    for name, text in texts.items():
        setattr(example, name, text)
    if picture is not None:
        example.image.save(picture.name or "example.jpg", picture, save=False)
    example.save()
    return example


@transaction.atomic
def guide_example_delete(*, entry: GuideEntry, example: GuideExample) -> None:
    if example.entry_id == entry.pk:
        example.delete()


def crop_parse(raw: Any) -> Crop | None:
    """A crop from its form "left,top,width,height" (fractions of the image); None if empty."""
    if raw in (None, ""):
        return None
    try:
        parts = tuple(float(part) for part in str(raw).split(","))
    except ValueError:
        raise ValuesRejected({"crop": [_("Give the crop as left,top,width,height.")]}) from None
    if len(parts) != 4:
        raise ValuesRejected({"crop": [_("Give the crop as left,top,width,height.")]})
    return parts[0], parts[1], parts[2], parts[3]


@transaction.atomic
def tutorial_step_move(*, project: Project, step: TutorialStep, offset: int) -> None:
    """Move a step `offset` places (-1: one up, 1: one down); the ends stop it."""
    ids = list(
        TutorialStep.objects.select_for_update()
        .filter(project=project)
        .order_by("position", "pk")
        .values_list("pk", flat=True)
    )
    if step.pk not in ids:
        raise ValuesRejected({"step": [_("This step is not in this project.")]})
    index = ids.index(step.pk)
    ids.insert(max(0, min(len(ids) - 1, index + offset)), ids.pop(index))
    tutorial_steps_order(project=project, step_ids=ids)


@transaction.atomic
def guide_entry_for(*, project: Project, field_key: str) -> GuideEntry:
    """The field guide's entry of one field of the template, made empty if it has none yet (an
    example may come before the text)."""
    if field_key not in project.template.field_keys():
        raise ValuesRejected({"field_key": [_("This field is not in the template.")]})
    entry, _created = GuideEntry.objects.get_or_create(project=project, field_key=field_key)
    return entry
