"""Files and generated documents hold no database connection while their bytes go out, and are
handed to a front web server (X-Accel-Redirect, X-Sendfile) when one is configured."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from tasks.models import Export, ExportState
from tests.factories import MembershipFactory, ProjectFactory
from tests.helpers import api_client, page_client
from tests.tasks.test_iiif_views import annotated_batch

ZIP_BYTES = b"PK\x05\x06" + b"\x00" * 18  # an empty zip


@pytest.fixture(autouse=True)
def _fresh_decisions():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def closable():
    """Whether a connection was given back shows as `connection.connection is None`, except on
    an in-memory SQLite database, which ignores close (closing would lose it)."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database keeps its connection open")


def finished_export(settings, project, lead, path="3/demo-export.zip"):
    file = settings.EXPORT_ROOT / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(ZIP_BYTES)
    return Export.objects.create(
        project=project,
        format="csv",
        state=ExportState.DONE,
        requested_by=lead,
        base_url="http://testserver/",
        path=path,
        size=len(ZIP_BYTES),
        finished_at=timezone.now(),
    )


def put_media(settings, relative: str) -> str:
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff image bytes")
    return f"/media/{relative}"


def test_an_export_download_names_the_file_for_nginx_and_sends_no_bytes(settings, project, lead):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    export = finished_export(settings, project, lead)
    response = api_client(lead).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/internal/exports/3/demo-export.zip"
    assert response.content == b""
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Cache-Control"] == "private"


def test_an_export_download_gives_apache_the_files_path_with_x_sendfile(settings, project, lead):
    settings.SENDFILE_HEADER = "X-Sendfile"
    export = finished_export(settings, project, lead)
    response = api_client(lead).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert response["X-Sendfile"] == str((settings.EXPORT_ROOT / export.path).resolve())
    assert response.content == b""


def test_without_a_front_server_the_platform_streams_the_export_itself(settings, project, lead):
    export = finished_export(settings, project, lead)
    response = api_client(lead).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert b"".join(response.streaming_content) == ZIP_BYTES
    assert response["Cache-Control"] == "private"


def test_a_refused_download_names_no_file(settings, project, lead, contributor):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    export = finished_export(settings, project, lead)
    response = api_client(contributor).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 403
    assert "X-Accel-Redirect" not in response


def test_a_members_only_image_is_handed_to_nginx_typed_and_private_after_the_check(
    client, settings, outsider
):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    private = ProjectFactory(visibility="members")
    url = put_media(settings, f"projects/{private.pk}/iiif/a b/0,0,512,512/256,/0/default.jpg")
    client.force_login(outsider)
    refused = client.get(url)
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
    cache.clear()
    client.force_login(MembershipFactory(project=private).user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        f"/internal/media/projects/{private.pk}/iiif/a%20b/0,0,512,512/256,/0/default.jpg"
    )
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    assert "Access-Control-Allow-Origin" not in response


def test_a_missing_image_is_a_404_not_a_name_for_nginx(client, settings, project):
    settings.SENDFILE_HEADER = "X-Accel-Redirect"
    settings.SENDFILE_MEDIA_LOCATION = "/protected/media/"
    response = client.get(f"/media/projects/{project.pk}/thumbnails/none.jpg")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
    url = put_media(settings, f"projects/{project.pk}/thumbnails/a.jpg")
    response = client.get(url)
    assert (
        response["X-Accel-Redirect"] == f"/protected/media/projects/{project.pk}/thumbnails/a.jpg"
    )
    assert response["Cache-Control"] == "public"
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.django_db(transaction=True)
def test_an_export_download_gives_its_database_connection_back_before_the_bytes(settings, closable):
    project = ProjectFactory()
    lead = MembershipFactory(project=project, role="lead").user
    export = finished_export(settings, project, lead)
    response = api_client(lead).get(f"/api/exports/{export.pk}/download/")
    assert response.status_code == 200
    # The view read the database (access check, the export's row) and let go of it.
    assert connection.connection is None
    assert b"".join(response.streaming_content) == ZIP_BYTES


@pytest.mark.django_db(transaction=True)
def test_a_live_manifest_reads_its_rows_first_and_streams_without_a_connection(closable):
    project = ProjectFactory(data_open=True)
    batch, _task = annotated_batch(project)
    response = page_client().get(f"/iiif/{project.slug}/batch-{batch.pk}/manifest.json")
    assert response.status_code == 200
    assert connection.connection is None
    body = b"".join(response.streaming_content)
    assert b"Quercus ilex L." in body
    # Making the document asked nothing more of the database.
    assert connection.connection is None
