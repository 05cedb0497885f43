"""Reference exports: CSL-JSON read and formatted by citeproc-py, BibTeX parsed by bibtexparser.
No database: writers take plain records."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

from tests.worker.export_records import REFERENCE, agreed, dataset, template, write
from worker.exports.records import (
    LICENCES,
    Credit,
    TaskRecord,
    Value,
)
from worker.exports.references import bibtex_write, csl_json_write, names_parse
from worker.template.standards import CSL_VARIABLES


def reference(task_id, **values):
    base = {
        "type": agreed("article", method="select"),
        "title": agreed("Hommage à Lester Young {et autres} 100% & co"),
        "authors": agreed("Panassié, Hugues; Charles Delaunay"),
        "container": agreed("Jazz Hot"),
        "year": agreed("1947-03", method="date"),
        "volume": agreed("112"),
        "pages": agreed("12-15"),
    }
    base.update(values)
    return TaskRecord(
        id=task_id,
        name=f"card-{task_id}.jpg",
        state="complete",
        batch_id=None,
        batch_name="",
        metadata={},
        image_url="",
        image_service="",
        width=None,
        height=None,
        values=base,
    )


# citeproc-py ignores CSL 1.0.2 variables it does not format (license) and says so.
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_csl_json_items_are_read_and_formatted_by_a_citation_processor():
    records = [
        reference(1),
        reference(
            2, type=agreed("thesis"), title=Value("Le free jazz", "disputed", 0.5, 1, 2, "exact")
        ),
    ]
    body, count, _ = write(csl_json_write, dataset(REFERENCE, slug="biblio"), records)
    items = json.loads(body)
    assert count == 2
    first = items[0]
    assert first["type"] == "article-journal"
    assert first["author"] == [
        {"family": "Panassié", "given": "Hugues"},
        {"family": "Delaunay", "given": "Charles"},
    ]
    assert first["issued"] == {"date-parts": [[1947, 3]]}
    assert first["license"] == LICENCES["CC-BY-4.0"].url
    assert "title" not in items[1]
    assert "Not settled yet: title." in items[1]["note"]
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem("task-1")]))
    text = str(bibliography.bibliography()[0])
    assert "Panassié" in text
    assert "Jazz Hot" in text
    assert "1947" in text


def test_bibtex_entries_parse_with_an_independent_parser():
    records = [reference(1), reference(2, type=agreed("chapter"), container=agreed("Le Jazz"))]
    body, count, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), records)
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert count == 2
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == ["task1", "task2"]
    article = library.entries[0]
    assert article.entry_type == "article"
    assert article["author"] == "Panassié, Hugues and Delaunay, Charles"
    assert article["journal"] == "Jazz Hot"
    assert article["year"] == "1947"
    assert article["month"] == "mar"
    assert article["title"] == (
        r"Hommage à Lester Young \textbraceleft{}et autres\textbraceright{} 100\% \& co"
    )
    assert library.entries[1].entry_type == "incollection"
    assert library.entries[1]["booktitle"] == "Le Jazz"
    # The header is `%` lines before the first entry: a comment to every reader.
    assert body.startswith(b"% ")
    [comment] = library.comments
    assert "CC BY 4.0" in comment.comment
    assert "Jeanne Baret (12)" in comment.comment


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Vian, Boris", [{"family": "Vian", "given": "Boris"}]),
        (
            "Boris Vian; André Hodeir",
            [{"family": "Vian", "given": "Boris"}, {"family": "Hodeir", "given": "André"}],
        ),
        ("Anonyme", [{"literal": "Anonyme"}]),
        (
            "Vian, Boris et Hodeir, André",
            [{"family": "Vian", "given": "Boris"}, {"family": "Hodeir", "given": "André"}],
        ),
    ],
)
def test_author_lists_become_csl_names(text, names):
    assert names_parse(text) == names


CSL_NAME_VARIABLES = """author chair collection-editor compiler composer container-author
contributor curator director editor editorial-director executive-producer guest host
illustrator interviewer narrator organizer original-author performer producer recipient
reviewed-author script-writer series-creator translator""".split()
CSL_DATE_VARIABLES = "accessed available-date event-date issued original-date submitted".split()


@pytest.mark.parametrize("variable", CSL_NAME_VARIABLES)
def test_every_csl_name_variable_is_written_as_names(variable):
    assert variable in CSL_VARIABLES  # a template may map a field to it
    data = dataset(template(("who", {"csl": variable})), slug="biblio")
    body, _, _ = write(csl_json_write, data, [reference(1, who=agreed("Vian, Boris; UNESCO"))])
    [item] = json.loads(body)
    assert item[variable] == [{"family": "Vian", "given": "Boris"}, {"literal": "UNESCO"}]


@pytest.mark.parametrize("variable", CSL_DATE_VARIABLES)
def test_every_csl_date_variable_is_written_as_a_date(variable):
    assert variable in CSL_VARIABLES
    data = dataset(template(("when", {"csl": variable})), slug="biblio")
    body, _, _ = write(csl_json_write, data, [reference(1, when=agreed("1947-03-12"))])
    [item] = json.loads(body)
    assert item[variable] == {"date-parts": [[1947, 3, 12]]}


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("1947", {"date-parts": [[1947]]}),
        ("1947-03", {"date-parts": [[1947, 3]]}),
        ("1898-1899", {"literal": "1898-1899"}),
        ("c. 1950", {"literal": "c. 1950"}),
        ("1947-²", {"literal": "1947-²"}),
        ("1947-13", {"literal": "1947-13"}),
    ],
)
# citeproc-py ignores CSL 1.0.2 variables it does not format (license) and says so.
@pytest.mark.filterwarnings("ignore:The following arguments for Reference are unsupported")
def test_a_date_that_is_not_iso_goes_out_as_a_literal_and_the_export_goes_on(text, date):
    records = [reference(1, year=agreed(text)), reference(2)]
    body, count, _ = write(csl_json_write, dataset(REFERENCE, slug="biblio"), records)
    items = json.loads(body)
    assert count == 2
    assert items[0]["issued"] == date
    bibliography = CitationStylesBibliography(
        CitationStylesStyle("harvard-cite-them-right", validate=False),
        CiteProcJSON(items),
        formatter.plain,
    )
    bibliography.register(Citation([CitationItem("task-1")]))
    assert text.split("-")[0] in str(bibliography.bibliography()[0])
    body, _, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), records[:1])
    entry = bibtexparser.parse_string(body.decode("utf-8")).entries[0]
    assert entry["year"] == (text.split("-")[0] if "date-parts" in date else text)


def bibtex_library(*records):
    body, _, _ = write(bibtex_write, dataset(REFERENCE, slug="biblio"), list(records))
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert not library.failed_blocks
    return library


# The only LaTeX a text field may hold: the escapes the writer makes.
ESCAPES = {
    "textbraceleft",
    "textbraceright",
    "textbackslash",
    "textasciicircum",
    "textasciitilde",
    "&",
    "%",
    "$",
    "#",
    "_",
}


def assert_inert(value):
    """Braces balance counted as classic BibTeX does (a backslash does not protect a brace),
    and no command but the writer's escapes."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, value
    assert depth == 0, value
    assert set(re.findall(r"\\([A-Za-z]+|.)", value)) <= ESCAPES, value


