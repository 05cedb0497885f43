"""Stack tier: the platform on a real S3-compatible server (SeaweedFS, tests/s3_server.py),
with MEDIA_STORAGE=s3. An uploaded batch's original, thumbnail and tiles land in the bucket and
nothing stays on the machine; a members-only project's image is refused to an outsider and
reaches a member through a short-lived signed address; a public project's tiles are relayed
with the platform's CORS and cache headers; an export is stored in the bucket and downloaded
through a signed address; `check_integrity` reads the bucket; a purge empties it."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.images import image_bytes
from tests.s3_server import EXPORTS_PREFIX, S3Server
from tests.servers import full_stack
from tests.web import api_token, login, readiness_until

pytestmark = pytest.mark.stack

PRIVATE = "s3-members"
PUBLIC = "s3-public"


@pytest.fixture(scope="module")
def s3():
    with S3Server() as server:
        yield server


@pytest.fixture(scope="module")
def s3_stack(tmp_path_factory, s3):
    with full_stack(tmp_path_factory.mktemp("s3"), separate="s3", env=s3.env) as running:
        yield running


@pytest.fixture(scope="module")
def lead(s3_stack):
    token = api_token(s3_stack.base_url, "lead", DEMO_PASSWORD)
    with httpx.Client(
        base_url=s3_stack.base_url,
        headers={"Authorization": f"Token {token}", "Accept-Language": "en"},
        timeout=60,
    ) as client:
        yield client


def _project(lead: httpx.Client, slug: str, visibility: str) -> None:
    created = lead.post(
        "/api/projects/",
        json={
            "slug": slug,
            "title_fr": slug,
            "title_en": slug,
            "preset": "herbarium",
            "visibility": visibility,
        },
    )
    assert created.status_code == 201, created.text
    opened = lead.patch(f"/api/projects/{slug}/", json={"status": "active"})
    assert opened.status_code == 200, opened.text


def _ingested(lead: httpx.Client, slug: str, image: bytes) -> tuple[int, dict]:
    """Upload `image` as a batch of one, wait for its ingest; the project's id and the task."""
    response = lead.post(
        f"/api/projects/{slug}/batches/", files=[("files", ("sheet.jpg", image, "image/jpeg"))]
    )
    assert response.status_code == 201, response.text
    batch_id = response.json()["id"]
    deadline = time.monotonic() + 180
    while True:
        body = lead.get(f"/api/batches/{batch_id}/").json()
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert body["state"] == "done", body
    assert body["counts"]["ok"] == 1, body
    tasks = lead.get(f"/api/projects/{slug}/tasks/").json()["results"]
    assert len(tasks) == 1
    # /media/projects/<id>/originals/…
    return int(urlsplit(tasks[0]["image"]).path.split("/")[3]), tasks[0]


@pytest.fixture(scope="module")
def private_task(lead, s3_stack):
    _project(lead, PRIVATE, "members")
    image = image_bytes((1300, 900), format="JPEG", seed=71)
    project_id, task = _ingested(lead, PRIVATE, image)
    return project_id, image, task


@pytest.fixture(scope="module")
def public_task(lead, s3_stack):
    _project(lead, PUBLIC, "public")
    image = image_bytes((700, 500), format="JPEG", seed=72)
    project_id, task = _ingested(lead, PUBLIC, image)
    return project_id, image, task


def test_an_ingested_batch_writes_original_thumbnail_and_tiles_into_the_bucket(
    s3, s3_stack, private_task
):
    project_id, _image, task = private_task
    keys = s3.keys(f"projects/{project_id}/")
    originals = [key for key in keys if "/originals/" in key]
    thumbnails = [key for key in keys if "/thumbnails/" in key]
    tiles = [key for key in keys if "/iiif/" in key]
    assert len(originals) == 1, keys
    assert originals[0].endswith(".jpg"), keys
    assert len(thumbnails) == 1, keys
    assert any(key.endswith("/info.json") for key in tiles), keys
    assert len([key for key in tiles if key.endswith("/0/default.jpg")]) > 4, keys
    # The task names these very objects, through the platform's own addresses.
    assert task["image"] == f"{s3_stack.base_url}/media/{originals[0]}"
    assert task["iiif"].startswith(f"{s3_stack.base_url}/media/projects/{project_id}/iiif/")
    # The waiting upload went to the bucket, and left it once ingested; nothing is on disk.
    assert s3.keys(f"batches/{project_id}/") == []
    media = Path(s3_stack.env["MEDIA_ROOT"])
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_a_members_only_image_is_refused_to_an_outsider_and_signed_for_a_member(
    s3, s3_stack, lead, private_task
):
    _project_id, image, task = private_task
    assert httpx.get(task["image"], timeout=30).status_code == 404
    outsider = api_token(s3_stack.base_url, "contributor1", DEMO_PASSWORD)
    refused = httpx.get(task["image"], headers={"Authorization": f"Token {outsider}"}, timeout=30)
    # Token authentication is the API's: pages and media know sessions only.
    assert refused.status_code == 404
    member = login(s3_stack.base_url, "lead", DEMO_PASSWORD)
    redirect = member.get(task["image"])
    assert redirect.status_code == 302, redirect.text
    assert redirect.headers["cache-control"].startswith("private")
    signed = redirect.headers["location"]
    assert signed.startswith(f"{s3.endpoint_url}/{s3.bucket}/projects/")
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == ["300"]
    answer = httpx.get(signed, timeout=30)
    assert answer.status_code == 200
    assert answer.content == image
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.headers["cache-control"].startswith("private")
    # The bucket itself is not public: the same object without a signature is refused.
    assert httpx.get(signed.split("?")[0], timeout=30).status_code == 403
    # The outsider signed in gets no address either.
    other = login(s3_stack.base_url, "contributor1", DEMO_PASSWORD)
    assert other.get(task["image"]).status_code == 404


