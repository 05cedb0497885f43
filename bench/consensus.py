"""Benchmark the consensus engine: speed on 20,000 subjects, accuracy on the public sets.

    python -m bench.consensus [--subjects 20000] [--skip-accuracy]

Data come from the shared generator in ../shared/bench (run as a subprocess into a
temporary directory); without it the benchmark says so and stops. Two speed figures:

- end to end: `python -m worker.consensus reconcile` run as users run it, in its own process,
  on the whole file: start-up, reading the CSV, the reliability rounds, the final pass and
  writing the output CSV. It is timed in CPU time of that one process (one core), so other
  jobs waiting for the machine's CPU do not count; wall time is printed beside it. The place
  tables, built once per version of their data and kept on disk, are read by the timed run;
  when they were not kept yet, a first run builds them and its own rate is printed before.
- engine only: `reconcile_task` in a loop over subjects already read, without reliability
  estimation (what a worker does per image), in CPU time of this process.

label_reconciliations (Notes from Nature), the reference, reconciles about 170 subjects/s on
the same kind of file end to end (measured outside this project; it is not installed here).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from worker.consensus.cli import (
    parse_fields,
    read_subjects,
    reconcile_subjects,
    without_cycle_collection,
    write_results,
)
from worker.consensus.engine import AnswerCache, reconcile_task
from worker.consensus.model import Policy
from worker.consensus.reliability import (
    estimate_from_tasks,
    reliability_from_tasks,
    with_weights,
)
from worker.places.stored import cache_directory, tables_directory

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
# label_reconciliations' end-to-end rate on the public herbarium set, subjects per second.
REFERENCE_RATE = 170.0
MODES: tuple[tuple[str, dict[str, object]], ...] = (
    ("k=3", {"first": 3}),
    ("k=5", {"first": 5}),
    ("adaptive", {"adaptive": True}),
)


def generate(family: str, subjects: int, seed: int, out: Path) -> Path:
    subprocess.run(
        [sys.executable, str(SHARED / "generate.py"), "--family", family, "--subjects",
         str(subjects), "--per-subject", "5", "--seed", str(seed), "--out", str(out)],
        check=True,
    )  # fmt: skip
    return out


def reconcile_command(source: Path, fields: str, out: Path) -> tuple[float, float]:
    """Run the command line on `source` in its own process: (CPU seconds, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "worker.consensus", "reconcile", str(source), "--fields", fields,
         "--group-by", "subject_id", "-o", str(out)],
        check=True,
    )  # fmt: skip
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def place_tables_ready(directory: Path, fields: str) -> None:
    """Have the place tables kept before the timed run, and say what building them cost.

    The consensus keeps them on disk, once per version of their data (worker.places.stored):
    the first run after an install or an upgrade builds them, every later one reads them. The
    timed run is such a later run; when the tables were not kept yet, the first run is made
    and its rate printed too."""
    kept_in = cache_directory()
    if kept_in is None:
        print("place tables: not kept (CROWD_CACHE_DIR is empty), built by every run")
        return
    if tables_directory(kept_in).is_dir():
        print(f"place tables: already kept in {kept_in}")
        return
    subjects = len(read_subjects_ids(directory / "transcriptions.csv"))
    cpu, _wall = reconcile_command(
        directory / "transcriptions.csv", fields, directory / "reconciled-first.csv"
    )
    built = tables_directory(kept_in).is_dir()
    print(
        f"place tables: built and kept in {kept_in} by a first run, "
        f"{subjects / cpu:.0f} subjects/s ({cpu:.1f} s CPU); later runs read them"
        if built
        else f"place tables: none needed by this file (a first run, {subjects / cpu:.0f} "
        f"subjects/s, built none)"
    )


def measure_end_to_end(directory: Path) -> float:
    """Subjects per second of the command line on the whole file, in its own process."""
    fields = (directory / "fields.txt").read_text(encoding="utf-8").strip()
    subjects = len(read_subjects_ids(directory / "transcriptions.csv"))
    place_tables_ready(directory, fields)
    cpu, wall = reconcile_command(
        directory / "transcriptions.csv", fields, directory / "reconciled-cli.csv"
    )
    rate = subjects / cpu
    print(
        f"end to end: python -m worker.consensus reconcile, {subjects} subjects x 5 "
        f"transcriptions (read, reliability rounds, reconcile, write), one process\n"
        f"  {rate:8.0f} subjects/s  ({cpu:.1f} s CPU, {wall:.1f} s wall), "
        f"{rate / REFERENCE_RATE:.1f}x label_reconciliations' {REFERENCE_RATE:.0f}/s"
    )
    return rate


