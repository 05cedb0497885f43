"""Files into a batch: uploads, zips, folders on disk and the metadata CSV.

Every file is stored in the batch's folder under a name of our own (`000042.jpg`: its position
and the extension of the image format its header declares, `worker.imaging.formats`; no
extension when it declares none we accept), never under the name it came with, so no name in an
upload or a zip entry can reach another folder nor choose how the file is served. Names are kept in the database only. Each file that cannot be
stored gets a failed `BatchFile` with its reason, and the rest of the batch goes on; hidden
system files (`__MACOSX/`, `.DS_Store`, `._*`, `Thumbs.db`) are skipped without a word.

Files are written to the batch's folder under MEDIA_ROOT; with object storage (MEDIA_STORAGE=s3)
each is then uploaded to the same name in the bucket and removed from this machine, so that any
ingest worker finds it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Max, Sum
from django.utils.translation import gettext as _

from crowd.storage import media_files
from tasks import batch_messages as codes
from tasks.models import Batch, BatchFile, BatchFileState
from tasks.values import hides_characters
from worker.imaging.formats import format_extension, format_sniff

HIDDEN_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "__macosx"}
# Headers accepted for the column naming the files (compared lowercased, `-`/space as `_`).
FILENAME_COLUMNS = (
    "file",
    "filename",
    "file_name",
    "image",
    "image_name",
    "fichier",
    "nom_fichier",
    "nom_du_fichier",
    "nom_de_fichier",
)
METADATA_MAX_BYTES = 20 * 1024**2
MANIFEST_URL_MAX_LENGTH = 2000
# Entries smaller than this are never called bombs, however well they compress (a blank page).
RATIO_FLOOR_BYTES = 1024**2
_CHUNK = 1024**2


@dataclass(frozen=True)
class Incoming:
    """A file to add: an upload of this request, or a file on this machine."""

    name: str
    size: int
    upload: UploadedFile | None = None
    path: Path | None = None

    @classmethod
    def from_upload(cls, upload: UploadedFile) -> Incoming:
        return cls(name=str(upload.name or ""), size=int(upload.size or 0), upload=upload)

    @classmethod
    def from_path(cls, path: Path, name: str | None = None) -> Incoming:
        return cls(name=name or path.name, size=path.stat().st_size, path=path)

    @contextmanager
    def opened(self) -> Iterator[IO[bytes]]:
        if self.path is not None:
            with open(self.path, "rb") as stream:
                yield stream
            return
        assert self.upload is not None
        self.upload.seek(0)
        yield self.upload.file  # type: ignore[misc]


def is_hidden(name: str) -> bool:
    """System files nobody meant to upload: macOS resource forks and folders, Windows caches."""
    parts = [part for part in re.split(r"[/\\]", name) if part]
    if not parts:
        return True
    if any(part.lower() in HIDDEN_NAMES for part in parts):
        return True
    return parts[-1].startswith(".")


def is_unsafe_path(name: str) -> bool:
    """An absolute path (`/x`, `C:\\x`, `\\\\server\\x`) or one that climbs out with `..`."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[/\\]", name))


def stored_as_image(path: Path) -> Path:
    """Give a file just written the extension of the image format it holds, and return where
    it is now; a file of no accepted format keeps no extension (ingest explains the refusal)."""
    extension = format_extension(format_sniff(path))
    if not extension:
        return path
    named = path.with_name(path.name + extension)
    os.replace(path, named)
    return named


def lead_stored_bytes(batch: Batch) -> int | None:
    """What the projects created by the batch's project's creator store (LEAD_MAX_STORED_BYTES),
    or None when no quota applies (staff, or a project nobody created)."""
    creator = batch.project.created_by
    if creator is None or creator.is_staff:
        return None
    stored = BatchFile.objects.filter(batch__project__created_by=creator).exclude(
        state__in=[BatchFileState.FAILED, BatchFileState.WITHDRAWN]
    )
    return int(stored.aggregate(size=Sum("size"))["size"] or 0)


