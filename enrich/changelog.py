"""What an enrich run records beside the catalog: the counts it saw (enrich.history) and, when
it changed something, a dated section at the top of HISTORY/CHANGES.md (newest first)."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import text_format

from enrich.atomic import remove_leftovers, write_atomic
from enrich.history import append_counts, counts_of, paper_key
from enrich.records import Entry
from enrich.report import Report
from enrich.schema import paper_pb2
from enrich.views.markdown import cell_text
from enrich.views.model import paper_from_entry

CHANGES = "CHANGES.md"
TITLE = "# Catalog changes\n\nWhat each enrichment run changed, newest first. Written by `python -m flows.enrich`.\n"
LISTED = 20  # items per kind in a section; the rest are counted
GAINS = 10


@dataclass
class Recorded:
    """What record_run wrote: paths (for a commit step) and the section (for the run's artifact)."""

    written: list[Path] = field(default_factory=list)
    section: str = ""


def record_run(
    catalog: Path,
    folder: Path,
    entries: list[Entry],
    report: Report,
    now: float,
    written: Mapping[str, bytes] | None = None,
) -> Recorded:
    """Append the counts every entry holds after the run to the history, and prepend the
    run's section to CHANGES.md when it changed something. `entries` are as read before the
    run; the files the run rewrote (report.enriched) are taken from `written` (path -> the
    binary form of the message each was printed from) or else read again."""
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    root = catalog.resolve()
    before: dict[str, paper_pb2.PaperInfo] = {}
    relative: dict[str, str] = {}
    # Entry paths are the catalog walk's: the catalog's own path, a slash, the rest. Cut as
    # strings; pathlib's relative_to (two Path objects an entry) cost ~0.4 s at 20,000 entries.
    prefix = "" if str(catalog) == "." else str(catalog).rstrip("/") + "/"
    for entry in entries:
        if entry.path.startswith(prefix) and os.sep == "/":
            inside = entry.path[len(prefix) :]
        else:
            try:
                inside = Path(entry.path).relative_to(catalog).as_posix()
            except ValueError:
                inside = Path(entry.path).resolve().relative_to(root).as_posix()
        key = paper_key(inside)
        before[key], relative[entry.path] = entry.info, key
    after = dict(before)
    for path in report.enriched:
        if path in relative:
            info = paper_pb2.PaperInfo()
            if written is not None and path in written:
                info.ParseFromString(written[path])  # what the file's text parses to, in C
            else:
                text_format.Parse(Path(path).read_text(encoding="utf-8"), info)
            after[relative[path]] = info
    recorded = Recorded(
        append_counts(folder, day, {key: counts_of(info) for key, info in after.items()})
    )
    changed = [relative[path] for path in report.enriched if path in relative]
    notes = {relative[path]: remark for path, remark in report.notes if path in relative}
    suggested: dict[str, list[str]] = {}
    for path, text in report.suggestions:
        if path in relative:
            suggested.setdefault(relative[path], []).append(text)
    link = os.path.relpath(catalog.absolute(), folder.absolute()).replace(os.sep, "/")
    recorded.section = section(
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(now)),
        before,
        after,
        changed,
        notes,
        link,
        suggested,
    )
    if recorded.section:
        recorded.written.append(prepend(folder, recorded.section))
    return recorded


def _title(key: str, info: paper_pb2.PaperInfo, link: str) -> str:
    paper = paper_from_entry(Entry(key, info), key + ".prototxt")
    name = paper.abbr or paper.title or key
    return f"[{cell_text(name)}]({link}/{key}.prototxt)"


def _has_enrichment(info: paper_pb2.PaperInfo) -> bool:
    return info.HasField("enrichment") and bool(info.enrichment.ListFields())


def _people(info: paper_pb2.PaperInfo) -> tuple[str, ...]:
    return tuple(a for a in info.paper.authors if not re.match(r"^\s*Name\d*\s*$", a))


