"""The gazetteer: GeoNames places volunteers search by name to georeference a record.

A place is one GeoNames entry (its id is GeoNames' own, so that an import updates it rather
than adding it twice); its names, the main one and the alternates (French and English names,
old spellings), are rows of `PlaceName`, one per folded key (`worker.places.gazetteer`), so
that a prefix of any of them is found by one index. On PostgreSQL that index uses
`varchar_pattern_ops` (LIKE 'prefix%' whatever the database's collation) and a trigram index
(pg_trgm, migration 0024) finds misspellings; SQLite looks prefixes up as key ranges in its
plain index.

Loaded by `manage.py gazetteer_import --builtin` (the places the platform ships) and
`manage.py gazetteer_import FILE` (a GeoNames dump); `GazetteerSource` records what was loaded.
"""

from __future__ import annotations

from django.contrib.postgres.lookups import TrigramSimilar
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKeyField(models.CharField):
    """A folded name; `key__trigram_similar` is pg_trgm's `%` (PostgreSQL only)."""


PlaceKeyField.register_lookup(TrigramSimilar)


class Place(models.Model):
    geonames_id = models.PositiveBigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    ascii_name = models.CharField(max_length=200, blank=True)
    # The alternate names kept (Latin letters, no codes), as GeoNames lists them.
    alternate_names = models.JSONField(default=list, blank=True)
    country_code = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    admin1_code = models.CharField(max_length=20, blank=True)
    admin1_name = models.CharField(max_length=200, blank=True)  # region, state
    admin2_code = models.CharField(max_length=20, blank=True)
    admin2_name = models.CharField(max_length=200, blank=True)  # département, county
    latitude = models.FloatField()
    longitude = models.FloatField()
    feature_class = models.CharField(max_length=1, blank=True)
    feature_code = models.CharField(max_length=10, blank=True)
    population = models.PositiveBigIntegerField(default=0)
    source = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return f"{self.name} ({self.country_code})"


class PlaceName(models.Model):
    # Indexed by the unique constraint, which begins with it.
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="names", db_index=False)
    key = PlaceKeyField(max_length=200)
    # The place's, again: a search within a country walks one index on (country, key).
    country_code = models.CharField(max_length=2, blank=True)

    class Meta:
        verbose_name = _("place name")
        verbose_name_plural = _("place names")
        constraints = [
            models.UniqueConstraint(fields=["place", "key"], name="place_name_unique"),
        ]
        indexes = [
            models.Index(fields=["key"], name="place_name_key", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["country_code", "key"],
                name="place_name_country_key",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.key


class GazetteerSource(models.Model):
    """What was loaded: the built-in places (with the version of the packages they came from)
    or a dump's file name, and when."""

    name = models.CharField(max_length=200, unique=True)
    version = models.CharField(max_length=200, blank=True)
    places = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("gazetteer source")
        verbose_name_plural = _("gazetteer sources")

    def __str__(self) -> str:
        return self.name
