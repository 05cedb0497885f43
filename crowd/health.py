"""Health endpoints for load balancers and orchestrators: `/health/live` and `/health/ready`.

Live says the process answers. Ready says whether it should get traffic: yes while the database
answers, since the database alone holds the work. Redis (cache, channel layer, broker) being away
makes the platform "degraded", not unready: pages, the API and submissions still answer, and the
sweeps send later what could not be sent. No authentication, no throttle, no redirect to HTTPS
(settings.SECURE_REDIRECT_EXEMPT), and nothing secret in the answer: parts are named, never
their addresses.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from crowd.cache import UNREACHABLE, SharedPoolRedisCache

logger = logging.getLogger(__name__)

OK, DOWN, EMBEDDED = "ok", "down", "embedded"  # embedded: an in-process stand-in, always there


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        logger.warning("readiness: database unreachable: %r", error)
        return DOWN
    return OK


def _redis_ping(url: str, answers: dict[str, str]) -> str:
    """One short ping per Redis URL and check (the parts often share one server)."""
    if url not in answers:
        timeout = settings.REDIS_CONNECT_TIMEOUT_MS / 1000
        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=None
        )
        try:
            answers[url] = OK if client.ping() else DOWN
        except (*UNREACHABLE, OSError):
            answers[url] = DOWN
        finally:
            client.close()
    return answers[url]


def _cache() -> str:
    backend: Any = caches["default"]
    if isinstance(backend, SharedPoolRedisCache):
        return OK if backend.ping() else DOWN
    return EMBEDDED


def _channel_layer(answers: dict[str, str]) -> str:
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    if "redis" not in str(config["BACKEND"]).lower():
        return EMBEDDED
    hosts = config.get("CONFIG", {}).get("hosts", [])
    parts = [
        _redis_ping(host["address"] if isinstance(host, dict) else str(host), answers)
        for host in hosts
    ]
    return OK if parts and all(part == OK for part in parts) else DOWN


def _broker(answers: dict[str, str]) -> str:
    if current_app.conf.task_always_eager:
        return EMBEDDED
    url = str(current_app.conf.broker_url or "")
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_ping(url, answers)
    if url.startswith("memory://"):
        return EMBEDDED
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
    except Exception as error:  # any transport: whatever it raises, it cannot take jobs now
        logger.warning("readiness: broker unreachable: %r", error)
        return DOWN
    return OK


def readiness() -> dict[str, Any]:
    """The parts and the platform's status: "down" when the database does not answer,
    "degraded" when another part does not, else "ok"."""
    answers: dict[str, str] = {}
    parts = {
        "database": _database(),
        "cache": _cache(),
        "channel_layer": _channel_layer(answers),
        "broker": _broker(answers),
    }
    if parts["database"] == DOWN:
        status = "down"
    elif DOWN in parts.values():
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "parts": parts}


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    answer = readiness()
    return JsonResponse(answer, status=503 if answer["status"] == "down" else 200)


urlpatterns = [
    path("live", live, name="health-live"),
    path("ready", ready, name="health-ready"),
]
