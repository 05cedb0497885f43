"""Where media and export files are kept: this machine's disk (MEDIA_ROOT and EXPORT_ROOT, the
default) or an S3-compatible object storage (MEDIA_STORAGE=s3, through django-storages).

Django's STORAGES names both: `default` for media (images, thumbnails, IIIF tiles, uploads
waiting for ingest, training pictures), `exports` for export files. The code that writes,
reads, lists or deletes them asks `media_files()` or `export_files()` for a `Files`, and names
files relative to the root, as the database does (`projects/3/originals/ab/ab12….jpg`).

- `LocalFiles`: paths under the storage's folder, as the platform always worked: files are
  written in place (staged and renamed, hard links), and served by the platform or handed to
  the front web server (X-Accel-Redirect).
- `ObjectFiles`: the storage API and its bucket. Files are made in a temporary folder of this
  machine and uploaded; readers are sent to a short-lived signed address after the platform's
  access check (S3_SIGNED_URL_SECONDS), and the bucket stays private.

Media file fields keep answering the platform's own `/media/…` address with either kind
(`MediaObjectStorage.url`): pages and the API never hand out an address that skips the
access check.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import ClientError
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage

# Objects uploaded at once when a folder (an image's tiles) goes to the bucket.
UPLOAD_THREADS = 8


class ExportsFileSystemStorage(FileSystemStorage):
    """Export files under EXPORT_ROOT, read when asked (tests and commands change it)."""

    @property
    def base_location(self) -> str:
        given = getattr(self, "_location", None)
        return str(self._value_or_setting(given, settings.EXPORT_ROOT))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


class ObjectStorage(S3Storage):
    """django-storages' S3 backend with short time-outs and a few retries: a storage that
    does not answer fails a request or a job quickly (jobs are retried), never hangs it."""

    def __init__(self, **options: Any) -> None:
        style = options.pop("addressing_style", "path")
        options.setdefault(
            "client_config",
            Config(
                s3={"addressing_style": style},
                signature_version="s3v4",
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        )
        options.setdefault("file_overwrite", True)  # names are chosen by content or position
        options.setdefault("default_acl", None)  # the bucket's own rules: private
        super().__init__(**options)


class MediaObjectStorage(ObjectStorage):
    """Media in the bucket, whose files' addresses stay the platform's `/media/…`: there the
    access check runs, then answers with a signed address (or relays a public file)."""

    def url(
        self,
        name: str | None,
        parameters: dict[str, str] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        return f"{settings.MEDIA_URL}{filepath_to_uri(name or '')}"


class NotModified(Exception):
    """The reader's copy is current (its If-None-Match matches the object's ETag)."""


def _checked(name: str) -> str:
    """A name relative to the root, never one that climbs out of it."""
    parts = name.strip("/").split("/")
    if name.startswith("/") or any(part in {"", ".", ".."} for part in parts):
        raise ValueError(f"not a stored file's name: {name!r}")
    return "/".join(parts)


class Files:
    """The files of one storage, by name relative to its root."""

    local = True

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        """(name, modification time as a timestamp) of every file under the folder `prefix`
        ("" for all)."""
        raise NotImplementedError

    def upload(self, name: str, source: Path, *, move: bool = False) -> None:
        """Store the file at `source` (of this machine) as `name`, whole or not at all;
        `move`: `source` is gone after."""
        raise NotImplementedError

    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path | None]:
        """A path of this machine holding the file, for as long as the block runs; None when
        there is no such file."""
        raise NotImplementedError
        yield None

    def read(self, name: str) -> bytes | None:
        """A small file's bytes, or None when it cannot be read."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        """Delete one file; nothing happens when it is not there."""
        raise NotImplementedError

    def delete_folder(self, prefix: str) -> None:
        """Delete every file under the folder `prefix`."""
        raise NotImplementedError


