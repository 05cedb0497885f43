"""Stack tier: the repository's nginx configuration (deploy/nginx/crowd.conf) in front of two
ASGI processes, a worker and PostgreSQL, with the real nginx over TLS.

Through nginx: a members-only project's image reaches its members only, with the media
headers; a public project's tile carries Access-Control-Allow-Origin and cache headers and
revalidates; an export is sent by nginx from the platform's empty answer while no web
process holds a database connection; a WebSocket receives its snapshot; the internal locations
answer 404 from outside; static files come from STATIC_ROOT with their cache headers; a body
over the limit gets 413 while a batch upload may be larger. Which answers nginx sent by itself,
and what the platform's answer held, is read from nginx's access log (its format in
tests/nginx.py), never from timings.
"""

from __future__ import annotations

import http.client
import json
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tasks.management.commands.seed_demo import DEMO_PASSWORD
from tests.nginx import (
    Front,
    SiteValues,
    certificate_make,
    client_context,
    collectstatic_as_in_production,
    nginx_binary,
    nginx_start,
    platform_headers_kept,
)
from tests.servers import (
    Stack,
    base_env,
    free_port,
    postgres_url,
    redis_url,
    uvicorn_command,
    workers_start,
)
from tests.web import api_token, login, ws_connect, ws_receive

pytestmark = pytest.mark.stack

# The web processes' database connections, told apart from the worker's in pg_stat_activity.
WEB_APPLICATION = "crowd-web-nginx-test"
PRIVATE = "demo-references"  # made members-only by the fixture
PUBLIC = "demo-herbarium"


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    binary = nginx_binary()
    tmp = tmp_path_factory.mktemp("nginx")
    database = postgres_url(suffix="_nginx")
    static_root = tmp / "static"
    env = base_env(
        tmp,
        DATABASE_URL=database,
        REDIS_URL=redis_url(sibling=True),
        SENDFILE_HEADER="X-Accel-Redirect",
        STATIC_ROOT=str(static_root),
        BEHIND_TLS_PROXY="1",
    )
    stack = Stack(env=env, base_url="", logs=tmp)
    stack.manage("migrate", "--noinput")
    stack.manage("seed_demo", "--images", "2")
    collectstatic_as_in_production(stack)
    authority, certificate, key = certificate_make(tmp)
    ports = [free_port(), free_port()]
    web_env = {**env, "DATABASE_URL": f"{database}?application_name={WEB_APPLICATION}"}
    values = SiteValues(
        http_port=free_port(),
        https_port=free_port(),
        upstreams=tuple(f"127.0.0.1:{port}" for port in ports),
        certificate=certificate,
        key=key,
        static_root=static_root,
        media_root=Path(env["MEDIA_ROOT"]),
        export_root=Path(env["EXPORT_ROOT"]),
        logs=tmp,
    )
    try:
        workers_start(stack)
        direct = []
        for number, port in enumerate(ports):
            stack.start(f"server{number}", uvicorn_command(port), env=web_env)
            stack.wait_for_http(url=f"http://127.0.0.1:{port}")
            direct.append(f"http://127.0.0.1:{port}")
        url = nginx_start(stack, binary, tmp, values, authority=authority)
        stack.base_url = url
        tls = client_context(authority)
        lead_token = api_token(url, "lead", DEMO_PASSWORD, verify=tls)
        running = Front(
            stack=stack,
            url=url,
            direct=direct,
            tls=tls,
            folder=tmp,
            media_root=values.media_root,
            export_root=values.export_root,
            static_root=static_root,
            database=database,
            lead_token=lead_token,
        )
        with running.client(lead_token) as lead:
            changed = lead.patch(f"/api/projects/{PRIVATE}/", json={"visibility": "members"})
            assert changed.status_code == 200, changed.text
        yield running
    finally:
        stack.stop()


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _first_task(front: Front, slug: str) -> dict[str, Any]:
    with front.client(front.lead_token) as lead:
        listed = lead.get(f"/api/projects/{slug}/tasks/")
    assert listed.status_code == 200, listed.text
    task: dict[str, Any] = listed.json()["results"][0]
    return task


def _direct(front: Front, path: str, **headers: str) -> httpx.Response:
    """The platform's own answer, from one ASGI process, as nginx would have asked for it."""
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1", **headers}
    return httpx.get(f"{front.direct[0]}{path}", headers=headers, timeout=30)


