"""Export writers: pure Python, streaming, one module per standard.

`FORMATS` is the one list of formats: what each writes, the file it makes, and what records
it needs (transcriptions for the raw and provenance exports; grouped by batch for IIIF).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from worker.exports.dwca import dwca_write
from worker.exports.iiif import iiif_write
from worker.exports.jsonl import jsonl_write
from worker.exports.records import Dataset, TaskRecord
from worker.exports.references import bibtex_write, csl_json_write
from worker.exports.tables import raw_csv_write, results_csv_write

# (out, dataset, records) -> records written (rows, items, canvases: each format says which).
Writer = Callable[[IO[bytes], Dataset, Iterable[TaskRecord]], int]


def counting(
    records: Iterable[TaskRecord], progress: Callable[[int], None]
) -> Iterator[TaskRecord]:
    """The records, calling `progress(n)` as the writer moves past the n-th: every record read
    counts, whether the format writes it or not."""
    for done, record in enumerate(records, start=1):
        yield record
        progress(done)


@dataclass(frozen=True)
class ExportFormat:
    code: str
    writer: Writer
    extension: str
    content_type: str
    transcriptions: bool = False  # records carry every transcription
    by_batch: bool = False  # records come grouped by batch
    standard: str = ""  # "dwc" or "csl": the template must map fields to it


FORMATS: dict[str, ExportFormat] = {
    f.code: f
    for f in (
        ExportFormat("csv", results_csv_write, "csv.zip", "application/zip"),
        ExportFormat(
            "raw-csv",
            raw_csv_write,
            "transcriptions.csv.zip",
            "application/zip",
            transcriptions=True,
        ),
        ExportFormat("jsonl", jsonl_write, "jsonl.gz", "application/gzip", transcriptions=True),
        ExportFormat("dwca", dwca_write, "dwca.zip", "application/zip", standard="dwc"),
        ExportFormat(
            "csl-json",
            csl_json_write,
            "csl.json",
            "application/vnd.citationstyles.csl+json",
            standard="csl",
        ),
        ExportFormat("bibtex", bibtex_write, "bib", "application/x-bibtex", standard="csl"),
        ExportFormat("iiif", iiif_write, "iiif.zip", "application/zip", by_batch=True),
    )
}
