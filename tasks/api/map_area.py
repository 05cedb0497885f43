"""Where the map of a geopoint field opens: GET /api/projects/{slug}/map-area/?country=&region="""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from tasks.roles import Capability
from tasks.selectors.map_area import NAME_MAX, map_area
from tasks.selectors.projects import project_for


class MapAreaQuerySerializer(serializers.Serializer):
    country = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX)
    region = serializers.CharField(required=False, allow_blank=True, max_length=NAME_MAX)


class MapAreaSerializer(serializers.Serializer):
    box = serializers.ListField(
        child=serializers.FloatField(),
        allow_null=True,
        help_text="[south, west, north, east] in decimal degrees (west > east across 180°); "
        "null when neither the region nor the country is known.",
    )


class MapAreaView(APIView):
    """The box of the record's region, else of its country: where the map beside a geopoint
    field opens. For the project's contributors, as the transcription page is."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("country", str, description="A country's name or ISO code."),
            OpenApiParameter("region", str, description="A region's name or ISO 3166-2 code."),
        ],
        responses={200: MapAreaSerializer, **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        project_for(request.user, slug, Capability.VIEW)
        query = MapAreaQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        box = map_area(
            country=query.validated_data.get("country", ""),
            region=query.validated_data.get("region", ""),
        )
        body = {"box": None if box is None else [box.south, box.west, box.north, box.east]}
        return Response(MapAreaSerializer(body).data)
