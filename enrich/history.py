"""The count history beside the catalog: what each enrich run saw, so trends survive a
deleted cache and can be committed with the catalog.

One tab-separated file per month, `HISTORY/counts-YYYY-MM.tsv`, one line per point:

    2026-11-26<TAB>2023/sparsegpt<TAB>612<TAB>97<TAB>765

(day, the paper's path in the catalog without ".prototxt", citations, influential
citations, stars; an empty field is unknown). A line is written for a paper only when one of
its counts differs from its latest point, at most one per paper per day: a later change the
same day replaces that day's line. Lines are appended (one write, fsync); a killed append can
only leave a last line without its newline, which readers ignore and the next append
removes. Replacing a same-day line rewrites that month's file atomically.

When a month is over (the first append of a later month), its file is gzipped
(`counts-YYYY-MM.tsv.gz`, deterministic bytes) and the plain file removed: a year of nightly
points at 20,000 papers would otherwise pass 20 MB. Only the current month is ever appended
to, so diffs stay line by line where they happen. If both forms of a month exist (a run
killed between the two steps), the plain file is the one read, and the next run compacts
again."""

from __future__ import annotations

import gzip
import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from enrich.atomic import remove_leftovers, sync_folder, write_atomic
from enrich.schema import paper_pb2
from enrich.views.model import Series

log = logging.getLogger(__name__)

