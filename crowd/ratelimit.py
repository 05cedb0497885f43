"""A fixed-window counter in the cache (Redis in production, so shared by every process)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies the address the
    nearest one appended to X-Forwarded-For (what a client writes there itself is ignored)."""
    return forwarded_address(
        remote=str(request.META.get("REMOTE_ADDR", "unknown")),
        forwarded=request.META.get("HTTP_X_FORWARDED_FOR", ""),
    )


def forwarded_address(*, remote: str, forwarded: str) -> str:
    """The same rule for any connection: HTTP requests and WebSockets alike."""
    proxies = settings.NUM_PROXIES
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return remote


def limit_reached(key: str, *, limit: int) -> bool:
    return int(cache.get(f"ratelimit:{key}", 0)) >= limit


def limit_count(key: str, *, window_seconds: int) -> int:
    full_key = f"ratelimit:{key}"
    cache.add(full_key, 0, timeout=window_seconds)
    try:
        return int(cache.incr(full_key))
    except ValueError:  # expired between add and incr
        cache.set(full_key, 1, timeout=window_seconds)
        return 1
