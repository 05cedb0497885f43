"""Command-line reconciler for flat transcription exports (one row per transcription).

    python -m worker.consensus reconcile INPUT.csv --fields "name:type,..." --group-by subject_id
        [--user-column user_name] [--adaptive --min 2 --max 5] [-k N] -o OUT.csv
        [--report REPORT.html]

Writes one row per subject: each field's value, `<field>.status` (`agreed` for every cell
accepted without a curator, a value or an agreed blank), `<field>.agreement`,
`<field>.explanation`, and `transcriptions_used`. Exit code 2 for unusable input.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from worker.consensus.engine import AnswerCache, reconcile_task
from worker.consensus.explain import Part, english
from worker.consensus.model import (
    AGREED,
    BLANK,
    COMPLETE,
    Policy,
    Submission,
    new_submission,
)
from worker.consensus.reliability import estimate_from_tasks, with_weights
from worker.consensus.report import SubjectResult, write_report
from worker.template import FIELD_TYPES, FieldSpec


class InputError(Exception):
    """The input cannot be reconciled; the message says what to fix."""


def parse_fields(spec: str) -> list[FieldSpec]:
    """`name:type,...` into field specs (select fields get no vocabulary: answers are folded)."""
    fields: list[FieldSpec] = []
    for item in spec.replace("\n", ",").split(","):
        item = item.strip()
        if not item:
            continue
        name, colon, kind = item.partition(":")
        name, kind = name.strip(), kind.strip()
        if not colon or not name:
            raise InputError(f"--fields: {item!r} is not name:type")
        if kind not in FIELD_TYPES:
            raise InputError(
                f"--fields: {kind!r} in {item!r} is not a field type; use one of {', '.join(FIELD_TYPES)}"
            )
        if any(f.key == name for f in fields):
            raise InputError(f"--fields: {name!r} is given twice")
        fields.append(FieldSpec(key=name, type=kind, label={"en": name}))
    if not fields:
        raise InputError("--fields: give at least one name:type")
    return fields


def read_subjects(
    path: Path, fields: Sequence[FieldSpec], group_by: str, user_column: str
) -> dict[str, list[Submission]]:
    """Rows grouped by subject, in the order they arrive."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            # Plain rows rather than csv.DictReader's: a dict per row costs a third of the
            # reading, and a file of 100,000 rows is read in under half a second. The rules are
            # DictReader's: empty lines are skipped, missing cells are blank, the last of two
            # columns of the same name counts.
            reader = csv.reader(handle)
            columns = next(reader, [])
            missing = [
                c for c in (group_by, user_column, *(f.key for f in fields)) if c not in columns
            ]
            if missing:
                raise InputError(
                    f"{path}: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    f"(the header has {', '.join(columns) or 'nothing'})"
                )
            index = {name: i for i, name in enumerate(columns)}
            width = len(columns)
            subject_at, user_at = index[group_by], index[user_column]
            keys = [(f.key, index[f.key]) for f in fields]
            subjects: dict[str, list[Submission]] = {}
            line = 1
            for row in reader:
                if not row:
                    continue
                line += 1
                if len(row) > width:
                    raise InputError(f"{path}, line {line}: more cells than columns in the header")
                if len(row) < width:
                    row += [""] * (width - len(row))
                subject = row[subject_at]
                if not subject.strip():
                    raise InputError(f"{path}, line {line}: empty {group_by}")
                values = {key: row[at] for key, at in keys}
                user = row[user_at] or f"{path.name}:{line}"
                subjects.setdefault(subject, []).append(new_submission(user, values))
            return subjects
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from error
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV file ({error})") from error
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from error


