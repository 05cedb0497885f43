"""Uploaded images follow the project's access rules."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from tasks.models import Role
from tests.factories import MembershipFactory, ProjectFactory


@pytest.fixture(autouse=True)
def _fresh_decisions():
    cache.clear()
    yield
    cache.clear()


def put(settings, relative: str) -> str:
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff image bytes")
    return f"/media/{relative}"


def test_a_members_only_projects_images_are_served_to_members_only(client, settings, outsider):
    private = ProjectFactory(visibility="members")
    url = put(settings, f"projects/{private.pk}/thumbnails/abc.jpg")
    assert client.get(url).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    cache.clear()
    client.force_login(MembershipFactory(project=private).user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\xff\xd8\xff image bytes"


def test_a_public_projects_tiles_are_public(client, settings, project):
    url = put(settings, f"projects/{project.pk}/iiif/abc/info.json")
    assert client.get(url).status_code == 200


def test_files_waiting_for_ingest_are_for_leads_only(client, settings, project, contributor, lead):
    url = put(settings, f"batches/{project.pk}/xyz/sheet.jpg")
    client.force_login(contributor)
    assert client.get(url).status_code == 404
    client.force_login(lead)
    assert client.get(url).status_code == 200


def test_other_paths_and_escapes_are_refused(client, settings, project):
    put(settings, "secret.txt")
    assert client.get("/media/secret.txt").status_code == 404
    assert client.get(f"/media/projects/{project.pk}/../../secret.txt").status_code == 404
    private = ProjectFactory(visibility="members")
    hidden = put(settings, f"projects/{private.pk}/thumbnails/abc.jpg")
    assert client.get(hidden).status_code == 404
    assert (
        client.get(f"/media/projects/{project.pk}/../{private.pk}/thumbnails/abc.jpg").status_code
        == 404
    )
    assert client.get("/media/projects/not-a-number/x.jpg").status_code == 404


def test_a_member_losing_access_is_refused_once_the_short_cache_expires(client, settings, db):
    private = ProjectFactory(visibility="members")
    member = MembershipFactory(project=private, role=Role.CONTRIBUTOR).user
    url = put(settings, f"projects/{private.pk}/thumbnails/abc.jpg")
    client.force_login(member)
    assert client.get(url).status_code == 200
    private.memberships.filter(user=member).delete()
    cache.clear()  # stands for the minute the decision is kept
    assert client.get(url).status_code == 404


def put_info(settings, project) -> str:
    relative = f"projects/{project.pk}/iiif/ab/abc/info.json"
    path = settings.MEDIA_ROOT / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {"id": f"/media/projects/{project.pk}/iiif/ab/abc", "type": "ImageService3"}
    path.write_text(json.dumps(info))
    return f"/media/{relative}"


def test_image_info_gives_its_absolute_id_and_a_public_projects_tiles_are_open_to_other_sites(
    client, settings, project
):
    response = client.get(put_info(settings, project))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content)["id"] == (
        f"http://testserver/media/projects/{project.pk}/iiif/ab/abc"
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    tile = put(settings, f"projects/{project.pk}/iiif/ab/abc/0,0,512,512/512,/0/default.jpg")
    assert client.get(tile)["Access-Control-Allow-Origin"] == "*"


def test_a_members_only_projects_tiles_are_not_offered_to_other_sites(client, settings, db):
    private = ProjectFactory(visibility="members")
    client.force_login(MembershipFactory(project=private).user)
    response = client.get(put_info(settings, private))
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
