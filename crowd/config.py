"""Read configuration from the environment, failing loudly on bad values.

Pure Python (no Django import) so that the helpers can be tested on their own and
used by settings before Django is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(ValueError):
    """A configuration variable holds a value we cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Env:
    """A view of the environment with typed, validating getters.

    An empty string counts as unset, so `REDIS_URL= make test` turns a variable off.
    """

    values: Mapping[str, str]

    @classmethod
    def from_os(cls) -> Env:
        return cls(dict(os.environ))

    def raw(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def text(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None else value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(
            f"{name}={value!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
        )

    def number(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self.raw(name)
        if value is None:
            return default
        try:
            number = int(value.replace("_", ""))
        except ValueError:
            raise ConfigError(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ConfigError(f"{name}={number} is below the minimum of {minimum}.")
        if maximum is not None and number > maximum:
            raise ConfigError(f"{name}={number} is above the maximum of {maximum}.")
        return number

    def items(self, name: str, default: list[str]) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        items = [item.strip() for item in value.split(",")]
        if any(item == "" for item in items):
            raise ConfigError(
                f"{name}={value!r} has an empty item: separate values with single commas."
            )
        return items

    def rate(self, name: str, default: str) -> str:
        """A request rate such as `120/minute` (per second, minute, hour or day)."""
        value = self.raw(name)
        if value is None:
            return default
        count, _, period = value.partition("/")
        if not count.strip().isdigit() or period.strip() not in _RATE_PERIODS:
            raise ConfigError(
                f"{name}={value!r} is not a rate: write e.g. 120/minute (second, minute, hour, day)."
            )
        return f"{int(count)}/{period.strip()}"

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        """One of `choices`, as written there (compared without regard to case)."""
        value = self.raw(name)
        if value is None:
            return default
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        allowed = ", ".join(repr(choice) for choice in choices if choice) or "nothing"
        raise ConfigError(f"{name}={value!r} is not one of {allowed} (or empty).")

    def location(self, name: str, default: str) -> str:
        """A URL path prefix such as `/internal/media/`: starts and ends with a slash, plain
        segments only (what a web server's `location` block can match)."""
        value = self.raw(name)
        if value is None:
            return default
        segments = value.strip("/").split("/")
        if (
            not value.startswith("/")
            or not value.endswith("/")
            or any(segment in {"", ".", ".."} for segment in segments)
            or not all(_LOCATION_CHARACTERS.issuperset(segment) for segment in segments)
        ):
            raise ConfigError(
                f"{name}={value!r} is not a location: write a path such as /internal/media/ "
                "(letters, digits, - _ . between slashes, a slash at each end)."
            )
        return value

    def size(self, name: str, default: int) -> int:
        """A size in bytes, with an optional K/M/G suffix (powers of 1024)."""
        value = self.raw(name)
        if value is None:
            return default
        return parse_size(name, value)


_RATE_PERIODS = {"second", "minute", "hour", "day"}
_LOCATION_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."
)
_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "K": 1024,
    "KB": 1024,
    "M": 1024**2,
    "MB": 1024**2,
    "G": 1024**3,
    "GB": 1024**3,
}


def parse_size(name: str, value: str) -> int:
    text = value.strip().upper().replace(" ", "")
    digits = text.rstrip("KMGB")
    unit = text[len(digits) :]
    if not digits.isdigit() or unit not in _SIZE_UNITS:
        raise ConfigError(
            f"{name}={value!r} is not a size: write bytes, or a number with K, M or G (e.g. 50M)."
        )
    size = int(digits) * _SIZE_UNITS[unit]
    if size <= 0:
        raise ConfigError(f"{name}={value!r} must be greater than zero.")
    return size


def database_from_url(url: str, *, base_dir: str) -> dict[str, Any]:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into Django's DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db is relative to the project; sqlite:////abs.db is absolute.
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ConfigError(
                f"DATABASE_URL={url!r} names no SQLite file: use sqlite:///db.sqlite3."
            )
        if path != ":memory:" and not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL lets readers go on while a writer commits; IMMEDIATE takes the write lock at
            # BEGIN so that two writers queue on busy_timeout instead of failing mid-transaction.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r} names no database: add /dbname at the end.")
        options: dict[str, Any] = {}
        for key, values in parse_qs(parts.query).items():
            options[key] = values[-1]
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"DATABASE_URL={url!r} has a port that is not a number.") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
    raise ConfigError(
        f"DATABASE_URL={url!r} has an unsupported scheme {scheme!r}: use sqlite:/// or postgres://."
    )


def check_redis_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL={url!r} must start with redis://, rediss:// or unix://.")
    if parts.scheme != "unix" and not parts.hostname:
        raise ConfigError(f"REDIS_URL={url!r} names no host.")
    return url


# Media's top folders in the bucket: exports sharing the bucket must live beside them.
_MEDIA_FOLDERS = {"projects", "batches"}
_BUCKET_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_REGION_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class S3Config:
    """Where MEDIA_STORAGE=s3 keeps files, checked."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str
    addressing_style: str
    exports_bucket: str
    exports_prefix: str

    @property
    def media_origin(self) -> str:
        """The origin of the media bucket's signed addresses (the pages' image policy)."""
        parts = urlsplit(self.endpoint_url)
        host = parts.netloc.rpartition("@")[2]
        if self.addressing_style == "virtual":
            host = f"{self.bucket}.{host}"
        return f"{parts.scheme}://{host}"


def s3_config(env: Env) -> S3Config:
    """The S3_* variables, each checked, for MEDIA_STORAGE=s3."""
    endpoint = _endpoint_check(env.text("S3_ENDPOINT_URL"))
    bucket = _bucket_check("S3_BUCKET", env.text("S3_BUCKET"))
    access_key, secret_key = env.text("S3_ACCESS_KEY_ID"), env.text("S3_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        given, missing = (
            ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
            if access_key
            else ("S3_SECRET_ACCESS_KEY", "S3_ACCESS_KEY_ID")
        )
        raise ConfigError(
            f"{given} is set without {missing}: set both, or neither to use the machine's own "
            "credentials (AWS_* variables, an instance role)."
        )
    region = env.text("S3_REGION", default="us-east-1")
    if not _REGION_CHARACTERS.issuperset(region) or len(region) > 50:
        raise ConfigError(
            f"S3_REGION={region!r} is not a region name: lowercase letters, digits, - and _ "
            "(e.g. us-east-1, fr-par)."
        )
    exports_bucket = _bucket_check("S3_EXPORTS_BUCKET", env.text("S3_EXPORTS_BUCKET") or bucket)
    shared = exports_bucket == bucket
    prefix = env.text("S3_EXPORTS_PREFIX", default="exports" if shared else "").strip("/")
    if prefix and any(segment in {"", ".", ".."} for segment in prefix.split("/")):
        raise ConfigError(f"S3_EXPORTS_PREFIX={prefix!r} is not a plain folder name.")
    if shared and (not prefix or prefix.split("/")[0] in _MEDIA_FOLDERS):
        raise ConfigError(
            f"S3_EXPORTS_PREFIX={prefix!r} would mix exports with media in the bucket "
            f"{bucket!r}: name another folder (e.g. exports), or give S3_EXPORTS_BUCKET."
        )
    return S3Config(
        endpoint_url=endpoint,
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        region=region,
        addressing_style=env.choice("S3_ADDRESSING_STYLE", ("path", "virtual"), default="path"),
        exports_bucket=exports_bucket,
        exports_prefix=prefix,
    )


def _endpoint_check(url: str) -> str:
    if not url:
        raise ConfigError(
            "S3_ENDPOINT_URL must be set with MEDIA_STORAGE=s3: the storage's address, e.g. "
            "https://s3.eu-west-3.amazonaws.com."
        )
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        parts = parts._replace(netloc="")
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        raise ConfigError(
            f"S3_ENDPOINT_URL={url!r} is not a storage address: write http(s)://host[:port], "
            "without a path or credentials."
        )
    return url.rstrip("/")


def _bucket_check(name: str, bucket: str) -> str:
    if not bucket:
        raise ConfigError(f"{name} must be set with MEDIA_STORAGE=s3: the bucket's name.")
    if (
        not 3 <= len(bucket) <= 63
        or not _BUCKET_CHARACTERS.issuperset(bucket)
        or not (bucket[0].isalnum() and bucket[-1].isalnum())
        or ".." in bucket
    ):
        raise ConfigError(
            f"{name}={bucket!r} is not a bucket name: 3 to 63 lowercase letters, digits, dots "
            "and hyphens, starting and ending with a letter or a digit."
        )
    return bucket
