"""The interface ships complete in French: every marked string has a checked translation."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
FRENCH = ROOT / "locale" / "fr" / "LC_MESSAGES"
CODE_DIRS = ("crowd", "tasks", "worker")
GETTEXT_CALLS = {
    "_",
    "_plural",  # tasks.views.batches: both forms for the page's script (see makemessages)
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
}
TEMPLATE_TRANSLATE = re.compile(
    r"""\{%\s*translate\s+(?P<q>["'])(?P<msg>.*?)(?P=q)(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?"""
)


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(FRENCH / "django.po"))


def translated_ids(catalogue: polib.POFile) -> set[tuple[str, str]]:
    return {(entry.msgctxt or "", entry.msgid) for entry in catalogue if entry.translated()}


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")),
    ids=lambda path: path.parent.parent.name,
)
def test_every_catalogue_reads_as_gettext_reads_it(path):
    """An entry without its msgstr stops `make messages` (msgmerge) and the English catalogue's
    compilation; the French checks below would not see it in another language's file."""
    entries = polib.pofile(str(path))
    assert len(entries) > 0


def test_every_french_entry_is_translated_and_checked(catalogue):
    assert catalogue.untranslated_entries() == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    for entry in catalogue:
        for text in list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]:
            assert text.strip(), entry.msgid


def test_the_compiled_catalogue_is_the_one_in_the_po_file(catalogue):
    with open(FRENCH / "django.mo", "rb") as compiled:
        shipped = gettext.GNUTranslations(compiled)
    for entry in catalogue.translated_entries():
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            singular = (
                shipped.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if entry.msgctxt
                else shipped.ngettext(entry.msgid, entry.msgid_plural, 1)
            )
            assert singular == entry.msgstr_plural[0], entry.msgid
        else:
            assert shipped.gettext(key) == entry.msgstr, (
                f"django.mo is stale for {entry.msgid!r}: run make messages"
            )


def code_messages() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    not isinstance(node, ast.Call)
                    or getattr(node.func, "id", None) not in GETTEXT_CALLS
                ):
                    continue
                literals = [
                    a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                    for a in node.args
                ]
                if node.func.id.startswith("pgettext"):
                    if len(literals) >= 2 and literals[0] is not None and literals[1] is not None:
                        found.add((literals[0], literals[1]))
                elif literals and literals[0] is not None:
                    found.add(("", literals[0]))
    return found


def template_messages() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        for match in TEMPLATE_TRANSLATE.finditer(path.read_text()):
            # Django doubles "%" in the ids of {% translate %} strings (it formats them).
            found.add((match["ctx"] or "", match["msg"].replace("%", "%%")))
    return found


def test_every_string_marked_in_code_and_templates_has_a_french_translation(catalogue):
    known = translated_ids(catalogue)
    missing = sorted((code_messages() | template_messages()) - known)
    assert missing == [], "run `make messages` and translate these"


def test_the_extractors_above_do_find_strings():
    # Guards the guard: a broken regex or AST walk would make the test above pass vacuously.
    assert ("", "Log in") in template_messages()
    assert ("task state", "Open") in code_messages()
    assert ("", "a template needs at least one field") in code_messages()
