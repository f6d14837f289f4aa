"""The count history: points only on change, one per paper per day (same-day replace),
line-oriented files that stay valid when a writer is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import ROOT

from enrich.history import HEADER, Counts, append_counts, read_history, read_points


def lines(folder, month="2026-11"):
    return (folder / f"counts-{month}.tsv").read_text(encoding="utf-8").splitlines()


def test_first_run_records_every_known_count_and_skips_unknown(tmp_path):
    written = append_counts(
        tmp_path, "2026-11-01", {"a": Counts(10, 1, 100), "b": Counts(5, None, None), "c": Counts()}
    )
    assert written == [tmp_path / "counts-2026-11.tsv"]
    assert lines(tmp_path) == [
        HEADER.rstrip("\n"),
        "2026-11-01\ta\t10\t1\t100",
        "2026-11-01\tb\t5\t\t",
    ]


def test_unchanged_counts_add_no_point(tmp_path):
    append_counts(tmp_path, "2026-11-01", {"a": Counts(10, 1, 100)})
    before = (tmp_path / "counts-2026-11.tsv").read_bytes()
    assert append_counts(tmp_path, "2026-11-02", {"a": Counts(10, 1, 100)}) == []
    assert (tmp_path / "counts-2026-11.tsv").read_bytes() == before


def test_a_change_adds_a_point_in_that_months_file(tmp_path):
    append_counts(tmp_path, "2026-11-30", {"a": Counts(10, 1, 100)})
    append_counts(tmp_path, "2026-12-01", {"a": Counts(11, 1, 100), "b": Counts(None, None, 7)})
    assert lines(tmp_path, "2026-12")[1:] == ["2026-12-01\ta\t11\t1\t100", "2026-12-01\tb\t\t\t7"]
    assert read_history(tmp_path)["a"].citations == (("2026-11-30", 10), ("2026-12-01", 11))
    assert read_history(tmp_path)["a"].stars == (("2026-11-30", 100),)


def test_a_later_change_the_same_day_replaces_that_days_point(tmp_path):
    append_counts(tmp_path, "2026-11-01", {"a": Counts(10, 1, 100)})
    append_counts(tmp_path, "2026-11-02", {"a": Counts(11, 1, 100), "b": Counts(3, 0, None)})
    append_counts(tmp_path, "2026-11-02", {"a": Counts(12, 1, 101), "b": Counts(3, 0, None)})
    assert lines(tmp_path)[1:] == [
        "2026-11-01\ta\t10\t1\t100",
        "2026-11-02\tb\t3\t0\t",
        "2026-11-02\ta\t12\t1\t101",
    ]
    assert read_history(tmp_path)["a"].citations == (("2026-11-01", 10), ("2026-11-02", 12))


def test_a_same_day_change_back_removes_that_days_point(tmp_path):
    append_counts(tmp_path, "2026-11-01", {"a": Counts(10, 1, 100)})
    append_counts(tmp_path, "2026-11-02", {"a": Counts(11, 1, 100)})
    append_counts(tmp_path, "2026-11-02", {"a": Counts(10, 1, 100)})
    assert lines(tmp_path)[1:] == ["2026-11-01\ta\t10\t1\t100"]


def test_keys_with_tabs_or_newlines_survive(tmp_path):
    append_counts(tmp_path, "2026-11-01", {"odd\tname\nhere\\x": Counts(1, None, None)})
    assert list(read_history(tmp_path)) == ["odd\tname\nhere\\x"]


def test_an_unfinished_last_line_is_ignored_and_removed_by_the_next_append(tmp_path):
    append_counts(tmp_path, "2026-11-01", {"a": Counts(10, 1, 100)})
    with open(tmp_path / "counts-2026-11.tsv", "ab") as stream:
        stream.write(b"2026-11-02\tb\t4")  # a killed append: no newline
    assert read_history(tmp_path)["a"].citations == (
        ("2026-11-01", 10),
    ) and "b" not in read_history(tmp_path)
    append_counts(tmp_path, "2026-11-02", {"c": Counts(1, 0, None)})
    assert lines(tmp_path)[1:] == ["2026-11-01\ta\t10\t1\t100", "2026-11-02\tc\t1\t0\t"]


WRITER = """
import sys
from enrich.history import Counts, append_counts
from pathlib import Path
folder = Path(sys.argv[1])
for day in range(1, 29):
    append_counts(folder, f"2026-11-{day:02d}", {f"paper-{i:05d}": Counts(i + day, i % 7, day * 3 + i) for i in range(20000)})
    print(day, flush=True)
"""


def test_a_writer_killed_during_appends_leaves_a_readable_history(tmp_path):
    for delay in (0.3, 0.9, 1.7):
        folder = tmp_path / f"kill-{delay}"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        time.sleep(delay)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        points = list(read_points(folder))  # every complete line parses
        days = sorted({day for day, _, _ in points})
        per_day = {day: sum(1 for d, _, _ in points if d == day) for day in days}
        assert all(
            count == 20000 for count in list(per_day.values())[:-1]
        )  # only the last day may be partial
        append_counts(folder, "2026-11-29", {"paper-00000": Counts(10**6, 0, 0)})
        text = (folder / "counts-2026-11.tsv").read_text(encoding="utf-8")
        assert text.endswith("2026-11-29\tpaper-00000\t1000000\t0\t0\n")
        assert all(len(line.split("\t")) == 5 for line in text.splitlines()[1:])


def test_a_finished_month_is_gzipped_and_still_read(tmp_path):
    append_counts(tmp_path, "2026-11-30", {"a": Counts(10, 1, 100)})
    written = append_counts(tmp_path, "2026-12-01", {"a": Counts(11, 1, 100)})
    assert written == [tmp_path / "counts-2026-11.tsv.gz", tmp_path / "counts-2026-12.tsv"]
    assert not (tmp_path / "counts-2026-11.tsv").exists()
    assert read_history(tmp_path)["a"].citations == (("2026-11-30", 10), ("2026-12-01", 11))
    again = tmp_path / "again"
    append_counts(again, "2026-11-30", {"a": Counts(10, 1, 100)})
    append_counts(again, "2026-12-01", {"a": Counts(11, 1, 100)})
    assert (again / "counts-2026-11.tsv.gz").read_bytes() == (
        tmp_path / "counts-2026-11.tsv.gz"
    ).read_bytes()


def test_when_both_forms_of_a_month_exist_the_plain_one_is_read_once(tmp_path):
    import gzip

    append_counts(tmp_path, "2026-11-30", {"a": Counts(10, 1, 100)})
    plain = (tmp_path / "counts-2026-11.tsv").read_bytes()
    (tmp_path / "counts-2026-11.tsv.gz").write_bytes(
        gzip.compress(plain)
    )  # killed before the unlink
    assert read_history(tmp_path)["a"].citations == (("2026-11-30", 10),)
    append_counts(tmp_path, "2026-12-01", {"a": Counts(11, 1, 100)})
    assert sorted(p.name for p in tmp_path.glob("counts-*")) == [
        "counts-2026-11.tsv.gz",
        "counts-2026-12.tsv",
    ]