def reconcile_subjects(
    fields: Sequence[FieldSpec],
    subjects: dict[str, list[Submission]],
    policy: Policy,
    *,
    adaptive: bool = False,
    first: int | None = None,
    weighted: bool = True,
    keep: list[object] | None = None,
) -> list[SubjectResult]:
    """Reconcile every subject; with `adaptive`, stop reading a subject once it is complete.

    `keep`: a list the run's own objects are appended to, for a caller about to exit, so
    that they are not freed one by one first (see `main`).

    Reliability comes from the data set itself (no curator history): the rows a subject may
    use are reconciled once, each contributor's agreement with the accepted values gives
    their weights, and the subjects are reconciled again with those weights.
    """
    fields = tuple(fields)  # the same fields for every subject: their plans are kept
    limit = first if first is not None else (policy.max_transcriptions if adaptive else None)
    rows = {s: subs[:limit] if limit is not None else subs for s, subs in subjects.items()}
    # Each subject's answers are read once, for the reliability rounds and the last pass.
    caches = [AnswerCache() for _ in rows]
    if weighted:
        weights, blank_weights = estimate_from_tasks(fields, rows.values(), policy, caches=caches)
        policy = replace(policy, blank_weights=blank_weights)
    else:
        weights = {}
    results = []
    for (subject, submissions), cache in zip(rows.items(), caches, strict=True):
        if adaptive:
            results.append(_adaptive(subject, fields, with_weights(submissions, weights), policy))
        else:
            # The learnt weights go along with the answers, as in the reliability rounds.
            outcome = reconcile_task(fields, submissions, policy, cache=cache, weights=weights)
            results.append(SubjectResult(subject, outcome, tuple(submissions)))
    if keep is not None:
        keep.append(caches)
    return results


def _adaptive(
    subject: str, fields: Sequence[FieldSpec], submissions: list[Submission], policy: Policy
) -> SubjectResult:
    """As the platform does: after each transcription, stop if the task is complete."""
    start = min(len(submissions), max(1, policy.min_transcriptions))
    for n in range(start, len(submissions) + 1):
        outcome = reconcile_task(fields, submissions[:n], policy)
        if outcome.decision == COMPLETE or n == len(submissions):
            return SubjectResult(subject, outcome, tuple(submissions[:n]))
    return SubjectResult(subject, reconcile_task(fields, [], policy), ())


def write_results(
    path: Path, group_by: str, fields: Sequence[FieldSpec], results: Sequence[SubjectResult]
) -> None:
    columns = [group_by]
    for spec in fields:
        columns += [
            spec.key,
            f"{spec.key}.status",
            f"{spec.key}.agreement",
            f"{spec.key}.explanation",
        ]
    columns += ["decision", "transcriptions_used"]
    keys = [spec.key for spec in fields]
    # Explanations and agreements repeat (a few thousand distinct explanations in 20,000
    # subjects): each is written out once, as a cell of the file. The engine's parameters are
    # whole numbers and strings, so equal notes always read the same.
    explained: dict[tuple[Part, ...], str] = {}
    shown: dict[float, str] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        # The rows as the writer writes them (`_cell`), joined here: the writer looks at
        # every character of every cell, the long explanations' over and over.
        for result in results:
            row = [_cell(result.subject)]
            outcomes = result.outcome.fields
            for key in keys:
                field = outcomes[key]
                # The CSV contract: `agreed` marks every auto-accepted cell, blank ones too
                # (`FieldOutcome.accepted`: an agreed value or an agreed blank).
                status = field.status
                if status == BLANK:
                    status = AGREED
                agreement = shown.get(field.agreement)
                if agreement is None:
                    agreement = shown[field.agreement] = _cell(f"{field.agreement:.3f}")
                explanation = explained.get(field.notes)
                if explanation is None:
                    explanation = explained[field.notes] = _cell(english(field.notes))
                # The statuses are words of letters and underscores, as cells themselves.
                row += [_cell(field.value), status, agreement, explanation]
            row += [result.outcome.decision, str(len(result.submissions))]
            handle.write(",".join(row) + "\r\n")


# A cell the CSV writer writes as it is (the excel dialect, quoting only where needed): no
# delimiter, no quote, no line break.
_PLAIN = re.compile(r'[^,"\r\n]*')


