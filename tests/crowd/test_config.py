"""Settings read the environment and fail loudly, naming the variable, on bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crowd.config import ConfigError, Env, check_redis_url, database_from_url

ROOT = Path(__file__).resolve().parents[2]


def env(**values: str) -> Env:
    return Env(values)


@pytest.mark.parametrize("raw", ["maybe", "2", "oui"])
def test_a_boolean_that_is_not_one_refuses_to_start(raw):
    with pytest.raises(ConfigError, match=rf"DEBUG='{raw}' is not a boolean"):
        env(DEBUG=raw).flag("DEBUG", default=True)


def test_booleans_accept_the_usual_spellings_and_empty_means_default():
    assert env(X="yes").flag("X", default=False) is True
    assert env(X="OFF").flag("X", default=True) is False
    assert env(X="  ").flag("X", default=True) is True


def test_a_number_out_of_range_names_the_bound():
    with pytest.raises(ConfigError, match="EMAIL_PORT=70000 is above the maximum of 65535"):
        env(EMAIL_PORT="70000").number("EMAIL_PORT", default=587, maximum=65535)
    with pytest.raises(ConfigError, match="is not a whole number"):
        env(EMAIL_PORT="twenty").number("EMAIL_PORT", default=587)


def test_sizes_take_units_and_refuse_nonsense():
    assert env(S="50M").size("S", default=1) == 50 * 1024**2
    assert env(S="2 GB").size("S", default=1) == 2 * 1024**3
    with pytest.raises(ConfigError, match="is not a size"):
        env(S="lots").size("S", default=1)
    with pytest.raises(ConfigError, match="greater than zero"):
        env(S="0").size("S", default=1)


def test_rates_are_checked():
    assert env(R="30/minute").rate("R", default="1/second") == "30/minute"
    with pytest.raises(ConfigError, match="R='lots' is not a rate"):
        env(R="lots").rate("R", default="1/second")
    with pytest.raises(ConfigError, match="is not a rate"):
        env(R="10/fortnight").rate("R", default="1/second")


def test_pillow_refuses_images_over_the_configured_pixel_limit(settings):
    from PIL import Image

    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


def test_a_list_with_an_empty_item_is_refused():
    assert env(H="a.org, b.org").items("H", default=[]) == ["a.org", "b.org"]
    with pytest.raises(ConfigError, match="has an empty item"):
        env(H="a.org,,b.org").items("H", default=[])


def test_database_urls_become_django_settings():
    postgres = database_from_url(
        "postgres://crowd:s%40cret@db.local:5433/crowd?sslmode=require", base_dir="/srv"
    )
    assert postgres["ENGINE"] == "django.db.backends.postgresql"
    assert (postgres["NAME"], postgres["USER"], postgres["PASSWORD"]) == (
        "crowd",
        "crowd",
        "s@cret",
    )
    assert (postgres["HOST"], postgres["PORT"], postgres["OPTIONS"]) == (
        "db.local",
        "5433",
        {"sslmode": "require"},
    )
    sqlite = database_from_url("sqlite:///var/db.sqlite3", base_dir="/srv")
    assert sqlite["NAME"] == "/srv/var/db.sqlite3"
    assert "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]
    assert database_from_url("sqlite:////tmp/x.db", base_dir="/srv")["NAME"] == "/tmp/x.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/crowd", "unsupported scheme 'mysql'"),
        ("postgres://localhost", "names no database"),
        ("postgres://localhost:port/crowd", "port that is not a number"),
        ("sqlite://", "names no SQLite file"),
    ],
)
def test_bad_database_urls_are_refused_with_the_reason(url, message):
    with pytest.raises(ConfigError, match=message):
        database_from_url(url, base_dir="/srv")


def test_choices_are_read_as_written_in_the_list_and_others_refused():
    choices = ("", "X-Accel-Redirect", "X-Sendfile")
    assert env().choice("H", choices, default="") == ""
    assert env(H="x-accel-redirect").choice("H", choices, default="") == "X-Accel-Redirect"
    with pytest.raises(ConfigError, match="'X-Accel-Redirect', 'X-Sendfile'"):
        env(H="X-Accel").choice("H", choices, default="")


@pytest.mark.parametrize(
    "value", ["internal/", "/internal", "/a//b/", "/a/../b/", "/a b/", "/a/%2e%2e/", "/é/"]
)
def test_a_location_is_a_plain_path_between_slashes(value):
    assert env(L="/internal/media/").location("L", "/x/") == "/internal/media/"
    with pytest.raises(ConfigError, match="is not a location"):
        env(L=value).location("L", "/x/")


def test_bad_redis_urls_are_refused():
    assert check_redis_url("redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigError, match="must start with redis://"):
        check_redis_url("http://127.0.0.1:6379")
    with pytest.raises(ConfigError, match="names no host"):
        check_redis_url("redis://")


def run_django(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    # A development machine unless the test says otherwise: DEBUG is off when unset.
    clean.update({"DEBUG": "1", **environment})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "crowd.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"DEBUG": "0"}, "SECRET_KEY must be set when DEBUG is off"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS must be set when DEBUG is off"),
        ({"DATABASE_URL": "oracle://db/crowd"}, "unsupported scheme 'oracle'"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must start with redis://"),
        ({"CELERY_EAGER": "0"}, "CELERY_EAGER=0 needs a broker"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' is not one of"),
        ({"JOB_LOG_LEVEL": "LOUD"}, "JOB_LOG_LEVEL='LOUD' is not one of"),
        ({"API_THROTTLE_ANON": "lots"}, "API_THROTTLE_ANON='lots' is not a rate"),
        ({"SENDFILE_HEADER": "X-Send"}, "SENDFILE_HEADER='X-Send' is not one of"),
        ({"SENDFILE_MEDIA_LOCATION": "internal/media"}, "is not a location"),
    ],
)
def test_the_platform_refuses_to_start_on_bad_settings(environment, message):
    result = run_django("", **environment)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_platforms_on_two_databases_of_one_redis_server_hear_only_their_own_events():
    # Redis pub/sub ignores the database number: the channel names must not.
    layer = "settings.CHANNEL_LAYERS['default']['CONFIG']"
    code = f"from django.conf import settings; print({layer}.get('prefix', 'asgi'))"
    prefixes = set()
    for url in ("redis://127.0.0.1:6379/13", "redis://127.0.0.1:6379/14", "redis://127.0.0.1:6379"):
        result = run_django(code, REDIS_URL=url)
        assert result.returncode == 0, result.stderr
        prefixes.add(result.stdout)
    assert len(prefixes) == 3


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if k not in {"REDIS_URL", "ADMINS", "SENTRY_DSN"}
            },
            "DEBUG": "0",
            "SECRET_KEY": "q7!Vd0kz#pL2m@Xc9rT4wB8nE1yH6uJ3aS5fG0hK2lZ7xC4vN9bM1",
            "ALLOWED_HOSTS": "transcribe.example.org",
            "EXPORT_PSEUDONYM_KEY": "Zp4!kR9w@Lm2#Qx7vT1yB6nC3sD8fG0hJ5",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **extra,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = _check_deploy(tmp_path, ADMINS="Operators <ops@example.org>")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_says_when_errors_are_reported_nowhere(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    assert "crowd.W001" in result.stdout + result.stderr


def test_static_files_are_served_before_django_and_other_paths_reach_it(db):
    import asyncio

    from asgiref.sync import async_to_sync

    from crowd.asgi import application

    async def get(path):
        sent = []

        calls = []

        async def receive():
            calls.append(1)
            if len(calls) == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(60)  # the client stays connected
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": [(b"host", b"localhost")], "scheme": "http", "server": ("localhost", 80),
            "client": ("127.0.0.1", 1), "http_version": "1.1", "asgi": {"version": "3.0"}, "root_path": "",
        }  # fmt: skip
        await application(scope, receive, send)
        return sent

    css = async_to_sync(get)("/static/css/site.css")
    assert css[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in css[1:]).startswith(b"/*")
    missing = async_to_sync(get)("/static/no-such-file.css")
    assert missing[0]["status"] == 404
