"""Bibliographic exports: CSL-JSON (what Zotero and citation processors read) and BibTeX.

Each template field maps to a CSL variable through `mapping.csl`. Authors are read from
"Surname, Given; Surname, Given" (or "Given Surname"); dates from the engine's canonical ISO
form, partial dates included. Every item carries the licence; the BibTeX file opens with a
comment giving the licence and the credits. Values a curator or the contributors have not
settled are left out; the item says which in its note.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable
from typing import IO, Any

from worker.exports.records import Dataset, TaskRecord

Progress = Callable[[int], None]

_NAME_VARIABLES = frozenset(
    {
        "author",
        "editor",
        "translator",
        "container-author",
        "collection-editor",
        "illustrator",
        "interviewer",
        "recipient",
        "reviewed-author",
        "composer",
        "director",
        "original-author",
    }
)
_DATE_VARIABLES = frozenset({"issued", "accessed", "event-date", "original-date", "submitted"})
# The reference preset's document types, and the CSL type each is.
CSL_TYPES = {
    "article": "article-journal",
    "book": "book",
    "chapter": "chapter",
    "thesis": "thesis",
    "webpage": "webpage",
}


def csl_items(dataset: Dataset, record: TaskRecord) -> dict[str, Any]:
    """The CSL-JSON item of one task."""
    item: dict[str, Any] = {"id": f"task-{record.id}", "type": "document"}
    unsettled = []
    for spec in dataset.fields:
        variable = spec.mapping.get("csl")
        value = record.values.get(spec.key)
        if not variable or value is None or not value.value:
            continue
        if not value.settled:
            unsettled.append(spec.key)
            continue
        text = value.value
        if variable == "type":
            item["type"] = CSL_TYPES.get(text, text if text in _KNOWN_CSL_TYPES else "document")
        elif variable in _NAME_VARIABLES:
            item[variable] = names_parse(text)
        elif variable in _DATE_VARIABLES:
            parts = [int(part) for part in text.split("-") if part.isdigit()]
            if parts:
                item[variable] = {"date-parts": [parts]}
        else:
            item[variable] = text
    item["license"] = dataset.licence.url
    note = f"Transcribed by the volunteers of {dataset.title_in('en')} ({dataset.url})."
    if unsettled:
        note += " Not settled yet: " + ", ".join(unsettled) + "."
    item["note"] = note
    return item


_KNOWN_CSL_TYPES = frozenset(
    """article article-journal article-magazine article-newspaper bill book broadcast chapter
    classic collection dataset document entry entry-dictionary entry-encyclopedia event figure
    graphic hearing interview legal_case legislation manuscript map motion_picture musical_score
    pamphlet paper-conference patent performance periodical personal_communication post
    post-weblog regulation report review review-book software song speech standard thesis
    treaty webpage""".split()
)


def names_parse(text: str) -> list[dict[str, str]]:
    """`Panassié, Hugues; Charles Delaunay` -> CSL names (family/given, or a literal)."""
    names = []
    for part in re.split(r"\s*;\s*|\s+(?:and|et|&)\s+", text.strip()):
        part = part.strip()
        if not part:
            continue
        if "," in part:
            family, _, given = part.partition(",")
            names.append({"family": family.strip(), "given": given.strip()})
        elif " " in part:
            given, _, family = part.rpartition(" ")
            names.append({"family": family, "given": given})
        else:
            names.append({"literal": part})
    return names


def csl_json_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
    progress: Progress | None = None,
) -> int:
    """A JSON array of CSL items, streamed one item at a time."""
    rows = 0
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    text.write("[")
    for record in records:
        text.write(",\n" if rows else "\n")
        text.write(json.dumps(csl_items(dataset, record), ensure_ascii=False))
        rows += 1
        if progress is not None:
            progress(rows)
    text.write("\n]\n")
    text.flush()
    text.detach()
    return rows


# CSL type -> BibTeX entry type, and CSL variable -> BibTeX field (by entry type where it differs).
_BIBTEX_TYPES = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "article": "article",
    "book": "book",
    "chapter": "incollection",
    "thesis": "phdthesis",
    "report": "techreport",
    "paper-conference": "inproceedings",
}
_BIBTEX_FIELDS = {
    "title": "title",
    "volume": "volume",
    "page": "pages",
    "publisher": "publisher",
    "URL": "url",
    "DOI": "doi",
    "ISBN": "isbn",
    "ISSN": "issn",
    "edition": "edition",
    "publisher-place": "address",
    "number": "number",
    "note": "note",
}
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def bibtex_entry(dataset: Dataset, record: TaskRecord) -> str:
    item = csl_items(dataset, record)
    kind = _BIBTEX_TYPES.get(item["type"], "misc")
    fields: list[tuple[str, str]] = []
    for variable, value in item.items():
        if variable in {"id", "type", "license"}:
            continue
        if variable in _NAME_VARIABLES and variable in {"author", "editor"}:
            fields.append((variable, " and ".join(_bibtex_name(name) for name in value)))
        elif variable == "issued":
            parts = value["date-parts"][0]
            fields.append(("year", str(parts[0])))
            if len(parts) > 1 and 1 <= parts[1] <= 12:
                fields.append(("month", _MONTHS[parts[1] - 1]))
        elif variable == "container-title":
            fields.append(("booktitle" if kind == "incollection" else "journal", value))
        elif variable == "publisher" and kind == "phdthesis":
            fields.append(("school", value))
        elif variable in _BIBTEX_FIELDS and isinstance(value, str):
            fields.append((_BIBTEX_FIELDS[variable], value))
    if kind == "misc" and item["type"] == "webpage" and "URL" in item:
        fields.append(("howpublished", f"\\url{{{item['URL']}}}"))
    fields.append(("copyright", dataset.licence.name))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{bibtex_escape(value)}}}"
        for name, value in fields
    )
    return f"@{kind}{{task{record.id},\n{body}\n}}\n"


def _bibtex_name(name: dict[str, str]) -> str:
    if "literal" in name:
        return "{" + name["literal"] + "}"
    return f"{name['family']}, {name['given']}" if name.get("given") else name["family"]


def bibtex_escape(text: str) -> str:
    """Keep braces balanced and LaTeX specials literal; UTF-8 stays as is (biber reads it)."""
    if text.startswith("\\url{"):
        return text
    out = []
    for char in text:
        if char in "{}" or char in "&%$#_":
            out.append("\\" + char)
        elif char == "\\":
            out.append("\\textbackslash{}")
        elif char in "\r\n":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def bibtex_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
    progress: Progress | None = None,
) -> int:
    rows = 0
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    header = [
        f"{dataset.title_in('en')} ({dataset.url})",
        f"Licence: {dataset.licence.name} {dataset.licence.url}",
        f"Generated: {dataset.generated_at.isoformat()}",
    ]
    if dataset.credits:
        header.append("Transcribed by: " + dataset.credits_line())
    text.write("@comment{" + bibtex_escape(" -- ".join(header)) + "}\n\n")
    for record in records:
        text.write(bibtex_entry(dataset, record) + "\n")
        rows += 1
        if progress is not None:
            progress(rows)
    text.flush()
    text.detach()
    return rows
