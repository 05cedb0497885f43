"""The command-line reconciler on a small CSV like the shared benchmark's."""

import csv
import gc
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.consensus.cli import (
    InputError,
    _cell,
    main,
    parse_fields,
    read_subjects,
    without_cycle_collection,
)

FIELDS = "name:text,date:date,alt:number,point:geopoint,kind:select"
ROOT = Path(__file__).resolve().parents[3]


def write_transcriptions(path: Path, subjects: int = 12, per_subject: int = 5) -> None:
    """A small generated set: correct answers in several forms, and some noise."""
    rng = random.Random(4)  # noqa: S311 - test data, not secrets
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_id", "user_name", "name", "date", "alt", "point", "kind"])
        for s in range(subjects):
            day = 1 + s
            forms = [f"1898-06-{day:02d}", f"{day} juin 1898", f"{day:02d}/06/1898"]
            for k in range(per_subject):
                noisy = k == 4  # one careless answer per subject
                writer.writerow(
                    [
                        f"S{s:03d}",
                        f"volunteer{rng.randint(1, 9)}" if k else "volunteer0",
                        "Quercus ilcx L." if noisy else "Quercus ilex L.",
                        rng.choice(forms),
                        "650 m" if k % 2 else "650",
                        "N 44.0123 E 2.8765" if k % 2 else "44.0123, 2.8765",
                        "" if noisy else "book",
                    ]
                )


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_cli_writes_one_row_per_subject_with_every_field_column(tmp_path):
    source, out, report = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "report.html"
    write_transcriptions(source)
    code = main(
        [
            "reconcile",
            str(source),
            "--fields",
            FIELDS,
            "--group-by",
            "subject_id",
            "-o",
            str(out),
            "--report",
            str(report),
        ]
    )
    assert code == 0
    rows = read(out)
    assert len(rows) == 12
    for name in ("name", "date", "alt", "point", "kind"):
        assert {name, f"{name}.status", f"{name}.agreement", f"{name}.explanation"} <= set(rows[0])
    assert rows[0]["date"] == "1898-06-01"
    assert {r["alt"] for r in rows} == {"650"}
    assert {r["point"] for r in rows} == {"44.0123,2.8765"}
    assert {r["name"] for r in rows} == {"Quercus ilex L."}
    assert all(r["transcriptions_used"] == "5" for r in rows)
    assert "Reconciliation report" in report.read_text(encoding="utf-8")


