"""A small gazetteer for the search and API tests, written through the import service."""

from __future__ import annotations

from tasks.services.places import places_import
from worker.places.gazetteer import PlaceRow, alternates_kept

ARA, NA, IDF = "Auvergne-Rhône-Alpes", "Nouvelle-Aquitaine", "Île-de-France"


def place(
    geonames_id,
    name,
    country,
    lat,
    lon,
    population,
    admin1="",
    a1_name="",
    a2_name="",
    alternates=(),
    code="PPL",
):
    return PlaceRow(
        geonames_id=geonames_id,
        name=name,
        ascii_name="",
        alternate_names=alternates_kept(alternates, main=name),
        country_code=country,
        latitude=lat,
        longitude=lon,
        feature_class="P",
        feature_code=code,
        population=population,
        admin1_code=admin1,
        admin1_name=a1_name,
        admin2_name=a2_name,
    )


PLACES = [
    place(2995024, "Mauriac", "FR", 45.21899, 2.33353, 3955, "84", ARA, "Cantal"),
    # Not GeoNames': a namesake larger than the Cantal's, and a larger place it begins.
    place(9000001, "Mauriac", "FR", 44.75, -0.05, 6000, "75", NA, "Gironde"),
    place(9000002, "Mauriac-sur-Dordogne", "FR", 45.0, 1.9, 50000, "75", NA, "Corrèze"),
    place(
        2980104,
        "Saint-Flour",
        "FR",
        45.03374,
        3.09297,
        7499,
        "84",
        ARA,
        "Cantal",
        alternates=("Fort-Cantal", "Fort-Libre", "Mont-Flour"),
    ),
    place(3035843, "Aurillac", "FR", 44.92539, 2.43983, 27338, "84", ARA, "Cantal"),
    place(2976341, "Salers", "FR", 45.13975, 2.49499, 350, "84", ARA, "Cantal"),
    place(
        2996944,
        "Lyon",
        "FR",
        45.74846,
        4.84671,
        522969,
        "84",
        ARA,
        "Rhône",
        alternates=("Lugdunum", "Lyons", "Lione", "LYS"),
    ),
    place(2980919, "Sainte-Foy-lès-Lyon", "FR", 45.73375, 4.80259, 21758, "84", ARA, "Rhône"),
    place(
        2986495,
        "Le Puy-en-Velay",
        "FR",
        45.04366,
        3.88523,
        18995,
        "84",
        ARA,
        "Haute-Loire",
        alternates=("Anicium",),
    ),
    place(3005825, "L'Haÿ-les-Roses", "FR", 48.78, 2.33, 30000, "11", IDF, "Val-de-Marne"),
    place(
        2988507,
        "Paris",
        "FR",
        48.85341,
        2.3488,
        2138551,
        "11",
        IDF,
        "Paris",
        alternates=("Lutetia", "Parigi", "Париж"),
    ),
    place(4717560, "Paris", "US", 33.66094, -95.55551, 24171, "TX", "Texas", "Lamar County"),
    place(
        3128760,
        "Barcelona",
        "ES",
        41.38879,
        2.15899,
        1620343,
        "CT",
        "Catalonia",
        "Província de Barcelona",
        alternates=("Barcelone", "Barcellona"),
    ),
]


def gazetteer_small() -> list[PlaceRow]:
    places_import(rows=PLACES, source="tests")
    return PLACES
