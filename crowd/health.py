"""Health endpoints for load balancers and orchestrators: `/health/live` and `/health/ready`.

Live says the process answers. Ready says whether it should get traffic: yes while the database
answers, since the database alone holds the work. Redis (cache, channel layer, broker) being away
makes the platform "degraded", not unready: pages, the API and submissions still answer, and the
sweeps send later what could not be sent. No authentication, no throttle, no redirect to HTTPS
(settings.SECURE_REDIRECT_EXEMPT), and nothing secret in the answer: parts are named, never
their addresses.

Readiness answers within BUDGET_SECONDS whatever the parts do. A load balancer probes every web
process with a timeout of about a second; a check that waits longer for a hung Redis would mark
every process unready at once, the full outage that "degraded" exists to avoid. So the parts are
checked concurrently, each Redis server once (the cache, the channel layer and the broker often
share one) on a fresh connection with PING_TIMEOUT_SECONDS to connect and to read, and a part
that has not answered when the budget is spent counts as down. The database is checked the
same way, in its own thread: a hung database (or a pool with no free connection) would otherwise
hold the probe for the pool's 10 s wait. The answer is kept CACHE_SECONDS in the process so that
a storm of probes opens no connection per hit. A check still hanging from an earlier probe is
waited on again rather than started twice, so a hung part never piles up threads.

With a Redis broker the answer also gives each job queue's depth and whether a worker serves
it (`crowd.queue_state`: the heartbeat beat sends to every queue): a queue whose heartbeat is
stale makes the platform "degraded", and is named.

The storages are parts too (`media_storage`, `exports_storage`): a folder that cannot be written
to (or created, on a new installation), or a bucket that does not answer a HEAD (unreachable, missing, keys
refused), makes the platform "degraded": uploads, ingest and exports stop while transcribing
goes on with the tiles browsers hold.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import redis
from asgiref.sync import sync_to_async
from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import FileSystemStorage, storages
from django.db import DatabaseError, connections
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.backoff import NoBackoff
from redis.retry import Retry

from crowd.cache import UNREACHABLE, SharedPoolRedisCache
from crowd.queue_state import QueueState, queue_states_read, stale

logger = logging.getLogger(__name__)
T = TypeVar("T")

OK, DOWN, EMBEDDED = "ok", "down", "embedded"  # embedded: an in-process stand-in, always there

# A Redis on the same network answers a PING in well under a millisecond; a quarter second
# to connect and as much to read tells "hung" from "busy" with room to spare.
PING_TIMEOUT_SECONDS = 0.25
# The whole check, under half of the usual 1 s probe timeout of load balancers.
BUDGET_SECONDS = 0.4
# Probes come every few seconds from each balancer; one check per process serves them all.
CACHE_SECONDS = 2.0

# The storages whose loss stops work: images and tiles (media), and exports.
STORAGE_PARTS = {"default": "media_storage", "exports": "exports_storage"}
STORAGE_ALIASES = tuple(STORAGE_PARTS)

_lock = threading.Lock()
_answer: tuple[float, tuple[Any, ...], dict[str, Any]] | None = None
# Checks started and not finished yet, by what they check: a later probe waits on these.
_running: dict[tuple[Any, ...], Future[Any]] = {}


def _database() -> str:
    """Runs in its own thread, with a connection of its own that it gives back."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("readiness: database unreachable: %r", error)
        return DOWN
    finally:
        connection.close()
    return OK


def _storage_key(alias: str) -> tuple[Any, ...]:
    """What tells one storage from another: a folder, or an object store's bucket (exports
    sharing the media's bucket under a folder are checked once)."""
    storage = storages[alias]
    if isinstance(storage, FileSystemStorage):
        return ("folder", storage.location)
    return ("bucket", getattr(storage, "endpoint_url", None), getattr(storage, "bucket_name", ""))


def _writable_folder(location: str) -> bool:
    """A folder that can be written to, or that the first file saved will create (a new
    installation has none yet): its nearest existing ancestor is a writable folder."""
    path = os.path.abspath(location)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent
    return os.path.isdir(path) and os.access(path, os.W_OK | os.X_OK)


# One S3 client per storage server, keys and process, made on the first check: making one reads
# botocore's description of the service (tens of milliseconds of CPU, a good part of the budget
# on a busy machine), and a client is safe to share between threads.
_s3_clients: dict[tuple[Any, ...], Any] = {}


