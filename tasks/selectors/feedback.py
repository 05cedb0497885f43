"""Reads for the volunteer's feedback page: their own recent transcriptions, each with what came
of the image.

What an image still collecting answers (or waiting for a curator) leads with is never told: it
could be served again to someone else, and whoever reads the value could type it in (see
tests/security/test_no_peeking.py). Such an image says only that it is still open, or disputed.
Once an image is settled, the volunteer reads which of their answers agree with the settled
values, and the settled value of each field where theirs differs.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.utils.translation import get_language

from crowd.models import User
from tasks.models import FieldResult, FieldStatus, Project, TaskState, Transcription
from tasks.shown import value_shown
from worker.consensus.model import ILLEGIBLE_ALTERNATIVE, UNASKED

PER_PAGE = 20
SETTLED_FIELDS = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


class Outcome:
    """What came of an image, for the one who transcribed it."""

    AGREES = "agrees"  # settled, and every settled value agrees with their answer
    DIFFERS = "differs"  # settled, and some settled value differs from their answer
    OPEN = "open"  # still collecting answers
    DISPUTED = "disputed"  # waiting for a curator
    WITHDRAWN = "withdrawn"  # taken out of the project by its leads


# A training image was promoted from settled values: it is settled.
_SETTLED_STATES: set[str] = {TaskState.COMPLETE, TaskState.RESOLVED, TaskState.REFERENCE}
_STATE_OUTCOMES: dict[str, str] = {
    TaskState.DISPUTED: Outcome.DISPUTED,
    TaskState.WITHDRAWN: Outcome.WITHDRAWN,
}


def my_transcriptions(*, project: Project, user: User, page: Any = 1) -> Page[dict[str, Any]]:
    """The page `page` (any text: a wrong one gives the first or the last page) of `user`'s
    transcriptions in `project`, newest first, each as `{"task", "thumbnail", "at", "outcome",
    "agreed", "compared", "differences": [{"key", "label", "yours", "your_marker",
    "settled_shown", "settled_illegible"}]}`."""
    mine = (
        Transcription.objects.filter(project=project, user=user)
        .select_related("task")
        .order_by("-created_at", "-pk")
    )
    shown: Page[Any] = Paginator(mine, PER_PAGE).get_page(page)
    transcriptions: list[Transcription] = list(shown.object_list)
    settled_ids = [t.task_id for t in transcriptions if t.task.state in _SETTLED_STATES]
    results: dict[int, list[FieldResult]] = {}
    for result in FieldResult.objects.filter(
        task_id__in=settled_ids, status__in=SETTLED_FIELDS
    ).order_by("pk"):
        results.setdefault(result.task_id, []).append(result)
    specs = {spec.key: spec for spec in project.template.specs}
    order = list(specs)
    language = "en" if (get_language() or "fr").startswith("en") else "fr"
    rows = []
    for transcription in transcriptions:
        task = transcription.task
        row: dict[str, Any] = {
            "task": task.pk,
            "thumbnail": task.thumbnail.url if task.thumbnail else "",
            "at": transcription.created_at,
            "outcome": _STATE_OUTCOMES.get(task.state, Outcome.OPEN),
            "agreed": 0,
            "compared": 0,
            "differences": [],
        }
        if task.state in _SETTLED_STATES:
            _settled(row, transcription, results.get(task.pk, []), specs, order, language)
        rows.append(row)
    shown.object_list = rows
    return shown


def _settled(
    row: dict[str, Any],
    transcription: Transcription,
    results: list[FieldResult],
    specs: dict[str, Any],
    order: list[str],
    language: str,
) -> None:
    user_id = transcription.user_id
    markers = transcription.markers or {}
    values = transcription.values or {}
    compared = [r for r in results if markers.get(r.key) != UNASKED]  # a locked field
    differing = sorted(
        (r for r in compared if user_id not in (r.agreeing or [])),
        key=lambda r: order.index(r.key) if r.key in order else len(order),
    )
    row["compared"] = len(compared)
    row["agreed"] = len(compared) - len(differing)
    row["outcome"] = Outcome.DIFFERS if differing else Outcome.AGREES
    for result in differing:
        spec = specs.get(result.key)
        label = spec.label.get(language) or spec.label.get("en") if spec else ""
        row["differences"].append(
            {
                "key": result.key,
                "label": label or result.key,
                "yours": str(values.get(result.key, "")),
                "your_marker": markers.get(result.key, ""),
                "settled_shown": ""
                if result.value == ILLEGIBLE_ALTERNATIVE
                else value_shown(result.value, spec.type if spec else "text"),
                "settled_illegible": result.value == ILLEGIBLE_ALTERNATIVE,
            }
        )
