"""The consensus explanations' message ids, written out where `makemessages` finds them.

The engine's catalogue (`worker.consensus.explain.CATALOGUE`) is plain Python without Django,
and `tasks.explanations` translates its texts through variables: gettext's extractor sees
neither, so `make messages` would mark every explanation's translation obsolete. This module
spells each one as a literal call. The calls are generated: `python -m tasks.explanation_messages`
writes them again from the catalogue (`make messages` does so first), and a test holds them equal.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import npgettext_lazy, pgettext_lazy

BEGIN = "    # BEGIN GENERATED (python -m tasks.explanation_messages)\n"
END = "    # END GENERATED\n"


def _messages() -> None:
    """Never called: the extractor reads the calls."""
    # fmt: off
    # BEGIN GENERATED (python -m tasks.explanation_messages)
    pgettext_lazy("consensus explanation", "; ")
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree exactly", "%(support)s of %(n)s agree exactly", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree once case and accents are ignored", "%(support)s of %(n)s agree once case and accents are ignored", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree once case, accents and punctuation are ignored", "%(support)s of %(n)s agree once case, accents and punctuation are ignored", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on the number", "%(support)s of %(n)s agree on the number", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on the date", "%(support)s of %(n)s agree on the date", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree once partial dates are compared at their precision", "%(support)s of %(n)s agree once partial dates are compared at their precision", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on the option", "%(support)s of %(n)s agree on the option", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree within %(distance)s", "%(support)s of %(n)s agree within %(distance)s", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on text that is not a date", "%(support)s of %(n)s agree on text that is not a date", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on text that is not a point", "%(support)s of %(n)s agree on text that is not a point", 2)
    npgettext_lazy("consensus explanation", "%(support)s of %(n)s agree on text that could not be read as a value", "%(support)s of %(n)s agree on text that could not be read as a value", 2)
    npgettext_lazy("consensus explanation", "%(blanks)s of %(n)s saw nothing to transcribe", "%(blanks)s of %(n)s saw nothing to transcribe", 2)
    npgettext_lazy("consensus explanation", "%(blanks)s of %(n)s saw nothing to transcribe (%(absent)s marked it absent)", "%(blanks)s of %(n)s saw nothing to transcribe (%(absent)s marked it absent)", 2)
    npgettext_lazy("consensus explanation", "%(illegible)s of %(n)s could not read it", "%(illegible)s of %(n)s could not read it", 2)
    pgettext_lazy("consensus explanation", "no transcription yet")
    npgettext_lazy("consensus explanation", "built letter by letter from %(count)s similar reading", "built letter by letter from %(count)s similar readings", 2)
    npgettext_lazy("consensus explanation", "%(count)s similar reading outvoted letter by letter", "%(count)s similar readings outvoted letter by letter", 2)
    pgettext_lazy("consensus explanation", "a longer reading was outvoted")
    pgettext_lazy("consensus explanation", "the form with accents and capitals kept")
    npgettext_lazy("consensus explanation", "%(count)s had latitude and longitude swapped", "%(count)s had latitude and longitude swapped", 2)
    pgettext_lazy("consensus explanation", "the order that lies in the record's country wins")
    pgettext_lazy("consensus explanation", "the point lies outside the record's country (%(country)s)")
    pgettext_lazy("consensus explanation", "the point lies outside the record's country (%(country)s), but would lie in it with latitude and longitude swapped")
    pgettext_lazy("consensus explanation", "the order that lies in the record's region wins")
    pgettext_lazy("consensus explanation", "the point lies outside the record's region (%(region)s)")
    pgettext_lazy("consensus explanation", "the point lies outside the record's region (%(region)s), but would lie in it with latitude and longitude swapped")
    pgettext_lazy("consensus explanation", "the record's country and region are those its label settled")
    pgettext_lazy("consensus explanation", "%(elevation)s m is above the highest land of the record's country (%(country)s, %(limit)s m with a margin)")
    pgettext_lazy("consensus explanation", "%(elevation)s m is below the lowest land of the record's country (%(country)s, %(limit)s m with a margin)")
    pgettext_lazy("consensus explanation", "%(elevation)s m is above the highest land on Earth")
    pgettext_lazy("consensus explanation", "%(elevation)s m is below the lowest land on Earth")
    pgettext_lazy("consensus explanation", "no majority on the exact form")
    npgettext_lazy("consensus explanation", "%(count)s gave something else", "%(count)s gave something else", 2)
    npgettext_lazy("consensus explanation", "%(count)s left it blank", "%(count)s left it blank", 2)
    npgettext_lazy("consensus explanation", "%(count)s typed a value", "%(count)s typed a value", 2)
    npgettext_lazy("consensus explanation", "%(count)s marked it illegible", "%(count)s marked it illegible", 2)
    npgettext_lazy("consensus explanation", "needs at least %(min)s transcriptions", "needs at least %(min)s transcriptions", 2)
    npgettext_lazy("consensus explanation", "needs %(needed)s contributors to agree", "needs %(needed)s contributors to agree", 2)
    pgettext_lazy("consensus explanation", "%(agreement)s%% is below the %(threshold)s%% needed")
    pgettext_lazy("consensus explanation", "backed only by contributors not yet proven: a proven contributor or a curator must confirm it")
    pgettext_lazy("consensus explanation", "a curator should decide")
    pgettext_lazy("consensus explanation", "Settled by a curator.")
    # END GENERATED
    # fmt: on


def _literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generated_lines() -> list[str]:
    """One call per message, in the catalogue's order, the separator first."""
    from tasks.explanations import CONTEXT
    from worker.consensus.explain import CATALOGUE, SEPARATOR

    context = _literal(CONTEXT)
    lines = [f"    pgettext_lazy({context}, {_literal(SEPARATOR)})\n"]
    for message in CATALOGUE.values():
        if message.plural:
            lines.append(
                f"    npgettext_lazy({context}, {_literal(message.singular)}, "
                f"{_literal(message.plural)}, 2)\n"
            )
        else:
            lines.append(f"    pgettext_lazy({context}, {_literal(message.singular)})\n")
    return lines


def source(current: str) -> str:
    """`current` (this module's text) with the generated calls written again."""
    head, rest = current.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return head + BEGIN + "".join(generated_lines()) + END + tail


def write() -> None:
    path = Path(__file__)
    path.write_text(source(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    write()
