"""The API's rate limits on a real Redis: every limit of a request counted in one round trip
(`crowd.throttles.throttle_waits`, `SharedPoolRedisCache.windows_incr`)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.core.cache import cache

from crowd.throttles import ScopedThrottle
from tests.factories import TaskFactory, UserFactory
from tests.helpers import token_client
from tests.redis_away import redis_cache_at
from tests.servers import private_redis


@pytest.fixture
def redis_cache(settings):
    url = private_redis().rsplit("/", 1)[0] + "/12"  # a database of this run's own server
    redis.Redis.from_url(url).flushdb()
    settings.CACHES = redis_cache_at(url)
    yield url
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def pipelines(monkeypatch):
    """The commands of each Redis pipeline sent, in order."""
    sent: list[list[str]] = []
    execute = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        sent.append([str(command[0][0]) for command in self.command_stack])
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", counted)
    return sent


def test_windows_are_counted_together_and_kept_for_their_length(redis_cache):
    assert cache.windows_incr([("a", 60), ("b", 30)]) == [1, 1]
    assert cache.windows_incr([("a", 60), ("b", 30)]) == [2, 2]
    assert cache.window_incr("a", 60) == 3
    ttl: Any = redis.Redis.from_url(redis_cache).ttl(cache.make_and_validate_key("b"))
    assert 0 < ttl <= 30


def test_a_request_with_two_limits_counts_them_in_one_round_trip(redis_cache, pipelines, project):
    TaskFactory(project=project, target=3)
    api = token_client(UserFactory())
    assert api.post(f"/api/projects/{project.slug}/next-task/").status_code == 200
    counting = [commands for commands in pipelines if "INCRBY" in commands or "INCR" in commands]
    assert len(counting) == 1, pipelines
    assert counting[0].count("SET") == 2  # the account's limit and next-task's


def test_the_limit_that_refuses_answers_429_with_its_wait(redis_cache, project, monkeypatch):
    TaskFactory.create_batch(2, project=project, target=3)
    monkeypatch.setitem(ScopedThrottle.THROTTLE_RATES, "next_task", "1/minute")
    person = UserFactory()
    api = token_client(person)
    assert api.post(f"/api/projects/{project.slug}/next-task/").status_code == 200
    refused = api.post(f"/api/projects/{project.slug}/next-task/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
