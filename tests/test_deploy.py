"""The deployment files agree with the platform: deploy/nginx/crowd.conf (its limits, its
upload locations, its folders and internal locations) and deploy/systemd/ (units that parse,
commands that exist, workers that together consume every queue as `make stack`'s do, and an
environment file the settings accept for production). The nginx file itself runs with the real
nginx in tests/stack/test_nginx.py."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from crowd import queues
from tasks.services.batch_sources import METADATA_MAX_BYTES
from tasks.services.known_answer_import import MAX_CSV_BYTES
from tasks.services.training import MAX_PICTURE_BYTES
from tests.nginx import SITE
from tests.servers import ROOT, UVICORN_FLAGS
from tests.test_queues import makefile_worker_queues

UNITS = ROOT / "deploy" / "systemd"
SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


# --- nginx ----------------------------------------------------------------------------------


@dataclass
class Block:
    """A directive of an nginx configuration, with its block's directives if it has one."""

    name: str
    args: list[str]
    children: list[Block] = field(default_factory=list)

    def find(self, name: str) -> list[Block]:
        return [child for child in self.children if child.name == name]

    def value(self, name: str) -> list[str]:
        found = self.find(name)
        assert len(found) == 1, f"{self.name} {self.args}: {len(found)} {name} directives"
        return found[0].args

    def location(self, *args: str) -> Block:
        found = [child for child in self.find("location") if child.args == list(args)]
        assert len(found) == 1, f"no single location {args}"
        return found[0]


def nginx_parse(text: str) -> Block:
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[{};]|[^\s{};]+', re.sub(r"#.*", "", text))
    root = Block("main", [])
    stack = [root]
    words: list[str] = []
    for token in tokens:
        if token in ("{", ";"):
            block = Block(words[0], [word.strip("\"'") for word in words[1:]])
            stack[-1].children.append(block)
            if token == "{":
                stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"unterminated directive {words}"
            stack.pop()
        else:
            words.append(token)
    assert len(stack) == 1, "unbalanced braces"
    return root


def nginx_size(value: str) -> int:
    match = re.fullmatch(r"(\d+)([kmgKMG]?)", value)
    assert match, f"not an nginx size: {value!r}"
    return int(match.group(1)) * SIZE_UNITS[match.group(2).lower()]


@pytest.fixture(scope="module")
def site() -> Block:
    return nginx_parse(SITE.read_text())


@pytest.fixture(scope="module")
def https(site: Block) -> Block:
    (server,) = [
        server
        for server in site.find("server")
        if any("ssl" in listen.args for listen in server.find("listen"))
    ]
    return server


def _upload_location(https: Block) -> Block:
    (location,) = [block for block in https.find("location") if block.args[0] == "~"]
    return location


def test_batch_uploads_may_be_as_large_as_the_platform_accepts_and_no_larger(https):
    location = _upload_location(https)
    limit = nginx_size(location.value("client_max_body_size")[0])
    # A zip holds a whole batch (UPLOAD_MAX_BATCH_BYTES), sent with its metadata CSV.
    needed = settings.UPLOAD_MAX_BATCH_BYTES + METADATA_MAX_BYTES
    assert needed <= limit <= needed * 1.05
    assert location.value("proxy_request_buffering") == ["off"]


def test_other_requests_get_a_small_limit_above_what_the_platform_refuses_itself(https):
    limit = nginx_size(https.value("client_max_body_size")[0])
    # Between them, the platform answers a precise message; past it, nginx a 413.
    for platform_limit in (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, MAX_PICTURE_BYTES, MAX_CSV_BYTES):
        assert platform_limit < limit
    assert limit < settings.UPLOAD_MAX_FILE_BYTES


def test_the_upload_location_takes_the_batch_uploads_only(https):
    pattern = re.compile(_upload_location(https).args[1])
    uploads = [
        reverse("api-project-batches", args=["demo-herbarium"]),
        reverse("api-batch-files", args=[12]),
    ]
    others = [
        reverse("api-batch", args=[12]),
        reverse("api-batch-start", args=[12]),
        reverse("api-project-list"),
        "/projects/demo-herbarium/batches/",
        "/api/batches/12/files/extra/",
    ]
    assert [path for path in uploads if not pattern.search(path)] == []
    assert [path for path in others if pattern.search(path)] == []


def test_the_internal_locations_are_the_platforms_and_internal(https):
    for location in (settings.SENDFILE_MEDIA_LOCATION, settings.SENDFILE_EXPORTS_LOCATION):
        block = https.location(location)
        assert block.find("internal"), location
        assert block.value("alias")[0].endswith("/")


def test_the_internal_locations_send_again_the_headers_the_platform_sets(https):
    media = https.location(settings.SENDFILE_MEDIA_LOCATION)
    sent = {header.args[0].lower(): header.args[1] for header in media.find("add_header")}
    for header in ("X-Content-Type-Options", "Content-Security-Policy"):
        assert sent[header.lower()] == f"$upstream_http_{header.lower().replace('-', '_')}"
    assert sent["access-control-allow-origin"] == "$upstream_http_access_control_allow_origin"
    exports = https.location(settings.SENDFILE_EXPORTS_LOCATION)
    assert [header.args for header in exports.find("add_header")] == [
        header.args for header in media.find("add_header")
    ]


