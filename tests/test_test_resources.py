"""A test run touches only what it made: databases named for the run, dropped at its end, and
a redis-server of its own, stopped at its end (tests/servers.py). These run the real thing:
the loopback PostgreSQL and Debian's redis-server."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from tests import servers


@pytest.fixture
def unset(monkeypatch):
    monkeypatch.delenv("CROWD_TEST_DATABASE_URL", raising=False)
    monkeypatch.delenv("CROWD_TEST_REDIS_URL", raising=False)


def _exists(url: str) -> bool:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(servers._admin_url(url), connect_timeout=3) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


def test_without_a_database_named_the_run_creates_its_own_and_drops_it(unset):
    url = servers.postgres_url(suffix="_resources")
    name = urlsplit(url).path.lstrip("/")
    assert name == f"crowd_test_{servers.RUN}_resources"
    assert _exists(url)
    assert url in servers._CREATED
    # Asked again (a second stack of the same name), it is emptied, still the run's own.
    assert servers.postgres_url(suffix="_resources") == url
    assert servers._CREATED.count(url) == 1
    servers._CREATED.remove(url)
    servers.database_drop(url)
    assert not _exists(url)


def test_two_runs_never_share_a_database_name():
    other = servers.RUN
    assert other.split("_")[0] == str(os.getpid())
    assert len(other.split("_")[1]) == 6  # and a random part: a pid can come back


def test_without_a_redis_named_the_run_starts_its_own_server_and_stops_it(unset):
    import redis

    url = servers.redis_url()
    parts = urlsplit(url)
    assert parts.port != 6379  # never the shared server
    client = redis.Redis.from_url(url)
    client.set("mine", "1")
    sibling = servers.redis_url(sibling=True)
    assert urlsplit(sibling).port == parts.port
    assert urlsplit(sibling).path == "/1"
    assert client.get("mine") == b"1"  # the sibling's flush left the first database alone
    servers.private_redis_stop()
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
