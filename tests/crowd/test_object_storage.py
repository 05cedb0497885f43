"""MEDIA_STORAGE=s3 without a storage server: the settings are checked and name the variable,
the pages keep the platform's own media addresses, and a members-only file is answered with a
redirect to a short-lived signed address only after the access check (signing needs no
network). The real server's scenario is in tests/stack/test_object_storage.py."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage

from crowd.config import ConfigError, Env, s3_config
from crowd.storage import media_files
from tests.crowd.test_config import run_django
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory

ENDPOINT = "http://127.0.0.1:9"  # never contacted: signing is local
GOOD = {
    "S3_ENDPOINT_URL": "https://s3.example.org",
    "S3_BUCKET": "herbarium-media",
    "S3_ACCESS_KEY_ID": "key",
    "S3_SECRET_ACCESS_KEY": "secret",
}


def _config(**changes: str):
    return s3_config(Env({**GOOD, **changes}))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"S3_ENDPOINT_URL": ""}, "S3_ENDPOINT_URL must be set with MEDIA_STORAGE=s3"),
        ({"S3_ENDPOINT_URL": "s3.example.org"}, "S3_ENDPOINT_URL='s3.example.org' is not"),
        ({"S3_ENDPOINT_URL": "https://s3.example.org/bucket"}, "without a path"),
        ({"S3_ENDPOINT_URL": "https://k:s@s3.example.org"}, "without a path or credentials"),
        ({"S3_ENDPOINT_URL": "https://s3.example.org:99999"}, "is not a storage address"),
        ({"S3_BUCKET": ""}, "S3_BUCKET must be set"),
        ({"S3_BUCKET": "Herbier_2024"}, "S3_BUCKET='Herbier_2024' is not a bucket name"),
        ({"S3_BUCKET": "ab"}, "is not a bucket name"),
        ({"S3_SECRET_ACCESS_KEY": ""}, "S3_ACCESS_KEY_ID is set without S3_SECRET_ACCESS_KEY"),
        ({"S3_ACCESS_KEY_ID": ""}, "S3_SECRET_ACCESS_KEY is set without S3_ACCESS_KEY_ID"),
        ({"S3_REGION": "Paris 1"}, "S3_REGION='Paris 1' is not a region name"),
        ({"S3_ADDRESSING_STYLE": "dns"}, "S3_ADDRESSING_STYLE='dns' is not one of"),
        ({"S3_EXPORTS_PREFIX": "projects"}, "would mix exports with media"),
        ({"S3_EXPORTS_PREFIX": "a/../b"}, "is not a plain folder name"),
        ({"S3_EXPORTS_BUCKET": "X"}, "S3_EXPORTS_BUCKET='X' is not a bucket name"),
    ],
)
def test_bad_object_storage_settings_are_refused_naming_the_variable(changes, message):
    with pytest.raises(ConfigError, match=message.replace("?", r"\?")):
        _config(**changes)


def test_exports_share_the_bucket_under_their_own_folder_or_have_their_own():
    shared = _config()
    assert (shared.exports_bucket, shared.exports_prefix) == ("herbarium-media", "exports")
    apart = _config(S3_EXPORTS_BUCKET="herbarium-exports")
    assert (apart.exports_bucket, apart.exports_prefix) == ("herbarium-exports", "")
    # Credentials may come from the machine (AWS_* variables, an instance role).
    assert _config(S3_ACCESS_KEY_ID="", S3_SECRET_ACCESS_KEY="").access_key == ""


def test_signed_addresses_come_from_the_endpoint_or_the_bucket_s_own_host():
    assert _config().media_origin == "https://s3.example.org"
    virtual = _config(S3_ADDRESSING_STYLE="virtual", S3_ENDPOINT_URL="https://s3.example.org:8443")
    assert virtual.media_origin == "https://herbarium-media.s3.example.org:8443"


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"MEDIA_STORAGE": "nfs"}, "MEDIA_STORAGE='nfs' is not one of 'local', 's3'"),
        ({"MEDIA_STORAGE": "s3"}, "S3_ENDPOINT_URL must be set with MEDIA_STORAGE=s3"),
        ({"MEDIA_STORAGE": "s3", "SERVE_MEDIA": "0", **GOOD}, "SERVE_MEDIA=0 does not go with"),
        ({"MEDIA_STORAGE": "s3", "S3_SIGNED_URL_SECONDS": "5", **GOOD}, "below the minimum"),
    ],
)
def test_the_platform_refuses_to_start_on_bad_object_storage_settings(environment, message):
    result = run_django("", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_with_object_storage_pages_may_show_images_from_the_storage_and_media_is_served():
    code = (
        "import json; from django.conf import settings; print(json.dumps(["
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], settings.SERVE_MEDIA, "
        "{k: v['BACKEND'] for k, v in settings.STORAGES.items()}]))"
    )
    result = run_django(code, DEBUG="0", SECRET_KEY="x" * 60, ALLOWED_HOSTS="a.example.org",
                        EXPORT_PSEUDONYM_KEY="p" * 40, MEDIA_STORAGE="s3", **GOOD)  # fmt: skip
    assert result.returncode == 0, result.stderr
    sources, serve_media, backends = json.loads(result.stdout)
    assert sources == [
        "'self'",
        "data:",
        "https://tile.openstreetmap.org",
        "https://s3.example.org",
    ]
    assert serve_media is True
    assert backends["default"] == "crowd.storage.MediaObjectStorage"
    assert backends["exports"] == "crowd.storage.ObjectStorage"


@pytest.fixture
def s3_settings(settings):
    options = {
        "endpoint_url": ENDPOINT,
        "bucket_name": "media",
        "access_key": "key",
        "secret_key": "secret",
        "region_name": "us-east-1",
    }
    settings.S3_SIGNED_URL_SECONDS = 120
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "crowd.storage.MediaObjectStorage", "OPTIONS": options},
        "exports": {
            "BACKEND": "crowd.storage.ObjectStorage",
            "OPTIONS": {**options, "location": "exports"},
        },
    }
    cache.clear()
    yield settings
    cache.clear()


def test_file_fields_keep_the_platform_s_own_address(s3_settings):
    assert not media_files().local
    assert default_storage.url("projects/3/thumbnails/ab/abc.jpg") == (
        "/media/projects/3/thumbnails/ab/abc.jpg"
    )
    task = TaskFactory.build(project=ProjectFactory.build(pk=3))
    task.image.name = "projects/3/originals/ab/abc.jpg"
    assert task.image.url == "/media/projects/3/originals/ab/abc.jpg"


def test_a_members_only_file_redirects_a_member_to_a_short_lived_signed_address(
    s3_settings, client, outsider
):
    private = ProjectFactory(visibility="members")
    url = f"/media/projects/{private.pk}/originals/ab/abc.jpg"
    client.force_login(outsider)
    refused = client.get(url)
    assert refused.status_code == 404
    assert "Location" not in refused
    cache.clear()
    client.force_login(MembershipFactory(project=private).user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, max-age=60"
    assert "Access-Control-Allow-Origin" not in response
    signed = urlsplit(response["Location"])
    assert f"{signed.scheme}://{signed.netloc}" == ENDPOINT
    assert signed.path == f"/media/projects/{private.pk}/originals/ab/abc.jpg"
    query = parse_qs(signed.query)
    assert query["X-Amz-Expires"] == ["120"]
    assert query["response-content-type"] == ["image/jpeg"]
    assert query["response-cache-control"] == ["private, max-age=120"]
    assert "response-content-disposition" not in query


def test_a_signed_file_of_an_unknown_kind_is_a_download(s3_settings, client, lead, project):
    # Files waiting for ingest are for leads only, whatever the project's visibility.
    client.force_login(lead)
    response = client.get(f"/media/batches/{project.pk}/xyz/000001")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["response-content-type"] == ["application/octet-stream"]
    assert query["response-content-disposition"] == ["attachment"]


def test_stored_names_never_climb_out_of_the_root(settings):
    files = media_files()
    for name in ("../secret", "projects/../../x", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="not a stored file's name"):
            files.delete_folder(name)