class LocalFiles(Files):
    """Files in the folder of a FileSystemStorage."""

    local = True

    def __init__(self, storage: FileSystemStorage) -> None:
        self.storage = storage

    @property
    def root(self) -> Path:
        return Path(self.storage.location)

    def path(self, name: str) -> Path:
        return self.root / _checked(name)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        root = self.root
        folder = root / _checked(prefix) if prefix else root
        for directory, _, names in os.walk(folder):
            for file_name in names:
                path = Path(directory) / file_name
                try:
                    modified = path.stat().st_mtime
                except OSError:  # deleted meanwhile
                    continue
                yield path.relative_to(root).as_posix(), modified

    def upload(self, name: str, source: Path, *, move: bool = False) -> None:
        target = self.path(name)
        if Path(source).resolve() == target.resolve():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if move:
            os.replace(source, target)
            return
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(source, staging)
            os.replace(staging, target)
        except BaseException:
            staging.unlink(missing_ok=True)
            raise

    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path | None]:
        path = self.path(name)
        yield path if path.is_file() else None

    def read(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except OSError:
            return None

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def delete_folder(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)


class ObjectFiles(Files):
    """Objects of an S3 storage's bucket (under its `location`, if it has one)."""

    local = False

    def __init__(self, storage: S3Storage) -> None:
        self.storage = storage

    @property
    def _client(self) -> Any:
        return self.storage.connection.meta.client

    def key(self, name: str) -> str:
        location = self.storage.location.strip("/")
        return f"{location}/{_checked(name)}" if location else _checked(name)

    def exists(self, name: str) -> bool:
        return bool(self.storage.exists(_checked(name)))

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        location = self.storage.location.strip("/")
        start = f"{self.key(prefix)}/" if prefix else (f"{location}/" if location else "")
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.storage.bucket_name, Prefix=start
        )
        for page in pages:
            for entry in page.get("Contents", ()):
                key = entry["Key"]
                name = key[len(location) + 1 :] if location else key
                yield name, entry["LastModified"].timestamp()

    def upload(self, name: str, source: Path, *, move: bool = False) -> None:
        with open(source, "rb") as stream:
            self.storage.save(_checked(name), File(stream))
        if move:
            Path(source).unlink(missing_ok=True)

    def upload_folder(self, prefix: str, folder: Path, *, last: str = "") -> None:
        """Upload every file under `folder` as `prefix/<its path in folder>`, several at a
        time; `last` (a path in the folder) goes once all the others are stored, so that its
        presence says the folder is complete."""
        names = [
            (Path(directory) / file_name).relative_to(folder).as_posix()
            for directory, _, file_names in os.walk(folder)
            for file_name in file_names
        ]
        first = [name for name in names if name != last]
        # One client for all (boto3 clients may be shared between threads; the storage's own
        # connection is made per thread) and a plain PUT each: tiles are small.
        client, bucket = self._client, self.storage.bucket_name

        def put(name: str) -> None:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            with open(folder / name, "rb") as body:
                client.put_object(
                    Bucket=bucket,
                    Key=self.key(f"{prefix}/{name}"),
                    Body=body,
                    ContentType=content_type,
                )

        with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
            # list(): the first failure is raised here, after the others finished.
            list(pool.map(put, first))
        if last in names:
            put(last)

    @contextmanager
    def local_copy(self, name: str) -> Iterator[Path | None]:
        with tempfile.TemporaryDirectory(prefix="crowd-copy-") as folder:
            path = Path(folder) / Path(_checked(name)).name
            try:
                self._client.download_file(self.storage.bucket_name, self.key(name), str(path))
            except ClientError as error:
                if _status(error) != 404:
                    raise
                yield None
                return
            yield path

    def read(self, name: str) -> bytes | None:
        try:
            answer = self._client.get_object(Bucket=self.storage.bucket_name, Key=self.key(name))
        except ClientError as error:
            if _status(error) in {403, 404}:
                return None
            raise
        with answer["Body"] as body:
            return bytes(body.read())

    def delete(self, name: str) -> None:
        self.storage.delete(_checked(name))

    def delete_folder(self, prefix: str) -> None:
        self.storage.bucket.objects.filter(Prefix=f"{self.key(prefix)}/").delete()

    def signed_url(
        self, name: str, *, content_type: str, disposition: str = "", cache_control: str = ""
    ) -> str:
        """A GET address of the file that works S3_SIGNED_URL_SECONDS, answered with these
        headers (the storage's own are never trusted for the type)."""
        parameters = {"ResponseContentType": content_type}
        if disposition:
            parameters["ResponseContentDisposition"] = disposition
        if cache_control:
            parameters["ResponseCacheControl"] = cache_control
        # S3Storage's own url(): MediaObjectStorage answers the platform's address instead.
        return str(
            S3Storage.url(
                self.storage,
                _checked(name),
                parameters=parameters,
                expire=settings.S3_SIGNED_URL_SECONDS,
            )
        )

    def opened(self, name: str, *, etag: str = "") -> tuple[IO[bytes], dict[str, Any]]:
        """The object's body as a stream, and what the storage says of it (`ContentLength`,
        `ETag`, `LastModified`). Raises FileNotFoundError, or NotModified when `etag` (the
        reader's If-None-Match) is current."""
        extra = {"IfNoneMatch": etag} if etag else {}
        try:
            answer = self._client.get_object(
                Bucket=self.storage.bucket_name, Key=self.key(name), **extra
            )
        except ClientError as error:
            status = _status(error)
            if status == 304:
                raise NotModified from None
            if status in {403, 404}:
                raise FileNotFoundError(name) from None
            raise
        return answer.pop("Body"), answer


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _files(storage: Storage) -> Files:
    if isinstance(storage, FileSystemStorage):
        return LocalFiles(storage)
    if isinstance(storage, S3Storage):
        return ObjectFiles(storage)
    raise TypeError(f"unsupported storage for media or exports: {type(storage).__name__}")


def media_files() -> Files:
    """The media files: images, thumbnails, tiles, waiting uploads, training pictures."""
    return _files(storages["default"])


def export_files() -> Files:
    """The export files."""
    return _files(storages["exports"])
