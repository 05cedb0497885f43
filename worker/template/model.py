"""The plain, immutable specs a field template is parsed into, and the limits they obey.

Pure Python: the consensus engine, exports, forms and validation all read `FieldSpec`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("text", "select", "number", "date", "geopoint")
# The units a number field may declare (worker/consensus/units.py converts between them).
UNITS = ("m", "km", "cm", "mm", "ft")
LANGUAGES = ("fr", "en")
MAX_FIELDS = 60
MAX_VALUE_LENGTH = 2000
MAX_OPTIONS = 5000
# Fields asked in the georeference step (worker/template/steps.py): a handful at most, as each
# is a point placed on a map.
MAX_GEOREFERENCE_FIELDS = 3
KEY_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

_FIELD_PROPERTIES = {
    "key",
    "label",
    "type",
    "required",
    "help",
    "vocabulary",
    "validation",
    "mapping",
    "weight",
    "unit",
    "level",
    "georeference",
}
_OPTION_PROPERTIES = {"value", "label", "synonyms"}
_VALIDATION_PROPERTIES = {
    "text": {"max_length", "pattern"},
    "select": {"allow_other"},
    "number": {"min", "max", "integer"},
    "date": {"min_year", "max_year"},
    "geopoint": set(),
}
# What `validation` may hold, by field type (the template builder offers these).
VALIDATION_PROPERTIES = _VALIDATION_PROPERTIES


class TemplateError(ValueError):
    """The template is not valid; `errors` lists each problem, prefixed with where it is."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Option:
    value: str
    label: Mapping[str, str] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or self.value


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    label: Mapping[str, str]
    required: bool = False
    help: Mapping[str, str] = field(default_factory=dict)
    vocabulary: tuple[Option, ...] = ()
    validation: Mapping[str, Any] = field(default_factory=dict)
    mapping: Mapping[str, Any] = field(default_factory=dict)
    weight: float = 1.0
    unit: str = ""  # a number field's unit (one of UNITS), "" when it declares none
    # The contributor level the field asks (see worker.training): 1 is everyone; above, a field
    # is shown only to those whose practice and known-answer results reached it.
    level: int = 1
    # A geopoint asked in the georeference step, once the label's fields are settled, beside the
    # settled locality (worker/template/steps.py); False: asked with the label.
    georeference: bool = False

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]

    def help_in(self, language: str) -> str:
        return self.help.get(language) or self.help.get("en", "")

    @property
    def max_length(self) -> int:
        return int(self.validation.get("max_length", MAX_VALUE_LENGTH))

    def option_for(self, answer: str) -> Option | None:
        """The option whose value or synonym matches `answer`, ignoring case and accents."""
        wanted = fold(answer)
        for option in self.vocabulary:
            if fold(option.value) == wanted or any(fold(s) == wanted for s in option.synonyms):
                return option
        return None


def fold(text: str) -> str:
    """A comparison key: accents, case and surrounding spaces do not count."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
