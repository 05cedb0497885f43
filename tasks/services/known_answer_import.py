"""Known answers from an expert's CSV (see `known_answers_import`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from crowd.errors import DomainError
from crowd.models import User
from tasks.models import KnownAnswerSource, KnownAnswerUse, Project, Task, TaskState, Transcription
from tasks.services.known_answers import MAX_NOTE_LENGTH, known_answer_save
from tasks.services.progress import project_progress_request
from tasks.values import ValuesRejected, hides_characters, values_check

MAX_CSV_BYTES = 2_000_000
MAX_CSV_ROWS = 5000
MAX_ERRORS_SHOWN = 50
# A cell holding one of these is the expert's marker, not a value.
MARKER_CELLS = {"[illegible]": "illegible", "[absent]": "absent"}


class KnownAnswersRefused(DomainError):
    """A CSV of known answers was refused as a whole: nothing was saved."""

    code = "known_answers_refused"

    def __init__(self, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []

    def payload(self) -> dict[str, Any]:
        return {"errors": self.errors}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    tasks: list[int] = field(default_factory=list)


def known_answers_import(*, project: Project, data: bytes, use: str, actor: User) -> ImportReport:
    """Known answers from an expert's CSV: a `file` (the image's file name) or `task` column,
    one column per template key, and optionally `<key>.note_fr` / `<key>.note_en` (why it reads
    so). `[illegible]` or `[absent]` in a cell marks the field. Comma, semicolon or tab.

    All or nothing: any bad row refuses the file (KnownAnswersRefused, with one line per
    problem) and nothing is saved. An image may be one of a training batch, one with a known
    answer already (updated), or a real image nobody has answered or holds yet, which leaves
    the real stream."""
    if use not in KnownAnswerUse.values:
        raise KnownAnswersRefused(_("Choose practice or known answer."))
    rows = _csv_rows(data)
    specs = project.template.specs
    keys = [spec.key for spec in specs]
    header = rows[0]
    _header_check(header, keys)
    by_column = {name: index for index, name in enumerate(header)}
    errors: list[str] = []
    planned: list[tuple[Task, dict[str, str], dict[str, str], dict[str, dict[str, str]]]] = []
    seen: set[int] = set()
    with transaction.atomic():
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                errors.append(
                    _("Line %(line)s: %(found)s cells where the header has %(wanted)s.")
                    % {"line": line, "found": len(row), "wanted": len(header)}
                )
                continue
            cells = {name: row[index] for name, index in by_column.items()}
            task, problem = _row_task(project, cells)
            if problem:
                errors.append(_("Line %(line)s: %(problem)s") % {"line": line, "problem": problem})
                continue
            assert task is not None
            if task.pk in seen:
                errors.append(
                    _("Line %(line)s: this image is already on an earlier line.") % {"line": line}
                )
                continue
            seen.add(task.pk)
            values, markers, notes, problems = _row_values(cells, keys)
            try:
                values, markers = values_check(specs=specs, values=values, markers=markers)
            except ValuesRejected as rejected:
                for key, messages in rejected.errors.items():
                    problems.extend(f"{key}: {message}" for message in messages)
            if problems:
                errors.extend(
                    _("Line %(line)s: %(problem)s") % {"line": line, "problem": problem}
                    for problem in problems
                )
                continue
            planned.append((task, values, markers, notes))
        if errors:
            shown = errors[:MAX_ERRORS_SHOWN]
            if len(errors) > len(shown):
                shown.append(
                    _("…and %(count)s more problems.") % {"count": len(errors) - len(shown)}
                )
            raise KnownAnswersRefused(
                _("Nothing was saved: correct these lines and send the file again."), shown
            )
        if not planned:
            raise KnownAnswersRefused(_("The file holds no known answer."))
        report = ImportReport()
        for task, values, markers, notes in planned:
            created = known_answer_save(
                project=project,
                task=task,
                use=use,
                source=KnownAnswerSource.EXPERT,
                values=values,
                markers=markers,
                notes=notes,
                actor=actor,
            )
            report.created += created
            report.updated += not created
            report.tasks.append(task.pk)
        project_progress_request(project_id=project.pk)
    return report


def _csv_rows(data: bytes) -> list[list[str]]:
    if len(data) > MAX_CSV_BYTES:
        raise KnownAnswersRefused(
            _("The file is over %(limit)s MB: send it in parts.")
            % {"limit": MAX_CSV_BYTES // 1_000_000}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise KnownAnswersRefused(
            _("The file is not UTF-8 text: save it as CSV UTF-8 and send it again.")
        ) from None
    if "\x00" in text:
        raise KnownAnswersRefused(_("The file is not a CSV file (it holds binary data)."))
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise KnownAnswersRefused(
            _("The file is not valid CSV: %(detail)s.") % {"detail": str(error)[:200]}
        ) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise KnownAnswersRefused(_("The file is empty: the first line must name the columns."))
    if len(rows) > MAX_CSV_ROWS + 1:
        raise KnownAnswersRefused(
            _("At most %(limit)s lines per file: send it in parts.") % {"limit": MAX_CSV_ROWS}
        )
    rows[0] = [cell.strip() for cell in rows[0]]
    return rows


def _header_check(header: list[str], keys: list[str]) -> None:
    if "file" not in header and "task" not in header:
        raise KnownAnswersRefused(
            _("The first line must name a column file (the image's file name) or task.")
        )
    allowed = {"file", "task", *keys}
    allowed |= {f"{key}.note_{language}" for key in keys for language in ("fr", "en")}
    unknown = [name for name in header if name not in allowed]
    if unknown:
        raise KnownAnswersRefused(
            _(
                "Unknown columns: %(names)s. Use file or task, the template's keys (%(keys)s), "
                "and key.note_fr or key.note_en."
            )
            % {"names": ", ".join(name[:40] for name in unknown[:10]), "keys": ", ".join(keys)}
        )
    if len(set(header)) < len(header):
        raise KnownAnswersRefused(_("A column is named twice in the first line."))
    if not set(keys) & set(header):
        raise KnownAnswersRefused(_("No column is a key of the template."))


def _row_task(project: Project, cells: dict[str, str]) -> tuple[Task | None, str]:
    tasks = Task.objects.filter(project=project)
    task_ref = cells.get("task", "").strip()
    name = cells.get("file", "").strip()
    if task_ref:
        if not task_ref.isdigit():
            return None, _("task must be an image number, not %(value)r.") % {
                "value": task_ref[:40]
            }
        found = list(tasks.filter(pk=int(task_ref))[:1])
    elif name:
        found = list(tasks.filter(original_name=name)[:2])
        if len(found) > 1:
            return None, _("two images are named %(name)s: give the task column instead.") % {
                "name": name[:100]
            }
    else:
        return None, _("give the image's file name or task number.")
    if not found:
        return None, _("no image %(ref)s in this project.") % {"ref": (task_ref or name)[:100]}
    task = found[0]
    if task.state == TaskState.REFERENCE:
        return task, ""
    if task.state in (TaskState.WITHDRAWN, TaskState.PENDING):
        return None, _("image %(ref)s is withdrawn or not ready.") % {"ref": task.pk}
    answered = Transcription.objects.filter(task=task).count()
    if answered:
        return None, _(
            "image %(ref)s already has %(count)s transcriptions: promote it to a known answer "
            "once it is settled instead."
        ) % {"ref": task.pk, "count": answered}
    return task, ""


def _row_values(
    cells: dict[str, str], keys: list[str]
) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, str]], list[str]]:
    values: dict[str, str] = {}
    markers: dict[str, str] = {}
    notes: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    for key in keys:
        if key in cells:
            cell = cells[key].strip()
            if cell.lower() in MARKER_CELLS:
                markers[key] = MARKER_CELLS[cell.lower()]
            else:
                values[key] = cell
        for language in ("fr", "en"):
            note = cells.get(f"{key}.note_{language}", "").strip()
            if not note:
                continue
            if len(note) > MAX_NOTE_LENGTH or hides_characters(note):
                problems.append(
                    _(
                        "%(key)s.note_%(language)s: at most %(max)s characters, no control "
                        "characters."
                    )
                    % {"key": key, "language": language, "max": MAX_NOTE_LENGTH}
                )
                continue
            notes.setdefault(key, {})[language] = note
    return values, markers, notes, problems
