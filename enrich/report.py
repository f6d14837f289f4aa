"""What a run did, as data; printing it is the caller's job."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

# Kinds of attention items (the JSON report's `kind`). A source that is down, or that failed
# the same way for several papers, is one item; the rest are one item per paper.
SOURCE_DOWN = "source_down"  # unreachable after its retries, or refusing us: its papers not asked
SOURCE_FAILED = "source_failed"  # the same failure for several papers
PAPER_FAILED = "paper_failed"  # a source failed for one paper
FILE_ERROR = "file_error"  # a file that could not be read or written
WRONG_LINK = "wrong_link"  # the link points to a paper with a clearly different title
DEAD_REPOSITORY = "dead_repository"  # the code link's repository is gone
NOT_PUBLISHED = "not_published"  # --push could not push the run's commit (conflict or failure)
STATE_MESSAGE_CHARS = 300  # the final state's message stays short: counts and the first causes


@dataclass(frozen=True)
class Attention:
    """One thing a curator must act on, printed as one line."""

    kind: str
    text: str
    source: str = ""
    paths: tuple[str, ...] = ()
    short: str = ""  # a few words, for the final state's message


@dataclass
class SourceStats:
    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    asked: int = 0  # distinct ids/queries this source was given
    last_checked: float | None = None  # newest answer time among this run's answers


@dataclass
class Report:
    papers_read: int = 0
    enriched: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    removed_temporaries: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)  # path -> what changed
    not_found: list[tuple[str, str]] = field(default_factory=list)  # (path, source)
    not_in_cache: list[tuple[str, str]] = field(default_factory=list)  # (path, source), --offline
    deferred: list[tuple[str, str]] = field(
        default_factory=list
    )  # (path, source) left for the next run
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (path, source, reason)
    mismatches: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # (path, source, curated, found)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, remark) e.g. renamed repo
    dead_links: list[tuple[str, str]] = field(default_factory=list)  # (path, url)
    file_errors: list[str] = field(default_factory=list)
    source_problems: list[str] = field(default_factory=list)
    sources_down: dict[str, str] = field(
        default_factory=dict
    )  # source -> why it was not asked further
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)  # (id, paths)
    suggestions: list[tuple[str, str]] = field(
        default_factory=list
    )  # (path, what a curator may apply)
    diffs: list[str] = field(default_factory=list)  # --dry-run: unified diff per file
    sources: dict[str, SourceStats] = field(default_factory=dict)
    published: list[str] = field(
        default_factory=list
    )  # --commit/--push: what was committed and pushed
    publish_problems: list[str] = field(
        default_factory=list
    )  # --push conflict or failure: what to do
    started: float = 0.0
    finished: float = 0.0
    dry_run: bool = False
    history_written: list[str] = field(default_factory=list)  # history files this run appended to
    changelog: str = ""  # this run's CHANGES.md section ("" when nothing changed)

    def attention_items(self) -> list[Attention]:
        """Everything a curator must act on (non-empty means exit 1), grouped by cause: a source
        that is down is one item; per-paper problems follow, sorted by file."""
        grouped: list[Attention] = []
        per_paper: list[tuple[str, Attention]] = []
        by_cause: dict[tuple[str, str], list[str]] = {}
        for path, source, reason in self.failed:
            by_cause.setdefault((source, reason), []).append(path)
        for (source, reason), paths in sorted(by_cause.items()):
            said = reason if reason.startswith(f"{source}:") else f"{source}: {reason}"
            files = tuple(sorted(paths))
            if self.sources_down.get(source) == reason:
                text = f"{said} — {_papers(len(files))} not asked; nothing erased; try again later"
                head = said.split(" (", 1)[0]
                grouped.append(
                    Attention(
                        SOURCE_DOWN,
                        text,
                        source,
                        files,
                        f"{head} ({_papers(len(files))} not asked)",
                    )
                )
            elif len(files) > 1:
                text = f"{said} — {_papers(len(files))}; nothing erased"
                grouped.append(
                    Attention(
                        SOURCE_FAILED,
                        text,
                        source,
                        files,
                        f"{source} failed for {_papers(len(files))}",
                    )
                )
            else:
                text = f"{files[0]}: {said}"
                per_paper.append(
                    (
                        files[0],
                        Attention(
                            PAPER_FAILED, text, source, files, f"{files[0]}: {source} failed"
                        ),
                    )
                )
        for error in self.file_errors:
            path = _error_path(error)
            per_paper.append(
                (path, Attention(FILE_ERROR, error, "", (path,), f"{path}: cannot read or write"))
            )
        for path, source, curated, found in self.mismatches:
            text = f"{path}: link points to a different paper? catalog title {curated!r}, {source} title {found!r}"
            per_paper.append(
                (
                    path,
                    Attention(
                        WRONG_LINK,
                        text,
                        source,
                        (path,),
                        f"{path}: link points to a different paper?",
                    ),
                )
            )
        for path, url in self.dead_links:
            text = f"{path}: repository link is dead ({url})"
            per_paper.append((path, Attention(DEAD_REPOSITORY, text, "github", (path,), text)))
        published = [
            Attention(
                NOT_PUBLISHED, f"not published: {problem}", short="not published (see the report)"
            )
            for problem in self.publish_problems
        ]
        return (
            grouped + [item for _, item in sorted(per_paper, key=lambda pair: pair[0])] + published
        )

    def attention(self) -> list[str]:
        """The attention items' lines."""
        return [item.text for item in self.attention_items()]

    def state_message(self) -> str:
        """The final state's message: short, counts and the first causes."""
        items = self.attention_items()
        if not items:
            verb = "would change" if self.dry_run else "changed"
            return f"catalog enriched: {len(self.enriched)} {verb}, {self.unchanged} unchanged"
        message = f"{len(items)} item(s) need attention: "
        shown = 0
        for item in items:
            text = item.short if len(item.short) <= 200 else item.short[:199] + "…"
            if len(message) + len(text) > STATE_MESSAGE_CHARS - 40 and shown:
                break
            message += (" | " if shown else "") + text
            shown += 1
        if shown < len(items):
            message += f" | and {len(items) - shown} more (see the report)"
        return message

    @property
    def exit_code(self) -> int:
        return 1 if self.attention() else 0

    def summary_lines(self) -> list[str]:
        duration = self.finished - self.started
        verb = "would change" if self.dry_run else "enriched"
        lines = [
            f"papers read: {self.papers_read}, {verb}: {len(self.enriched)}, unchanged: {self.unchanged}, "
            f"not found: {len(self.not_found)}, failed: {len(self.failed)} ({duration:.1f} s)"
        ]
        for name, stats in self.sources.items():
            checked = _day(stats.last_checked) if stats.last_checked else "never"
            lines.append(
                f"  {name}: {stats.asked} ids, {stats.requests} requests, {stats.retries} retries, "
                f"{stats.cache_hits} from cache, last checked {checked}"
            )
        for path in self.enriched:
            lines.append(
                f"  {'would change' if self.dry_run else 'changed'} {path}: "
                + "; ".join(self.changes.get(path, []))
            )
        lines += [f"  not found: {path} ({source})" for path, source in self.not_found]
        for source, paths in _by_source(self.not_in_cache).items():
            lines.append(
                f"  not in cache (offline): {source}: {_papers(len(paths))} (run without --offline to fetch them)"
            )
        lines += [f"  left for the next run: {path} ({source})" for path, source in self.deferred]
        lines += [f"  note: {path}: {remark}" for path, remark in self.notes]
        lines += [f"  duplicate {key}: {', '.join(paths)}" for key, paths in self.duplicates]
        lines += [f"  suggestion: {path}: {text}" for path, text in self.suggestions]
        lines += [f"  skipped ({why}): {path}" for path, why in self.skipped_files]
        lines += [f"  removed leftover temporary file {path}" for path in self.removed_temporaries]
        lines += [f"  {problem}" for problem in self.source_problems]
        lines += [f"  history: {path}" for path in self.history_written]
        lines += [f"  {line}" for line in self.published]
        attention = self.attention()
        if attention:
            lines.append(f"needs attention ({len(attention)}):")  # one line per cause
            lines += [f"  {item}" for item in attention]
        return lines

    def markdown(self, max_changes: int | None = None) -> str:
        """The run report as Markdown (the Prefect artifact `enrichment-report`), listing at most
        `max_changes` changed files."""
        duration = self.finished - self.started
        verb = "Would change" if self.dry_run else "Enriched"
        out = [
            "# Enrichment report",
            "",
            "| papers read | "
            + verb.lower()
            + " | unchanged | not found | failed | needs attention | duration |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {self.papers_read} | {len(self.enriched)} | {self.unchanged} | {len(self.not_found)} | {len(self.failed)} "
            f"| {len(self.attention())} | {duration:.1f} s |",
            "",
            "## Requests",
            "",
            "| source | ids | requests | retries | from cache | last checked |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for name, stats in self.sources.items():
            checked = _day(stats.last_checked) if stats.last_checked else "never"
            out.append(
                f"| {name} | {stats.asked} | {stats.requests} | {stats.retries} | {stats.cache_hits} | {checked} |"
            )
        attention = self.attention()
        if attention:
            out += ["", "## Needs attention", ""] + [f"- {_md(item)}" for item in attention]
        out += ["", "## What changed", ""]
        if self.enriched:
            shown = self.enriched[:max_changes] if max_changes is not None else self.enriched
            out += [f"- `{path}`: {_md('; '.join(self.changes.get(path, [])))}" for path in shown]
            if len(shown) < len(self.enriched):
                out.append(
                    f"- … and {len(self.enriched) - len(shown)} more (the command's output lists every file)"
                )
        else:
            out.append("Nothing changed.")
        remarks = [f"`{path}`: {_md(remark)}" for path, remark in self.notes[:max_changes]]
        remarks += [
            f"`{path}`: not found ({source})" for path, source in self.not_found[:max_changes]
        ]
        remarks += [
            f"`{path}`: left for the next run ({source})"
            for path, source in self.deferred[:max_changes]
        ]
        remarks += [_md(problem) for problem in self.source_problems]
        remarks += [_md(line) for line in self.published]
        if remarks:
            out += ["", "## Notes", ""] + [f"- {remark}" for remark in remarks]
        if (
            self.suggestions
        ):  # discovery: what a curator may apply (--apply-venues, --apply-code) or check
            suggested = (
                self.suggestions[:max_changes] if max_changes is not None else self.suggestions
            )
            out += ["", "## Suggestions", ""] + [
                f"- `{path}`: {_md(text)}" for path, text in suggested
            ]
        if self.changelog:  # the section this run added to CHANGES.md
            out += ["", self.changelog.rstrip("\n").replace("## ", "## Change log, ", 1)]
        return "\n".join(out) + "\n"

    def to_json(self) -> dict[str, Any]:
        """The run's report as JSON data (`--report-json`; schemas/report.schema.json)."""
        return {
            "schema": "report/1",
            "started": _iso(self.started),
            "finished": _iso(self.finished),
            "duration_seconds": round(max(0.0, self.finished - self.started), 3),
            "dry_run": self.dry_run,
            "exit_code": self.exit_code,
            "counts": {
                "papers_read": self.papers_read,
                "changed": len(self.enriched),
                "unchanged": self.unchanged,
                "not_found": len(self.not_found),
                "failed": len(self.failed),
                "attention": len(self.attention_items()),
            },
            "sources": {
                name: {
                    "asked": stats.asked,
                    "requests": stats.requests,
                    "retries": stats.retries,
                    "cache_hits": stats.cache_hits,
                    "last_checked": _iso(stats.last_checked) if stats.last_checked else None,
                    "down": self.sources_down.get(name),
                }
                for name, stats in self.sources.items()
            },
            "changed": [
                {"path": path, "changes": list(self.changes.get(path, []))}
                for path in self.enriched
            ],
            "attention": [
                {
                    "kind": item.kind,
                    "source": item.source or None,
                    "text": item.text,
                    "paths": list(item.paths),
                }
                for item in self.attention_items()
            ],
            "not_found": [{"path": path, "source": source} for path, source in self.not_found],
            "not_in_cache": [
                {"path": path, "source": source} for path, source in self.not_in_cache
            ],
            "deferred": [{"path": path, "source": source} for path, source in self.deferred],
            "notes": [{"path": path, "text": remark} for path, remark in self.notes],
            "duplicates": [{"id": key, "paths": list(paths)} for key, paths in self.duplicates],
            "skipped": [{"path": path, "why": why} for path, why in self.skipped_files],
            "source_problems": list(self.source_problems),
            "suggestions": [{"path": path, "text": text} for path, text in self.suggestions],
            "history_written": list(self.history_written),
        }


def _papers(count: int) -> str:
    return f"{count} paper" + ("" if count == 1 else "s")


def _by_source(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """(path, source) pairs -> source -> paths, sources in first-seen order."""
    grouped: dict[str, list[str]] = {}
    for path, source in pairs:
        grouped.setdefault(source, []).append(path)
    return grouped


def _error_path(error: str) -> str:
    """The file a CatalogError's line names ("path:line:column: what" or "path: what")."""
    path = error.split(": ", 1)[0]
    return re.sub(r":\d+:\d+$", "", path)


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
