"""Counted sentences go through gettext's plural forms, not one fixed plural."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tasks.models import Batch, Export
from tasks.services.exports import STALLED, export_error_text


def upload_messages(client, project, language: str) -> dict:
    page = client.get(
        reverse("project-batches", args=[project.slug]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    found = re.search(r'<script id="upload-messages" type="application/json">(.*?)</script>', page)
    assert found
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("language", "one", "other"),
    [
        ("en", "%(count)s file chosen", "%(count)s files chosen"),
        ("fr", "%(count)s fichier choisi", "%(count)s fichiers choisis"),
    ],
)
def test_the_upload_page_gives_its_script_both_forms_of_files_chosen(
    client, project, lead, language, one, other
):
    client.force_login(lead)
    messages = upload_messages(client, project, language)
    assert messages["chosen"] == {"one": one, "other": other}
    assert set(messages["ingest"]) == {"one", "other"}
    assert messages["ingest"]["one"] != messages["ingest"]["other"]


def test_an_export_that_stopped_once_says_time_not_times(db):
    export = Export(error=STALLED, attempts=1)
    assert export_error_text(export) == "The export failed: it stopped 1 time without finishing"
    with translation.override("fr"):
        assert "1 fois" in export_error_text(export)


@pytest.mark.parametrize(
    ("language", "total", "shown"),
    [
        ("en", 1, "1 of 1 image ready, 0 failed"),
        ("en", 3, "1 of 3 images ready, 0 failed"),
        ("fr", 1, "Image prête : 1 sur 1, en échec : 0"),
    ],
)
def test_a_projects_batches_count_their_images_in_the_right_number(
    client, project, lead, language, total, shown
):
    Batch.objects.create(project=project, name="first", files_total=total, files_ok=1)
    client.force_login(lead)
    page = client.get(
        reverse("project-detail", args=[project.slug]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert f"<small data-batch-counts>{shown}</small>" in page