@pytest.mark.parametrize(
    "text",
    [
        "\\url{x}}, note = {injected",
        "\\url{}\\input{/etc/passwd}",
        "}}\n@misc{evil, title = {x",
        "x^2 ~ y {un}balanced}} \\",
    ],
)
def test_nothing_typed_in_a_field_escapes_its_bibtex_value(text):
    library = bibtex_library(
        reference(1, title=agreed(text), container=agreed(text), authors=agreed(text))
    )
    [entry] = library.entries
    assert entry.key == "task1"
    assert sorted(entry.fields_dict) == sorted(
        ["author", "title", "journal", "year", "month", "volume", "pages", "note", "copyright"]
    )
    for name in ("title", "journal", "author", "note"):
        assert_inert(entry[name])
    assert entry["note"].startswith("Transcribed by the volunteers")


def test_special_characters_are_spelled_out_in_bibtex():
    [entry] = bibtex_library(reference(1, title=agreed("x^2 ~ {y}"))).entries
    assert entry["title"] == (
        r"x\textasciicircum{}2 \textasciitilde{} \textbraceleft{}y\textbraceright{}"
    )


def test_a_literal_author_keeps_its_protective_braces_around_escaped_text():
    library = bibtex_library(reference(1, authors=agreed("R&D_Lab; Vian, Boris")))
    assert library.entries[0]["author"] == r"{R\&D\_Lab} and Vian, Boris"


def test_a_web_address_is_written_verbatim_and_cannot_break_the_entry():
    url = "http://example.org/a b?q=1%2C#top}}, note = {injected\\"
    [entry] = bibtex_library(reference(1, type=agreed("webpage"), url=agreed(url))).entries
    assert entry.entry_type == "misc"
    safe = "http://example.org/a%20b?q=1%2C#top%7D%7D,%20note%20=%20%7Binjected%5C"
    assert entry["url"] == safe
    assert entry["howpublished"] == "\\url{" + safe.replace("%", r"\%").replace("#", r"\#") + "}"
    assert_inert(entry["howpublished"].removeprefix("\\url{").removesuffix("}"))
    assert entry["note"].startswith("Transcribed by the volunteers")


def test_the_bibtex_header_brings_in_no_entry_whatever_the_title_and_names():
    data = dataset(
        REFERENCE,
        slug="biblio",
        title={"en": "Jazz\n@misc{evil, title = {x}}"},
        credits=(Credit("boris@example.org", 2),),
    )
    body, _, _ = write(bibtex_write, data, [reference(1)])
    header = body.decode("utf-8").split("\n\n")[0]
    assert "@" not in header
    assert all(line.startswith("% ") for line in header.splitlines())
    library = bibtexparser.parse_string(body.decode("utf-8"))
    assert not library.failed_blocks
    assert [entry.key for entry in library.entries] == ["task1"]
    assert "boris(at)example.org (2)" in library.comments[0].comment