def test_a_public_projects_tiles_are_relayed_with_their_cors_and_cache_headers(
    s3_stack, public_task
):
    _project_id, _image, task = public_task
    info = httpx.get(task["iiif"], timeout=30)
    assert info.status_code == 200
    assert info.headers["access-control-allow-origin"] == "*"
    document = info.json()
    assert document["id"] == task["iiif"].removesuffix("/info.json")
    smallest = min(document["sizes"], key=lambda size: size["width"])
    tile_url = f"{document['id']}/full/{smallest['width']},{smallest['height']}/0/default.jpg"
    tile = httpx.get(tile_url, timeout=30, headers={"Origin": "https://viewer.example.org"})
    assert tile.status_code == 200
    assert tile.content.startswith(b"\xff\xd8\xff")
    assert tile.headers["content-type"] == "image/jpeg"
    assert tile.headers["access-control-allow-origin"] == "*"
    assert tile.headers["cache-control"] == "public"
    assert tile.headers["x-content-type-options"] == "nosniff"
    assert tile.headers["content-security-policy"].startswith("sandbox")
    again = httpx.get(tile_url, timeout=30, headers={"If-None-Match": tile.headers["etag"]})
    assert again.status_code == 304


def test_an_export_is_stored_in_the_bucket_and_downloaded_through_a_signed_address(
    s3, s3_stack, lead, private_task
):
    project_id, _image, _task = private_task
    asked = lead.post(f"/api/projects/{PRIVATE}/exports/", json={"format": "csv"})
    assert asked.status_code == 202, asked.text
    export_id = asked.json()["id"]
    deadline = time.monotonic() + 180
    while True:
        export = lead.get(f"/api/exports/{export_id}/").json()
        if export["state"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert export["state"] == "done", export
    stored = s3.keys(f"{EXPORTS_PREFIX}/{project_id}/")
    assert len(stored) == 1, stored
    assert stored[0].endswith("-csv.zip"), stored
    redirect = lead.get(export["download"])
    assert redirect.status_code == 302, redirect.text
    signed = redirect.headers["location"]
    assert signed.startswith(f"{s3.endpoint_url}/{s3.bucket}/{EXPORTS_PREFIX}/")
    assert parse_qs(urlsplit(signed).query)["X-Amz-Expires"] == ["300"]
    download = httpx.get(signed, timeout=30)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert f"{PRIVATE}-" in download.headers["content-disposition"]
    assert zipfile.ZipFile(io.BytesIO(download.content)).testzip() is None
    contributor = api_token(s3_stack.base_url, "contributor1", DEMO_PASSWORD)
    refused = httpx.get(
        f"{s3_stack.base_url}{export['download']}",
        headers={"Authorization": f"Token {contributor}"},
        timeout=30,
        follow_redirects=False,
    )
    assert refused.status_code in (403, 404)
    assert "location" not in refused.headers


def test_check_integrity_reads_the_bucket(s3, s3_stack, private_task, public_task):
    report = json.loads(s3_stack.manage("check_integrity", "--json"))
    assert report["ok"] is True, report
    project_id, _image, _task = private_task
    stray = f"projects/{project_id}/thumbnails/zz/stray.jpg"
    s3.client().put_object(Bucket=s3.bucket, Key=stray, Body=b"\xff\xd8\xff stray")
    try:
        result = s3_stack.manage_result("check_integrity", "--json")
    finally:
        s3.client().delete_object(Bucket=s3.bucket, Key=stray)
    assert result.returncode == 1
    orphans = next(c for c in json.loads(result.stdout)["checks"] if c["check"] == "orphan files")
    assert orphans["examples"] == [stray]


def test_a_purged_project_leaves_nothing_in_the_bucket(s3, s3_stack, lead, private_task):
    project_id, _image, _task = private_task
    assert s3.keys(f"projects/{project_id}/")
    assert lead.delete(f"/api/projects/{PRIVATE}/").status_code in (200, 204)
    target = Path(s3_stack.logs) / "purged.jsonl"
    s3_stack.manage("project_purge", PRIVATE, "--export", str(target))
    assert target.is_file()
    assert s3.keys(f"projects/{project_id}/") == []
    assert s3.keys(f"{EXPORTS_PREFIX}/{project_id}/") == []


def test_readiness_asks_the_bucket(s3_stack):
    """The storage server answers a HEAD on the bucket: the storages are ready parts."""

    def stores(answer: httpx.Response) -> tuple[str, str]:
        parts = answer.json()["parts"]
        return parts["media_storage"], parts["exports_storage"]

    answer = readiness_until(s3_stack.base_url, lambda r: stores(r) == ("ok", "ok"))
    assert stores(answer) == ("ok", "ok")
