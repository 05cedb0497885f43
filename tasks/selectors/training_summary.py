"""What a volunteer's pages show of a project's training: whether it has a tutorial and
practice images, how far they got, and their level."""

from __future__ import annotations

from typing import Any

from crowd.models import User
from tasks.models import Project, TutorialStep
from tasks.selectors.training import level_progress, practice_progress, project_levels


def training_summary(*, project: Project, user: User) -> dict[str, Any]:
    """`tutorial`: the project has one; `practice`: {done, total}; `level`: as
    `level_progress`, or None when the project has no levels (nothing to show then)."""
    return {
        "tutorial": TutorialStep.objects.filter(project=project).exists(),
        "practice": practice_progress(project=project, user=user),
        "level": level_progress(project=project, user=user) if project_levels(project) else None,
    }
