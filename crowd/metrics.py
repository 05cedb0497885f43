"""Prometheus metrics at `/metrics`, for the operator's monitoring.

What is measured where it happens: request latency by view (`request_metrics`, the first
middleware), jobs by name and outcome with their duration (Celery's signals,
`worker.job_metrics`), open sockets (the consumers), images ingested (the ingest service).
What is read when Prometheus asks: the queues' depth and the age of their last worker
heartbeat (the broker's Redis, `crowd.queue_state`), and what the domain registers with
`scraped_add` (the reconciliation lag, counted in the database).

Several processes (ASGI processes, Celery workers and their children) each count their own:
with `PROMETHEUS_MULTIPROC_DIR` set to one folder for every process of a machine (empty at
start), the answer adds them up (prometheus_client's multiprocess mode). A process that died
(a web process restarted after a crash) leaves its files: its counters still count, as they
should, but its open sockets are forgotten at the next scrape (`dead_processes_forget`).
Without the folder, a process answers for itself: the embedded default's single process.

`/metrics` answers only with `METRICS_TOKEN` set, to a request that carries it
(`Authorization: Bearer <token>`); without it the address does not exist. The client library
is prometheus_client itself rather than django-prometheus: the latter's middleware is
synchronous only (every async view would pay a thread hop), and it reads the migrations at
start-up.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUEST_SECONDS = Histogram(
    "crowd_http_request_duration_seconds",
    "Time to answer a request, by view (URL name), method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOBS = Counter("crowd_jobs_total", "Background jobs run, by job and outcome.", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "crowd_job_duration_seconds",
    "Time a background job ran, by job.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0),
)
SOCKETS = Gauge("crowd_websockets_open", "WebSockets open now.", multiprocess_mode="livesum")
IMAGES_INGESTED = Counter(
    "crowd_images_ingested_total", "Images made available to contributors by the ingest."
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Read when Prometheus asks: functions giving metric families (the domain's, added at start-up).
_SCRAPED: list[Callable[[], Iterable[Metric]]] = []


def scraped_add(collect: Callable[[], Iterable[Metric]]) -> None:
    """Have `collect` called at each scrape of this process (once per function)."""
    if collect not in _SCRAPED:
        _SCRAPED.append(collect)


def _view(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or "unnamed") if match is not None else "unmatched"


def _observe(request: HttpRequest, status: int, started: float) -> None:
    method = request.method if request.method in _METHODS else "other"
    REQUEST_SECONDS.labels(_view(request), method, f"{status // 100}xx").observe(
        time.perf_counter() - started
    )


@sync_and_async_middleware
def request_metrics(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """Time every request by the view that answered it (the URL's name, never the path: a
    label per path would grow without end)."""
    if iscoroutinefunction(get_response):

        async def middleware_async(request: HttpRequest) -> HttpResponse:
            started = time.perf_counter()
            response = await get_response(request)
            _observe(request, response.status_code, started)
            return response

        return middleware_async

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        _observe(request, response.status_code, started)
        return response

    return middleware


class _Scraped(Collector):
    def collect(self) -> Iterable[Metric]:
        yield from _queue_metrics()
        for collect in _SCRAPED:
            try:
                yield from collect()
            except Exception as error:  # a part away must not cost the other metrics
                logger.warning(
                    "metrics: %s failed: %r", getattr(collect, "__name__", collect), error
                )


def _queue_metrics() -> Iterable[Metric]:
    from celery import current_app

    from crowd.queue_state import queue_states

    url = str(current_app.conf.broker_url or "")
    if current_app.conf.task_always_eager or not url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        return
    try:
        states = queue_states(url)
    except Exception as error:
        logger.warning("metrics: the broker did not answer: %r", error)
        return
    depth = GaugeMetricFamily("crowd_queue_depth", "Jobs waiting, by queue.", labels=["queue"])
    age = GaugeMetricFamily(
        "crowd_queue_heartbeat_age_seconds",
        "Seconds since a worker last took the queue's heartbeat job (absent: never).",
        labels=["queue"],
    )
    for queue, state in states.items():
        depth.add_metric([queue], state.depth)
        if state.heartbeat_age is not None:
            age.add_metric([queue], state.heartbeat_age)
    yield depth
    yield age


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def dead_processes_forget(folder: str) -> list[int]:
    """Forget the "now" gauges (open sockets) of the processes of this machine that are gone,
    as prometheus_client asks of whoever restarts them; their counters stay. Returns the
    process ids forgotten. The folder is one machine's, so a process id is one of its own."""
    forgotten = []
    for path in Path(folder).glob("gauge_live*_*.db"):
        pid = path.stem.rpartition("_")[2]
        if pid.isdigit() and int(pid) not in forgotten and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), folder)
            forgotten.append(int(pid))
    return forgotten


def _exposition() -> bytes:
    if MULTIPROCESS:
        dead_processes_forget(os.environ["PROMETHEUS_MULTIPROC_DIR"])
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        measured = generate_latest(registry)
    else:
        measured = generate_latest(REGISTRY)
    scraped = CollectorRegistry()
    scraped.register(_Scraped())
    return measured + generate_latest(scraped)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404("metrics are off")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        response = HttpResponse("metrics need the operator's token\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(_exposition(), content_type=CONTENT_TYPE_LATEST)
