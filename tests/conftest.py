"""Shared fixtures. Tiers: fast (default), stack (tests/stack/) and browser (see tests/servers.py)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils import translation

from tasks.models import Role
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory, ProjectFactory, UserFactory
from tests.helpers import api_client, prove, submit

# The place tables' cache (worker/places/stored.py) is this run's own, not the machine's: the
# servers and workers the tiers start inherit it.
if "CROWD_CACHE_DIR" not in os.environ:
    os.environ["CROWD_CACHE_DIR"] = tempfile.mkdtemp(prefix="crowd-test-cache-")
    atexit.register(shutil.rmtree, os.environ["CROWD_CACHE_DIR"], True)


def pytest_configure(config: pytest.Config) -> None:
    # The test process is a client of the platform: its own jobs run eagerly and its events
    # stay in memory. The stack tier starts real servers and workers as subprocesses.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        raise pytest.UsageError("Run the tests without REDIS_URL (make test clears it).")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Playwright's sync API holds an event loop for the whole session, which would stop async
    # tests that come after it: browser tests run last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def _messages_in_english():
    # Outside a request the platform speaks its default language, French; tests read English.
    # Requests still choose their language (Accept-Language, cookie) through the middleware.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _counters_start_at_zero():
    """Rate limits and socket counts kept in the test process's own memory cache start afresh
    in each test (a shared cache, such as a developer's Redis, is never flushed)."""
    yield
    if isinstance(cache, LocMemCache) or "LocMemCache" in settings.CACHES["default"]["BACKEND"]:
        cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"


@pytest.fixture
def project(db):
    return ProjectFactory()


def _member(project, role):
    return MembershipFactory(project=project, role=role).user


@pytest.fixture
def lead(project):
    return _member(project, Role.LEAD)


@pytest.fixture
def curator(project):
    return _member(project, Role.CURATOR)


@pytest.fixture
def contributor(project):
    return _member(project, Role.CONTRIBUTOR)


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def api():
    """The REST API, in English; `api.force_authenticate(user)` signs it in."""
    return api_client()


@pytest.fixture
def curator_api(curator):
    """The REST API signed in as the project's curator."""
    return api_client(curator)


@pytest.fixture
def transcribe(django_capture_on_commit_callbacks):
    """`transcribe(project, values, user=None, task=None, key=None, proven=True)`: a contributor
    (a new one unless given) takes their next task of `project` (asserted to be `task` when
    given) and submits `values`; what the platform runs after the commit (reconciliation,
    events) runs too. Returns the contributor.

    The contributor has proven themselves in `project` (`helpers.prove`) unless `proven=False`:
    most tests are about how proven volunteers' answers are reconciled; what unproven accounts
    may do is tested in tests/security/test_trust.py."""

    def send(project, values, *, user=None, task=None, key=None, proven=True):
        user = user or UserFactory()
        if proven:
            prove(project, user)
        lease = lease_grant(project=project, user=user)
        assert lease is not None, "no task left for this contributor"
        if task is not None:
            assert lease.task_id == task.pk, (lease.task_id, task.pk)
        with django_capture_on_commit_callbacks(execute=True):
            submit(lease, values, key=key)
        return user

    return send


@pytest.fixture
def published_jobs():
    """Jobs go to the broker instead of running eagerly, for the length of the test: the list
    of (job name, queue) of each message as Celery publishes it (its `before_task_publish`
    signal), on this process's in-memory broker. Nothing runs them; they are purged after."""
    from celery import current_app
    from celery.signals import before_task_publish

    sent: list[tuple[str, str]] = []

    def record(sender=None, routing_key=None, **kwargs):
        sent.append((sender, routing_key))

    before_task_publish.connect(record, weak=False)
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = False
    try:
        yield sent
    finally:
        current_app.conf.task_always_eager = eager
        before_task_publish.disconnect(record)
        current_app.control.purge()