def test_a_members_only_image_reaches_members_only_with_the_media_headers(front):
    task = _first_task(front, PRIVATE)
    image = task["image"]
    # Absolute addresses are the browser's: the host with its port, and https.
    assert image.startswith(f"{front.url}/media/projects/"), image
    path = _path(image)
    on_disk = (front.media_root / path.removeprefix("/media/")).read_bytes()

    anonymous = httpx.get(image, verify=front.tls, timeout=30)
    outsider_token = api_token(front.url, "contributor1", DEMO_PASSWORD, verify=front.tls)
    with front.client(outsider_token) as outsider:
        assert outsider.get(f"/api/projects/{PRIVATE}/").status_code in (403, 404)
    with closing(login(front.url, "contributor1", DEMO_PASSWORD, verify=front.tls)) as outsider:
        refused = outsider.get(path)
    for answer in (anonymous, refused):
        assert answer.status_code == 404
        assert answer.content != on_disk

    # Media pages are read with the session of a logged-in member.
    with closing(login(front.url, "lead", DEMO_PASSWORD, verify=front.tls)) as lead:
        served = lead.get(path)
        cookies = "; ".join(f"{name}={value}" for name, value in lead.cookies.items())
    assert served.status_code == 200
    assert served.content == on_disk
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"] == (
        "sandbox; default-src 'none'; frame-ancestors 'none'"
    )
    assert served.headers["cache-control"] == "private"
    assert "access-control-allow-origin" not in served.headers
    # The platform answered with no body and the file's address; nginx sent the file.
    platform = _direct(front, path, Cookie=cookies)
    assert platform.status_code == 200
    assert platform.content == b""
    assert platform.headers["x-accel-redirect"] == "/internal" + path
    platform_headers_kept(platform, served)
    last = front.access_lines(path, at_least=3)[-1]  # the outsiders' two, then the member's
    assert (last["status"], last["upstream_length"]) == ("200", "0")
    assert last["sent"] == str(len(on_disk))


