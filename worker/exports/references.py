"""Bibliographic exports: CSL-JSON (what Zotero and citation processors read) and BibTeX.

Each template field maps to a CSL variable through `mapping.csl`. Authors are read from
"Surname, Given; Surname, Given" (or "Given Surname"); dates from the engine's canonical ISO
form, partial dates included, any other text ("1898-1899", "c. 1950") as a literal date. Every
item carries the licence; the BibTeX file opens with comment lines giving the licence and the
credits. Nothing typed is LaTeX: BibTeX values are escaped, and web addresses and DOIs, which
biblatex reads verbatim, are percent-encoded where they would break the entry. Values a curator
or the contributors have not settled are left out; the item says which in its note.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from typing import IO, Any

from worker.exports.records import Dataset, TaskRecord

# The CSL 1.0.2 name and date variables (the specification's appendix IV): a template may map a
# field to any of them (worker.template.standards.CSL_VARIABLES), and each is written in its own shape.
_NAME_VARIABLES = frozenset(
    """author chair collection-editor compiler composer container-author contributor curator
    director editor editorial-director executive-producer guest host illustrator interviewer
    narrator organizer original-author performer producer recipient reviewed-author
    script-writer series-creator translator""".split()
)
_DATE_VARIABLES = frozenset(
    "accessed available-date event-date issued original-date submitted".split()
)
# The engine's canonical ISO form of a date, partial dates included; anything else a curator
# typed ("1898-1899", "c. 1950") goes out as written.
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
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
            item[variable] = date_parse(text)
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


def date_parse(text: str) -> dict[str, Any]:
    """`1947-03` -> CSL date parts; any other text -> a literal date, as written."""
    found = _ISO_DATE.fullmatch(text.strip())
    if found is not None:
        parts = [int(part) for part in found.groups() if part is not None]
        month_ok = len(parts) < 2 or 1 <= parts[1] <= 12
        day_ok = len(parts) < 3 or 1 <= parts[2] <= 31
        if month_ok and day_ok:
            return {"date-parts": [parts]}
    return {"literal": text.strip()}


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
) -> int:
    """A JSON array of CSL items, streamed one item at a time."""
    rows = 0
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    text.write("[")
    for record in records:
        text.write(",\n" if rows else "\n")
        text.write(json.dumps(csl_items(dataset, record), ensure_ascii=False))
        rows += 1
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
    # (field, value as it goes between the braces): every value is escaped where it is added.
    fields: list[tuple[str, str]] = []
    for variable, value in item.items():
        if variable in {"id", "type", "license"}:
            continue
        if variable in {"author", "editor"}:
            fields.append((variable, " and ".join(_bibtex_name(name) for name in value)))
        elif variable == "issued":
            if "literal" in value:
                fields.append(("year", bibtex_escape(value["literal"])))
                continue
            parts = value["date-parts"][0]
            fields.append(("year", str(parts[0])))
            if len(parts) > 1 and 1 <= parts[1] <= 12:
                fields.append(("month", _MONTHS[parts[1] - 1]))
        elif variable == "container-title":
            name = "booktitle" if kind == "incollection" else "journal"
            fields.append((name, bibtex_escape(value)))
        elif variable == "publisher" and kind == "phdthesis":
            fields.append(("school", bibtex_escape(value)))
        elif variable in _BIBTEX_FIELDS and isinstance(value, str):
            name = _BIBTEX_FIELDS[variable]
            verbatim = name in _BIBTEX_VERBATIM
            fields.append((name, bibtex_verbatim(value) if verbatim else bibtex_escape(value)))
    if kind == "misc" and item["type"] == "webpage" and "URL" in item:
        fields.append(("howpublished", "\\url{" + _latex_url(item["URL"]) + "}"))
    fields.append(("copyright", bibtex_escape(dataset.licence.name)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@{kind}{{task{record.id},\n{body}\n}}\n"


def _bibtex_name(name: dict[str, str]) -> str:
    # A literal name ("UNESCO") is braced so that BibTeX does not split it into given and family.
    if "literal" in name:
        return "{" + bibtex_escape(name["literal"]) + "}"
    family = bibtex_escape(name["family"])
    return f"{family}, {bibtex_escape(name['given'])}" if name.get("given") else family


# LaTeX specials as text. Braces are spelled out: classic BibTeX counts `{` and `}` even after a
# backslash, so `\{` would still close (or open) the field.
_BIBTEX_SPECIALS = {
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "\\": "\\textbackslash{}",
    "^": "\\textasciicircum{}",
    "~": "\\textasciitilde{}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "\r": " ",
    "\n": " ",
}


def bibtex_escape(text: str) -> str:
    """Any text as the literal content of a BibTeX field: every LaTeX special is escaped, so
    nothing a volunteer types can close the field or run a command. UTF-8 stays as is (biber
    reads it)."""
    return "".join(_BIBTEX_SPECIALS.get(char, char) for char in text)


# Fields biblatex reads verbatim: no LaTeX escaping there, a backslash would stay in the address.
_BIBTEX_VERBATIM = frozenset({"url", "doi"})
# What would end the field or break its parsing: braces, a backslash before the closing brace
# (most parsers read `\}` as an escaped brace), white space and control characters.
_VERBATIM_UNSAFE = re.compile(r"[{}\\\s\x00-\x1f\x7f]")


def bibtex_verbatim(text: str) -> str:
    """A URL or a DOI for a verbatim field: characters that would break the entry are
    percent-encoded, as a URL would carry them anyway."""
    return _VERBATIM_UNSAFE.sub(
        lambda found: "".join(f"%{byte:02X}" for byte in found.group().encode("utf-8")),
        text.strip(),
    )


def _latex_url(text: str) -> str:
    # `\url` inside another field's value is read by LaTeX as an argument, where `%` would
    # start a comment and `#` a parameter; `^^` would make a character code.
    return bibtex_verbatim(text).replace("^", "%5E").replace("%", "\\%").replace("#", "\\#")


def bibtex_write(
    out: IO[bytes],
    dataset: Dataset,
    records: Iterable[TaskRecord],
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
    text.write("".join(f"% {_bibtex_comment(line)}\n" for line in header) + "\n")
    for record in records:
        text.write(bibtex_entry(dataset, record) + "\n")
        rows += 1
    text.flush()
    text.detach()
    return rows


def _bibtex_comment(text: str) -> str:
    # Outside an entry BibTeX reads everything as a comment up to the next `@`, which would
    # start an entry: a title or a name must not bring one in.
    return " ".join(text.replace("@", "(at)").split())
