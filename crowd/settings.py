"""Settings for the platform, driven by environment variables.

A fresh clone runs with no configuration at all (SQLite, in-memory channel layer, jobs run
eagerly after commit) once DEBUG=1 says it is a development machine (`make run` and the tests
set it). Without it the platform runs as in production and needs SECRET_KEY, ALLOWED_HOSTS and
EXPORT_PSEUDONYM_KEY, then DATABASE_URL and REDIS_URL; every variable is documented in the README. Bad values stop start-up with a message
naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from crowd import queues, reporting
from crowd.config import ConfigError, Env, check_redis_url, database_from_url, s3_config
from crowd.map_tiles import map_tiles
from crowd.queue_state import HEARTBEAT_SECONDS

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env.from_os()

try:
    # Off unless asked for: a server started without configuration must not show tracebacks
    # nor accept the development keys published in this repository.
    DEBUG = env.flag("DEBUG", default=False)

    _DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production-0123456789abcdefgh"  # noqa: S105 (refused below when DEBUG is off)
    SECRET_KEY = env.text("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
    if not SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY must be set when DEBUG is off (50 random characters or more)."
        )
    if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
        raise ConfigError("SECRET_KEY is the development key: set a secret one when DEBUG is off.")

    ALLOWED_HOSTS = env.items(
        "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
    )
    if not DEBUG and not ALLOWED_HOSTS:
        raise ConfigError(
            "ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names)."
        )
    CSRF_TRUSTED_ORIGINS = env.items("CSRF_TRUSTED_ORIGINS", default=[])

    DATABASES = {
        "default": database_from_url(
            env.text("DATABASE_URL", default="sqlite:///db.sqlite3"), base_dir=str(BASE_DIR)
        )
    }
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # Covering indexes (INCLUDE columns) are PostgreSQL's; SQLite, the newcomer's default,
        # makes them plain indexes, as it should: its warning asks nothing of anyone.
        SILENCED_SYSTEM_CHECKS = ["models.W040"]
    _db_pool_size = env.number("DB_POOL_SIZE", default=10, minimum=0, maximum=200)
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and _db_pool_size:
        # Under ASGI, Django cannot keep a connection per thread across requests; a pool
        # saves a PostgreSQL connection set-up (several ms) on every request.
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": _db_pool_size,
            "timeout": 10,
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.number("DB_CONN_MAX_AGE", default=0, minimum=0)
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.flag(
        "DB_PREPARED_STATEMENTS", default=True
    ):
        # Django turns psycopg's prepared statements off (for poolers that cannot keep them);
        # the hand-written statements of the hot path ask for them (`crowd.rows.rows_fetch`),
        # so PostgreSQL plans each once per connection. The ORM's own statements bind their
        # values on the client and are never prepared. 0 behind a transaction-mode pooler
        # older than PgBouncer 1.21.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5

    _redis_url = env.raw("REDIS_URL")
    REDIS_URL = check_redis_url(_redis_url) if _redis_url else ""

    MEDIA_ROOT = Path(env.text("MEDIA_ROOT", default=str(BASE_DIR / "media")))
    # Where media and exports are kept: this machine's disk (MEDIA_ROOT, EXPORT_ROOT), or an
    # S3-compatible object storage (the S3_* variables below; crowd.storage).
    MEDIA_STORAGE = env.choice("MEDIA_STORAGE", ("local", "s3"), default="local")
    STATIC_ROOT = Path(env.text("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
    SERVE_MEDIA = env.flag("SERVE_MEDIA", default=DEBUG or MEDIA_STORAGE == "s3")
    if MEDIA_STORAGE == "s3" and not SERVE_MEDIA:
        raise ConfigError(
            "SERVE_MEDIA=0 does not go with MEDIA_STORAGE=s3: the platform answers /media/ "
            "itself (the access check, then a signed address), the bucket is never public."
        )

    # The largest image in pixels Pillow opens (decompression bombs), applied at start-up.
    IMAGE_MAX_PIXELS = env.number("IMAGE_MAX_PIXELS", default=100_000_000, minimum=1)
    # Machine reading (OCR, in projects that turn it on): images larger than this are downscaled
    # before they are read (their boxes stay in full-size pixels); a reading that runs longer
    # than OCR_TIMEOUT seconds is stopped and recorded as failed, the image staying available.
    OCR_MAX_PIXELS = env.number("OCR_MAX_PIXELS", default=20_000_000, minimum=10_000)
    OCR_TIMEOUT = env.number("OCR_TIMEOUT", default=120, minimum=1, maximum=240)

    SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=not DEBUG)
    SECURE_HSTS_SECONDS = env.number(
        "SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000, minimum=0
    )
    _behind_proxy = env.flag("BEHIND_TLS_PROXY", default=False)
    NUM_PROXIES = env.number("NUM_PROXIES", default=1 if _behind_proxy else 0, minimum=0, maximum=5)

    EMAIL_URL_FROM = env.text(
        "DEFAULT_FROM_EMAIL", default="Crowd transcription <noreply@localhost>"
    )
    _email_host = env.text("EMAIL_HOST")
    EMAIL_PORT = env.number("EMAIL_PORT", default=587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env.text("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env.text("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env.flag("EMAIL_USE_TLS", default=True)
    # Where answers to the platform's mail go (Reply-To), when not DEFAULT_FROM_EMAIL.
    EMAIL_REPLY_TO = [
        address
        for _, address in reporting.addresses_parse("EMAIL_REPLY_TO", env.text("EMAIL_REPLY_TO"))
    ]
    # Seconds each wait on the SMTP server may last (Django waits forever without it). The
    # operator's own relay, not an address users give: a time-out per wait is enough there.
    EMAIL_TIMEOUT = env.number("EMAIL_TIMEOUT", default=10, minimum=1, maximum=300)

    CELERY_TASK_ALWAYS_EAGER = env.flag("CELERY_EAGER", default=not REDIS_URL)
    if CELERY_TASK_ALWAYS_EAGER is False and not REDIS_URL and not env.raw("CELERY_BROKER_URL"):
        raise ConfigError("CELERY_EAGER=0 needs a broker: set REDIS_URL (or CELERY_BROKER_URL).")

    API_THROTTLE_ANON = env.rate("API_THROTTLE_ANON", default="120/minute")
    API_THROTTLE_USER = env.rate("API_THROTTLE_USER", default="1200/minute")
    LOGIN_ATTEMPTS_PER_HOUR = env.number("LOGIN_ATTEMPTS_PER_HOUR", default=20, minimum=1)
    PROJECT_CREATORS = env.text("PROJECT_CREATORS", default="all")
    if PROJECT_CREATORS not in {"all", "staff"}:
        raise ConfigError(f"PROJECT_CREATORS={PROJECT_CREATORS!r} must be 'all' or 'staff'.")
    LOG_LEVEL = env.text("LOG_LEVEL", default="INFO").upper()
    # Without a broker, jobs run in the web process or the command that sent them, one
    # "succeeded" line each at INFO: seeding the demo printed some 430 of them, burying the
    # demo accounts. There, only their warnings and failures are logged unless asked.
    JOB_LOG_LEVEL = env.text(
        "JOB_LOG_LEVEL", default="WARNING" if CELERY_TASK_ALWAYS_EAGER else LOG_LEVEL
    ).upper()
    for _name, _level in (("LOG_LEVEL", LOG_LEVEL), ("JOB_LOG_LEVEL", JOB_LOG_LEVEL)):
        if _level not in reporting.LEVELS:
            raise ConfigError(
                f"{_name}={_level!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL."
            )
    # Log lines as text, or one JSON object per line for a log collector.
    LOG_FORMAT = env.choice("LOG_FORMAT", ("plain", "json"), default="plain")
    # Error reports (crowd.reporting): to Sentry with SENTRY_DSN, else mailed to ADMINS.
    SENTRY_DSN = env.text("SENTRY_DSN")
    ADMINS = reporting.addresses_parse("ADMINS", env.text("ADMINS"))
    SERVER_EMAIL = env.text("SERVER_EMAIL", default="")
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crowd",
    "tasks",
    "worker",
]

AUTH_USER_MODEL = "crowd.User"

MIDDLEWARE = [
    # First, so that a request's time includes every other middleware's.
    "crowd.metrics.request_metrics",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crowd.urls"
ASGI_APPLICATION = "crowd.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Django's "en" dates are American (month first, 12-hour clock); ours are not (crowd/formats/en).
FORMAT_MODULE_PATH = ["crowd.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [BASE_DIR / "static"]
# Browser libraries pinned in package.json, installed by `npm ci` into node_modules/.
_VENDOR_DIRS = {
    "openseadragon": BASE_DIR / "node_modules" / "openseadragon" / "build" / "openseadragon",
    "leaflet": BASE_DIR / "node_modules" / "leaflet" / "dist",
}
STATICFILES_DIRS += [(prefix, path) for prefix, path in _VENDOR_DIRS.items() if path.is_dir()]
STORAGES: dict[str, dict[str, Any]] = {
    # Media under MEDIA_ROOT, exports under EXPORT_ROOT; both in object storage with
    # MEDIA_STORAGE=s3 (below).
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {"BACKEND": "crowd.storage.ExportsFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024**2
FILE_UPLOAD_PERMISSIONS = 0o644

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis-backed parts, or their embedded stand-ins ------------------------------------------
if REDIS_URL:
    # Redis pub/sub channels belong to no database: ours are named after the URL's database,
    # so platforms sharing a Redis server (a test stack, a benchmark, another site) never hear
    # each other's events.
    _redis = urlsplit(REDIS_URL)
    _redis_db = parse_qs(_redis.query).get("db", [""])[0] or (
        _redis.path.strip("/") if _redis.scheme != "unix" else ""
    )
    CHANNEL_LAYERS = {
        "default": {
            # Pub/sub: a group message is published once and fanned out by each server process
            # to its own sockets, instead of one Redis message per socket.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": f"asgi{_redis_db or 0}"},
        }
    }
    CACHES = {"default": {"BACKEND": "crowd.cache.SharedPoolRedisCache", "LOCATION": REDIS_URL}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-memory broker is named with a host: kombu warns "No hostname was supplied" otherwise.
CELERY_BROKER_URL = env.text("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
# Kombu's Redis transport, made to survive a broker lost while a job is in hand (worker/broker.py).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT = "worker.broker:Transport"
CELERY_RESULT_BACKEND = None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A message unacknowledged this long is handed to another worker; longer than any job's hard
# time limit (crowd.queues.TIME_LIMITS; a test checks it).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Queues by kind of job, each job's time limits (crowd.queues). Declared, so that a worker
# started without -Q consumes them all; jobs without a route go to the sweeps' queue.
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in queues.QUEUES)
CELERY_TASK_DEFAULT_QUEUE = queues.SWEEPS
CELERY_TASK_ROUTES = queues.celery_routes()
CELERY_TASK_ANNOTATIONS = queues.celery_annotations()
try:
    # How often the sweep expires dead leases and re-sends lost reconciliations, and how long a
    # transcription stays unreconciled before the sweep re-sends its job (longer than a queued
    # job normally waits, so that the sweep rarely sends one twice). The fault tests shorten both.
    SWEEP_SECONDS = env.number("SWEEP_SECONDS", default=60, minimum=1)
    SWEEP_RECONCILE_AFTER_SECONDS = env.number(
        "SWEEP_RECONCILE_AFTER_SECONDS", default=60, minimum=1
    )
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
CELERY_BEAT_SCHEDULE = {
    "progress-refresh": {
        "task": "worker.jobs.progress_refresh_all",
        "schedule": timedelta(minutes=1),
    },
    "sweep": {"task": "worker.jobs.sweep", "schedule": timedelta(seconds=SWEEP_SECONDS)},
    "reliability": {"task": "worker.jobs.reliability_refresh_all", "schedule": timedelta(hours=1)},
}
# Every queue's heartbeat (crowd.queue_state): the worker that takes it says the queue is
# served; one not taken within its period expires unread rather than pile up.
for _queue in queues.QUEUES:
    CELERY_BEAT_SCHEDULE[f"heartbeat-{_queue}"] = {
        "task": "worker.jobs.heartbeat",
        "schedule": timedelta(seconds=HEARTBEAT_SECONDS),
        "args": (_queue,),
        "options": {"queue": _queue, "expires": HEARTBEAT_SECONDS},
    }

# --- Metrics (crowd.metrics) -------------------------------------------------------------
try:
    # The token Prometheus sends (Authorization: Bearer ...); without one, /metrics is off.
    METRICS_TOKEN = env.text("METRICS_TOKEN", default="")
    if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
        raise ConfigError("METRICS_TOKEN: use at least 16 characters (or leave it unset).")
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

# --- Django REST framework -------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: a request without credentials is answered 401 with `WWW-Authenticate: Token`
    # (the first class names the scheme); pages' requests still authenticate with the session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crowd.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # DRF's own three, the JSON one answering 400 for JSON nested too deeply to decode.
    "DEFAULT_PARSER_CLASSES": [
        "crowd.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "crowd.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "crowd.api_schema.CrowdAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "crowd.throttles.AnonThrottle",
        "crowd.throttles.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": API_THROTTLE_ANON,
        "user": API_THROTTLE_USER,
        "login": f"{LOGIN_ATTEMPTS_PER_HOUR}/hour",
    },
    "EXCEPTION_HANDLER": "crowd.api_errors.exception_handler",
    # Clients are told apart by REMOTE_ADDR, or by the address the trusted proxy appended to
    # X-Forwarded-For: anything a client writes in that header itself is not trusted.
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crowd transcription API",
    "DESCRIPTION": "Projects, tasks, transcriptions and their consensus. Authenticate with a session "
    "or with `Authorization: Token <key>` (POST /api/auth/token/).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # What Django's converters accept, so that the schema says it (and clients generated from it
    # check it): slugs are ASCII letters, digits, - and _; ids are non-negative.
    "PATH_CONVERTER_OVERRIDES": {
        "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
        "int": {"type": "integer", "minimum": 0},
    },
    # One name per choice set where several fields share a name ("status", "reason").
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "tasks.models.projects.ProjectStatus.choices",
        "FieldStatusEnum": "tasks.models.results.FieldStatus.choices",
        "LeaseStateEnum": "tasks.models.work.LeaseState.choices",
        "SkipReasonEnum": "tasks.models.work.SkipReason.choices",
        "ResolutionReasonEnum": "tasks.models.results.ResolutionReason.choices",
        "ResolutionDecisionEnum": "tasks.models.results.ResolutionDecision.choices",
        "TaskStateEnum": "tasks.models.work.TaskState.choices",
    },
}

# --- E-mail ----------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = EMAIL_URL_FROM
if _email_host:
    EMAIL_BACKEND = "crowd.mail.SMTPBackend"
    EMAIL_HOST = _email_host
else:
    EMAIL_BACKEND = "crowd.mail.ConsoleBackend"
# Error reports come from this address (Django's default is root@localhost).
SERVER_EMAIL = SERVER_EMAIL or DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _behind_proxy:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = reporting.logging_config(
    level=LOG_LEVEL,
    job_level=JOB_LOG_LEVEL,
    json_lines=LOG_FORMAT == "json",
    mail_admins=bool(ADMINS) and not SENTRY_DSN,
)
if SENTRY_DSN:
    reporting.sentry_start(
        SENTRY_DSN,
        environment=env.text("SENTRY_ENVIRONMENT"),
        release=env.text("SENTRY_RELEASE"),
    )

# --- Batches: uploads, zips, IIIF import --------------------------------------------
try:
    # Larger files are refused one by one (the rest of the batch goes on); a batch stops
    # taking files past its total.
    UPLOAD_MAX_FILE_BYTES = env.size("UPLOAD_MAX_FILE_BYTES", default=200 * 1024**2)
    UPLOAD_MAX_BATCH_BYTES = env.size("UPLOAD_MAX_BATCH_BYTES", default=4 * 1024**3)
    # Zip bombs: what a zip may unpack to in all, and how far one entry may expand.
    UPLOAD_ZIP_MAX_BYTES = env.size("UPLOAD_ZIP_MAX_BYTES", default=UPLOAD_MAX_BATCH_BYTES)
    UPLOAD_ZIP_MAX_RATIO = env.number("UPLOAD_ZIP_MAX_RATIO", default=100, minimum=1)
    UPLOAD_ZIP_MAX_FILES = env.number("UPLOAD_ZIP_MAX_FILES", default=10_000, minimum=1)
    # IIIF manifests: never fetch from private or loopback addresses unless allowed.
    IIIF_IMPORT_ALLOW_PRIVATE = env.flag("IIIF_IMPORT_ALLOW_PRIVATE", default=False)
    # Wall-clock deadlines of one whole fetch (resolution, connection, TLS, headers, redirects,
    # body): a manifest, and one image (up to UPLOAD_MAX_FILE_BYTES, from slow servers too).
    IIIF_IMPORT_TIMEOUT = env.number("IIIF_IMPORT_TIMEOUT", default=30, minimum=1, maximum=600)
    IIIF_IMPORT_IMAGE_TIMEOUT = env.number(
        "IIIF_IMPORT_IMAGE_TIMEOUT", default=300, minimum=1, maximum=3600
    )
    IIIF_IMPORT_MAX_CANVASES = env.number("IIIF_IMPORT_MAX_CANVASES", default=5000, minimum=1)
    # Attempts at reading one manifest (the job retries transient failures, the sweep resumes
    # lost messages); then the batch fails with the last reason.
    IIIF_IMPORT_ATTEMPTS = env.number("IIIF_IMPORT_ATTEMPTS", default=5, minimum=1, maximum=20)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
# Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE stream to a temporary file; a file past
# UPLOAD_MAX_FILE_BYTES stops being written (and is reported) instead of filling the disk.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "tasks.uploads.CappedTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_NUMBER_FILES = 2000
CELERY_BEAT_SCHEDULE["batches-resume"] = {
    "task": "worker.jobs.batches_resume",
    "schedule": timedelta(minutes=5),
}

# --- Exports --------------------------------------------------------------------------
try:
    # Export files live outside the media folder: they are served only through the access-checked
    # download view, never by a web server that would not know who may read them.
    EXPORT_ROOT = Path(env.text("EXPORT_ROOT", default=str(BASE_DIR / "exports")))
    # How long a finished export stays downloadable before the sweep deletes its file.
    EXPORT_KEEP_DAYS = env.number("EXPORT_KEEP_DAYS", default=7, minimum=1)
    # Absolute links inside exports (images, IIIF ids) when no request gives the address, as
    # for `manage.py export_project`.
    SITE_URL = env.text("SITE_URL", default="http://localhost:8000").rstrip("/")
    SITE_NAME = env.text("SITE_NAME", default="Crowd transcription")
    # After the access check, media and export downloads may be handed to a front web server
    # (nginx: X-Accel-Redirect to an internal location; Apache, lighttpd: X-Sendfile with the
    # file's path): the server sends the bytes, and no web process or database connection
    # waits on a slow reader. Empty: the platform streams the files itself.
    SENDFILE_HEADER = env.choice(
        "SENDFILE_HEADER", ("", "X-Accel-Redirect", "X-Sendfile"), default=""
    )
    # The internal locations the front server maps to MEDIA_ROOT and EXPORT_ROOT
    # (X-Accel-Redirect only: X-Sendfile carries the file's path).
    SENDFILE_MEDIA_LOCATION = env.location("SENDFILE_MEDIA_LOCATION", "/internal/media/")
    SENDFILE_EXPORTS_LOCATION = env.location("SENDFILE_EXPORTS_LOCATION", "/internal/exports/")
    if SENDFILE_HEADER and SENDFILE_MEDIA_LOCATION == SENDFILE_EXPORTS_LOCATION:
        raise ConfigError(
            "SENDFILE_MEDIA_LOCATION and SENDFILE_EXPORTS_LOCATION must differ: they map to "
            "different folders."
        )
    # Live IIIF documents per client address and minute (each reads a whole batch).
    IIIF_PER_MINUTE = env.number("IIIF_PER_MINUTE", default=120, minimum=1)
    # Keys the contributors' pseudonyms in exports; set it once and keep it, so that pseudonyms
    # stay the same from one export to the next even when SECRET_KEY is rotated. It is its own
    # secret, never derived from SECRET_KEY: a key derived from the published development key
    # would let anyone recompute every pseudonym from user ids, and one derived from a real
    # SECRET_KEY would change all pseudonyms at its first rotation.
    _DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key-demo-data-only-not-for-real-contributors"
    EXPORT_PSEUDONYM_KEY = env.text(
        "EXPORT_PSEUDONYM_KEY", default=_DEV_PSEUDONYM_KEY if DEBUG else ""
    )
    if not DEBUG:
        if not EXPORT_PSEUDONYM_KEY:
            raise ConfigError(
                "EXPORT_PSEUDONYM_KEY must be set when DEBUG is off (32 random characters or "
                "more, kept for good: to keep the pseudonyms of earlier exports, give it the "
                "SECRET_KEY they were made with)."
            )
        if EXPORT_PSEUDONYM_KEY in {_DEV_PSEUDONYM_KEY, _DEV_SECRET_KEY}:
            raise ConfigError(
                "EXPORT_PSEUDONYM_KEY is a development key: set a secret one when DEBUG is off."
            )
        if len(EXPORT_PSEUDONYM_KEY) < 32:
            raise ConfigError(
                "EXPORT_PSEUDONYM_KEY is too short: use 32 random characters or more."
            )
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
CELERY_BEAT_SCHEDULE["exports-sweep"] = {
    "task": "worker.jobs.exports_sweep",
    "schedule": timedelta(minutes=5),
}
# --- Notifications (tasks.services.notification_mail) ----------------------------------------
try:
    # How long an e-mail per notification waits: decisions a curator makes in a row are merged
    # into one notification meanwhile, and one read in the page is not mailed.
    NOTIFICATION_EMAIL_DELAY_SECONDS = env.number(
        "NOTIFICATION_EMAIL_DELAY_SECONDS", default=60, minimum=0, maximum=3600
    )
    # News posts one lead may publish per hour (each notifies the whole project).
    NEWS_PER_HOUR = env.number("NEWS_PER_HOUR", default=10, minimum=1)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
CELERY_BEAT_SCHEDULE["notifications-digest"] = {
    "task": "worker.jobs.notifications_digest",
    "schedule": timedelta(hours=1),
}

# --- Projects under review, quotas ------------------------------------------------------------
try:
    # A project opens to the public (public and active) only once staff approved it.
    PROJECT_REVIEW = env.flag("PROJECT_REVIEW", default=True)
    # What one lead may hold: projects they created, bytes stored in them, images per batch.
    # Staff are not counted against these.
    LEAD_MAX_PROJECTS = env.number("LEAD_MAX_PROJECTS", default=5, minimum=1)
    LEAD_MAX_STORED_BYTES = env.size("LEAD_MAX_STORED_BYTES", default=20 * 1024**3)
    BATCH_MAX_IMAGES = env.number("BATCH_MAX_IMAGES", default=5000, minimum=1)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

# --- Sockets: how many per person and address, how fast each may talk ------------------------
try:
    SOCKETS_PER_USER = env.number("SOCKETS_PER_USER", default=20, minimum=1)
    # Generous: a classroom or a museum's public Wi-Fi puts many volunteers behind one address.
    SOCKETS_PER_ADDRESS = env.number("SOCKETS_PER_ADDRESS", default=200, minimum=1)
    # Messages a browser sends: pings, heartbeats, watch requests. Pages send a few a minute.
    SOCKET_MESSAGES_PER_MINUTE = env.number("SOCKET_MESSAGES_PER_MINUTE", default=60, minimum=1)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

# --- Moderation ------------------------------------------------------------------------
try:
    # Leads' list of outliers: contributors with at least this many settled values on their
    # images whose agreement rate is below the project's median by more than the margin.
    OUTLIER_MIN_SETTLED = env.number("OUTLIER_MIN_SETTLED", default=20, minimum=1)
    OUTLIER_MARGIN_PERCENT = env.number(
        "OUTLIER_MARGIN_PERCENT", default=20, minimum=1, maximum=100
    )
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

# --- Discussion: what one person may post (tasks.services.discussion) ---------------------------
try:
    # Comments and new topics per person and hour; reports and flags likewise.
    DISCUSSION_COMMENTS_PER_HOUR = env.number("DISCUSSION_COMMENTS_PER_HOUR", default=30, minimum=1)
    DISCUSSION_REPORTS_PER_HOUR = env.number("DISCUSSION_REPORTS_PER_HOUR", default=20, minimum=1)
    DISCUSSION_FLAGS_PER_HOUR = env.number("DISCUSSION_FLAGS_PER_HOUR", default=60, minimum=1)
    # Links and @names in one comment: more is how spam and pile-ons look.
    DISCUSSION_MAX_LINKS = env.number("DISCUSSION_MAX_LINKS", default=10, minimum=0)
    DISCUSSION_MAX_MENTIONS = env.number("DISCUSSION_MAX_MENTIONS", default=10, minimum=0)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error

# --- Media and security headers -------------------------------------------------------------
# Every page and API answer carries a Content-Security-Policy: scripts, styles, images and
# connections from this site only, no inline script or style, no plugin, never framed. Media
# answers replace it with a sandbox of their own (tasks.views.media).
try:
    # Where browsers report what the policy blocked (an absolute URL or a path); none when unset.
    CSP_REPORT_URI = env.text("CSP_REPORT_URI")
    if CSP_REPORT_URI and not CSP_REPORT_URI.startswith(("https://", "http://", "/")):
        raise ConfigError(
            f"CSP_REPORT_URI={CSP_REPORT_URI!r} must be an http(s) URL or a path starting with /."
        )
    # The base map beside geopoint fields (crowd.map_tiles): its tiles and their credit.
    _map_tiles = map_tiles(env.raw("MAP_TILES_URL"), env.raw("MAP_TILES_ATTRIBUTION"))
    MAP_TILES_URL = _map_tiles.url
    MAP_TILES_ATTRIBUTION = _map_tiles.attribution
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the icons inside the Swagger UI's and OpenSeadragon's style sheets; the
        # map's tiles from their host.
        "img-src": ["'self'", "data:", _map_tiles.origin],
        # 'self' covers this host's ws:// and wss:// (the live events).
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [CSP_REPORT_URI]} if CSP_REPORT_URI else {}),
    }
}

# --- Object storage (MEDIA_STORAGE=s3; crowd.storage) -----------------------------------------
try:
    # How long a signed address of a members-only image, a waiting upload or an export works.
    S3_SIGNED_URL_SECONDS = env.number(
        "S3_SIGNED_URL_SECONDS", default=300, minimum=10, maximum=604_800
    )
    _s3 = s3_config(env) if MEDIA_STORAGE == "s3" else None
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
if _s3 is not None:
    _s3_options = {
        "endpoint_url": _s3.endpoint_url,
        "access_key": _s3.access_key or None,
        "secret_key": _s3.secret_key or None,
        "region_name": _s3.region,
        "addressing_style": _s3.addressing_style,
        "querystring_expire": S3_SIGNED_URL_SECONDS,
    }
    STORAGES["default"] = {
        "BACKEND": "crowd.storage.MediaObjectStorage",
        "OPTIONS": {**_s3_options, "bucket_name": _s3.bucket},
    }
    STORAGES["exports"] = {
        "BACKEND": "crowd.storage.ObjectStorage",
        "OPTIONS": {
            **_s3_options,
            "bucket_name": _s3.exports_bucket,
            "location": _s3.exports_prefix,
        },
    }
    # Members' images are answered with a redirect to their signed address: the pages may
    # show images from there, and from nowhere else.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_s3.media_origin)


def _static_headers(headers: dict[str, str], path: str, url: str) -> None:
    # Static files are served before Django's middleware: they need the header of their own.
    headers["X-Content-Type-Options"] = "nosniff"


WHITENOISE_ADD_HEADERS_FUNCTION = _static_headers
# --- Trust before weight ----------------------------------------------------------------------
try:
    # A contributor is proven in a project once at least TRUST_MIN_COMPARISONS of their answers
    # were compared with reference values (settled by curators, or with a proven contributor's
    # support) and at least TRUST_MIN_AGREEMENT_PERCENT of them agreed. 0 trusts every account
    # (a closed project of known volunteers).
    TRUST_MIN_COMPARISONS = env.number("TRUST_MIN_COMPARISONS", default=20, minimum=0)
    TRUST_MIN_AGREEMENT_PERCENT = env.number(
        "TRUST_MIN_AGREEMENT_PERCENT", default=80, minimum=0, maximum=100
    )
    # The most an unproven contributor's vote weighs, in percent of a newcomer's prior weight.
    TRUST_UNPROVEN_WEIGHT_PERCENT = env.number(
        "TRUST_UNPROVEN_WEIGHT_PERCENT", default=50, minimum=1, maximum=100
    )
    # Known-answer images among the real ones: 1 in KNOWN_ANSWER_EVERY_NEW of a contributor's
    # images while their known-answer record is short or under KNOWN_ANSWER_GOOD_PERCENT field
    # accuracy, falling to 1 in KNOWN_ANSWER_EVERY_TRUSTED after KNOWN_ANSWER_TRUSTED_AFTER good
    # ones (worker.training). 0 for KNOWN_ANSWER_EVERY_NEW serves none.
    KNOWN_ANSWER_EVERY_NEW = env.number("KNOWN_ANSWER_EVERY_NEW", default=5, minimum=0)
    KNOWN_ANSWER_EVERY_TRUSTED = env.number("KNOWN_ANSWER_EVERY_TRUSTED", default=50, minimum=1)
    KNOWN_ANSWER_TRUSTED_AFTER = env.number("KNOWN_ANSWER_TRUSTED_AFTER", default=20, minimum=1)
    KNOWN_ANSWER_GOOD_PERCENT = env.number(
        "KNOWN_ANSWER_GOOD_PERCENT", default=80, minimum=0, maximum=100
    )
    # Heartbeats renew a lease up to this age; then the image goes back to the queue.
    LEASE_MAX_MINUTES = env.number("LEASE_MAX_MINUTES", default=240, minimum=1)
    # Per account, on top of API_THROTTLE_USER.
    API_THROTTLE_NEXT_TASK = env.rate("API_THROTTLE_NEXT_TASK", default="30/minute")
    API_THROTTLE_SUBMIT = env.rate("API_THROTTLE_SUBMIT", default="20/minute")
    # The template builder checks the template a moment after each change.
    API_THROTTLE_TEMPLATE_VALIDATE = env.rate(
        "API_THROTTLE_TEMPLATE_VALIDATE", default="120/minute"
    )
    # The gazetteer's search box asks as the volunteer types (a pause between keys).
    API_THROTTLE_PLACES = env.rate("API_THROTTLE_PLACES", default="120/minute")
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(  # type: ignore[attr-defined]
    {
        "next_task": API_THROTTLE_NEXT_TASK,
        "submit": API_THROTTLE_SUBMIT,
        "template_validate": API_THROTTLE_TEMPLATE_VALIDATE,
        "places": API_THROTTLE_PLACES,
    }
)
# --- Accounts: log-in throttling, API tokens, e-mail verification ---------------------------
try:
    # Wrong passwords for one account from one address before that pair cools off, and for how
    # long. Failures per address, whatever the account, stay LOGIN_ATTEMPTS_PER_HOUR.
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = env.number(
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", default=5, minimum=1
    )
    LOGIN_COOLOFF_MINUTES = env.number("LOGIN_COOLOFF_MINUTES", default=15, minimum=1)
    # How long an API token is accepted after it was issued.
    API_TOKEN_TTL_HOURS = env.number("API_TOKEN_TTL_HOURS", default=720, minimum=1)
    # Whether contributing to a public project one is not a member of needs a verified e-mail
    # address (members added by a lead never wait), and how long a verification link works.
    EMAIL_VERIFICATION_REQUIRED = env.flag("EMAIL_VERIFICATION_REQUIRED", default=not DEBUG)
    EMAIL_VERIFICATION_DAYS = env.number("EMAIL_VERIFICATION_DAYS", default=3, minimum=1)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
INSTALLED_APPS += ["axes"]
# Last, as django-axes asks: it turns a refused log-in into its answer.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# One backend checks the counters then the password; Django's own stays listed so that sessions
# opened before it keep working (it never sees a password the first one accepted or refused for
# a limit).
AUTHENTICATION_BACKENDS = [
    "crowd.auth.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Per account and address together, never per account alone: a stranger who knows a user name
# must not be able to lock its owner out.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
# Django-axes counts a pair's failures over this window; the cool-off that follows grows with
# each new one of the pair within a day (crowd.auth, which refuses the pair meanwhile).
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "crowd.auth.address_for_limits"
AXES_USERNAME_CALLABLE = "crowd.auth.username_for_limits"
AXES_LOCKOUT_CALLABLE = "crowd.auth.login_refused"
# Failures are kept (for the counters and the admin); successful log-ins are nobody's business.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# API tokens (django-rest-knox): only a hash is stored, each expires, and revoking one (or all of
# an account's, on a password change, a reset or a deactivation) refuses it at once.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
# --- Redis away: short timeouts, and nothing that accepts work waits for it -----------------
# Redis carries counters, events and job messages; the database holds every piece of work. So a
# Redis that is down or hung answers quickly with an error that the cache (crowd.cache), the
# job sending (tasks.jobs) and the sockets (tasks.consumers) take in their stride.
try:
    REDIS_CONNECT_TIMEOUT_MS = env.number(
        "REDIS_CONNECT_TIMEOUT_MS", default=500, minimum=10, maximum=60_000
    )
    REDIS_TIMEOUT_MS = env.number("REDIS_TIMEOUT_MS", default=1000, minimum=10, maximum=60_000)
except ConfigError as error:
    raise ImproperlyConfigured(str(error)) from error
if REDIS_URL:
    _cache_default: dict[str, Any] = CACHES["default"]
    _cache_default["OPTIONS"] = {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_MS / 1000,
        "socket_timeout": REDIS_TIMEOUT_MS / 1000,
    }
    # No read timeout on the channel layer: its subscriber connection waits for messages.
    cast(dict[str, Any], CHANNEL_LAYERS["default"]["CONFIG"])["hosts"] = [
        {"address": REDIS_URL, "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_MS / 1000}
    ]
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT_MS / 1000
_transport_options: dict[str, Any] = CELERY_BROKER_TRANSPORT_OPTIONS
_transport_options.update(
    {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_MS / 1000,
        # Above the 1 s a worker's BRPOP waits for a message, so an idle worker is not cut off.
        "socket_timeout": max(REDIS_TIMEOUT_MS / 1000, 2.0),
    }
)
# A publish tries twice (a pooled connection that Redis closed while restarting fails once),
# then tasks.jobs logs the loss and the database-backed sweeps send the job later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# Workers and beat keep trying to reach the broker for as long as it is away.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Load balancers probe over plain HTTP: the health endpoints answer there too.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^healthz$", r"^readyz$"]