HEADER = "# day\tpaper\tcitations\tinfluential_citations\tstars\n"
_MONTH_FILE = re.compile(r"^counts-(\d{4}-\d{2})\.tsv(\.gz)?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOCK_NAME = ".history.lock"


@dataclass(frozen=True)
class Counts:
    """The counts an entry holds; None is unknown."""

    citations: int | None = None
    influential_citations: int | None = None
    stars: int | None = None

    def known(self) -> bool:
        return any(
            value is not None for value in (self.citations, self.influential_citations, self.stars)
        )


def counts_of(info: paper_pb2.PaperInfo) -> Counts:
    enrichment = info.enrichment
    repo = enrichment.repo
    return Counts(
        enrichment.citation_count if enrichment.HasField("citation_count") else None,
        enrichment.influential_citation_count
        if enrichment.HasField("influential_citation_count")
        else None,
        repo.stars if enrichment.HasField("repo") and repo.HasField("stars") else None,
    )


def paper_key(relative_path: str) -> str:
    """The history's name for an entry: its path in the catalog without the suffix."""
    return (
        relative_path[: -len(".prototxt")] if relative_path.endswith(".prototxt") else relative_path
    )


def default_folder(catalog: Path) -> Path:
    """History lives beside the catalog folder: <catalog>/../history."""
    return catalog.resolve().parent / "history"


def _escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _unescape(text: str) -> str:
    return re.sub(
        r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text
    )


def _number(text: str) -> int | None:
    return int(text) if text else None


def _line(day: str, key: str, counts: Counts) -> str:
    fields = (counts.citations, counts.influential_citations, counts.stars)
    return (
        "\t".join([day, _escape(key), *("" if value is None else str(value) for value in fields)])
        + "\n"
    )


def month_files(folder: Path) -> list[Path]:
    """Each month's file, oldest first: the plain one when both forms exist."""
    if not folder.is_dir():
        return []
    by_month: dict[str, Path] = {}
    for path in folder.iterdir():
        match = _MONTH_FILE.match(path.name)
        if match and (match.group(1) not in by_month or not match.group(2)):
            by_month[match.group(1)] = path
    return [by_month[month] for month in sorted(by_month)]


def _text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            log.warning("%s: not a readable gzip file, ignored", path)
            return ""
    return data.decode("utf-8", errors="replace")


def compact(folder: Path, current_month: str) -> list[Path]:
    """Gzip every plain month file older than `current_month` (YYYY-MM); returns the files written."""
    written = []
    for path in sorted(folder.glob("counts-*.tsv")):
        match = _MONTH_FILE.match(path.name)
        if not match or match.group(1) >= current_month:
            continue
        packed = path.with_name(path.name + ".gz")
        write_atomic(packed, gzip.compress(path.read_bytes(), compresslevel=9, mtime=0))
        path.unlink()
        sync_folder(folder)
        written.append(packed)
    return written


def read_points(folder: Path) -> Iterable[tuple[str, str, Counts]]:
    """Every complete line, oldest file first: (day, key, counts). Malformed lines are skipped
    (logged); a last line without its newline (a killed append) is ignored."""
    for path in month_files(folder):
        lines = _text(path).split("\n")
        for number, line in enumerate(lines[:-1], 1):  # lines[-1]: "" or an unfinished line
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            try:
                if len(parts) != 5 or not _DAY.match(parts[0]):
                    raise ValueError(line)
                key = _unescape(parts[1]) if "\\" in parts[1] else parts[1]
                yield parts[0], key, Counts(_number(parts[2]), _number(parts[3]), _number(parts[4]))
            except ValueError:
                log.warning("%s:%d: not a history line, ignored", path, number)


def read_history(folder: Path) -> dict[str, Series]:
    """Per paper key, its citation, influential-citation and star series (one point per day
    the count changed, oldest first)."""
    series: dict[str, tuple[list[Any], list[Any], list[Any]]] = {}
    for day, key, counts in read_points(folder):
        lists = series.setdefault(key, ([], [], []))
        for points, value in zip(
            lists, (counts.citations, counts.influential_citations, counts.stars)
        ):
            if value is None:
                continue
            if (
                points and points[-1][0] == day
            ):  # a same-day line left by an older writer: the last wins
                points.pop()
            if not points or points[-1][1] != value:
                points.append((day, value))
    return {key: Series(tuple(c), tuple(i), tuple(s)) for key, (c, i, s) in series.items()}


def append_counts(folder: Path, day: str, seen: Mapping[str, Counts]) -> list[Path]:
    """Record what a run saw (paper key -> counts) for `day` (YYYY-MM-DD). Returns the files
    written (empty when no count changed). Safe beside other writers (a lock in the folder)."""
    wanted = {key: counts for key, counts in seen.items() if counts.known()}
    if not wanted:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"counts-{day[:7]}.tsv"
    with FileLock(str(folder / LOCK_NAME)):
        remove_leftovers(folder, target.name)
        written = compact(folder, day[:7])
        before, today = _latest(folder, day)
        new_lines: dict[str, str] = {}
        dropped: set[str] = set()
        for key, counts in wanted.items():
            if before.get(key) == counts:
                if key in today:  # back to yesterday's value: today's point goes
                    dropped.add(key)
            elif today.get(key) != counts:
                new_lines[key] = _line(day, key, counts)
        replaced = dropped | (new_lines.keys() & today.keys())
        if not new_lines and not dropped:
            return written
        if replaced:
            _rewrite(target, day, replaced, new_lines)
        else:
            _append(target, new_lines.values())
    return written + [target]


def _latest(folder: Path, day: str) -> tuple[dict[str, Counts], dict[str, Counts]]:
    """Per key: its latest counts before `day`, and its line dated `day` if any."""
    before: dict[str, Counts] = {}
    today: dict[str, Counts] = {}
    for point_day, key, counts in read_points(folder):
        if point_day < day:
            before[key] = counts
        elif point_day == day:
            today[key] = counts
    return before, today


def _append(target: Path, lines: Iterable[str]) -> None:
    data = "".join(sorted(lines)).encode("utf-8")
    created = not target.exists()
    with open(target, "ab+") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        if size:
            stream.seek(max(0, size - 1))
            if stream.read(1) != b"\n":  # a killed append left half a line: drop it
                stream.seek(0)
                content = stream.read()
                stream.truncate(content.rfind(b"\n") + 1)
                stream.seek(0, os.SEEK_END)
        if stream.tell() == 0:
            data = HEADER.encode("utf-8") + data
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    if created:
        sync_folder(target.parent)


def _rewrite(target: Path, day: str, replaced: set[str], new_lines: Mapping[str, str]) -> None:
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    kept = []
    for line in text.split("\n")[:-1]:
        parts = line.split("\t")
        if len(parts) > 1 and parts[0] == day and _unescape(parts[1]) in replaced:
            continue
        kept.append(line + "\n")
    if not kept:
        kept.append(HEADER)
    write_atomic(target, ("".join(kept) + "".join(sorted(new_lines.values()))).encode("utf-8"))