def read_subjects_ids(path: Path) -> set[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row[0] for row in csv.reader(handle)} - {"subject_id"}


def measure_speed(directory: Path) -> None:
    fields = parse_fields((directory / "fields.txt").read_text(encoding="utf-8"))
    subjects = read_subjects(directory / "transcriptions.csv", fields, "subject_id", "user_name")
    policy = Policy()
    tasks = list(subjects.values())
    started = time.process_time()
    for task in tasks:
        reconcile_task(fields, task, policy)
    cold = time.process_time() - started
    weights = reliability_from_tasks(fields, tasks, policy, rounds=1)
    weighted = [with_weights(task, weights) for task in tasks]
    started = time.process_time()
    for task in weighted:
        reconcile_task(fields, task, policy)
    warm = time.process_time() - started
    # The command line's own split: both reliability rounds, then the last pass, each task's
    # answers read once in the first round and kept for the others (parse caches warm), the
    # cycle collector paused as the command line pauses it.
    caches = [AnswerCache() for _ in tasks]
    kept_fields = tuple(fields)  # as the command line passes them: their plans are kept
    with without_cycle_collection():
        started = time.process_time()
        weights, blank_weights = estimate_from_tasks(kept_fields, tasks, policy, caches=caches)
        rounds = time.process_time() - started
        final = replace(policy, blank_weights=blank_weights)
        started = time.process_time()
        for task, cache in zip(tasks, caches, strict=True):
            reconcile_task(kept_fields, with_weights(task, weights), final, cache=cache)
        last = time.process_time() - started
    print(
        f"engine only: {len(tasks)} subjects x {len(fields)} fields x 5 transcriptions, one core\n"
        f"  first pass (parse caches cold, prior weights): {len(tasks) / cold:8.0f} subjects/s\n"
        f"  weighted pass (caches warm, as in a worker):   {len(tasks) / warm:8.0f} subjects/s\n"
        f"  the command line's passes (answers read once, then kept), parse caches warm: two "
        f"reliability rounds with their tallies {rounds:.1f} s CPU, the last pass {last:.1f} s CPU"
    )


def measure_accuracy(directory: Path, family: str) -> None:
    fields_spec = (directory / "fields.txt").read_text(encoding="utf-8").strip()
    fields = parse_fields(fields_spec)
    subjects = read_subjects(directory / "transcriptions.csv", fields, "subject_id", "user_name")
    for name, options in MODES:
        results = reconcile_subjects(fields, subjects, Policy(), **options)  # type: ignore[arg-type]
        out = directory / f"reconciled-{name}.csv"
        write_results(out, "subject_id", fields, results)
        done = subprocess.run(
            [sys.executable, str(SHARED / "score.py"), "--truth", str(directory / "truth.csv"),
             "--result", str(out), "--fields", fields_spec, "--json"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        report = json.loads(done.stdout)
        print(
            f"  {family:10} {name:9} accuracy {100 * report['accuracy']:5.1f}%  "
            f"auto-precision {100 * report['auto_precision']:5.1f}%  "
            f"coverage {100 * report['coverage']:5.1f}%  "
            f"transcriptions/subject {report['mean_transcriptions_used']:.2f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1, help="seed of the accuracy sets")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args(argv)
    if not (SHARED / "generate.py").exists():
        print(f"skipped: the shared benchmark is not at {SHARED}")
        return 0
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        speed = generate("herbarium", args.subjects, 7, root / "speed")
        measure_end_to_end(speed)
        measure_speed(speed)
        if not args.skip_accuracy:
            print(f"accuracy on the public sets (2000 subjects, seed {args.seed}):")
            for family in ("herbarium", "reference"):
                measure_accuracy(generate(family, 2000, args.seed, root / family), family)
    return 0


if __name__ == "__main__":
    sys.exit(main())
