"""The repository's nginx configuration (deploy/nginx/crowd.conf), run by a test as it is.

`site_render` replaces the values an operator changes (the lines marked CHANGE: listen
addresses, certificate, folders, upstream processes, logs) with a test's own, and nothing
else; a CHANGE line that none of the replacements touches fails, so the file and the test
cannot part ways. `nginx_start` runs the real nginx on it as the current user: its own prefix,
main configuration, pid file, logs and temporary folders, in the foreground, on loopback ports.
`Front` is what a test holds of it; `platform_headers_kept` compares the platform's own answer
with what nginx sent.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import secrets
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.servers import ROOT, Stack, missing

SITE = ROOT / "deploy" / "nginx" / "crowd.conf"
# Where Debian (and most builds) put the binary, often outside a non-root user's PATH.
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
# One line per request in the test's access log: what the platform's answer held (`$upstream_…`,
# "-" when nginx answered alone) beside what nginx sent.
LOG_FORMAT = (
    "log_format crowd_test '$request_method $request_uri $status sent=$body_bytes_sent "
    "upstream_length=$upstream_response_length upstream=$upstream_addr';"
)
# When the system's MIME types are not found: those the platform's static files use.
TYPES = """types {
    text/html html; text/css css; application/javascript js mjs; application/json json map;
    image/png png; image/svg+xml svg; image/x-icon ico; image/gif gif; image/jpeg jpg jpeg;
    font/woff2 woff2; font/woff woff; text/plain txt;
}"""


@dataclass(frozen=True)
class SiteValues:
    """A test's values for what crowd.conf marks CHANGE."""

    http_port: int
    https_port: int
    upstreams: tuple[str, ...]  # "127.0.0.1:port" of each ASGI process
    certificate: Path
    key: Path
    static_root: Path
    media_root: Path
    export_root: Path
    logs: Path


def site_render(text: str, values: SiteValues) -> str:
    """crowd.conf with a test's values in place of the operator's."""
    upstream_lines = re.findall(r"^\s*server 127\.0\.0\.1:\d+ .*$", text, flags=re.MULTILINE)
    assert len(upstream_lines) >= 1, "crowd.conf has no upstream server line"
    template = upstream_lines[0].strip().split("#")[0].strip()
    servers = "\n".join(
        "    " + re.sub(r"127\.0\.0\.1:\d+", address, template) for address in values.upstreams
    )
    replacements: list[tuple[str, str]] = [
        ("\n".join(upstream_lines), servers),
        ("listen 80;", f"listen 127.0.0.1:{values.http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{values.https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        (
            "ssl_certificate /etc/letsencrypt/live/transcribe.example.org/fullchain.pem;",
            f"ssl_certificate {values.certificate};",
        ),
        (
            "ssl_certificate_key /etc/letsencrypt/live/transcribe.example.org/privkey.pem;",
            f"ssl_certificate_key {values.key};",
        ),
        ("alias /srv/crowd/staticfiles/;", f"alias {values.static_root}/;"),
        ("alias /srv/crowd/media/;", f"alias {values.media_root}/;"),
        ("alias /srv/crowd/exports/;", f"alias {values.export_root}/;"),
        (
            "access_log /var/log/nginx/crowd.access.log;",
            f"access_log {values.logs / 'access.log'} crowd_test;",
        ),
        (
            "error_log /var/log/nginx/crowd.error.log;",
            f"error_log {values.logs / 'error.log'} info;",
        ),
    ]
    rendered = text
    for old, new in replacements:
        assert old in rendered, f"crowd.conf no longer has {old!r}: update tests/nginx.py"
        rendered = rendered.replace(old, new)
    # Every value an operator must change was replaced (server_name is kept: any name works
    # for a server alone on its port).
    for line in rendered.splitlines():
        if "# CHANGE" in line and "server_name" not in line and line.strip():
            code = line.split("#")[0]
            assert not code.strip() or any(new and new in line for _, new in replacements), (
                f"a CHANGE line of crowd.conf is not replaced by the test: {line.strip()!r}"
            )
    return rendered


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (candidate for candidate in NGINX_CANDIDATES if Path(candidate).exists()), None
    )
    if found is None:
        missing("nginx is not installed (apt-get install nginx)")
        raise AssertionError("unreachable")
    return found


def _mime_types(binary: str) -> str:
    """The system's MIME types file next to nginx's own configuration, if there is one."""
    built = subprocess.run([binary, "-V"], capture_output=True, text=True, check=False).stderr
    match = re.search(r"--conf-path=(\S+)", built)
    candidates = [Path(match.group(1)).parent / "mime.types"] if match else []
    candidates.append(Path("/etc/nginx/mime.types"))
    for candidate in candidates:
        if candidate.is_file():
            return f"include {candidate};"
    return TYPES


