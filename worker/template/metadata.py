"""The metadata a template shows to contributors beside the form, and how it names it.

Images carry metadata from their batch's CSV or IIIF manifest, under the keys those files use
(`catalogNumber`, `Numéro d'inventaire`…). A template lists the keys contributors see, in order,
each either as the key alone (named by its default label below) or with a label of the lead's:

    ["catalogNumber", {"key": "barcode", "label": {"fr": "Code-barres", "en": "Barcode"}}]

A key with no default label must be given one: contributors never read a raw key. Keys the
template does not list are shown to curators and leads only. `metadata_parse` returns the specs
or raises `TemplateError` listing every problem with its path, e.g.
`metadata_shown[1]: 'inv_2019' has no default label: give it one in French and English`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from worker.template.checks import _, _problem, _translations, _unknown_properties
from worker.template.model import LANGUAGES, TemplateError

MAX_METADATA = 50
MAX_METADATA_KEY = 100
MAX_METADATA_LABEL = 100
_METADATA_PROPERTIES = {"key", "label"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F)}


def _pair(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


# Default labels: the common Darwin Core terms (https://dwc.tdwg.org/terms/), a few CSL variables
# of catalogue cards, and the keys the presets and the demo data use. Any other key needs a label.
DEFAULT_LABELS: dict[str, dict[str, str]] = {
    # Record
    "type": _pair("Type", "Type"),
    "modified": _pair("Modifié le", "Modified"),
    "language": _pair("Langue", "Language"),
    "license": _pair("Licence", "Licence"),
    "rightsHolder": _pair("Détenteur des droits", "Rights holder"),
    "bibliographicCitation": _pair("Citation", "Citation"),
    "references": _pair("Référence", "Reference"),
    "institutionCode": _pair("Code de l'institution", "Institution code"),
    "collectionCode": _pair("Code de la collection", "Collection code"),
    "datasetName": _pair("Jeu de données", "Dataset"),
    "ownerInstitutionCode": _pair("Institution propriétaire", "Owner institution"),
    "basisOfRecord": _pair("Nature de l'enregistrement", "Basis of record"),
    # Occurrence
    "occurrenceID": _pair("Identifiant de l'occurrence", "Occurrence ID"),
    "catalogNumber": _pair("Numéro de catalogue", "Catalogue number"),
    "otherCatalogNumbers": _pair("Autres numéros de catalogue", "Other catalogue numbers"),
    "recordNumber": _pair("Numéro de récolte", "Collector number"),
    "recordedBy": _pair("Collecteur", "Collector"),
    "individualCount": _pair("Nombre d'individus", "Individual count"),
    "sex": _pair("Sexe", "Sex"),
    "lifeStage": _pair("Stade de vie", "Life stage"),
    "preparations": _pair("Préparation", "Preparation"),
    "occurrenceRemarks": _pair("Remarques", "Remarks"),
    "verbatimLabel": _pair("Texte de l'étiquette", "Label text"),
    # Event
    "fieldNumber": _pair("Numéro de terrain", "Field number"),
    "eventDate": _pair("Date de récolte", "Collection date"),
    "year": _pair("Année", "Year"),
    "month": _pair("Mois", "Month"),
    "day": _pair("Jour", "Day"),
    "verbatimEventDate": _pair("Date telle qu'écrite", "Date as written"),
    "habitat": _pair("Habitat", "Habitat"),
    "samplingProtocol": _pair("Protocole d'échantillonnage", "Sampling protocol"),
    "fieldNotes": _pair("Notes de terrain", "Field notes"),
    "eventRemarks": _pair("Remarques sur la récolte", "Collection remarks"),
    # Location
    "higherGeography": _pair("Géographie", "Higher geography"),
    "continent": _pair("Continent", "Continent"),
    "waterBody": _pair("Étendue d'eau", "Water body"),
    "islandGroup": _pair("Archipel", "Island group"),
    "island": _pair("Île", "Island"),
    "country": _pair("Pays", "Country"),
    "countryCode": _pair("Code du pays", "Country code"),
    "stateProvince": _pair("Région ou province", "State or province"),
    "county": _pair("Département ou comté", "County"),
    "municipality": _pair("Commune", "Municipality"),
    "locality": _pair("Localité", "Locality"),
    "verbatimLocality": _pair("Localité telle qu'écrite", "Locality as written"),
    "minimumElevationInMeters": _pair("Altitude minimale (m)", "Minimum elevation (m)"),
    "maximumElevationInMeters": _pair("Altitude maximale (m)", "Maximum elevation (m)"),
    "verbatimElevation": _pair("Altitude telle qu'écrite", "Elevation as written"),
    "decimalLatitude": _pair("Latitude (décimale)", "Latitude (decimal)"),
    "decimalLongitude": _pair("Longitude (décimale)", "Longitude (decimal)"),
    "geodeticDatum": _pair("Système géodésique", "Geodetic datum"),
    "coordinateUncertaintyInMeters": _pair(
        "Incertitude des coordonnées (m)", "Coordinate uncertainty (m)"
    ),
    "verbatimCoordinates": _pair("Coordonnées telles qu'écrites", "Coordinates as written"),
    "verbatimLatitude": _pair("Latitude telle qu'écrite", "Latitude as written"),
    "verbatimLongitude": _pair("Longitude telle qu'écrite", "Longitude as written"),
    "georeferencedBy": _pair("Géoréférencé par", "Georeferenced by"),
    "locationRemarks": _pair("Remarques sur le lieu", "Location remarks"),
    # Identification
    "typeStatus": _pair("Statut de type", "Type status"),
    "identifiedBy": _pair("Déterminé par", "Identified by"),
    "dateIdentified": _pair("Date de détermination", "Date identified"),
    "identificationQualifier": _pair("Qualificatif de détermination", "Identification qualifier"),
    "verbatimIdentification": _pair("Détermination telle qu'écrite", "Identification as written"),
    "identificationRemarks": _pair("Remarques sur la détermination", "Identification remarks"),
    # Taxon
    "scientificName": _pair("Nom scientifique", "Scientific name"),
    "scientificNameAuthorship": _pair("Auteur du nom", "Name authorship"),
    "acceptedNameUsage": _pair("Nom accepté", "Accepted name"),
    "namePublishedIn": _pair("Publié dans", "Published in"),
    "higherClassification": _pair("Classification", "Higher classification"),
    "kingdom": _pair("Règne", "Kingdom"),
    "phylum": _pair("Embranchement", "Phylum"),
    "class": _pair("Classe", "Class"),
    "order": _pair("Ordre", "Order"),
    "family": _pair("Famille", "Family"),
    "subfamily": _pair("Sous-famille", "Subfamily"),
    "tribe": _pair("Tribu", "Tribe"),
    "genus": _pair("Genre", "Genus"),
    "subgenus": _pair("Sous-genre", "Subgenus"),
    "specificEpithet": _pair("Épithète spécifique", "Specific epithet"),
    "infraspecificEpithet": _pair("Épithète infraspécifique", "Infraspecific epithet"),
    "taxonRank": _pair("Rang", "Taxon rank"),
    "vernacularName": _pair("Nom vernaculaire", "Vernacular name"),
    "taxonRemarks": _pair("Remarques sur le taxon", "Taxon remarks"),
    # Catalogue cards (CSL variables)
    "call-number": _pair("Cote", "Call number"),
    "archive": _pair("Fonds", "Archive"),
    "archive_location": _pair("Emplacement dans le fonds", "Archive location"),
    # The presets' and the demo data's own keys
    "institution": _pair("Institution", "Institution"),
    "cardNumber": _pair("Numéro de fiche", "Card number"),
    "barcode": _pair("Code-barres", "Barcode"),
}


@dataclass(frozen=True)
class MetadataSpec:
    """One metadata key shown to contributors: its label (the lead's, else the default one),
    and whether the lead gave it."""

    key: str
    label: Mapping[str, str]
    labelled: bool = False

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or self.key


def default_label(key: str) -> dict[str, str] | None:
    """The default label of a metadata key, in French and English, or None."""
    label = DEFAULT_LABELS.get(key)
    return dict(label) if label else None


def metadata_parse(data: Any) -> tuple[MetadataSpec, ...]:
    """Validate the metadata a template shows (a list of keys or {"key", "label"} objects) and
    return its specs, in order."""
    where = "metadata_shown"
    if data is None:
        return ()
    if not isinstance(data, list):
        raise TemplateError(
            [_problem(where, _('a list of metadata keys, e.g. ["catalogNumber", "barcode"]'))]
        )
    errors: list[str] = []
    if len(data) > MAX_METADATA:
        errors.append(
            _problem(
                where,
                _("at most %(max)s metadata keys, this template lists %(count)s"),
                max=MAX_METADATA,
                count=len(data),
            )
        )
    specs: list[MetadataSpec] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data[: MAX_METADATA + 1]):
        spec = _entry_parse(raw, f"{where}[{index}]", errors)
        if spec is None:
            continue
        if spec.key in seen:
            errors.append(
                _problem(
                    f"{where}[{index}].key",
                    _("%(key)r is already listed at metadata_shown[%(index)s]"),
                    key=spec.key,
                    index=seen[spec.key],
                )
            )
            continue
        seen[spec.key] = index
        specs.append(spec)
    if errors:
        raise TemplateError(errors)
    return tuple(specs)


def metadata_read(data: Any) -> tuple[MetadataSpec, ...]:
    """The specs of a stored list, leniently: what `metadata_parse` would refuse is left out
    (a key listed before keys needed labels, and without a default one, is not shown)."""
    if not isinstance(data, list):
        return ()
    specs: list[MetadataSpec] = []
    seen: set[str] = set()
    for raw in data[:MAX_METADATA]:
        errors: list[str] = []
        spec = _entry_parse(raw, "", errors)
        if spec is not None and not errors and spec.key not in seen:
            seen.add(spec.key)
            specs.append(spec)
    return tuple(specs)


def metadata_dump(specs: tuple[MetadataSpec, ...]) -> list[Any]:
    """The JSON form of specs, the inverse of `metadata_parse`: a key alone where its default
    label is used, else the key with its label."""
    return [
        {"key": spec.key, "label": dict(spec.label)} if spec.labelled else spec.key
        for spec in specs
    ]


def _entry_parse(raw: Any, where: str, errors: list[str]) -> MetadataSpec | None:
    if isinstance(raw, str):
        raw = {"key": raw}
    if not isinstance(raw, dict):
        errors.append(
            _problem(
                where, _('a metadata key, or an object {"key": …, "label": {"fr": …, "en": …}}')
            )
        )
        return None
    before = len(errors)
    _unknown_properties(raw, _METADATA_PROPERTIES, where, errors)
    key = raw.get("key")
    if not _key_check(key, f"{where}.key", errors):
        return None
    label: dict[str, str] = {}
    if "label" in raw:
        label = _translations(
            raw["label"], f"{where}.label", errors, required=True, max_length=MAX_METADATA_LABEL
        )
        for language, text in label.items():
            if _hides_characters(text):
                errors.append(
                    _problem(
                        f"{where}.label.{language}",
                        _("control characters and direction overrides are not allowed"),
                    )
                )
    elif default_label(str(key)) is None:
        errors.append(
            _problem(
                where,
                _(
                    '%(key)r has no default label: give it one in French and English, e.g. {"key": %(json_key)s, "label": {"fr": "…", "en": "…"}}'
                ),
                key=key,
                json_key=_json_string(str(key)),
            )
        )
    if len(errors) > before:
        return None
    if label and set(label) == set(LANGUAGES):
        return MetadataSpec(key=str(key), label=label, labelled=True)
    return MetadataSpec(key=str(key), label=default_label(str(key)) or {})


def _key_check(key: Any, where: str, errors: list[str]) -> bool:
    if not isinstance(key, str) or not key.strip():
        errors.append(_problem(where, _("give the metadata key as text, not %(value)r"), value=key))
        return False
    problems = []
    if len(key) > MAX_METADATA_KEY:
        problems.append(
            _problem(
                where,
                _("at most %(max)s characters (%(count)s given)"),
                max=MAX_METADATA_KEY,
                count=len(key),
            )
        )
    if _hides_characters(key):
        problems.append(
            _problem(where, _("control characters and direction overrides are not allowed"))
        )
    elif key != key.strip():
        problems.append(
            _problem(where, _("%(key)r starts or ends with a space"), key=key[:MAX_METADATA_KEY])
        )
    errors.extend(problems)
    return not problems


def _hides_characters(text: str) -> bool:
    """Control characters (line breaks and tabs included: a key or a label is one line) and
    bidirectional overrides, which hide or reorder what the reader sees."""
    return any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text)


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
