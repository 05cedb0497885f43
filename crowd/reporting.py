"""Where errors and logs go: the logging configuration (plain or JSON lines), error reports to
Sentry when `SENTRY_DSN` is set, else by mail to `ADMINS`. Read by the settings.

Sentry's SDK (with its Django and Celery integrations) sees unhandled errors in views, sockets
and jobs, without personal data (`send_default_pii` off: no user names, cookies or addresses).
Without it, Django mails the `ADMINS` a server error's traceback (its own logging does), and a
job's failure too (here); with
neither, errors are only logged, and `manage.py check --deploy` says so.
"""

from __future__ import annotations

from email.utils import getaddresses
from typing import Any

from crowd.config import ConfigError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def addresses_parse(variable: str, text: str) -> list[tuple[str, str]]:
    """A variable's list of addresses, "Name <address>, other@example.org" (as `ADMINS`
    is written): (name, address) pairs."""
    if not text.strip():
        return []
    found = []
    for name, address in getaddresses([text]):
        if "@" not in address or any(ch.isspace() for ch in address):
            raise ConfigError(
                f"{variable}: {address or text!r} is not an e-mail address "
                "(write 'Name <address>, other@example.org')."
            )
        found.append((name or address, address))
    return found


def logging_config(
    *, level: str, job_level: str, json_lines: bool, mail_admins: bool
) -> dict[str, Any]:
    """Console logs at `level` (the jobs' own lines at `job_level`), as plain text or one JSON
    object per line; with `mail_admins`, server errors and failed jobs mailed to the ADMINS."""
    formatter: dict[str, Any] = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if json_lines
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    handlers: dict[str, Any] = {"console": {"class": "logging.StreamHandler", "formatter": "main"}}
    loggers: dict[str, Any] = {
        "django.db.backends": {"level": "INFO"},
        "celery.app.trace": {"level": job_level},
    }
    if mail_admins:
        handlers["mail_admins"] = {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "include_html": False,
        }
        # Failed jobs (celery's trace). Server errors are mailed by Django's own logging
        # (its `django` logger mails the ADMINS when DEBUG is off).
        loggers["celery.app.trace"]["handlers"] = ["mail_admins"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": handlers,
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }


def sentry_start(dsn: str, *, environment: str, release: str) -> None:
    """Report unhandled errors of views, sockets and jobs to Sentry (no personal data)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=0.0,
    )


def errors_reported_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """`manage.py check --deploy`: errors reported nowhere but the logs."""
    from django.conf import settings
    from django.core.checks import Warning as CheckWarning

    if settings.SENTRY_DSN or settings.ADMINS:
        return []
    return [
        CheckWarning(
            "Server errors are only logged: nobody is told of them.",
            hint="Set SENTRY_DSN (Sentry) or ADMINS (mail, through the SMTP relay).",
            id="crowd.W001",
        )
    ]