def main_config(binary: str, folder: Path, site: Path) -> str:
    """The `nginx.conf` around the site, as Debian's would hold it (sendfile, MIME types), with
    everything nginx writes kept in `folder`. As root, nginx would run its workers as an
    unprivileged user that cannot read the test's folders: they run as root there."""
    temp = {
        name: folder / "temp" / name
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    }
    for path in temp.values():
        path.mkdir(parents=True, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{
    worker_connections 512;
}}
http {{
    {_mime_types(binary)}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    {LOG_FORMAT}
    access_log {folder / "access.log"} crowd_test;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {site};
}}
"""


def certificate_make(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway certificate authority and a certificate it signed for 127.0.0.1 and
    localhost: (authority, certificate, key) files. Clients trust the authority only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crowd test authority")])
    authority = (
        x509.CertificateBuilder()
        .subject_name(authority_name)
        .issuer_name(authority_name)
        .public_key(authority_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(authority_key.public_key()), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(authority_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()),
            critical=False,
        )
        .sign(authority_key, hashes.SHA256())
    )
    paths = (folder / "authority.pem", folder / "certificate.pem", folder / "key.pem")
    paths[0].write_bytes(authority.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths[2].chmod(0o600)
    return paths


def client_context(authority: Path) -> ssl.SSLContext:
    """A client's TLS context that trusts the test's authority only."""
    return ssl.create_default_context(cafile=str(authority))


def nginx_start(
    stack: Stack, binary: str, folder: Path, values: SiteValues, *, authority: Path
) -> str:
    """Render crowd.conf with `values`, check it with `nginx -t`, run nginx in the foreground
    as one of the stack's processes (stopped with it), and wait until it answers over HTTPS.
    Returns the HTTPS base URL."""
    site = folder / "crowd.conf"
    site.write_text(site_render(SITE.read_text(), values))
    config = folder / "nginx.conf"
    config.write_text(main_config(binary, folder, site))
    command = [binary, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"nginx -t refused the configuration:\n{checked.stderr}"
    stack.start("nginx", command)
    base_url = f"https://127.0.0.1:{values.https_port}"
    context = client_context(authority)
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{base_url}/health/live", verify=context, timeout=2)
            return base_url
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                error_log = (folder / "error.log").read_text(errors="replace")
                raise AssertionError(f"nginx did not answer within 30 s:\n{error_log}") from None
            stack._check_alive("nginx")
            time.sleep(0.1)


# Headers that belong to one hop, or that nginx sets itself.
HOP_HEADERS = {
    "connection",
    "content-length",
    "date",
    "keep-alive",
    "server",
    "set-cookie",
    "transfer-encoding",
    "x-accel-redirect",
}


@dataclass
class Front:
    """nginx running crowd.conf in front of a stack: its address, the processes behind it,
    the folders it serves and its access log."""

    stack: Stack
    url: str  # nginx, over HTTPS
    direct: list[str]  # each ASGI process, bypassing nginx
    tls: ssl.SSLContext
    folder: Path
    media_root: Path
    export_root: Path
    static_root: Path
    database: str
    lead_token: str

    def client(self, token: str = "") -> httpx.Client:
        headers = {"Authorization": f"Token {token}"} if token else {}
        return httpx.Client(base_url=self.url, verify=self.tls, headers=headers, timeout=60)

    def access_lines(self, uri: str, *, at_least: int = 1) -> list[dict[str, str]]:
        """nginx's access log lines for `uri`, oldest first, once there are `at_least` (nginx
        writes a request's line when it is done with its connection, after the client read
        the answer)."""
        deadline = time.monotonic() + 15
        while True:
            found = []
            for line in (self.folder / "access.log").read_text().splitlines():
                method, request_uri, status, *fields = line.split(" ")
                if request_uri == uri:
                    entry = dict(field.split("=", 1) for field in fields)
                    found.append({"method": method, "status": status, **entry})
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


def collectstatic_as_in_production(stack: Stack) -> None:
    """`collectstatic` as an installation runs it (DEBUG off): names with a content hash and
    compressed copies, listed in staticfiles.json."""
    production = {
        **stack.env,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EXPORT_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "localhost",
    }
    saved, stack.env = stack.env, production
    try:
        stack.manage("collectstatic", "--noinput", "-v0")
    finally:
        stack.env = saved


def _comparable(name: str, value: str | None) -> Any:
    # Each process writes the policy's directives in an order of its own.
    if name == "content-security-policy" and value is not None:
        return sorted(directive.strip() for directive in value.split(";"))
    return value


def platform_headers_kept(platform: httpx.Response, served: httpx.Response) -> None:
    """Every header the platform set on its (empty) answer reached the client unchanged."""
    kept = {name: value for name, value in platform.headers.items() if name not in HOP_HEADERS}
    assert kept, "the platform's answer had no headers to compare"
    lost = {
        name: value
        for name, value in kept.items()
        if _comparable(name, served.headers.get(name)) != _comparable(name, value)
    }
    assert lost == {}, f"nginx did not pass these: {lost}; it sent {dict(served.headers)}"
