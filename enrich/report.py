"""What a run did, as data; printing it is the caller's job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


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
    deferred: list[tuple[str, str]] = field(default_factory=list)  # (path, source) left for the next run
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (path, source, reason)
    mismatches: list[tuple[str, str, str, str]] = field(default_factory=list)  # (path, source, curated, found)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (path, remark) e.g. renamed repo
    dead_links: list[tuple[str, str]] = field(default_factory=list)  # (path, url)
    file_errors: list[str] = field(default_factory=list)
    source_problems: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)  # (id, paths)
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (path, what a curator may apply)
    diffs: list[str] = field(default_factory=list)  # --dry-run: unified diff per file
    sources: dict[str, SourceStats] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0
    dry_run: bool = False
    history_written: list[str] = field(default_factory=list)  # history files this run appended to
    changelog: str = ""  # this run's CHANGES.md section ("" when nothing changed)

    def attention(self) -> list[str]:
        """Everything a curator must act on (non-empty means exit 1)."""
        items = [f"cannot read or write {error}" for error in self.file_errors]
        items += [f"{path}: {source} failed: {reason}" for path, source, reason in self.failed]
        items += [
            f"{path}: link points to a different paper? catalog title {curated!r}, {source} title {found!r}"
            for path, source, curated, found in self.mismatches
        ]
        items += [f"{path}: repository link is dead ({url})" for path, url in self.dead_links]
        return items

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
            lines.append(f"  {'would change' if self.dry_run else 'changed'} {path}: " + "; ".join(self.changes.get(path, [])))
        lines += [f"  not found: {path} ({source})" for path, source in self.not_found]
        lines += [f"  not in cache (offline): {path} ({source})" for path, source in self.not_in_cache]
        lines += [f"  left for the next run: {path} ({source})" for path, source in self.deferred]
        lines += [f"  note: {path}: {remark}" for path, remark in self.notes]
        lines += [f"  duplicate {key}: {', '.join(paths)}" for key, paths in self.duplicates]
        lines += [f"  suggestion: {path}: {text}" for path, text in self.suggestions]
        lines += [f"  skipped ({why}): {path}" for path, why in self.skipped_files]
        lines += [f"  removed leftover temporary file {path}" for path in self.removed_temporaries]
        lines += [f"  {problem}" for problem in self.source_problems]
        lines += [f"  history: {path}" for path in self.history_written]
        attention = self.attention()
        if attention:
            lines.append(f"needs attention ({len(attention)}):")
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
            "| papers read | " + verb.lower() + " | unchanged | not found | failed | needs attention | duration |",
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
            out.append(f"| {name} | {stats.asked} | {stats.requests} | {stats.retries} | {stats.cache_hits} | {checked} |")
        attention = self.attention()
        if attention:
            out += ["", "## Needs attention", ""] + [f"- {_md(item)}" for item in attention]
        out += ["", "## What changed", ""]
        if self.enriched:
            shown = self.enriched[:max_changes] if max_changes is not None else self.enriched
            out += [f"- `{path}`: {_md('; '.join(self.changes.get(path, [])))}" for path in shown]
            if len(shown) < len(self.enriched):
                out.append(f"- … and {len(self.enriched) - len(shown)} more (the command's output lists every file)")
        else:
            out.append("Nothing changed.")
        remarks = [f"`{path}`: {_md(remark)}" for path, remark in self.notes[:max_changes]]
        remarks += [f"`{path}`: not found ({source})" for path, source in self.not_found[:max_changes]]
        remarks += [f"`{path}`: left for the next run ({source})" for path, source in self.deferred[:max_changes]]
        remarks += [_md(problem) for problem in self.source_problems]
        if remarks:
            out += ["", "## Notes", ""] + [f"- {remark}" for remark in remarks]
        if self.suggestions:  # discovery: what a curator may apply (--apply-venues, --apply-code) or check
            suggested = self.suggestions[:max_changes] if max_changes is not None else self.suggestions
            out += ["", "## Suggestions", ""] + [f"- `{path}`: {_md(text)}" for path, text in suggested]
        if self.changelog:  # the section this run added to CHANGES.md
            out += ["", self.changelog.rstrip("\n").replace("## ", "## Change log, ", 1)]
        return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