def test_the_cli_explains_in_english(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_transcriptions(source)
    args = ["reconcile", str(source), "--fields", FIELDS, "--group-by", "subject_id"]
    assert main([*args, "-o", str(out)]) == 0
    rows = read(out)
    assert {r["alt.explanation"] for r in rows} == {"5 of 5 agree on the number"}
    assert {r["point.explanation"] for r in rows} == {"5 of 5 agree within 1 km"}
    assert rows[0]["kind.explanation"] == "4 of 5 agree on the option; 1 left it blank"


def test_the_cli_uses_only_the_first_k_rows_or_stops_early_when_adaptive(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    write_transcriptions(source)
    base = [
        "reconcile",
        str(source),
        "--fields",
        FIELDS,
        "--group-by",
        "subject_id",
        "-o",
        str(out),
    ]
    assert main([*base, "-k", "3"]) == 0
    assert {r["transcriptions_used"] for r in read(out)} == {"3"}
    assert main([*base, "--adaptive", "--min", "2", "--max", "5"]) == 0
    used = [int(r["transcriptions_used"]) for r in read(out)]
    assert min(used) == 2
    assert max(used) <= 5


@pytest.mark.parametrize(
    ("content", "fields", "message"),
    [
        (b"subject_id,user_name,name\nS1,a,x\n", "name:text,date:date", "missing column date"),
        (b"subject_id,user_name,name\nS1,a,x\n", "name:txt", "not a field type"),
        (b"subject_id,user_name,name\nS1,a,x\n", "name", "not name:type"),
        (b"subject_id,user_name,name\nS1,a,\xe9t\xe9\n", "name:text", "not UTF-8"),
    ],
)
def test_malformed_input_is_a_clear_error_with_exit_code_2(
    tmp_path, capsys, content, fields, message
):
    source = tmp_path / "bad.csv"
    source.write_bytes(content)
    code = main(
        [
            "reconcile",
            str(source),
            "--fields",
            fields,
            "--group-by",
            "subject_id",
            "-o",
            str(tmp_path / "out.csv"),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_the_module_runs_as_a_command(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("subject_id,user_name\n", encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.consensus",
            "reconcile",
            str(source),
            "--fields",
            "name:text",
            "--group-by",
            "subject_id",
            "-o",
            str(tmp_path / "out.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "missing column name" in done.stderr


def read_with_dict_reader(path: Path, keys: list[str]) -> dict[str, list[tuple[str, dict]]]:
    """What the reader did with csv.DictReader, before it read plain rows (the reference)."""
    subjects: dict[str, list[tuple[str, dict]]] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for line, row in enumerate(csv.DictReader(handle), 2):
            values = {key: row[key] or "" for key in keys}
            user = row["user_name"] or f"{path.name}:{line}"
            subjects.setdefault(row["subject_id"] or "", []).append((user, values))
    return subjects


def test_the_reader_reads_rows_as_dict_reader_did_short_rows_empty_lines_and_repeated_columns(
    tmp_path,
):
    source = tmp_path / "in.csv"
    source.write_text(
        "\ufeffsubject_id,user_name,name,date,name\n"
        "S1,a,x,1898,y\n"
        "\n"
        "S1,,x\n"  # short: the missing cells are blank
        'S2,b,"two\nlines",,z\n'
        "S2,c,,,\n",
        encoding="utf-8",
    )
    fields = parse_fields("name:text,date:date")
    read = read_subjects(source, fields, "subject_id", "user_name")
    got = {s: [(x.user, dict(x.values)) for x in subs] for s, subs in read.items()}
    assert got == read_with_dict_reader(source, ["name", "date"])
    assert got["S1"][1][0] == "in.csv:3"  # counted as DictReader counts: the empty line is not


def test_a_row_with_more_cells_than_the_header_is_refused_with_its_line(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("subject_id,user_name,name\nS1,a,x\nS1,b,x,extra\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3: more cells than columns"):
        read_subjects(source, parse_fields("name:text"), "subject_id", "user_name")


def test_the_cycle_collector_is_paused_during_a_run_and_resumed_as_it_was_even_on_error():
    assert gc.isenabled()
    with without_cycle_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(InputError), without_cycle_collection():
        raise InputError("bad row")
    assert gc.isenabled()
    gc.disable()
    try:
        with without_cycle_collection():
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()


def test_the_cli_leaves_the_cycle_collector_running_after_a_run_or_a_refused_input(tmp_path):
    source = tmp_path / "in.csv"
    write_transcriptions(source, subjects=3)
    args = [str(source), "--fields", FIELDS, "--group-by", "subject_id"]
    assert main(["reconcile", *args, "-o", str(tmp_path / "out.csv")]) == 0
    assert gc.isenabled()
    (tmp_path / "bad.csv").write_bytes(b"subject_id,user_name\n\xff\n")
    bad = [str(tmp_path / "bad.csv"), "--fields", FIELDS, "--group-by", "subject_id"]
    assert main(["reconcile", *bad, "-o", str(tmp_path / "out2.csv")]) == 2
    assert gc.isenabled()


def test_what_a_run_made_is_counted_among_the_old_objects_when_collection_resumes():
    # Taken for young objects, they would all be walked at the next allocation.
    with without_cycle_collection():
        kept = [[index] for index in range(1000)]
    oldest = gc.get_objects(generation=2)
    assert any(item is kept for item in oldest)
    assert any(item is kept[-1] for item in oldest)


def test_a_caller_about_to_exit_is_handed_the_runs_objects_to_keep(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("subject_id,user_name,name\nS1,a,x\nS1,b,x\n", encoding="utf-8")
    kept: list[object] = []
    argv = ["reconcile", str(source), "--fields", "name:text", "--group-by", "subject_id"]
    assert main([*argv, "-o", str(tmp_path / "out.csv")], keep=kept) == 0
    subjects = next(item for item in kept if isinstance(item, dict))
    assert list(subjects) == ["S1"]
    assert any(isinstance(item, list) and item and hasattr(item[0], "outcome") for item in kept)
    assert main([*argv, "-o", str(tmp_path / "again.csv")]) == 0  # nothing kept by default
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "out.csv").read_bytes()


def test_the_command_writes_its_whole_output_before_it_exits(tmp_path):
    source = tmp_path / "in.csv"
    write_transcriptions(source, subjects=30)
    done = subprocess.run(
        [sys.executable, "-m", "worker.consensus", "reconcile", str(source), "--fields", FIELDS,
         "--group-by", "subject_id", "-o", str(tmp_path / "out.csv")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert main(["reconcile", str(source), "--fields", FIELDS, "--group-by", "subject_id",
                 "-o", str(tmp_path / "again.csv")]) == 0  # fmt: skip
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "again.csv").read_bytes()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=" a,\"\r\n;é\t'x", max_size=8), min_size=2, max_size=5))
def test_a_row_s_cells_are_written_as_the_csv_writer_writes_them(cells):
    written = io.StringIO()
    csv.writer(written).writerow(cells)
    assert ",".join(_cell(cell) for cell in cells) + "\r\n" == written.getvalue()


def test_the_output_file_reads_back_with_its_quotes_and_line_breaks(tmp_path):
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_id", "user_name", "name"])
        for user in ("a", "b", "c"):
            writer.writerow(['S, "1"', user, 'Quercus "ilex",\nL.'])
    out = tmp_path / "out.csv"
    assert main(["reconcile", str(source), "--fields", "name:text", "--group-by", "subject_id",
                 "-o", str(out)]) == 0  # fmt: skip
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][:3] == ['S, "1"', 'Quercus "ilex", L.', "agreed"]
