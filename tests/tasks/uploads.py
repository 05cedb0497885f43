"""Uploading batches through the API, and reading what became of their files."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.services.batch_sources import Incoming
from tasks.services.batches import batch_create


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def post_batch(api, user, project, committed, **data):
    api.force_authenticate(user)
    with committed():
        response = api.post(f"/api/projects/{project.slug}/batches/", data, format="multipart")
    return response


def batch_status(api, batch_id):
    response = api.get(f"/api/batches/{batch_id}/")
    assert response.status_code == 200, response.content
    return response.json()


def failures(body):
    return {failure["file"]: failure["error"] for failure in body["failed"]}


def codes(body):
    return {failure["file"]: failure["code"] for failure in body["failed"]}


def stored_batch(project, lead, files):
    """A batch of `files` (name, bytes) stored without starting its ingest."""
    return batch_create(
        project=project,
        actor=lead,
        uploads=[Incoming.from_upload(upload(name, data)) for name, data in files],
        start=False,
    )
