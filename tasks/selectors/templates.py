"""Reads about templates: what saving one would refuse, and which fields are set in stone.

`template_problems` runs every check a template meets when it is saved (its shape and values,
its texts, the project's levels, the fields that already have transcriptions), so that the
template builder's checks and saving can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tasks.models import Project, Template, Transcription
from tasks.selectors.training import project_levels
from worker.template import (
    TemplateError,
    problem_field,
    problem_parts,
    template_parse,
    template_text_problems,
)


@dataclass(frozen=True)
class TemplateProblem:
    text: str  # as saving reports it
    path: str  # where: "fields", "fields[3]", "fields[3].vocabulary[2].synonyms"
    message: str  # the text without its path, to show beside what it concerns
    field: int | None  # the index of the field it concerns; None: the template as a whole
    key: str | None  # that field's key (or the removed field's), when it has one

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "message": self.message, "field": self.field, "key": self.key}


def template_problems(*, fields: Any, project: Project | None = None) -> list[TemplateProblem]:
    """Every problem that saving `fields` as `project`'s template (None: a new project's)
    would meet, in the order saving reports them; an empty list when it would be saved."""
    try:
        template_parse(fields)
        texts: list[str] = []
    except TemplateError as error:
        texts = list(error.errors)
    texts += template_text_problems(fields)
    problems = [_located(text, fields) for text in texts]
    if project is not None and isinstance(fields, list):
        problems += _level_problems(project, fields) + _locked_problems(project, fields)
    return problems


def template_locked_types(project: Project) -> dict[str, str]:
    """Key -> type of the fields that volunteers have already answered: every field of the
    template once the project has a transcription. They may be relabelled, given help, options
    or rules, but not removed nor change type (that would orphan what was typed)."""
    if not Transcription.objects.filter(project=project).exists():
        return {}
    stored = Template.objects.get(project=project).fields
    return {
        raw["key"]: str(raw.get("type"))
        for raw in stored
        if isinstance(raw, dict) and isinstance(raw.get("key"), str)
    }


def _located(text: str, fields: Any) -> TemplateProblem:
    path, message = problem_parts(text)
    index = problem_field(path)
    return TemplateProblem(
        text=text, path=path or "fields", message=message, field=index, key=_key(fields, index)
    )


def _key(fields: Any, index: int | None) -> str | None:
    if index is None or not isinstance(fields, list) or index >= len(fields):
        return None
    key = fields[index].get("key") if isinstance(fields[index], dict) else None
    return key if isinstance(key, str) else None


def _level_problems(project: Project, fields: list[Any]) -> list[TemplateProblem]:
    levels = project_levels(Project.objects.get(pk=project.pk))  # as stored now
    if not levels:
        return []
    top = len(levels) + 1
    problems = []
    for index, raw in enumerate(fields):
        level = raw.get("level", 1) if isinstance(raw, dict) else 1
        if isinstance(level, int) and not isinstance(level, bool) and level > top:
            # Nobody could ever reach it, curators included: the field would never be answered.
            message = _(
                "level %(level)s is above the project's highest level (%(top)s): nobody could answer this field"
            ) % {"level": level, "top": top}
            path = f"fields[{index}].level"
            problems.append(
                TemplateProblem(f"{path}: {message}", path, message, index, _key(fields, index))
            )
    return problems


def _locked_problems(project: Project, fields: list[Any]) -> list[TemplateProblem]:
    locked = template_locked_types(project)
    if not locked:
        return []
    new_types: dict[str, tuple[int, Any]] = {}
    steps: dict[str, bool] = {}
    for index, raw in enumerate(fields):
        key = raw.get("key") if isinstance(raw, dict) else None
        if isinstance(key, str):
            new_types.setdefault(key, (index, raw.get("type")))
            steps.setdefault(key, raw.get("georeference") is True)
    stored_steps = template_locked_steps(project)
    problems = []
    for key, type_ in locked.items():
        if key not in new_types:
            text = _("Field %(key)s already has transcriptions and cannot be removed.") % {
                "key": key
            }
            problems.append(TemplateProblem(text, "fields", text, None, key))
        elif new_types[key][1] != type_:
            index = new_types[key][0]
            text = _("Field %(key)s already has transcriptions and cannot change type.") % {
                "key": key
            }
            problems.append(TemplateProblem(text, f"fields[{index}].type", text, index, key))
        elif steps[key] != stored_steps.get(key, False):
            # Its answers were given in one step (worker/template/steps.py): moved, they would
            # be read as the other's.
            index = new_types[key][0]
            text = _(
                "Field %(key)s already has transcriptions and cannot move into or out of the georeference step."
            ) % {"key": key}
            problems.append(
                TemplateProblem(text, f"fields[{index}].georeference", text, index, key)
            )
    return problems


def template_locked_steps(project: Project) -> dict[str, bool]:
    """Key -> whether the stored template asks the field in the georeference step."""
    stored = Template.objects.get(project=project).fields
    return {
        raw["key"]: raw.get("georeference") is True
        for raw in stored
        if isinstance(raw, dict) and isinstance(raw.get("key"), str)
    }