def _s3_client(alias: str) -> Any:
    """The kept client that asks `alias`'s bucket, with time-outs of the probe's budget and no
    retry (the storage's own client retries)."""
    storage = storages[alias]
    options = {
        "endpoint_url": getattr(storage, "endpoint_url", None),
        "aws_access_key_id": getattr(storage, "access_key", None),
        "aws_secret_access_key": getattr(storage, "secret_key", None),
        "region_name": getattr(storage, "region_name", None),
    }
    key = tuple(options.values())
    with _lock:
        client = _s3_clients.get(key)
    if client is not None:
        return client
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=PING_TIMEOUT_SECONDS,
        read_timeout=PING_TIMEOUT_SECONDS,
        retries={"total_max_attempts": 1},
    )
    own = getattr(storage, "client_config", None)
    client = boto3.session.Session().client(
        "s3", **options, config=own.merge(config) if own is not None else config
    )
    with _lock:
        return _s3_clients.setdefault(key, client)


def _storage(alias: str) -> str:
    """A folder that exists and can be written to; a bucket that answers a HEAD."""
    storage = storages[alias]
    if isinstance(storage, FileSystemStorage):
        if _writable_folder(os.fspath(storage.location)):
            return OK
        logger.warning("readiness: %s storage folder not writable: %s", alias, storage.location)
        return DOWN
    try:
        _s3_client(alias).head_bucket(Bucket=getattr(storage, "bucket_name", ""))
    except Exception as error:  # connection refused, time-out, no such bucket, refused keys
        logger.warning("readiness: %s storage unreachable: %r", alias, error)
        return DOWN
    return OK


def _server(url: str) -> tuple[Any, ...]:
    """What tells one Redis server from another in a URL: not the database number, which only
    picks a keyspace on the same server."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return (parts.scheme, parts.path, parts.username, parts.password)
    return (parts.scheme, parts.hostname, parts.port or 6379, parts.username, parts.password)


def _redis_ping(url: str, queues: bool = False) -> tuple[str, dict[str, QueueState] | None]:
    """PING, and with `queues` the job queues' state, on one connection (one check per server:
    the broker's is the server the queues are read from)."""
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=PING_TIMEOUT_SECONDS,
        socket_timeout=PING_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
        # No CLIENT SETINFO on connect: one round trip, the PING.
        lib_name=None,
        lib_version=None,
    )
    try:
        if not client.ping():
            return DOWN, None
        return OK, queue_states_read(client) if queues else None
    except (*UNREACHABLE, OSError):
        return DOWN, None
    finally:
        client.close()


def _broker_other() -> str:
    """A broker other than Redis: whatever its transport raises, it cannot take jobs now."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)  # whole seconds for kombu
    except Exception as error:
        logger.warning("readiness: broker unreachable: %r", error)
        return DOWN
    return OK


def _cache_urls() -> list[str] | None:
    """The cache's Redis servers, or None when the cache lives in this process."""
    backend: Any = caches["default"]
    if not isinstance(backend, SharedPoolRedisCache):
        return None
    servers: list[str] = getattr(backend, "_servers")  # noqa: B009 (unknown to the stubs)
    return list(servers)


def _layer_urls() -> list[str] | None:
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    if "redis" not in str(config["BACKEND"]).lower():
        return None
    urls = []
    for host in config.get("CONFIG", {}).get("hosts", []):
        if isinstance(host, dict):
            urls.append(str(host["address"]))
        elif isinstance(host, (tuple, list)):
            urls.append(f"redis://{host[0]}:{host[1]}")
        else:
            urls.append(str(host))
    return urls


