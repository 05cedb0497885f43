"""What the map beside geopoint fields needs on a page: its tiles, their credit, its API."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from tasks.models import Project

register = template.Library()


@register.simple_tag
def map_config(project: Project) -> dict[str, Any]:
    """For `|json_script`: the tile URL template and credit (settings), where the map opens
    (the record's region or country) and the gazetteer's search."""
    return {
        "tiles": settings.MAP_TILES_URL,
        "attribution": settings.MAP_TILES_ATTRIBUTION,
        "area": reverse("api-map-area", args=[project.slug]),
        # The gazetteer's search (GET ?q=&country=&region=&limit=).
        "places": f"/api/projects/{project.slug}/places/",
    }
