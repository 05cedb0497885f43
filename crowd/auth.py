"""Log-in throttling on every door: the sign-in page, the API token endpoint and the admin.

Two counters, neither of which lets a stranger lock an owner out of their account:

- per account *and* address (django-axes): a few wrong passwords for one account from one
  address cool that pair off for a while, each new cool-off of the pair within a day twice as
  long as the last (LOGIN_COOLOFF_MINUTES, then double, up to a day); the owner, from their
  own address, is not affected, and a successful log-in of the pair starts it afresh;
- per address: many failures from one address, whatever the accounts (password spraying),
  cool that address off for the rest of the hour.

A failure counted per account alone, whatever the address, would let anyone who sees a user
name keep its owner out: there is no such counter.
"""

from __future__ import annotations

import ipaddress
import math
import time
from datetime import timedelta
from typing import Any

from axes.backends import AxesBackend, AxesStandaloneBackend
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from crowd.ratelimit import client_ip, limit_count, limit_reached

HOUR = 3600
DAY = 24 * HOUR
LONGEST_COOLOFF = timedelta(days=1)


def _address_key(request: Any) -> str:
    return f"login-failed:{client_ip(request)}"


class ThrottledBackend(AxesBackend):
    """Django's user names and passwords, behind both counters: an address past its failures
    of the hour is refused before any password is checked, then django-axes refuses an account
    and address pair that is cooling off."""

    def authenticate(self, request: Any, *args: Any, **credentials: Any) -> Any:
        if request is not None and limit_reached(
            _address_key(request), limit=settings.LOGIN_ATTEMPTS_PER_HOUR
        ):
            # Read by django-axes' middleware, which answers with `login_refused`; the API's
            # token view reads it too.
            request.axes_locked_out = True
            raise PermissionDenied
        if request is not None and _cooling(request, credentials):
            request.axes_locked_out = True
            raise PermissionDenied
        if request is not None:  # a log-in without a request (a command) has no address
            AxesStandaloneBackend.authenticate(self, request, *args, **credentials)
        # AxesBackend only watches; the password is checked by Django's own backend.
        return ModelBackend.authenticate(self, request, *args, **credentials)


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    if request is not None:
        limit_count(_address_key(request), window_seconds=HOUR)


def address_for_limits(request: Any) -> str | None:
    """The client's address as django-axes stores it: None when it is not an IP address (a
    request made without a socket, as in tests and commands)."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def username_for_limits(request: Any, credentials: dict[str, Any] | None) -> str:
    """The account a log-in names, as counted: user names are unique whatever their case."""
    source = credentials or getattr(request, "data", None) or getattr(request, "POST", {})
    return str(source.get("username", "") or "").strip().lower()[:150]


def _pair(request: Any, credentials: dict[str, Any] | None = None) -> str:
    username = username_for_limits(
        request, credentials or getattr(request, "axes_credentials", None)
    )
    return f"login-cooling:{address_for_limits(request)}:{username}"


def _strikes(pair: str) -> str:
    return pair.replace("login-cooling:", "login-strikes:", 1)


def login_cooloff(request: Any = None) -> timedelta:
    """What is left of the request's account and address pair's cool-off; LOGIN_COOLOFF_MINUTES
    when none runs (the address counter's refusals)."""
    base = timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    if request is None:
        return base
    ends = cache.get(_pair(request))
    if ends is None:
        return base
    return timedelta(seconds=max(1, math.ceil(float(ends) - time.time())))


def _cooling(request: Any, credentials: dict[str, Any]) -> bool:
    return cache.get(_pair(request, credentials)) is not None


@receiver(user_locked_out)
def _cool_off(sender: Any, request: Any = None, **_: Any) -> None:
    """A pair reached its failures: it cools off for LOGIN_COOLOFF_MINUTES doubled for each
    cool-off it had within a day, up to a day. Django-axes says so again at every refused
    attempt; only the first of a cool-off counts."""
    if request is None:
        return
    pair = _pair(request)
    strikes = int(cache.get(f"ratelimit:{_strikes(pair)}", 0))
    base = timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    seconds = int(min(base * 2 ** min(strikes, 16), LONGEST_COOLOFF).total_seconds())
    if cache.add(pair, time.time() + seconds, timeout=seconds):
        limit_count(_strikes(pair), window_seconds=DAY)


@receiver(user_logged_in)
def _forgive(sender: Any, request: Any = None, **_: Any) -> None:
    """The pair's owner got in: their next mistakes start from the shortest cool-off."""
    if request is not None:
        pair = _pair(request)
        cache.delete_many([pair, f"ratelimit:{_strikes(pair)}"])


def login_refused(request: HttpRequest, *args: Any) -> HttpResponse:
    """The answer to a log-in refused by either counter (pages and the admin)."""
    return render(
        request,
        "registration/login_refused.html",
        {"minutes": max(1, int(login_cooloff(request).total_seconds()) // 60)},
        status=429,
    )


def login_refused_message() -> str:
    return _("Too many failed log-ins from your address. Try again later, or reset your password.")
