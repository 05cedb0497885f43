"""What went wrong with a batch file, in the reader's language.

Errors are stored as a code and plain parameters (a worker does not know who will read them);
these functions put them into words when they are read: by the API, the upload page, or
`import_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Codes of the storing step (the pipeline's own are in worker.imaging.ingest).
TOO_LARGE = "too_large"  # {"size", "limit"}
BATCH_FULL = "batch_full"  # {"limit"}
BATCH_TOO_MANY = "batch_too_many"  # {"limit"} BATCH_MAX_IMAGES
LEAD_STORAGE_FULL = "lead_storage_full"  # {"limit"} LEAD_MAX_STORED_BYTES
ZIP_UNSAFE_PATH = "zip_unsafe_path"  # {}
ZIP_NESTED = "zip_nested"  # {}
ZIP_EMPTY = "zip_empty"  # {}
ZIP_CORRUPT = "zip_corrupt"  # {"detail"}
ZIP_TOO_LARGE = "zip_too_large"  # {"size", "limit"}
ZIP_RATIO = "zip_ratio"  # {"ratio", "limit"}
ZIP_TOO_MANY = "zip_too_many"  # {"count", "limit"}
ZIP_ENCRYPTED = "zip_encrypted"  # {}
ZIP_ENTRY_DAMAGED = "zip_entry_damaged"  # {"detail"}
NOT_REGULAR = "not_regular"  # {} a link or a device met while importing a folder
FETCH_FAILED = "fetch_failed"  # {"url", "detail"}
FETCH_REFUSED = "fetch_refused"  # {"url", "reason", "host"}
FETCH_DEADLINE = "fetch_deadline"  # {"url", "seconds"} IIIF_IMPORT_IMAGE_TIMEOUT passed
MISSING = "missing"  # {} the stored file vanished before ingest
DUPLICATE = "duplicate"  # {"task", "name"}
WITHDRAWN = "withdrawn"  # {}
INTERNAL = "internal"  # {}
TIME_LIMIT = "time_limit"  # {"minutes"} the ingest job's soft time limit (crowd.queues)
TOO_MANY_ATTEMPTS = "too_many_attempts"  # {"attempts"} batches_resume gave up on the file

# Why a IIIF import's manifest could not be read (Batch.source_error_code).
MANIFEST_NOT_FOUND = "manifest_not_found"  # {"url", "status"}
MANIFEST_HTTP = "manifest_http"  # {"url", "detail"} another HTTP error
MANIFEST_UNREACHABLE = "manifest_unreachable"  # {"url", "detail"} connection refused, reset…
MANIFEST_DEADLINE = "manifest_deadline"  # {"url", "seconds"} IIIF_IMPORT_TIMEOUT passed
MANIFEST_REFUSED = "manifest_refused"  # {"url", "reason", "host", "limit"?}
MANIFEST_INVALID = "manifest_invalid"  # {"detail"} not JSON, not a manifest, no image
MANIFEST_GAVE_UP = "manifest_gave_up"  # {"attempts"} IIIF_IMPORT_ATTEMPTS used up unanswered

# Notices of a batch: what the metadata CSV and the files do not agree on.
CSV_UNKNOWN_FILE = "csv_unknown_file"  # {"names": [...], "count"}
CSV_NO_ROW = "csv_no_row"  # {"names": [...], "count"}
CSV_DUPLICATE_ROW = "csv_duplicate_row"  # {"row", "first", "name"}

NAMES_LISTED = 20  # a notice lists this many file names at most


def _size(value: Any) -> str:
    return str(filesizeformat(int(value or 0)))


def _number(value: Any) -> str:
    return str(number_format(int(value or 0), force_grouping=True))


def _kind(kind: str) -> str:
    kinds = {
        "pdf": _("a PDF document"),
        "zip": _("a zip archive"),
        "office": _("an office document (Word, Excel…)"),
        "rtf": _("an RTF document"),
        "html": _("a web page (HTML)"),
        "svg": _("an SVG drawing"),
        "xml": _("an XML document"),
        "postscript": _("a PostScript or EPS file"),
        "gzip": _("a gzip archive"),
        "rar": _("a RAR archive"),
        "7z": _("a 7-Zip archive"),
        "text": _("a text file"),
    }
    return kinds.get(kind, "")


def _not_image(params: dict[str, Any]) -> str:
    kind = _kind(str(params.get("kind", "")))
    if kind:
        return _("Not an image: this file is %(kind)s.") % {"kind": kind}
    return _(
        "Not an image, or in a format we cannot read (JPEG, PNG, TIFF, WebP, GIF, BMP and "
        "JPEG 2000 are)."
    )


def _too_many_pixels(params: dict[str, Any]) -> str:
    values = {
        "pixels": _number(params.get("pixels")),
        "limit": _number(params.get("limit")),
        "width": _number(params.get("width")),
        "height": _number(params.get("height")),
    }
    if params.get("width"):
        return (
            _(
                "The image is %(width)s × %(height)s = %(pixels)s pixels, more than the limit of "
                "%(limit)s (IMAGE_MAX_PIXELS): it could be a decompression bomb."
            )
            % values
        )
    return (
        _(
            "The image has %(pixels)s pixels, more than the limit of %(limit)s "
            "(IMAGE_MAX_PIXELS): it could be a decompression bomb."
        )
        % values
    )


def _fetch_refused(params: dict[str, Any]) -> str:
    reasons = {
        "scheme": _("only http and https addresses are fetched"),
        "private": _(
            "%(host)s is a private, local or reserved address (IIIF_IMPORT_ALLOW_PRIVATE is off)"
        )
        % {"host": params.get("host", "")},
        "unresolved": _("the host name %(host)s does not resolve") % {"host": params.get("host")},
        "too_large": _("the image is larger than the limit of %(limit)s")
        % {"limit": _size(params.get("limit"))},
    }
    reason = reasons.get(str(params.get("reason")), str(params.get("reason", "")))
    return _("Not downloaded from %(url)s: %(reason)s.") % {
        "url": params.get("url", ""),
        "reason": reason,
    }


def _manifest_refused(params: dict[str, Any]) -> str:
    if params.get("reason") == "too_large":
        reason = _("the manifest is larger than the limit of %(limit)s") % {
            "limit": _size(params.get("limit"))
        }
        return _("The manifest was not fetched from %(url)s: %(reason)s.") % {
            "url": params.get("url", ""),
            "reason": reason,
        }
    # The same reasons as an image's: scheme, private address, unresolved name.
    return _fetch_refused(params)


_MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "not_image": _not_image,
    "empty": lambda p: _("The file is empty."),
    "truncated": lambda p: _(
        "The image is truncated: the file ends before its last pixels (an interrupted copy or "
        "upload?)."
    ),
    "corrupt": lambda p: (
        _("The image is damaged and cannot be decoded (%(detail)s).")
        % {"detail": p.get("detail", "")}
    ),
    "too_many_pixels": _too_many_pixels,
    TOO_LARGE: lambda p: (
        _("The file is %(size)s, more than the limit of %(limit)s per file.")
        % {"size": _size(p.get("size")), "limit": _size(p.get("limit"))}
    ),
    BATCH_TOO_MANY: lambda p: (
        _("Not stored: a batch holds at most %(limit)s images (BATCH_MAX_IMAGES).")
        % {"limit": _number(p.get("limit"))}
    ),
    LEAD_STORAGE_FULL: lambda p: (
        _(
            "Not stored: the projects of this lead would go past their storage limit of "
            "%(limit)s (LEAD_MAX_STORED_BYTES). Withdraw batches, or ask the platform's staff "
            "for more room."
        )
        % {"limit": _size(p.get("limit"))}
    ),
    BATCH_FULL: lambda p: (
        _("Not stored: the batch would go past its limit of %(limit)s.")
        % {"limit": _size(p.get("limit"))}
    ),
    ZIP_UNSAFE_PATH: lambda p: _(
        "Not extracted: its path in the zip is absolute or climbs out with “..”, so it would "
        "land outside the batch folder."
    ),
    ZIP_NESTED: lambda p: _(
        "Not extracted: a zip inside the zip. Unpack it and add its files instead."
    ),
    ZIP_EMPTY: lambda p: _("The zip archive holds no files."),
    ZIP_TOO_MANY: lambda p: (
        _(
            "Not extracted: the zip holds %(count)s files, more than the limit of %(limit)s (UPLOAD_ZIP_MAX_FILES)."
        )
        % {"count": p.get("count"), "limit": p.get("limit")}
    ),
    ZIP_CORRUPT: lambda p: (
        _("Not a readable zip archive (%(detail)s).") % {"detail": p.get("detail", "")}
    ),
    ZIP_TOO_LARGE: lambda p: (
        _(
            "Not extracted: the zip unpacks to %(size)s, more than the limit of %(limit)s "
            "(UPLOAD_ZIP_MAX_BYTES)."
        )
        % {"size": _size(p.get("size")), "limit": _size(p.get("limit"))}
    ),
    ZIP_RATIO: lambda p: (
        _(
            "Not extracted: it expands %(ratio)s times when unpacked, more than the limit of "
            "%(limit)s (UPLOAD_ZIP_MAX_RATIO): it looks like a zip bomb."
        )
        % {"ratio": _number(p.get("ratio")), "limit": _number(p.get("limit"))}
    ),
    ZIP_ENCRYPTED: lambda p: _("Not extracted: the entry is encrypted."),
    ZIP_ENTRY_DAMAGED: lambda p: (
        _("Not extracted: the entry is damaged (%(detail)s).") % {"detail": p.get("detail", "")}
    ),
    NOT_REGULAR: lambda p: _("Not imported: not a regular file (a link or a device)."),
    FETCH_FAILED: lambda p: (
        _("Could not download %(url)s: %(detail)s.")
        % {"url": p.get("url", ""), "detail": p.get("detail", "")}
    ),
    FETCH_REFUSED: _fetch_refused,
    FETCH_DEADLINE: lambda p: (
        _(
            "Not downloaded from %(url)s: the server did not send the whole image within "
            "%(seconds)s seconds (IIIF_IMPORT_IMAGE_TIMEOUT)."
        )
        % {"url": p.get("url", ""), "seconds": p.get("seconds", "")}
    ),
    MISSING: lambda p: _("The uploaded file is no longer on the server."),
    DUPLICATE: lambda p: (
        _("Already in the project (task %(task)s, %(name)s).")
        % {"task": p.get("task", ""), "name": p.get("name", "")}
    ),
    WITHDRAWN: lambda p: _("Not ingested: the batch was withdrawn."),
    INTERNAL: lambda p: _("An unexpected error stopped this file; the team has been told."),
    TIME_LIMIT: lambda p: (
        _(
            "Stopped after %(minutes)s minutes, the longest one image may take: a very slow "
            "image server, or an image too large to process in time."
        )
        % {"minutes": p.get("minutes", "")}
    ),
    TOO_MANY_ATTEMPTS: lambda p: (
        _(
            "Not ingested: tried %(attempts)s times, and no attempt finished (each was stopped, "
            "or lost its worker, before the end)."
        )
        % {"attempts": p.get("attempts", "")}
    ),
    MANIFEST_NOT_FOUND: lambda p: (
        _("No manifest at %(url)s: the server answered HTTP %(status)s (not found).")
        % {"url": p.get("url", ""), "status": p.get("status", "")}
    ),
    MANIFEST_HTTP: lambda p: (
        _("The server of %(url)s refused the manifest: %(detail)s.")
        % {"url": p.get("url", ""), "detail": p.get("detail", "")}
    ),
    MANIFEST_UNREACHABLE: lambda p: (
        _("The manifest could not be downloaded from %(url)s: %(detail)s.")
        % {"url": p.get("url", ""), "detail": p.get("detail", "")}
    ),
    MANIFEST_DEADLINE: lambda p: (
        _(
            "The server of %(url)s did not send the manifest within %(seconds)s seconds "
            "(IIIF_IMPORT_TIMEOUT)."
        )
        % {"url": p.get("url", ""), "seconds": p.get("seconds", "")}
    ),
    MANIFEST_REFUSED: _manifest_refused,
    MANIFEST_INVALID: lambda p: (
        _("This is not a IIIF Presentation manifest we can read: %(detail)s.")
        % {"detail": p.get("detail", "")}
    ),
    MANIFEST_GAVE_UP: lambda p: (
        _("The manifest could not be read: %(attempts)s attempts ended without an answer.")
        % {"attempts": p.get("attempts", "")}
    ),
}


def batch_file_error_text(code: str, params: dict[str, Any] | None = None) -> str:
    if not code:
        return ""
    message = _MESSAGES.get(code)
    if message is None:
        return code
    return message(params or {})


def batch_notice_text(notice: dict[str, Any]) -> str:
    code, params = notice.get("code", ""), notice.get("params", {})
    if code == CSV_UNKNOWN_FILE:
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)s row of the metadata names a file that is not in the batch: %(names)s.",
            "%(count)s rows of the metadata name files that are not in the batch: %(names)s.",
            count,
        ) % {"count": count, "names": _names(params)}
    if code == CSV_DUPLICATE_ROW:
        return (
            _("Rows %(first)s and %(row)s of the metadata both name %(name)s; the first is kept.")
            % params
        )
    if code == CSV_NO_ROW:
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)s file has no row in the metadata: %(names)s.",
            "%(count)s files have no row in the metadata: %(names)s.",
            count,
        ) % {"count": count, "names": _names(params)}
    return str(code)


def _names(params: dict[str, Any]) -> str:
    names = [str(name) for name in params.get("names", [])]
    listed = ", ".join(names)
    return listed + ", …" if int(params.get("count", 0)) > len(names) else listed
