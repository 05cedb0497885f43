"""Real servers for the stack and browser tiers, started as subprocesses.

Each tier skips with a printed reason when a part is missing; with CROWD_REQUIRE_SERVICES=1
(set by .ci/run) a missing part fails the run instead.

A run touches only what it made: without CROWD_TEST_DATABASE_URL it creates databases named
for the run (`crowd_test_<pid>_<random>`) on the loopback PostgreSQL and drops them when the
run ends; without CROWD_TEST_REDIS_URL it starts a redis-server of its own on a free port and
stops it at the end. The variables name a database and a Redis database set aside for tests,
which a run recreates and flushes.
"""

from __future__ import annotations

import atexit
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from crowd.queues import worker_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Where the run's own databases are made when CROWD_TEST_DATABASE_URL is not set.
POSTGRES_SERVER_URL = "postgres://postgres@127.0.0.1:5432"
# This run's name: the databases it creates are named after it.
RUN = f"{os.getpid()}_{secrets.token_hex(3)}"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def missing(reason: str) -> None:
    """Skip, or fail when the run requires every tier."""
    if os.environ.get("CROWD_REQUIRE_SERVICES") == "1":
        pytest.fail(f"CROWD_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_url(*, suffix: str = "") -> str:
    """The stack tier's database, empty (`suffix` names a sibling database, for a stack that
    must not share data with the others): CROWD_TEST_DATABASE_URL's, recreated, else one this
    run creates and drops at its end."""
    configured = os.environ.get("CROWD_TEST_DATABASE_URL")
    url = configured or f"{POSTGRES_SERVER_URL}/crowd_test_{RUN}"
    if suffix:
        url = urlsplit(url)._replace(path=urlsplit(url).path + suffix).geturl()
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = _admin_url(url)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            if configured:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.errors.DuplicateDatabase:
        if configured:
            raise
        # This run made it already (a second stack on the same name): empty it again.
        database_drop(url)
        return postgres_url(suffix=suffix)
    except psycopg.Error as error:
        missing(f"PostgreSQL is not reachable at {parts.hostname}:{parts.port} ({error})")
    if not configured and url not in _CREATED:
        _CREATED.append(url)
    return url


# The databases this run created, dropped when it ends.
_CREATED: list[str] = []


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)