class BatchWriter:
    """Adds files to one batch. The caller holds the batch row locked (positions, caps)."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.root = Path(settings.MEDIA_ROOT) / batch.folder
        files = BatchFile.objects.filter(batch=batch)
        aggregate = files.aggregate(position=Max("position"), size=Sum("size"))
        self.position = int(aggregate["position"] or 0)
        kept = files.exclude(state=BatchFileState.FAILED)
        self.stored_bytes = int(kept.aggregate(size=Sum("size"))["size"] or 0)
        self.files_kept = kept.count()
        self.lead_bytes = lead_stored_bytes(batch)
        self.added: list[BatchFile] = []

    def add(self, incoming: Incoming) -> list[BatchFile]:
        """Store one file, or unpack one zip; returns the records made."""
        start = len(self.added)
        if is_hidden(incoming.name):
            return []
        if incoming.path is None and incoming.upload is None:
            self._failed(incoming.name, codes.NOT_REGULAR)
        elif incoming.name.lower().endswith(".zip"):
            self._zip_expand(incoming)
        else:
            self._store(incoming.name, incoming.size, incoming)
        return self.added[start:]

    def add_remote(self, *, name: str, url: str, metadata: dict[str, Any]) -> BatchFile:
        """A file the ingest job fetches (IIIF import)."""
        if self.files_kept >= settings.BATCH_MAX_IMAGES:
            return self._failed(name, codes.BATCH_TOO_MANY, limit=settings.BATCH_MAX_IMAGES)
        self.files_kept += 1
        return self._record(name=name, source_url=url, metadata=metadata)

    def _record(self, **fields: Any) -> BatchFile:
        self.position += 1
        record = BatchFile.objects.create(batch=self.batch, position=self.position, **fields)
        self.added.append(record)
        return record

    def _failed(
        self, name: str, code: str, file_size: int | None = None, **params: Any
    ) -> BatchFile:
        return self._record(
            name=name[:500],
            size=file_size,
            state=BatchFileState.FAILED,
            error_code=code,
            error_params=params,
        )

    def _refusal(self, name: str, size: int) -> BatchFile | None:
        if size > settings.UPLOAD_MAX_FILE_BYTES:
            return self._failed(
                name, codes.TOO_LARGE, size, size=size, limit=settings.UPLOAD_MAX_FILE_BYTES
            )
        if self.stored_bytes + size > settings.UPLOAD_MAX_BATCH_BYTES:
            return self._failed(name, codes.BATCH_FULL, size, limit=settings.UPLOAD_MAX_BATCH_BYTES)
        if self.files_kept >= settings.BATCH_MAX_IMAGES:
            return self._failed(name, codes.BATCH_TOO_MANY, size, limit=settings.BATCH_MAX_IMAGES)
        if self.lead_bytes is not None and (
            self.lead_bytes + size > settings.LEAD_MAX_STORED_BYTES
        ):
            return self._failed(
                name, codes.LEAD_STORAGE_FULL, size, limit=settings.LEAD_MAX_STORED_BYTES
            )
        return None

    def _destination(self) -> Path:
        path = Path(settings.MEDIA_ROOT) / f"{self.batch.folder}/{self.position + 1:06d}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _stored(self, name: str, size: int, written: Path) -> None:
        named = stored_as_image(written)
        relative = f"{self.batch.folder}/{named.name}"
        media_files().upload(relative, named, move=True)
        self.stored_bytes += size
        self.files_kept += 1
        if self.lead_bytes is not None:
            self.lead_bytes += size
        self._record(name=name[:500], size=size, stored=relative)

    def _store(self, name: str, size: int, incoming: Incoming) -> None:
        if self._refusal(name, size) is not None:
            return
        destination = self._destination()
        upload = incoming.upload
        temporary = getattr(upload, "temporary_file_path", None) if upload else None
        if temporary is not None:
            # Django's temporary file: moved, not copied (Django forgives it being gone).
            shutil.move(temporary(), destination)
        else:
            with incoming.opened() as source, open(destination, "wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
        self._stored(name, size, destination)

    def _zip_expand(self, incoming: Incoming) -> None:
        with incoming.opened() as stream:
            try:
                archive = zipfile.ZipFile(stream)
                entries = archive.infolist()
            except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
                self._failed(incoming.name, codes.ZIP_CORRUPT, incoming.size, detail=str(error))
                return
            with archive:
                files = [
                    entry
                    for entry in entries
                    if not entry.is_dir() and not is_hidden(entry.filename)
                ]
                if not files:
                    self._failed(incoming.name, codes.ZIP_EMPTY, incoming.size)
                    return
                if len(files) > settings.UPLOAD_ZIP_MAX_FILES:
                    # Each file becomes a record, a stored file and a job: a zip of a million empty
                    # entries must not flood them.
                    self._failed(
                        incoming.name,
                        codes.ZIP_TOO_MANY,
                        incoming.size,
                        count=len(files),
                        limit=settings.UPLOAD_ZIP_MAX_FILES,
                    )
                    return
                total = sum(entry.file_size for entry in files)
                if total > settings.UPLOAD_ZIP_MAX_BYTES:
                    self._failed(
                        incoming.name,
                        codes.ZIP_TOO_LARGE,
                        incoming.size,
                        size=total,
                        limit=settings.UPLOAD_ZIP_MAX_BYTES,
                    )
                    return
                for entry in files:
                    self._zip_entry(archive, entry)

    def _zip_entry(self, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
        name, size = entry.filename, entry.file_size
        if is_unsafe_path(name):
            self._failed(name, codes.ZIP_UNSAFE_PATH, size)
            return
        if name.lower().endswith(".zip"):
            self._failed(name, codes.ZIP_NESTED, size)
            return
        if entry.flag_bits & 0x1:
            self._failed(name, codes.ZIP_ENCRYPTED, size)
            return
        ratio = size / max(entry.compress_size, 1)
        if size > RATIO_FLOOR_BYTES and ratio > settings.UPLOAD_ZIP_MAX_RATIO:
            self._failed(
                name, codes.ZIP_RATIO, size, ratio=int(ratio), limit=settings.UPLOAD_ZIP_MAX_RATIO
            )
            return
        if self._refusal(name, size) is not None:
            return
        destination = self._destination()
        written = 0
        try:
            # Never more than the size the entry declares (zipfile stops there and checks the
            # CRC): the caps above were checked against it.
            with archive.open(entry) as source, open(destination, "wb") as out:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > size:
                        raise zipfile.BadZipFile("longer than it declares")
                    out.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
            destination.unlink(missing_ok=True)
            if isinstance(error, OSError) and error.errno is not None:
                raise  # the disk, not the zip
            self._failed(name, codes.ZIP_ENTRY_DAMAGED, size, detail=str(error))
            return
        self._stored(name, size, destination)


def batch_folder_remove(folder: str) -> None:
    """Remove what is left of a batch's uploads: on this machine (where uploads are received)
    and, with object storage, in the bucket. Only a folder under `batches/` is touched."""
    if not folder or not folder.startswith("batches/") or ".." in folder.split("/"):
        return
    root = Path(settings.MEDIA_ROOT)
    local = root / folder
    if local.resolve().is_relative_to(root.resolve() / "batches"):
        shutil.rmtree(local, ignore_errors=True)
    files = media_files()
    if not files.local:
        files.delete_folder(folder)


def manifest_url_check(url: str) -> str:
    """What can be checked of a manifest's address without the network: length, http(s), a
    host, no spaces or control characters. Returns it trimmed; raises ValidationError on
    `manifest_url`. Addresses are checked again, resolved, when fetched."""
    url = url.strip()
    if len(url) > MANIFEST_URL_MAX_LENGTH:
        raise ValidationError(
            {
                "manifest_url": [
                    _("The manifest's address is longer than %(limit)s characters.")
                    % {"limit": MANIFEST_URL_MAX_LENGTH}
                ]
            }
        )
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 (a port out of range raises here)
    except ValueError:
        hostname = None
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValidationError({"manifest_url": [_("Give the manifest's http or https address.")]})
    # The platform's one test for hidden characters (bidirectional overrides, DEL, controls).
    if any(character.isspace() for character in url) or hides_characters(url):
        raise ValidationError(
            {"manifest_url": [_("The manifest's address holds spaces or control characters.")]}
        )
    return url


def folder_walk(root: Path) -> Iterator[tuple[str, Path | None]]:
    """(name relative to `root`, path) of the files under `root`, sorted, hidden ones left out;
    path is None for what is not a regular file (links, devices)."""
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if not is_hidden(d))
        for file_name in sorted(names):
            path = Path(directory) / file_name
            name = path.relative_to(root).as_posix()
            if is_hidden(name):
                continue
            yield name, (path if path.is_file() and not path.is_symlink() else None)


def metadata_csv_parse(data: bytes) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Rows of a metadata CSV by file name: `{name: {"row": line, "values": {column: value}}}`,
    and notices (a file named twice). Raises ValidationError on the `metadata` field when the
    CSV cannot be used at all: empty, not UTF-8, no column naming the files.

    The delimiter is guessed among comma, semicolon and tab (French spreadsheets write `;`).
    Empty cells are left out.
    """

    def refuse(message: str) -> ValidationError:
        return ValidationError({"metadata": [message]})

    if len(data) > METADATA_MAX_BYTES:
        raise refuse(_("The metadata file is larger than 20 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refuse(
            _(
                "The metadata file is not UTF-8 text (byte 0x%(byte)02X on line %(line)s): save "
                "it as “CSV UTF-8” and upload it again."
            )
            % {"byte": data[error.start], "line": line}
        ) from None
    if not text.strip():
        raise refuse(_("The metadata file is empty."))
    sample = text[:16384]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise refuse(
            _("The metadata file is not a readable CSV (%(detail)s).") % {"detail": error}
        ) from None
    header = [cell.strip() for cell in rows[0]]
    keys = [re.sub(r"[\s-]+", "_", cell.lower()) for cell in header]
    column = next((keys.index(key) for key in FILENAME_COLUMNS if key in keys), None)
    if column is None:
        raise refuse(
            _(
                "The metadata file has no column naming the files: head one “file” (or "
                "filename, image, fichier). Its columns are: %(columns)s."
            )
            % {"columns": ", ".join(header) or "—"}
        )
    found: dict[str, dict[str, Any]] = {}
    notices: list[dict[str, Any]] = []
    for line, row in enumerate(rows[1:], start=2):
        name = row[column].strip() if column < len(row) else ""
        if not name:
            continue
        if name in found:
            notices.append(
                {
                    "code": codes.CSV_DUPLICATE_ROW,
                    "params": {"row": line, "first": found[name]["row"], "name": name},
                }
            )
            continue
        values = {
            header[index]: cell.strip()
            for index, cell in enumerate(row)
            if index != column and index < len(header) and header[index] and cell.strip()
        }
        found[name] = {"row": line, "values": values}
    return found, notices
