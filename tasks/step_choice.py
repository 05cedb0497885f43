"""The step a volunteer chose to work on in a project with a georeference step (label or
georeference), remembered in their cookie session by the transcription page and next-task."""

from __future__ import annotations

from typing import Any

from worker.template.steps import STEPS

# Session key: project slug -> the step chosen there.
STEP_SESSION_KEY = "crowd_steps"
# A handful of projects at most is worth remembering.
REMEMBERED = 20


def step_remembered(session: Any, slug: str) -> str:
    """The step the session remembers for `slug`, "" for none (or no session)."""
    if session is None:
        return ""
    remembered = session.get(STEP_SESSION_KEY)
    step = remembered.get(slug) if isinstance(remembered, dict) else None
    return step if step in STEPS else ""


def step_remember(session: Any, slug: str, step: str) -> None:
    """Keep `step` (one of STEPS; "" forgets) as the choice made in `slug`."""
    if session is None or (step and step not in STEPS):
        return
    remembered = session.get(STEP_SESSION_KEY)
    remembered = dict(remembered) if isinstance(remembered, dict) else {}
    if remembered.get(slug, "") == step:
        return
    remembered.pop(slug, None)
    if step:
        remembered[slug] = step
    session[STEP_SESSION_KEY] = dict(list(remembered.items())[-REMEMBERED:])
