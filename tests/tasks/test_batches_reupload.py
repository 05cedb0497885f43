"""An image uploaded again after its batch was withdrawn comes back as a task."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.models import Task
from tests.helpers import api_client
from tests.images import jpeg


def test_an_image_uploaded_again_after_withdrawal_reopens_its_task_with_the_new_batch(
    project, lead, django_capture_on_commit_callbacks
):
    api = api_client(lead)
    url = f"/api/projects/{project.slug}/batches/"
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(
            url, {"files": [SimpleUploadedFile("a.jpg", jpeg(1))]}, format="multipart"
        ).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/batches/{first['id']}/withdraw/")
    assert Task.objects.get().state == "withdrawn"
    with django_capture_on_commit_callbacks(execute=True):
        second = api.post(
            url, {"files": [SimpleUploadedFile("a-again.jpg", jpeg(1))]}, format="multipart"
        ).json()
    task = Task.objects.get()
    assert (task.state, task.batch_id) == ("open", second["id"])
    body = api.get(f"/api/batches/{second['id']}/").json()
    assert body["duplicates"] == []
