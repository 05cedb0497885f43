"""Writes about tasks: opening a task for an image."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from tasks.models import Batch, Project, Task, TaskState
from worker.imaging.derivatives import Derivatives


@transaction.atomic
def task_open_for_image(
    *,
    project: Project,
    batch: Batch | None,
    name: str,
    derivatives: Derivatives,
    metadata: dict[str, Any],
) -> tuple[Task, bool]:
    """Open a task for an image, or return the project's task that already has this image.

    Idempotent by content hash: returns (task, created). The task opens only once its files are
    stored, so contributors are never served a task without its image.
    """
    existing = Task.objects.filter(project=project, content_hash=derivatives.sha256).first()
    if existing is not None:
        return existing, False
    task = Task(
        project=project,
        batch=batch,
        state=TaskState.PENDING,
        target=project.redundancy_min,
        original_name=name,
        image_width=derivatives.width,
        image_height=derivatives.height,
        content_hash=derivatives.sha256,
        metadata=metadata,
    )
    stem = derivatives.sha256[:16]
    task.image.save(f"{stem}.jpg", ContentFile(derivatives.original), save=False)
    task.thumbnail.save(f"{stem}.jpg", ContentFile(derivatives.thumbnail), save=False)
    task.state = TaskState.OPEN
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        # Another process opened the same image meanwhile: theirs stands.
        task.image.delete(save=False)
        task.thumbnail.delete(save=False)
        return Task.objects.get(project=project, content_hash=derivatives.sha256), False
    return task, True
