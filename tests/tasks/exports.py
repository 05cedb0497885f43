"""Asking for an export through the API and downloading it."""

from __future__ import annotations

from tasks.models import Export, ExportState

VALUES = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}


def run_export(client, project, fmt, capture):
    with capture(execute=True):
        response = client.post(
            f"/api/projects/{project.slug}/exports/", {"format": fmt}, format="json"
        )
    assert response.status_code == 202, response.content
    export = Export.objects.get(pk=response.json()["id"])
    assert export.state == ExportState.DONE, export.error
    return export


def download(client, export):
    response = client.get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content), response