def database_drop(url: str) -> None:
    """Drop a database this run created (its servers stopped or not)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@atexit.register
def _drop_created() -> None:
    while _CREATED:
        try:
            database_drop(_CREATED.pop())
        except Exception as error:  # the run is over: say what is left, never fail it
            print(f"tests: could not drop a test database: {error}", file=sys.stderr)


def redis_url(*, sibling: bool = False) -> str:
    """The stack tier's Redis database, empty (`sibling`: the next database number, for a
    stack whose worker must not take the other stack's jobs): CROWD_TEST_REDIS_URL's,
    flushed, else database 0 (1) of a redis-server this run starts on a free port."""
    url = os.environ.get("CROWD_TEST_REDIS_URL") or private_redis()
    if sibling:
        parts = urlsplit(url)
        number = int(parts.path.lstrip("/") or 0)
        url = parts._replace(path=f"/{(number + 1) % 16}").geturl()
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.flushdb()
    except redis.RedisError as error:
        missing(f"Redis is not reachable at {url} ({error})")
    return url


# The run's own redis-server, started the first time a stack needs Redis.
_PRIVATE_REDIS: list[tuple[str, subprocess.Popen[bytes], str]] = []


def private_redis() -> str:
    """The address of a redis-server of this run's own (started on first use, stopped when
    the run ends), without persistence."""
    if _PRIVATE_REDIS and _PRIVATE_REDIS[0][1].poll() is None:
        return _PRIVATE_REDIS[0][0]
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not installed (apt-get install redis-server)")
        raise AssertionError("unreachable")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="crowd-test-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", folder, "--databases", "16"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            break
        except redis.RedisError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                missing(f"the test run's redis-server did not start on port {port}")
            time.sleep(0.05)
    _PRIVATE_REDIS[:] = [(url, process, folder)]
    return url


@atexit.register
def private_redis_stop() -> None:
    """Stop the run's own redis-server, if it started one."""
    while _PRIVATE_REDIS:
        _, process, folder = _PRIVATE_REDIS.pop()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def chromium_path() -> str:
    configured = os.environ.get("CROWD_CHROMIUM")
    for candidate in ([configured] if configured else []) + list(CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    missing("Chromium is not installed (apt-get install chromium chromium-driver)")
    raise AssertionError("unreachable")


@dataclass
class Stack:
    """A running platform: its URLs, environment and logs."""

    env: dict[str, str]
    base_url: str
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = self.manage_result(*args, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def manage_result(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A manage.py command's outcome, whatever its exit status."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(
        self, name: str, command: list[str], *, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `command` in the stack's environment (`env` replaces it for this process)."""
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 closed with the process
        process = subprocess.Popen(
            command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def wait_for_log(self, name: str, needle: str, *, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.log(name):
                return
            self._check_alive(name)
            time.sleep(0.2)
        raise AssertionError(
            f"{name} did not print {needle!r} within {timeout}s:\n{self.log(name)[-3000:]}"
        )

    def wait_for_http(self, *, url: str = "", timeout: float = 60) -> None:
        """Wait until the ASGI server at `url` (the stack's own by default) answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url or self.base_url}/", timeout=2).status_code < 500:
                    return
            except httpx.HTTPError:
                pass
            self._check_alive("server")
            time.sleep(0.2)
        raise AssertionError(
            f"the ASGI server did not answer within {timeout}s:\n{self.log('server')[-3000:]}"
        )

    def _check_alive(self, name: str) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise AssertionError(
                    f"a process exited early ({process.args!r}):\n{self.log(name)[-3000:]}"
                )

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """kill -9, as a crash or the kernel's OOM killer would: no clean-up at all. The stack
        forgets the process, so its death is not taken for an early exit."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=15)
        self.processes.remove(process)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


METRICS_TOKEN = "metrics-token-of-the-test-stacks"


def metrics_dir(tmp: Path) -> Path:
    """The folder a stack's processes add their metrics up in, created empty."""
    folder = tmp / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_EAGER"}
    }
    env.update(
        DEBUG="1",
        MEDIA_ROOT=str(tmp / "media"),
        EXPORT_ROOT=str(tmp / "exports"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
        # The demo has known-answer images; served at random they would take the place of the
        # real image a test means to transcribe. Tests of training ask for them (`extra`).
        KNOWN_ANSWER_EVERY_NEW="0",
        # Metrics on, added up across the stack's processes (crowd.metrics).
        METRICS_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir(tmp)),
    )
    env.update(extra)
    return env


# The Makefile's UVICORN_FLAGS (tests/test_server_flags.py checks they agree).
UVICORN_FLAGS = ["--ws", "wsproto", "--ws-per-message-deflate", "false", "--ws-max-size", "65536"]


def uvicorn_command(port: int) -> list[str]:
    return [
        str(BIN / "uvicorn"),
        "crowd.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *UVICORN_FLAGS,
    ]


def workers_start(stack: Stack, *, name: str = "worker") -> list[subprocess.Popen[bytes]]:
    """Start the Celery worker(s) that run every job, and wait until they take work; their log
    is `name`.log. Every tier starts workers here, so they all run the same way."""
    process = stack.start(
        name,
        worker_command(str(BIN / "celery"), extra=("--without-gossip", "--without-mingle")),
    )
    stack.wait_for_log(name, "ready.")
    return [process]


def beat_start(stack: Stack) -> subprocess.Popen[bytes]:
    """Start Celery beat, which sends the periodic jobs (the sweep among them)."""
    schedule = stack.logs / "celerybeat-schedule"
    process = stack.start(
        "beat",
        [str(BIN / "celery"), "-A", "worker", "beat", "--loglevel=INFO", f"--schedule={schedule}"],
    )
    stack.wait_for_log("beat", "beat: Starting")
    return process


def redis_server_start(stack: Stack, *, port: int, name: str = "redis") -> subprocess.Popen[bytes]:
    """A private redis-server on `port`, without persistence: a test may stop it (the shared
    Redis is never stopped) and start it again, empty, on the same port."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server is not installed (apt-get install redis-server)")
        raise AssertionError("unreachable")
    process = stack.start(
        name,
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    )
    stack.wait_for_log(name, "Ready to accept connections")
    return process


@contextmanager
def full_stack(
    tmp: Path,
    *,
    separate: str = "",
    seed: tuple[str, ...] = ("--images", "2"),
    env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """PostgreSQL + Redis + a Celery worker + the ASGI server, as in production.

    `separate` names a stack with its own database and Redis database, which may run beside the
    session's; `env` adds settings (rates, for instance)."""
    database = postgres_url(suffix=f"_{separate}" if separate else "")
    redis = redis_url(sibling=bool(separate))
    port = free_port()
    stack = Stack(
        env=base_env(tmp, DATABASE_URL=database, REDIS_URL=redis, **(env or {})),
        base_url=f"http://127.0.0.1:{port}",
        logs=tmp,
    )
    stack.manage("migrate", "--noinput")
    stack.manage("seed_demo", *seed)
    try:
        workers_start(stack)
        stack.start("server", uvicorn_command(port))
        stack.wait_for_http()
        yield stack
    finally:
        stack.stop()


@contextmanager
def embedded_stack(
    tmp: Path,
    *,
    seed: tuple[str, ...] = ("--images", "2"),
    env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """The newcomer's platform: SQLite, in-memory channel layer, eager jobs, one ASGI process.
    `env` adds settings (rates, for instance)."""
    port = free_port()
    stack = Stack(
        env=base_env(tmp, DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}", **(env or {})),
        base_url=f"http://127.0.0.1:{port}",
        logs=tmp,
    )
    stack.manage("migrate", "--noinput")
    stack.manage("seed_demo", *seed)
    try:
        stack.start("server", uvicorn_command(port))
        stack.wait_for_http()
        yield stack
    finally:
        stack.stop()
