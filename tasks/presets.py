"""Built-in templates a lead can start a project from.

Keys are the export standard's own names where one exists, so that exports need no renaming.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (name in French, synonyms: English name, ISO code)
_COUNTRIES = [
    ("France", ["FR"]),
    ("Espagne", ["Spain", "España", "ES"]),
    ("Italie", ["Italy", "Italia", "IT"]),
    ("Suisse", ["Switzerland", "Schweiz", "CH"]),
    ("Belgique", ["Belgium", "België", "BE"]),
    ("Allemagne", ["Germany", "Deutschland", "DE"]),
    ("Portugal", ["PT"]),
    ("Royaume-Uni", ["United Kingdom", "Angleterre", "UK", "GB"]),
    ("Autriche", ["Austria", "Österreich", "AT"]),
    ("Grèce", ["Greece", "GR"]),
    ("Luxembourg", ["LU"]),
    ("Monaco", ["MC"]),
    ("Andorre", ["Andorra", "AD"]),
    ("Algérie", ["Algeria", "DZ"]),
    ("Maroc", ["Morocco", "MA"]),
    ("Tunisie", ["Tunisia", "TN"]),
    ("Égypte", ["Egypt", "EG"]),
    ("Sénégal", ["Senegal", "SN"]),
    ("Madagascar", ["MG"]),
    ("Turquie", ["Turkey", "Türkiye", "TR"]),
    ("Liban", ["Lebanon", "LB"]),
    ("Canada", ["CA"]),
    ("Vietnam", ["Viêt Nam", "VN"]),
]

# French départements with their numbers as synonyms (labels often print "Isère (38)").
_DEPARTEMENTS = (
    "01 Ain|02 Aisne|03 Allier|04 Alpes-de-Haute-Provence|05 Hautes-Alpes|06 Alpes-Maritimes|07 Ardèche|"
    "08 Ardennes|09 Ariège|10 Aube|11 Aude|12 Aveyron|13 Bouches-du-Rhône|14 Calvados|15 Cantal|"
    "16 Charente|17 Charente-Maritime|18 Cher|19 Corrèze|2A Corse-du-Sud|2B Haute-Corse|21 Côte-d'Or|"
    "22 Côtes-d'Armor|23 Creuse|24 Dordogne|25 Doubs|26 Drôme|27 Eure|28 Eure-et-Loir|29 Finistère|"
    "30 Gard|31 Haute-Garonne|32 Gers|33 Gironde|34 Hérault|35 Ille-et-Vilaine|36 Indre|37 Indre-et-Loire|"
    "38 Isère|39 Jura|40 Landes|41 Loir-et-Cher|42 Loire|43 Haute-Loire|44 Loire-Atlantique|45 Loiret|"
    "46 Lot|47 Lot-et-Garonne|48 Lozère|49 Maine-et-Loire|50 Manche|51 Marne|52 Haute-Marne|53 Mayenne|"
    "54 Meurthe-et-Moselle|55 Meuse|56 Morbihan|57 Moselle|58 Nièvre|59 Nord|60 Oise|61 Orne|"
    "62 Pas-de-Calais|63 Puy-de-Dôme|64 Pyrénées-Atlantiques|65 Hautes-Pyrénées|66 Pyrénées-Orientales|"
    "67 Bas-Rhin|68 Haut-Rhin|69 Rhône|70 Haute-Saône|71 Saône-et-Loire|72 Sarthe|73 Savoie|"
    "74 Haute-Savoie|75 Paris|76 Seine-Maritime|77 Seine-et-Marne|78 Yvelines|79 Deux-Sèvres|80 Somme|"
    "81 Tarn|82 Tarn-et-Garonne|83 Var|84 Vaucluse|85 Vendée|86 Vienne|87 Haute-Vienne|88 Vosges|"
    "89 Yonne|90 Territoire de Belfort|91 Essonne|92 Hauts-de-Seine|93 Seine-Saint-Denis|94 Val-de-Marne|"
    "95 Val-d'Oise|971 Guadeloupe|972 Martinique|973 Guyane|974 La Réunion|976 Mayotte"
)


def _departements() -> list[dict[str, Any]]:
    options = []
    for item in _DEPARTEMENTS.split("|"):
        number, name = item.split(" ", 1)
        options.append({"value": name, "synonyms": [number]})
    return options


def _countries() -> list[dict[str, Any]]:
    return [{"value": name, "synonyms": synonyms} for name, synonyms in _COUNTRIES]


def _field(key: str, type_: str, fr: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": type_, "label": {"fr": fr, "en": en}, **extra}


HERBARIUM_FIELDS: list[dict[str, Any]] = [
    _field(
        "scientificName",
        "text",
        "Nom scientifique",
        "Scientific name",
        required=True,
        help={
            "fr": "Tel qu'écrit sur l'étiquette, avec l'auteur s'il figure (ex. Quercus pubescens Willd.).",
            "en": "As written on the label, with the author if given (e.g. Quercus pubescens Willd.).",
        },
        mapping={"dwc": "scientificName"},
        weight=3,
    ),
    _field(
        "recordedBy",
        "text",
        "Collecteur",
        "Collector",
        help={
            "fr": "Le ou les récolteurs (« leg. »), comme sur l'étiquette.",
            "en": 'The collector(s) ("leg."), as on the label.',
        },
        mapping={"dwc": "recordedBy"},
        weight=2,
    ),
    _field(
        "recordNumber",
        "text",
        "Numéro de récolte",
        "Collector number",
        help={
            "fr": "Le numéro du collecteur (« n° »), pas le code-barres.",
            "en": 'The collector\'s number ("n°"), not the barcode.',
        },
        validation={"max_length": 40},
        mapping={"dwc": "recordNumber"},
    ),
    _field(
        "eventDate",
        "date",
        "Date de récolte",
        "Collection date",
        help={
            "fr": "Saisissez la date comme elle est écrite : 12 juin 1898, 12/06/1898, juin 1898 ou 1898.",
            "en": "Type the date as written: 12 juin 1898, 12/06/1898, June 1898 or 1898.",
        },
        validation={"min_year": 1600, "max_year": 2100},
        mapping={"dwc": "eventDate"},
        weight=2,
    ),
    _field(
        "country",
        "select",
        "Pays",
        "Country",
        vocabulary=_countries(),
        help={
            "fr": "Le pays de récolte, même s'il n'est pas écrit mais évident (une ville française).",
            "en": "The country of collection, also when only implied (a French town).",
        },
        mapping={"dwc": "country"},
    ),
    _field(
        "stateProvince",
        "select",
        "Région (département)",
        "Region (département)",
        vocabulary=_departements(),
        help={
            "fr": "Le département, pour les récoltes en France.",
            "en": "The département, for French collections.",
        },
        mapping={"dwc": "stateProvince"},
    ),
    _field(
        "locality",
        "text",
        "Localité",
        "Locality",
        help={"fr": "Le lieu précis, tel qu'écrit.", "en": "The precise place, as written."},
        mapping={"dwc": "locality"},
    ),
    _field(
        "habitat",
        "text",
        "Habitat",
        "Habitat",
        help={
            "fr": "Le milieu (prairie, bois, rochers…), tel qu'écrit.",
            "en": "The habitat (meadow, wood, rocks…), as written.",
        },
        mapping={"dwc": "habitat"},
    ),
    _field(
        "minimumElevationInMeters",
        "number",
        "Altitude (m)",
        "Elevation (m)",
        help={
            "fr": "En mètres ; « 650 m », « 1 200 » sont compris, et « 2130 ft » ou « 2130 pieds » convertis.",
            "en": 'In metres; "650 m" or "1,200" are understood, "2130 ft" or "2130 pieds" converted.',
        },
        validation={"min": -500, "max": 9000, "integer": True},
        mapping={"dwc": "minimumElevationInMeters"},
        unit="m",
    ),
    _field(
        "coordinates",
        "geopoint",
        "Coordonnées",
        "Coordinates",
        help={
            "fr": "Latitude et longitude, en décimal (45.1885, 5.7245) ou en degrés (45°11'19\"N 5°43'28\"E).",
            "en": "Latitude and longitude, decimal (45.1885, 5.7245) or degrees (45°11'19\"N 5°43'28\"E).",
        },
        mapping={"dwc": ["decimalLatitude", "decimalLongitude"]},
    ),
]

# A herbarium project with a georeference step (worker/template/steps.py), as Les Herbonautes
# runs its georeferencing: coordinates printed on the label are read with the label; a sheet
# whose label gives none is placed on a map once its locality, country and region are settled.
HERBARIUM_GEOREFERENCE_FIELDS: list[dict[str, Any]] = [
    *(field for field in HERBARIUM_FIELDS if field["key"] != "coordinates"),
    _field(
        "coordinates",
        "geopoint",
        "Coordonnées",
        "Coordinates",
        help={
            "fr": "Seulement si l'étiquette en porte : en décimal (45.1885, 5.7245) ou en degrés (45°11'19\"N 5°43'28\"E). Sinon, laissez vide : la planche sera géoréférencée ensuite.",
            "en": "Only when the label prints them: decimal (45.1885, 5.7245) or degrees (45°11'19\"N 5°43'28\"E). Otherwise leave it blank: the sheet is georeferenced afterwards.",
        },
        mapping={"dwc": ["decimalLatitude", "decimalLongitude"]},
    ),
    _field(
        "georeference",
        "geopoint",
        "Point de récolte (géoréférencement)",
        "Collection point (georeference)",
        help={
            "fr": "Le lieu de récolte d'après la localité, la commune et le département établis : latitude et longitude en décimal (45.1885, 5.7245).",
            "en": "Where the specimen was collected, from the settled locality, commune and département: latitude and longitude in decimal (45.1885, 5.7245).",
        },
        mapping={"dwc": ["decimalLatitude", "decimalLongitude"]},
        georeference=True,
    ),
]

REFERENCE_TYPES = [
    {
        "value": "article",
        "label": {"fr": "Article", "en": "Article"},
        "synonyms": ["article-journal", "art."],
    },
    {"value": "book", "label": {"fr": "Livre", "en": "Book"}, "synonyms": ["livre", "ouvrage"]},
    {
        "value": "chapter",
        "label": {"fr": "Chapitre", "en": "Chapter"},
        "synonyms": ["chapitre", "chap."],
    },
    {"value": "thesis", "label": {"fr": "Thèse", "en": "Thesis"}, "synonyms": ["thèse", "mémoire"]},
    {
        "value": "webpage",
        "label": {"fr": "Page web", "en": "Web page"},
        "synonyms": ["site", "web"],
    },
]

REFERENCE_FIELDS: list[dict[str, Any]] = [
    _field(
        "type",
        "select",
        "Type de document",
        "Document type",
        required=True,
        vocabulary=REFERENCE_TYPES,
        mapping={"csl": "type"},
    ),
    _field(
        "title",
        "text",
        "Titre",
        "Title",
        required=True,
        mapping={"csl": "title"},
        weight=3,
        help={
            "fr": "Le titre complet, sous-titre compris.",
            "en": "The full title, subtitle included.",
        },
    ),
    _field(
        "authors",
        "text",
        "Auteurs",
        "Authors",
        mapping={"csl": "author"},
        weight=2,
        help={
            "fr": "Nom, Prénom ; séparez les auteurs par un point-virgule.",
            "en": "Surname, Given name; separate authors with a semicolon.",
        },
    ),
    _field(
        "container",
        "text",
        "Revue ou ouvrage",
        "Periodical or container",
        mapping={"csl": "container-title"},
        help={
            "fr": "La revue (article) ou le livre (chapitre) où le texte paraît.",
            "en": "The periodical (article) or book (chapter) the text appears in.",
        },
    ),
    _field(
        "year",
        "date",
        "Année",
        "Year",
        mapping={"csl": "issued"},
        validation={"min_year": 1500, "max_year": 2100},
    ),
    _field(
        "volume",
        "text",
        "Volume ou numéro",
        "Volume or issue",
        mapping={"csl": "volume"},
        validation={"max_length": 40},
    ),
    _field(
        "pages",
        "text",
        "Pages",
        "Pages",
        mapping={"csl": "page"},
        validation={"max_length": 40},
        help={"fr": "Ex. 12-15, sans « p. ».", "en": 'E.g. 12-15, without "p.".'},
    ),
    _field("publisher", "text", "Éditeur", "Publisher", mapping={"csl": "publisher"}),
    _field(
        "url",
        "text",
        "Adresse web (URL)",
        "Web address (URL)",
        mapping={"csl": "URL"},
        validation={"max_length": 500},
    ),
]


PRESETS: dict[str, dict[str, Any]] = {
    "herbarium": {
        "label": _("Herbarium sheet"),
        "fields": HERBARIUM_FIELDS,
        "metadata_shown": ["catalogNumber", "institution"],
    },
    "herbarium_georeference": {
        "label": _("Herbarium sheet, with a georeference step"),
        "fields": HERBARIUM_GEOREFERENCE_FIELDS,
        "metadata_shown": ["catalogNumber", "institution"],
    },
    "reference": {
        "label": _("Bibliographic reference"),
        "fields": REFERENCE_FIELDS,
        "metadata_shown": ["cardNumber"],
    },
}


def preset_choices() -> list[tuple[str, str | Promise]]:
    return [(name, preset["label"]) for name, preset in PRESETS.items()]