def test_websockets_are_upgraded_and_may_stay_quiet(https):
    sockets = https.location("/ws/")
    headers = {header.args[0]: header.args[1] for header in sockets.find("proxy_set_header")}
    assert headers["Upgrade"] == "$http_upgrade"
    assert headers["Connection"] == "upgrade"
    # proxy_set_header in a location replaces the server's: the forwarding headers again.
    server_headers = {header.args[0]: header.args[1] for header in https.find("proxy_set_header")}
    for name in ("Host", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert headers[name] == server_headers[name]
    assert int(sockets.value("proxy_read_timeout")[0].rstrip("s")) >= 600


def test_the_upstream_keeps_connections_open(site):
    (upstream,) = site.find("upstream")
    assert upstream.find("keepalive")
    assert len(upstream.find("server")) >= 2


# --- systemd --------------------------------------------------------------------------------


def unit_parse(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections and their (key, value) pairs, in order (keys may repeat)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            current = sections.setdefault(stripped[1:-1], [])
            continue
        assert current is not None, f"{path.name}:{number}: a setting outside any section"
        key, equals, value = stripped.partition("=")
        assert equals, f"{path.name}:{number}: not key=value: {stripped!r}"
        current.append((key.strip(), value.strip()))
    return sections


def unit_values(path: Path, section: str, key: str) -> list[str]:
    return [value for name, value in unit_parse(path)[section] if name == key]


def exec_start(path: Path) -> list[str]:
    (command,) = unit_values(path, "Service", "ExecStart")
    return shlex.split(command)


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().removeprefix('"').removesuffix('"')
    return values


def worker_files() -> dict[str, dict[str, str]]:
    return {
        path.stem.removeprefix("worker-"): env_file(path)
        for path in sorted(UNITS.glob("worker-*.env"))
    }


def test_the_units_are_those_the_readme_names():
    names = sorted(path.name for path in UNITS.iterdir())
    assert names == [
        "crowd-beat.service",
        "crowd-metrics.service",
        "crowd-web@.service",
        "crowd-worker@.service",
        "crowd.env",
        "crowd.target",
        "worker-ingest.env",
        "worker-live.env",
        "worker-reconcile.env",
    ]
    readme = (ROOT / "README.md").read_text()
    for name in names:
        assert name in readme, name


PROCESS_UNITS = ("crowd-web@.service", "crowd-worker@.service", "crowd-beat.service")


def test_every_process_runs_as_the_platforms_user_with_its_environment():
    assert sorted(path.name for path in UNITS.glob("*.service")) == sorted(
        [*PROCESS_UNITS, "crowd-metrics.service"]
    )
    for path in (UNITS / name for name in PROCESS_UNITS):
        assert unit_values(path, "Service", "User") == ["crowd"], path.name
        assert "/etc/crowd/crowd.env" in unit_values(path, "Service", "EnvironmentFile")
        assert unit_values(path, "Install", "WantedBy") == ["crowd.target"], path.name
        assert unit_values(path, "Unit", "PartOf") == ["crowd.target"], path.name
        command = exec_start(path)
        assert command[0].startswith("/srv/crowd/app/.venv/bin/"), command
        # The same command in this installation's environment.
        assert (Path(sys.executable).parent / Path(command[0]).name).is_file(), command[0]


def test_every_process_counts_in_the_machine_s_metrics_folder_made_empty_before_it_starts():
    folder = "/run/crowd-metrics"
    for path in (UNITS / name for name in PROCESS_UNITS):
        assert f"PROMETHEUS_MULTIPROC_DIR={folder}" in unit_values(path, "Service", "Environment")
        assert folder in unit_values(path, "Service", "ReadWritePaths")[0].split(), path.name
        assert unit_values(path, "Unit", "Requires") == ["crowd-metrics.service"], path.name
        assert "crowd-metrics.service" in unit_values(path, "Unit", "After")[0].split()
    metrics_unit = UNITS / "crowd-metrics.service"
    # systemd makes /run/<RuntimeDirectory> when the unit starts and removes it when it stops.
    assert unit_values(metrics_unit, "Service", "RuntimeDirectory") == ["crowd-metrics"]
    assert unit_values(metrics_unit, "Service", "Type") == ["oneshot"]
    assert unit_values(metrics_unit, "Service", "RemainAfterExit") == ["yes"]
    assert unit_values(metrics_unit, "Service", "User") == ["crowd"]
    assert unit_values(metrics_unit, "Unit", "PartOf") == ["crowd.target"]
    assert unit_values(metrics_unit, "Install", "WantedBy") == ["crowd.target"]


def test_the_web_unit_serves_the_asgi_application_with_the_makefiles_flags():
    command = exec_start(UNITS / "crowd-web@.service")
    assert Path(command[0]).name == "uvicorn"
    module, _, attribute = command[1].partition(":")
    assert (module, attribute) == ("crowd.asgi", "application")
    assert "application" in (ROOT / "crowd" / "asgi.py").read_text()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "%i"
    flags = " ".join(UVICORN_FLAGS)
    assert flags in " ".join(command)


def test_the_workers_consume_every_queue_once_as_make_stack_does():
    workers = worker_files()
    groups = {name: values["QUEUES"].split(",") for name, values in workers.items()}
    consumed = [queue for queue_names in groups.values() for queue in queue_names]
    assert sorted(consumed) == sorted(queues.QUEUES)
    assert sorted(map(sorted, groups.values())) == sorted(map(sorted, makefile_worker_queues()))
    makefile = (ROOT / "Makefile").read_text()
    for name, values in workers.items():
        assert f"-n {name}@%h -Q {values['QUEUES']} --concurrency={values['CONCURRENCY']}" in (
            makefile
        ), name
    command = exec_start(UNITS / "crowd-worker@.service")
    assert command[1:4] == ["-A", "worker", "worker"]
    assert command[command.index("-Q") + 1] == "${QUEUES}"
    assert "--concurrency=${CONCURRENCY}" in command
    assert "/etc/crowd/worker-%i.env" in unit_values(
        UNITS / "crowd-worker@.service", "Service", "EnvironmentFile"
    )


def test_beat_runs_the_worker_apps_schedule():
    command = exec_start(UNITS / "crowd-beat.service")
    assert command[1:4] == ["-A", "worker", "beat"]
    schedule = next(arg for arg in command if arg.startswith("--schedule="))
    assert schedule.removeprefix("--schedule=").startswith("/var/lib/crowd/")
    assert (ROOT / "worker" / "celery.py").is_file()


def test_systemd_accepts_the_units(tmp_path):
    """`systemd-analyze verify` on the units, their paths pointed at this checkout (so the
    commands it checks exist), one instance of each template."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units are checked by the tests above")
    bin_dir = Path(sys.executable).parent
    for path in UNITS.iterdir():
        text = (
            path.read_text()
            .replace("/srv/crowd/app/.venv/bin/", f"{bin_dir}/")
            .replace("/srv/crowd/app", str(ROOT))
            .replace("/etc/crowd/", f"{tmp_path}/")
        )
        (tmp_path / path.name).write_text(text)
    for template, instance in (("crowd-web@", "8001"), ("crowd-worker@", "live")):
        shutil.copy(tmp_path / f"{template}.service", tmp_path / f"{template}{instance}.service")
    units = [
        "crowd-web@8001.service",
        "crowd-worker@live.service",
        "crowd-beat.service",
        "crowd-metrics.service",
    ]
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / unit) for unit in units)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output, output
    assert "ignoring" not in output, output


# --- the environment file -------------------------------------------------------------------


def test_the_environment_file_is_accepted_for_production_and_matches_nginx(tmp_path, https):
    values = env_file(UNITS / "crowd.env")
    secret = {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EXPORT_PSEUDONYM_KEY": secrets.token_urlsafe(32),
    }
    for key, value in values.items():
        if "CHANGE-ME" in value:
            values[key] = secret.get(key, value.replace("CHANGE-ME", "password"))
    assert set(secret) <= {key for key, value in values.items() if value in secret.values()}
    values["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    # Checked, never reached: nothing listens on the discard port.
    values["REDIS_URL"] = "redis://127.0.0.1:9/0"
    code = (
        "import django, json; django.setup(); "
        "from django.conf import settings; from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING'); "
        "print(json.dumps({k: str(getattr(settings, k)) for k in ("
        "'STATIC_ROOT', 'MEDIA_ROOT', 'EXPORT_ROOT', 'SENDFILE_HEADER', 'SERVE_MEDIA', "
        "'SENDFILE_MEDIA_LOCATION', 'SENDFILE_EXPORTS_LOCATION', 'NUM_PROXIES', "
        "'SECURE_PROXY_SSL_HEADER', 'DEBUG')}))"
    )
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "DATABASE_URL", "SENTRY_DSN", "ADMINS"}
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environment, **values, "DJANGO_SETTINGS_MODULE": "crowd.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["DEBUG"] == "False"
    assert loaded["SERVE_MEDIA"] == "True"
    assert loaded["SENDFILE_HEADER"] == "X-Accel-Redirect"
    assert loaded["NUM_PROXIES"] == "1"
    assert loaded["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    folders = {
        "/static/": loaded["STATIC_ROOT"],
        loaded["SENDFILE_MEDIA_LOCATION"]: loaded["MEDIA_ROOT"],
        loaded["SENDFILE_EXPORTS_LOCATION"]: loaded["EXPORT_ROOT"],
    }
    for location, folder in folders.items():
        assert https.location(location).value("alias") == [f"{folder}/"], location


def test_the_workers_may_write_the_place_tables_cache():
    cache = env_file(UNITS / "crowd.env")["CROWD_CACHE_DIR"]
    writable = unit_values(UNITS / "crowd-worker@.service", "Service", "ReadWritePaths")
    folders = [folder for line in writable for folder in line.split()]
    assert any(cache == folder or cache.startswith(folder + "/") for folder in folders), folders
