"""Countries as volunteers and labels write them, read as ISO 3166-1 alpha-2 codes.

"Espagne", "ESPAÑA", "l'Espagne", "Spain.", "ESP" and "Kingdom of Spain" are all `ES`. The
names come from pycountry (ISO 3166 and its translations), so a country renamed upstream is
renamed here by an upgrade, not by an edit. Old names that pycountry keeps (Zaire, Dahomey,
Upper Volta, Burma, East Timor) read as the country that holds their ISO number today; a
country that split (USSR, Yugoslavia, Czechoslovakia) reads as nothing, since no single code
is right for it.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

from worker.places.stored import stored

# The languages herbarium labels and reference cards of this platform are written in, beyond
# English: each name in them is read. A name that means two countries in different languages
# is dropped rather than guessed.
LABEL_LANGUAGES = ("fr", "es", "it", "de", "pt", "nl", "ca")

# Leading articles, as French, Spanish, Italian and English labels put them before a name.
_ARTICLE = re.compile(r"^(?:the|le|la|les|l|el|los|las|il|lo|gli|der|die|das)\s+")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
_CODE = re.compile(r"^[A-Z]{2,3}$")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by single spaces, no leading article."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    words = _NOT_WORD.sub(" ", bare).strip()
    return _ARTICLE.sub("", words)


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country `text` names, or None when it names none."""
    if not text or len(text) > 200:
        return None
    compact = text.strip().replace(".", "").replace(" ", "")
    if _CODE.match(compact):
        # An abbreviation in capitals (ES, ESP, U.S.A.): an ISO code.
        code = _codes().get(compact)
        if code:
            return code
    return _names().get(fold(text))


@lru_cache(maxsize=1)
def _codes() -> dict[str, str]:
    return _tables()[0]


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return _tables()[1]


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """The codes and the names, stored once built (`worker.places.stored`)."""
    return stored("countries", lambda: (_build_codes(), _build_names()), list, _decode)


def _decode(table: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    codes, names = table
    return {str(k): str(v) for k, v in codes.items()}, {str(k): str(v) for k, v in names.items()}


def _build_codes() -> dict[str, str]:
    import pycountry

    codes: dict[str, str] = {}
    for country in pycountry.countries:
        codes[country.alpha_2] = country.alpha_2
        codes[country.alpha_3] = country.alpha_2
    return codes


def _forms(name: str) -> list[str]:
    """A name as ISO writes it ("Korea, Republic of") and as a label would ("Republic of Korea")."""
    forms = [name]
    if ", " in name:
        head, _, tail = name.partition(", ")
        forms.append(f"{tail} {head}")
    return forms


def _build_names() -> dict[str, str]:
    import pycountry
    from countryinfo import CountryInfo

    translations = [gettext.NullTranslations()] + [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
        for lang in LABEL_LANGUAGES
    ]
    found: dict[str, set[str]] = {}
    # The part of an inverted name before its comma ("Bolivia" of "Bolivia, Plurinational
    # State of"), kept only where no full name says otherwise.
    heads: dict[str, set[str]] = {}

    def add(table: dict[str, set[str]], name: str, code: str) -> None:
        key = fold(name)
        if key:
            table.setdefault(key, set()).add(code)

    for country in pycountry.countries:
        code = country.alpha_2
        names = {
            country.name,
            getattr(country, "official_name", ""),
            getattr(country, "common_name", ""),
        }
        for name in filter(None, names):
            for translation in translations:
                local = translation.gettext(name)
                for form in _forms(local):
                    add(found, form, code)
                if ", " in local:
                    add(heads, local.partition(", ")[0], code)
    current = {country.numeric: country.alpha_2 for country in pycountry.countries}
    for old in pycountry.historic_countries:
        successor = current.get(getattr(old, "numeric", None) or "")
        if successor is None:
            continue  # split or absorbed: no one code is the place today
        for translation in translations:
            local = translation.gettext(old.name)
            add(heads, local.partition(", ")[0], successor)
    # countryinfo's spellings and translations (Turkey, Grande-Bretagne) come after ISO's own.
    known = _build_codes()
    for info in CountryInfo.all().values():
        code = str((info.get("ISO") or {}).get("alpha2") or "")
        if code not in known:
            continue
        spellings = [info.get("name") or "", *(info.get("altSpellings") or [])]
        spellings += list((info.get("translations") or {}).values())
        for spelling in spellings:
            if len(spelling) > 3:  # codes are read as codes, in capitals only
                add(heads, spelling, code)
    table = {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}
    for key, codes in heads.items():
        if key not in found and len(codes) == 1:
            table[key] = next(iter(codes))
    return table
