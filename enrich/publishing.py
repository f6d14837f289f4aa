"""What `--commit` / `--push` do around a run: check before it that the run may write, then
make the one commit of what it wrote and push it. Callers: the enrich and render commands."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from enrich import catalog as catalog_io
from enrich import publish
from enrich.atomic import TEMP_PREFIX
from enrich.changelog import CHANGES, new_sections
from enrich.history import LOCK_NAME as HISTORY_LOCK
from enrich.publish import Git, PublishError
from enrich.report import Report

log = logging.getLogger(__name__)
BODY_LINES = 200  # changed files listed in a commit message body (without a change-log section)


@dataclass(frozen=True)
class Publishing:
    """A run that will commit (and maybe push) in the working tree `git`."""

    git: Git
    push: bool
    catalog: Path
    shard: tuple[int, int] | None = None
    lines: list[str] = field(default_factory=list)  # what publishing did, for the run's summary

    @property
    def shard_text(self) -> str:
        return f"{self.shard[0]}/{self.shard[1]}" if self.shard else ""


def prepare(
    catalog: Path,
    folders: Iterable[Path],
    push: bool,
    shard: tuple[int, int] | None = None,
    environ: Mapping[str, str] | None = None,
    token: str | None = None,
    writes_catalog: bool = True,
) -> Publishing:
    """Before anything is written: the catalog is in a git working tree, the branch has an
    upstream when pushing, and `folders` hold no uncommitted work the run could write over
    (a shard: none of its own files). Raises publish.PublishError (exit_code 2 or 1)."""
    git = Git.of(catalog, environ, token)
    if push:
        publish.upstream(git)
    top = Path(os.path.realpath(catalog))

    def owned(relative: str) -> bool:
        """A shard answers for its own entries; files its sibling shards share (the history)
        are not held against it. Nor are the runs' own lock and leftover temporary files."""
        name = relative.rsplit("/", 1)[-1]
        if name == HISTORY_LOCK or name.startswith(TEMP_PREFIX) or catalog_io.TEMP_MARK in name:
            return False
        if shard is None:
            return True
        path = Path(os.path.realpath(git.root / relative))
        return (
            path.is_relative_to(top)
            and path.suffix == catalog_io.SUFFIX
            and catalog_io.in_shard(top, path, shard)
        )

    checked = [catalog, *folders] if writes_catalog else list(folders)
    publish.require_clean(git, [folder for folder in checked if git.contains(folder)], owned)
    return Publishing(git, push, catalog, shard)


def finish(
    publishing: Publishing,
    written: Iterable[Path | str],
    changes: Mapping[str, list[str]],
    change_log: str = "",
    subject: str = "",
    body: str = "",
) -> list[str]:
    """Commit exactly `written` (no commit when nothing changed), then push when asked. The
    message: commit_message(changes), or `subject` with `body` (default: the written files).
    Returns the summary lines; raises publish.PublishError (PushConflict: exit 1)."""
    git = publishing.git
    written = list(written)
    if subject:
        body = body or "\n".join(
            f"- {git.relative(path)}" for path in written if git.contains(path)
        )
    else:
        relative = {
            git.relative(path) if git.contains(path) else str(path): items
            for path, items in changes.items()
        }
        subject, body = commit_message(relative, publishing.shard_text, change_log)
    with git.locked():
        commit = publish.commit(git, written, subject, body)
        lines = [
            f"committed {commit[:12]} in {git.root}: {subject}"
            if commit
            else "nothing changed: no commit"
        ]
        log.info("%s", lines[0])
        if publishing.push:
            lines.append(publish.push(git))
            log.info("%s", lines[-1])
    publishing.lines.extend(lines)
    return lines


def publish_report(publishing: Publishing, report: Report, rendered: Iterable[Path] = ()) -> None:
    """finish() for an enrich run: its entries, its history and what changed in the `rendered`
    views (checked clean before the run, so every change there is the run's). What it did goes
    into the report's summary; a push that could not be done into what needs attention (exit 1)."""
    git = publishing.git
    written: list[Path | str] = [*report.enriched, *report.history_written]
    views = [view for view in rendered if git.contains(view)]
    if views:
        written += [git.root / path for path in publish.dirty_paths(git, views)]
    try:
        report.published = finish(publishing, written, report.changes, report.changelog)
    except PublishError as error:
        report.publish_problems.append(str(error))


def publish_shards(
    publishing: Publishing, folders: Iterable[Path], history: Path | None, shards: int
) -> list[str]:
    """finish() after a run's `shards` shard runs wrote into `folders` (the catalog, its history,
    the views), checked clean before they started: every change there is theirs, in one commit.
    The body: the sections they added to the history's CHANGES.md."""
    git = publishing.git
    inside = [folder for folder in folders if git.contains(folder)]
    written = [git.root / path for path in publish.dirty_paths(git, inside)] if inside else []
    top = Path(os.path.realpath(publishing.catalog))
    entries: dict[str, list[str]] = {
        git.relative(path): []
        for path in written
        if path.suffix == catalog_io.SUFFIX and Path(os.path.realpath(path)).is_relative_to(top)
    }
    change_log = ""
    if history is not None and (history / CHANGES).exists() and git.contains(history):
        committed = git.run("show", f"HEAD:{git.relative(history / CHANGES)}", check=False)
        change_log = new_sections(
            committed.stdout if committed.returncode == 0 else "",
            (history / CHANGES).read_text(encoding="utf-8"),
        )
    subject, body = commit_message(entries, change_log=change_log)
    subject = subject.replace("enrich:", f"enrich ({shards} shards):", 1)
    return finish(publishing, written, {}, subject=subject, body=body)


_COUNT = re.compile(r"^(citation_count|stars) (\d+) -> (\d+) ")


def commit_message(
    changes: Mapping[str, list[str]], shard: str = "", change_log: str = ""
) -> tuple[str, str]:
    """(subject, body) for a run's commit: counts in the subject; the run's change-log section
    (else the changed files with what changed in each) in the body."""
    authors = citations = stars = 0
    for path_changes in changes.values():
        for change in path_changes:
            authors += change.startswith("authors filled")
            found = _COUNT.match(change)
            if found:
                delta = int(found.group(3)) - int(found.group(2))
                if found.group(1) == "citation_count":
                    citations += delta
                else:
                    stars += delta
    parts = [f"{len(changes):,} {'paper' if len(changes) == 1 else 'papers'} updated"]
    if authors:
        parts.append(f"{authors:,} added authors")
    if citations:
        parts.append(f"{citations:+,} citations")
    if stars:
        parts.append(f"{stars:+,} stars")
    subject = f"enrich{f' (shard {shard})' if shard else ''}: " + ", ".join(parts)
    if change_log.strip():
        return subject, change_log.strip()
    lines = [
        f"- {path}: " + "; ".join(path_changes) for path, path_changes in sorted(changes.items())
    ]
    if len(lines) > BODY_LINES:
        lines = lines[:BODY_LINES] + [f"- … and {len(lines) - BODY_LINES:,} more files"]
    return subject, "\n".join(lines)
