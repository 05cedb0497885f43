"""The texts of a template that people read or that answers are compared with, checked when a
template is written: labels, help and option labels are plain text shown exactly as written
(no HTML markup), and no text hides characters (controls, direction overrides).

Apart from `template_parse` so that a template stored before these checks still parses: they
run on writes only (the template builder's checks, saving, creating a project).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from worker.template.checks import _, _problem
from worker.template.model import LANGUAGES

# A tag, a comment or a declaration opening: "<b", "</i", "<!--", "<?xml". A lone "<" as in
# "altitude < 500 m" is text.
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]")
# Line breaks and tabs are text; other control characters and direction overrides are not.
_ALLOWED_CONTROLS = {"\n", "\t"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}
# A path with a numbered field first: "fields[3].label.fr" -> 3.
_FIELD_INDEX = re.compile(r"^fields\[(\d+)\]")


def template_text_problems(data: Any) -> list[str]:
    """Problems of the texts of `data` (a template as `template_parse` takes it), each
    `path: message`; other problems of shape or type are `template_parse`'s."""
    problems: list[str] = []
    if not isinstance(data, list):
        return problems
    for index, raw in enumerate(data):
        if not isinstance(raw, dict):
            continue
        where = f"fields[{index}]"
        for name in ("label", "help"):
            _translations_check(raw.get(name), f"{where}.{name}", problems)
        vocabulary = raw.get("vocabulary")
        if isinstance(vocabulary, list):
            for number, item in enumerate(vocabulary):
                _option_check(item, f"{where}.vocabulary[{number}]", problems)
    return problems


def problem_parts(problem: str) -> tuple[str, str]:
    """A problem's path and its message: "fields[3].label.fr: missing" -> ("fields[3].label.fr",
    "missing"). Paths are made of indices and property names, never of ": "."""
    path, separator, message = problem.partition(": ")
    if not separator or not path.startswith("fields"):
        return "", problem
    return path, message


def problem_field(path: str) -> int | None:
    """The index of the field a path is in, None for the template as a whole."""
    match = _FIELD_INDEX.match(path)
    return int(match[1]) if match else None


def _translations_check(value: Any, where: str, problems: list[str]) -> None:
    if isinstance(value, str):
        _shown_text_check(value, where, problems)
    elif isinstance(value, dict):
        for language in LANGUAGES:
            text = value.get(language)
            if isinstance(text, str):
                _shown_text_check(text, f"{where}.{language}", problems)


def _option_check(item: Any, where: str, problems: list[str]) -> None:
    if isinstance(item, str):
        _hidden_check(item, where, problems)
        return
    if not isinstance(item, dict):
        return
    if isinstance(item.get("value"), str):
        _hidden_check(item["value"], f"{where}.value", problems)
    _translations_check(item.get("label"), f"{where}.label", problems)
    synonyms = item.get("synonyms")
    if isinstance(synonyms, list):
        for number, synonym in enumerate(synonyms):
            if isinstance(synonym, str):
                _hidden_check(synonym, f"{where}.synonyms[{number}]", problems)


def _shown_text_check(text: str, where: str, problems: list[str]) -> None:
    markup = _MARKUP.search(text)
    if markup:
        snippet = text[markup.start() : markup.start() + 40]
        tag = snippet[: snippet.find(">") + 1] if ">" in snippet else snippet
        problems.append(
            _problem(
                where,
                _("plain text only: %(tag)r looks like HTML markup (texts are shown as written)"),
                tag=tag,
            )
        )
    _hidden_check(text, where, problems)


def _hidden_check(text: str, where: str, problems: list[str]) -> None:
    for ch in text:
        if ch not in _ALLOWED_CONTROLS and (
            unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS
        ):
            problems.append(
                _problem(
                    where,
                    _(
                        "holds an invisible control or direction character (U+%(code)04X): it would hide or reorder what people read"
                    ),
                    code=ord(ch),
                )
            )
            return