def _broker_plan() -> tuple[str, str | None]:
    """("embedded", None), ("redis", url) or ("other", url)."""
    if current_app.conf.task_always_eager:
        return EMBEDDED, None
    url = str(current_app.conf.broker_url or "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return "redis", url
    if url.startswith("memory://"):
        return EMBEDDED, None
    return "other", url


def _started(key: tuple[Any, ...], check: Callable[[], T], pool: ThreadPoolExecutor) -> Future[T]:
    with _lock:
        future = _running.get(key)
        if future is None or future.done():
            future = _running[key] = pool.submit(check)
    return future


def _check(plan: tuple[Any, ...]) -> dict[str, Any]:
    cache_urls, layer_urls, (broker_kind, broker_url) = plan
    redis_urls: dict[tuple[Any, ...], str] = {}
    for url in [
        *(cache_urls or []),
        *(layer_urls or []),
        *([broker_url] if broker_kind == "redis" else []),
    ]:
        redis_urls.setdefault(_server(url), url)

    # Threads of a pool that is never waited for: a check that outlives the budget finishes
    # (its timeouts bound it) on its own, and the answer does not wait for it.
    pool = ThreadPoolExecutor(max_workers=len(redis_urls) + 4, thread_name_prefix="readiness")
    futures: dict[tuple[Any, ...], Future[Any]] = {
        ("database",): _started(("database",), _database, pool)
    }
    broker_server = _server(str(broker_url)) if broker_kind == "redis" else None
    for server, url in redis_urls.items():
        with_queues = server == broker_server
        futures[server] = _started(
            (*server, with_queues), partial(_redis_ping, url, with_queues), pool
        )
    if broker_kind == "other":
        futures[("broker", broker_url)] = _started(("broker", broker_url), _broker_other, pool)
    stores = {alias: _storage_key(alias) for alias in STORAGE_ALIASES}
    for alias, key in stores.items():
        if key not in futures:
            futures[key] = _started(key, partial(_storage, alias), pool)
    pool.shutdown(wait=False)
    futures_wait(futures.values(), timeout=BUDGET_SECONDS)

    def result(key: tuple[Any, ...]) -> str:
        future = futures[key]
        if not future.done():
            return DOWN
        found = future.result()
        return str(found[0] if isinstance(found, tuple) else found)

    def all_ok(urls: list[str] | None) -> str:
        if urls is None:
            return EMBEDDED
        answers = [result(_server(url)) for url in urls]
        return OK if answers and all(answer == OK for answer in answers) else DOWN

    if broker_kind == "redis":
        broker = result(_server(str(broker_url)))
    elif broker_kind == "other":
        broker = result(("broker", broker_url))
    else:
        broker = EMBEDDED
    parts = {
        "database": result(("database",)),
        "cache": all_ok(cache_urls),
        "channel_layer": all_ok(layer_urls),
        "broker": broker,
        **{STORAGE_PARTS[alias]: result(key) for alias, key in stores.items()},
    }
    answer: dict[str, Any] = {"parts": parts}
    workers_stale = False
    queues = futures.get(broker_server) if broker_server is not None else None
    if queues is not None and queues.done() and queues.result()[1] is not None:
        states: dict[str, QueueState] = queues.result()[1]
        answer["queues"] = {
            queue: {"depth": state.depth, "worker": _worker(state)}
            for queue, state in states.items()
        }
        workers_stale = any(_worker(state) == STALE for state in states.values())
    if parts["database"] == DOWN:
        status = "down"
    elif DOWN in parts.values() or workers_stale:
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, **answer}


STALE, UNKNOWN = "stale", "unknown"


def _worker(state: QueueState) -> str:
    """ok: a worker took the queue's last heartbeat; stale: none for too long; unknown: no
    heartbeat was ever recorded (beat not started yet, or a new installation)."""
    if state.heartbeat_age is None:
        return UNKNOWN
    return STALE if stale(state) else OK


def readiness() -> dict[str, Any]:
    """The parts and the platform's status: "down" when the database does not answer,
    "degraded" when another part does not, else "ok". At most one check per CACHE_SECONDS
    for a given configuration; each answer comes within about BUDGET_SECONDS."""
    global _answer
    plan = (_cache_urls(), _layer_urls(), _broker_plan())
    # The configuration is part of the key: an answer about other servers is no answer.
    key = (
        repr(plan),
        repr(settings.DATABASES["default"].get("NAME")),
        repr([_storage_key(alias) for alias in STORAGE_ALIASES]),
    )
    now = time.monotonic()
    cached = _answer
    if cached is not None and cached[1] == key and now - cached[0] < CACHE_SECONDS:
        return cached[2]
    answer = _check(plan)
    _answer = (time.monotonic(), key, answer)
    return answer


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
async def ready(request: HttpRequest) -> JsonResponse:
    # Off the thread that serves the process's synchronous views: a probe never holds it.
    answer = await sync_to_async(readiness, thread_sensitive=False)()
    return JsonResponse(answer, status=503 if answer["status"] == "down" else 200)


urlpatterns = [
    path("live", live, name="health-live"),
    path("ready", ready, name="health-ready"),
]
