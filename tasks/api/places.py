"""API of the gazetteer: places by name, for the map beside a geopoint field.

GET /api/projects/{slug}/places/?q=Mauriac&country=FR&region=Cantal&limit=10

Readable by whoever may see the project (as its template is): members of a private project,
anyone on a public one. Throttled per account (per address when signed out):
API_THROTTLE_PLACES, on top of the API's general limits.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.throttles import ScopedThrottle
from tasks.selectors.places import (
    COUNTRY_MAX_LENGTH,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    QUERY_MAX_LENGTH,
    REGION_MAX_LENGTH,
    PlaceQueryError,
    places_search,
)
from tasks.selectors.projects import project_for


class PlaceQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=QUERY_MAX_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="A place's name or its beginning, any accents and case; a query of fewer "
        "than two letters finds nothing.",
    )
    country = serializers.CharField(
        max_length=COUNTRY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Only places of this country: an ISO 3166-1 code (FR) or a name in English, "
        "French and the labels' languages (France, Espagne, Spain).",
    )
    region = serializers.CharField(
        max_length=REGION_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Only places of this region when a division answers to it: a name (Cantal, "
        "Bretagne), an ISO 3166-2 code (FR-15) or, with a country, a GeoNames admin code (84); "
        "otherwise places whose region is spelt so come first.",
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=LIMIT_MAX,
        default=LIMIT_DEFAULT,
        help_text=f"How many places at most (1 to {LIMIT_MAX}).",
    )


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The place's GeoNames id.")
    name = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]  # a field named "label"
        help_text="Name, region and country in the reader's language: “Mauriac, Cantal, France”."
    )
    country_code = serializers.CharField(help_text="ISO 3166-1 alpha-2; empty for none.")
    region = serializers.CharField(help_text="Its département or county, else its region.")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    kind = serializers.CharField(help_text="GeoNames feature code: PPL (a town), MT, STM…")
    population = serializers.IntegerField()


class PlaceResultsSerializer(serializers.Serializer):
    results = PlaceSerializer(
        many=True,
        help_text="Exact names first, then beginnings, then "
        "spellings alike; within each, the region's first, then the "
        "most populous.",
    )


class PlaceSearchView(APIView):
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "places"

    @extend_schema(
        parameters=[PlaceQuerySerializer],
        responses={200: PlaceResultsSerializer, **errors(400)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """Places by name (GeoNames), for georeferencing a record of this project."""
        project_for(request.user, slug)
        params = PlaceQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data: dict[str, Any] = params.validated_data
        try:
            hits = places_search(
                data["q"],
                country=data.get("country"),
                region=data.get("region"),
                limit=data["limit"],
            )
        except PlaceQueryError as error:
            raise ValidationError({error.field: [error.message]}) from error
        results = [
            {
                "id": hit.place.pk,
                "name": hit.place.name,
                "label": hit.label(),
                "country_code": hit.place.country_code,
                "region": hit.region,
                "latitude": hit.place.latitude,
                "longitude": hit.place.longitude,
                "kind": hit.place.feature_code,
                "population": hit.place.population,
            }
            for hit in hits
        ]
        return Response({"results": results})