def _listed(label: str, items: list[str]) -> list[str]:
    if not items:
        return []
    shown = ", ".join(items[:LISTED]) + (
        f", … and {len(items) - LISTED} more" if len(items) > LISTED else ""
    )
    return [f"- **{label}** ({len(items)}): {shown}"]


def section(
    heading: str,
    before: Mapping[str, paper_pb2.PaperInfo],
    after: Mapping[str, paper_pb2.PaperInfo],
    changed: list[str],
    notes: Mapping[str, str],
    link: str,
    suggested: Mapping[str, list[str]] | None = None,
) -> str:
    """The run's CHANGES.md section; "" when the run changed nothing. Pure. `suggested`: per
    entry, what discovery suggests a curator apply (venue updates, code), listed for changed entries."""
    if not changed:
        return ""
    new, authors, renamed, dead, unmatched = [], [], [], [], []
    citation_gains, star_gains, suggestions = [], [], []
    for key in sorted(changed):
        old, now = before[key], after[key]
        name = _title(key, now, link)
        if not _has_enrichment(old) and _has_enrichment(now):
            new.append(name)
        if not _people(old) and _people(now):
            authors.append(name)
        old_counts, new_counts = counts_of(old), counts_of(now)
        if (
            old_counts.citations is not None
            and new_counts.citations is not None
            and new_counts.citations > old_counts.citations
        ):
            citation_gains.append(
                (
                    new_counts.citations - old_counts.citations,
                    key,
                    name,
                    old_counts.citations,
                    new_counts.citations,
                )
            )
        if (
            old_counts.stars is not None
            and new_counts.stars is not None
            and new_counts.stars > old_counts.stars
        ):
            star_gains.append(
                (new_counts.stars - old_counts.stars, key, name, old_counts.stars, new_counts.stars)
            )
        old_repo, new_repo = old.enrichment.repo, now.enrichment.repo
        if old_repo.url and new_repo.url and old_repo.url != new_repo.url:
            renamed.append(f"{name} {old_repo.url} → {new_repo.url}")
        if new_repo.not_found and not old_repo.not_found:
            dead.append(f"{name} ({new_repo.url or now.code.url})")
        suggestions += [f"{name} {cell_text(text)}" for text in (suggested or {}).get(key, [])]
        if "no confident match" in notes.get(key, ""):
            unmatched.append(f"{name} ({cell_text(notes[key].split(': ', 1)[-1])})")
    lines = [f"## {heading}", "", f"{len(changed)} entries changed.", ""]
    lines += _listed("newly enriched", new)
    lines += _listed("authors filled", authors)
    for label, gains in (
        ("biggest citation gains", citation_gains),
        ("biggest star gains", star_gains),
    ):
        top = sorted(gains, key=lambda gain: (-gain[0], gain[1]))[:GAINS]
        if top:
            lines.append(
                f"- **{label}**: "
                + ", ".join(
                    f"{name} +{gain} ({old} → {new_count})" for gain, _, name, old, new_count in top
                )
            )
    lines += _listed("repositories renamed", renamed)
    lines += _listed("repositories dead", dead)
    lines += _listed("without a confident match", unmatched)
    lines += _listed("suggestions", suggestions)
    return "\n".join(lines) + "\n"


def prepend(folder: Path, text: str) -> Path:
    """Put a section at the top of CHANGES.md (under its title), atomically."""
    target = folder / CHANGES
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder, CHANGES)
    current = target.read_text(encoding="utf-8") if target.exists() else TITLE
    head, marker, rest = current.partition("\n## ")
    body = head.rstrip("\n") + "\n\n" + text + ("\n## " + rest if marker else "")
    write_atomic(target, body.encode("utf-8"))
    return target


def new_sections(before: str, after: str) -> str:
    """The sections at the top of CHANGES.md as it is now (`after`) that it lacked as committed
    (`before`): what runs wrote since, newest first. Pure."""
    _, marker, rest = after.partition("\n## ")
    if not marker:
        return ""
    added = "## " + rest
    _, had, old = before.partition("\n## ")
    if had and added.endswith("## " + old):
        added = added[: len(added) - len("## " + old)]
    return added.strip()