def _cell(text: str) -> str:
    """`text` as `csv.writer` writes it among the cells of a row."""
    if _PLAIN.fullmatch(text):
        return text
    out = io.StringIO()
    csv.writer(out).writerow([text, ""])  # then a comma and the line's end: cut them off
    return out.getvalue()[:-3]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m worker.consensus",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("reconcile", help="reconcile a CSV of transcriptions")
    run.add_argument("input", type=Path, help="CSV, one row per transcription, UTF-8")
    run.add_argument(
        "--fields", required=True, help='"name:type,..." (text, select, number, date, geopoint)'
    )
    run.add_argument("--group-by", required=True, help="the column naming the subject")
    run.add_argument("--user-column", default="user_name", help="the contributor column")
    run.add_argument("--adaptive", action="store_true", help="stop reading a subject once complete")
    run.add_argument("--min", type=int, default=2, dest="minimum", help="minimum transcriptions")
    run.add_argument("--max", type=int, default=5, dest="maximum", help="maximum transcriptions")
    run.add_argument("-k", type=int, default=None, help="use only the first K rows of each subject")
    run.add_argument(
        "--threshold",
        type=float,
        default=Policy.agreement_threshold,
        help="weighted share the winner needs (default %(default)s)",
    )
    run.add_argument("--month-first", action="store_true", help="read 06/12/1898 as June 12")
    run.add_argument(
        "--tolerance-m", type=float, default=1000.0, help="geopoint agreement distance"
    )
    run.add_argument("--unweighted", action="store_true", help="do not estimate reliability")
    run.add_argument("-o", "--output", type=Path, required=True)
    run.add_argument("--report", type=Path, help="also write an HTML report")
    return parser


def main(argv: Sequence[str] | None = None, *, keep: list[object] | None = None) -> int:
    """Run the command line; 0 when done, 2 for unusable input.

    `keep`: a list the run's objects are appended to, for a caller that exits straight after
    without freeing them (`python -m worker.consensus`): freeing the millions of objects of
    a big file one by one costs a few percent of the run, for memory the system takes back
    at once.
    """
    args = build_parser().parse_args(argv)
    try:
        if not 1 <= args.minimum <= args.maximum:
            raise InputError("--min and --max: need 1 <= min <= max")
        if args.k is not None and args.k < 1:
            raise InputError("-k: use at least one row per subject")
        if not 0 < args.threshold <= 1:
            raise InputError("--threshold: a share above 0 and at most 1")
        fields = parse_fields(args.fields)
        policy = Policy(
            min_transcriptions=args.minimum,
            max_transcriptions=args.maximum,
            agreement_threshold=args.threshold,
            day_first=not args.month_first,
            geopoint_tolerance_m=args.tolerance_m,
        )
        with without_cycle_collection():
            subjects = read_subjects(args.input, fields, args.group_by, args.user_column)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with without_cycle_collection():
        results = reconcile_subjects(
            fields,
            subjects,
            policy,
            adaptive=args.adaptive,
            first=args.k,
            weighted=not args.unweighted,
            keep=keep,
        )
        write_results(args.output, args.group_by, fields, results)
        if args.report:
            write_report(args.report, fields, results, policy, source=str(args.input))
    if keep is not None:
        keep += [subjects, results]
    return 0


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a whole file is read and reconciled.

    The run keeps every submission and every outcome until the output is written, millions
    of objects; each full collection walks all of them, and the allocations of the run
    trigger dozens: a third of the command line's time on 20,000 images, to free almost
    nothing (the engine makes trees, not cycles; reference counting frees its garbage as
    it goes). Collection resumes afterwards, as it was.

    What the run made is then counted among the old objects: re-enabled as it is, the
    collector would take them all for young ones and walk them at the next allocation, a
    tenth of the whole run on 20,000 images.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
            gc.unfreeze()