def test_a_public_tile_carries_cors_and_cache_headers_and_revalidates(front):
    task = _first_task(front, PUBLIC)
    info_url = task["iiif"]
    assert info_url.startswith(f"{front.url}/media/projects/"), info_url
    info = httpx.get(info_url, verify=front.tls, timeout=30)
    assert info.status_code == 200
    # The info.json names its tiles with the browser's address (host, port and https).
    assert info.json()["id"] == info_url.removesuffix("/info.json")
    folder = front.media_root / _path(info_url).removeprefix("/media/").removesuffix("/info.json")
    tile = next(path for path in sorted(folder.rglob("default.jpg")))
    path = "/media/" + tile.relative_to(front.media_root).as_posix()

    served = httpx.get(f"{front.url}{path}", verify=front.tls, timeout=30)
    assert served.status_code == 200
    assert served.content == tile.read_bytes()
    assert served.headers["access-control-allow-origin"] == "*"
    assert served.headers["cache-control"] == "public"
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["content-security-policy"].startswith("sandbox;")
    assert served.headers["etag"]
    assert served.headers["last-modified"]
    platform_headers_kept(_direct(front, path), served)
    # A viewer asks again with what it has: nginx answers 304 without the bytes.
    again = httpx.get(
        f"{front.url}{path}",
        verify=front.tls,
        timeout=30,
        headers={"If-None-Match": served.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["cache-control"] == "public"
    assert again.headers["access-control-allow-origin"] == "*"
    lines = front.access_lines(path, at_least=2)
    assert [line["upstream_length"] for line in lines] == ["0", "0"]


def _export_done(front: Front) -> dict[str, Any]:
    with front.client(front.lead_token) as lead:
        asked = lead.post(f"/api/projects/{PUBLIC}/exports/", json={"format": "dwca"})
        assert asked.status_code == 202, asked.text
        deadline = time.monotonic() + 180
        while True:
            export: dict[str, Any] = lead.get(f"/api/exports/{asked.json()['id']}/").json()
            if export["state"] in ("done", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    assert export["state"] == "done", export
    return export


def _web_connections(front: Front) -> list[tuple[Any, ...]]:
    """The web processes' database connections: (pid, state, query) from pg_stat_activity."""
    import psycopg

    url = front.database.replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "SELECT pid, state, query FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [WEB_APPLICATION],
        ).fetchall()


def test_an_export_is_sent_by_nginx_while_no_web_process_holds_a_database_connection(front):
    export = _export_done(front)
    files = [path for path in front.export_root.rglob("*") if path.is_file()]
    assert len(files) == 1, files
    exported = files[0]
    path = _path(export["download"])
    headers = {"Authorization": f"Token {front.lead_token}"}

    with httpx.Client(verify=front.tls, timeout=60) as http:
        served = http.get(f"{front.url}{path}", headers=headers)
        assert served.status_code == 200
        assert served.content == exported.read_bytes()
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["cache-control"] == "private"
        assert 'rel="license"' in served.headers["link"]
        platform = _direct(front, path, **headers)
        assert platform.content == b""
        assert platform.headers["x-accel-redirect"].startswith("/internal/exports/")
        platform_headers_kept(platform, served)
        # A contributor may not download the lead's export: the platform's refusal passes.
        other = api_token(front.url, "contributor1", DEMO_PASSWORD, verify=front.tls)
        refused = http.get(f"{front.url}{path}", headers={"Authorization": f"Token {other}"})
        assert refused.status_code == 403
        assert refused.json()["error"]["status"] == 403

        # A slow reader: the file made larger than the sockets' buffers hold, read a little,
        # and held. nginx is still sending it; no web process holds a database connection.
        size = 64 * 1024**2
        exported.write_bytes(secrets.token_bytes(1024) * (size // 1024))
        with http.stream("GET", f"{front.url}{path}", headers=headers) as slow:
            assert slow.status_code == 200
            assert int(slow.headers["content-length"]) == size
            chunks = slow.iter_raw(64 * 1024)
            received = len(next(chunks))
            connections = _web_connections(front)
            assert connections, "the web processes' connections are not told apart"
            busy = [row for row in connections if row[1] != "idle"]
            assert busy == [], connections
            received += sum(len(chunk) for chunk in chunks)
        assert received == size
    # Two downloads and the refusal, as nginx logged them.
    lines = front.access_lines(path, at_least=3)
    assert [line["status"] for line in lines] == ["200", "403", "200"]
    assert [(line["upstream_length"], line["sent"]) for line in (lines[0], lines[2])] == [
        ("0", str(len(served.content))),
        ("0", str(size)),
    ]


async def test_a_websocket_through_nginx_receives_the_project_snapshot(front):
    lead = login(front.url, "lead", DEMO_PASSWORD, verify=front.tls)
    socket = await ws_connect(
        front.url.replace("https://", "wss://", 1),
        f"/ws/projects/{PUBLIC}/",
        base_url=front.url,
        client=lead,
        ssl=front.tls,
    )
    try:
        snapshot = await ws_receive(socket)
    finally:
        await socket.close()
        lead.close()
    assert snapshot["type"] == "snapshot"
    assert snapshot["project"] == PUBLIC


def test_the_internal_locations_answer_404_from_outside(front):
    image = _path(_first_task(front, PUBLIC)["image"]).removeprefix("/media/")
    assert (front.media_root / image).is_file()
    with front.client(front.lead_token) as lead:
        for path in (f"/internal/media/{image}", "/internal/exports/"):
            answer = lead.get(path)
            assert answer.status_code == 404, path
            # nginx's own answer: the platform was never asked.
            lines = front.access_lines(path)
            assert lines, path
            assert all(line["upstream"] == "-" for line in lines), path


def test_static_files_come_from_static_root_with_cache_headers(front):
    manifest = json.loads((front.static_root / "staticfiles.json").read_text())["paths"]
    plain = "js/batches.js"
    hashed = manifest[plain]
    assert hashed != plain
    with httpx.Client(base_url=front.url, verify=front.tls, timeout=30) as http:
        original = http.get(f"/static/{plain}")
        fingerprinted = http.get(f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
        missing = http.get("/static/js/no-such-file.js")
    for answer, name in ((original, plain), (fingerprinted, hashed)):
        assert answer.status_code == 200
        assert answer.content == (front.static_root / name).read_bytes()
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "javascript" in answer.headers["content-type"]
        # Sent by nginx from STATIC_ROOT: the platform was never asked.
        assert front.access_lines(f"/static/{name}")[-1]["upstream"] == "-"
    assert original.headers["cache-control"] == "public, max-age=60"
    assert fingerprinted.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert fingerprinted.headers["content-encoding"] == "gzip"
    assert (front.static_root / f"{hashed}.gz").is_file()
    assert missing.status_code == 404


def _post(
    front: Front, path: str, *, size: int, send: bool, language: str = "en"
) -> tuple[int, bytes, str]:
    """POST a body of `size` bytes (only its headers unless `send`) and read the answer: its
    status, body and content type."""
    parts = urlsplit(front.url)
    connection = http.client.HTTPSConnection(
        parts.hostname or "", parts.port, context=front.tls, timeout=60
    )
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/octet-stream")
        connection.putheader("Content-Length", str(size))
        connection.putheader("Accept-Language", language)
        connection.endheaders()
        if send:
            block = b"\0" * 1024**2
            for _ in range(size // len(block)):
                connection.send(block)
        answer = connection.getresponse()
        return answer.status, answer.read(), answer.getheader("Content-Type") or ""
    finally:
        connection.close()


def test_a_body_over_the_limit_is_refused_by_nginx_but_a_batch_upload_may_be_larger(front):
    size = 30 * 1024**2  # over the 25 MB of pages and API calls, under a batch upload's
    # Other tests asked for the same address: this request's line is the one after theirs.
    seen = len(front.access_lines(f"/api/projects/{PUBLIC}/", at_least=0))
    status, body, content_type = _post(front, f"/api/projects/{PUBLIC}/", size=size, send=False)
    assert status == 413
    # The API's error shape, as the platform's own 413s, not nginx's page.
    assert content_type.startswith("application/json")
    assert json.loads(body) == {
        "error": {
            "status": 413,
            "code": "too_large",
            "message": "The request is too large to be received.",
        }
    }
    lines = front.access_lines(f"/api/projects/{PUBLIC}/", at_least=seen + 1)
    assert lines[-1]["upstream"] == "-"
    # The same body to a batch upload reaches the platform, which refuses the anonymous sender.
    status, body, _ = _post(front, "/api/batches/1/files/", size=size, send=True)
    assert status in (401, 403)
    assert json.loads(body)["error"]["status"] == status


def test_a_page_s_body_over_the_limit_gets_a_short_page_in_the_browser_s_language(front):
    size = 30 * 1024**2
    # Other tests asked for the same address: this request's line is the one after theirs.
    seen = len(front.access_lines("/accounts/login/", at_least=0))
    status, body, content_type = _post(
        front, "/accounts/login/", size=size, send=False, language="fr-FR,fr;q=0.9"
    )
    assert status == 413
    assert content_type.startswith("text/html")
    assert "La requête est trop volumineuse pour être reçue." in body.decode()
    assert front.access_lines("/accounts/login/", at_least=seen + 1)[-1]["upstream"] == "-"
    # Past the limit of a batch upload (4200m), the API's shape again, in French.
    status, body, _ = _post(
        front, "/api/batches/1/files/", size=4300 * 1024**2, send=False, language="fr"
    )
    assert status == 413
    assert (
        json.loads(body)["error"]["message"] == "La requête est trop volumineuse pour être reçue."
    )


def test_requests_are_shared_between_the_asgi_processes(front):
    with httpx.Client(base_url=front.url, verify=front.tls, timeout=30) as http:
        for _ in range(4):
            assert http.get("/api/projects/").status_code == 200
    upstreams = {line["upstream"] for line in front.access_lines("/api/projects/", at_least=4)}
    assert upstreams == {urlsplit(url).netloc for url in front.direct}


def test_plain_http_is_redirected_to_https(front):
    # The port-80 server of crowd.conf, on the test's port: the host is the one asked for.
    http_port = _http_port(front)
    answer = httpx.get(f"http://127.0.0.1:{http_port}/projects/?page=2", timeout=30)
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://127.0.0.1/projects/?page=2"


def _http_port(front: Front) -> int:
    config = (front.folder / "crowd.conf").read_text()
    for line in config.splitlines():
        stripped = line.strip()
        if stripped.startswith("listen 127.0.0.1:") and "ssl" not in stripped:
            return int(stripped.removeprefix("listen 127.0.0.1:").split(";")[0])
    raise AssertionError("no plain HTTP listen line in the rendered crowd.conf")


def test_the_rendered_configuration_is_the_repository_file(front):
    # Apart from the replaced values, nginx ran crowd.conf line for line.
    from tests.nginx import SITE

    original = [line for line in SITE.read_text().splitlines() if "# CHANGE" not in line]
    rendered = set((front.folder / "crowd.conf").read_text().splitlines())
    assert [line for line in original if line not in rendered] == []


def test_browsers_on_http2_get_the_same_addresses(front):
    # Browsers speak HTTP/2 to nginx, whose requests carry the host in `:authority`, not in a
    # Host header: the platform must still see the host with its port, and https.
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed: HTTP/2 is not tried (httpx needs the h2 package)")
    authority = front.folder / "authority.pem"
    result = subprocess.run(
        [curl, "--http2", "--silent", "--show-error", "--cacert", str(authority),
         "--dump-header", "-", "--header", f"Authorization: Token {front.lead_token}",
         f"{front.url}/api/projects/{PUBLIC}/tasks/"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    head, _, body = result.stdout.partition("\n\n")  # text mode made \r\n plain newlines
    assert head.startswith("HTTP/2 200"), head
    image = json.loads(body)["results"][0]["image"]
    assert image.startswith(f"{front.url}/media/projects/"), image
