"""The run's steps as plain functions (the Prefect flow calls these):
read catalog -> queries per source -> fetch (cache first) -> merge -> write."""

from __future__ import annotations

import difflib
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from enrich import catalog as catalog_io
from enrich.cache import Cache
from enrich.errors import SourceError
from enrich.merge import LINK_FAILED, LINK_FOUND, LINK_NONE, LINK_NOT_FOUND, Findings, merge
from enrich.records import Entry
from enrich.report import Report, SourceStats
from enrich.settings import Settings
from enrich.sources import Context, Query, SourceResult, all_sources, fail_all

log = logging.getLogger(__name__)
LINK_SOURCES = ("arxiv", "openreview")


@dataclass(frozen=True)
class RunOptions:
    catalog: Path
    cache_dir: Path
    sources: tuple[str, ...]
    offline: bool = False
    refresh: bool = False
    dry_run: bool = False
    shard: tuple[int, int] | None = None  # (K, N): only files in shard K of N
    history: Path | None = None  # where the run records counts and CHANGES.md; None: not at all


def source_queries(entries: list[Entry], source: str) -> dict[str, list[Query]]:
    """Per entry path, what `source` must look up for it."""
    module = all_sources()[source]
    wanted = {}
    for entry in entries:
        found = module.queries(entry.info)
        if found:
            wanted[entry.path] = found
    return wanted


def fetch_source(
    source: str,
    wanted: dict[str, list[Query]],
    settings: Settings,
    options: RunOptions,
    now: float,
    progress: Callable[[int, int], None] | None = None,
    gate: Callable[[], None] | None = None,
) -> SourceResult:
    """Ask one source about every query (cache first); never raises for API trouble.
    `gate` is called before each request (a pace shared with other workers)."""
    module = all_sources()[source]
    queries = list({q.key: q for qs in wanted.values() for q in qs}.values())
    cache = Cache(options.cache_dir)
    client = None if options.offline else module.make_client(settings)
    if client is not None:
        client.gate = gate
    ctx = Context(settings, cache, client, refresh=options.refresh, offline=options.offline, now=now,
                  progress=progress or (lambda done, total: None))
    try:
        result = module.fetch(queries, ctx) if queries else SourceResult(source)
    except Exception as error:  # a bug or an answer shape we did not foresee: fail the source, not the run
        log.exception("%s: unexpected error", source)
        result = SourceResult(source)
        fail_all(result, [q.key for q in queries], SourceError(source, f"unexpected error ({type(error).__name__}); please report it"))
    finally:
        cache.close()
        if client is not None:
            client.close()
    if client is not None:
        result.requests, result.retries = client.stats.requests, client.stats.retries
    scrub(result, settings.secrets() + (client.secrets if client is not None else []))
    return result


def scrub(result: SourceResult, secrets: list[str]) -> None:
    """Error answers sometimes quote what we sent: no credential leaves in a message."""

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    result.failed = {key: clean(reason) for key, reason in result.failed.items()}
    result.notes = {key: clean(note) for key, note in result.notes.items()}
    result.problems = [clean(problem) for problem in result.problems]


def _link_status(entry: Entry, results: dict[str, SourceResult], wanted: dict[str, dict[str, list[Query]]]) -> str:
    for source in LINK_SOURCES:
        if source not in results:
            # Not asked this run (--sources): if the entry links it, its answer is unknown,
            # so other sources must not fill what it would give.
            if all_sources()[source].queries(entry.info):
                return LINK_FAILED
            continue
        queries = wanted.get(source, {}).get(entry.path)
        if not queries:
            continue
        key = queries[0].key
        result = results[source]
        if key in result.records:
            return LINK_FOUND
        if key in result.failed:
            return LINK_FAILED
        if key in result.not_found:
            return LINK_NOT_FOUND
        return LINK_FAILED  # offline and not cached: unknown
    return LINK_NONE


def findings_for(entry: Entry, results: dict[str, SourceResult], wanted: dict[str, dict[str, list[Query]]]) -> Findings:
    """What each source said about this entry."""
    def record(source: str):
        queries = wanted.get(source, {}).get(entry.path)
        if not queries or source not in results:
            return None
        return results[source].records.get(queries[0].key)

    repo_queries = wanted.get("github", {}).get(entry.path)
    repo_missing = bool(repo_queries) and "github" in results and repo_queries[0].key in results["github"].not_found
    return Findings(
        arxiv=record("arxiv"),
        openreview=record("openreview"),
        semantic_scholar=record("semantic_scholar"),
        repo=record("github"),
        repo_not_found=repo_missing,
        link_status=_link_status(entry, results, wanted),
    )


def apply_entries(
    entries: list[Entry],
    results: dict[str, SourceResult],
    wanted: dict[str, dict[str, list[Query]]],
    today: str,
    dry_run: bool,
    report: Report,
    cache_dir: Path | None = None,
) -> None:
    """Merge each entry, write the files that change (or print their diff), and fill the report.
    With `cache_dir`, the parse of each file written is kept for the next run (catalog.remember_written)."""
    changed: list[tuple[str, bytes, list[str]]] = []
    parses: dict[str, object] = {}
    for entry in entries:
        merged = merge(entry.info, findings_for(entry, results, wanted), today)
        for source, found_title in merged.mismatches:
            report.mismatches.append((entry.path, source, entry.info.paper.title, found_title))
        if merged.info == entry.info:
            report.unchanged += 1
        else:
            changed.append((entry.path, catalog_io.render(merged.info), merged.changes))
            parses[entry.path] = merged.info
    if dry_run:
        report.diffs += [_diff(path, content) for path, content, _ in changed]
        errors = {}
    else:
        errors = catalog_io.write_entries([(path, content) for path, content, _ in changed])
        if cache_dir is not None:
            catalog_io.remember_written(cache_dir, [(content, parses[path]) for path, content, _ in changed if path not in errors])
    report.file_errors += [str(error) for error in errors.values()]
    for path, _, changes in changed:
        if path not in errors:
            report.enriched.append(path)
            report.changes[path] = changes


def _diff(path: str, new: bytes) -> str:
    old = Path(path).read_bytes().decode("utf-8")
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.decode("utf-8").splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return "".join(lines)


def report_sources(
    report: Report,
    entries: list[Entry],
    results: dict[str, SourceResult],
    wanted: dict[str, dict[str, list[Query]]],
) -> None:
    """Per-entry not found / failed / notes, and per-source counters."""
    for source, result in results.items():
        checked = list(result.checked.values())
        report.sources[source] = SourceStats(
            requests=result.requests,
            retries=result.retries,
            cache_hits=result.cache_hits,
            asked=len({q.key for qs in wanted.get(source, {}).values() for q in qs}),
            last_checked=max(checked) if checked else None,
        )
        report.source_problems += [f"{source}: {problem}" for problem in result.problems]
        dead_when_missing = getattr(all_sources()[source], "DEAD_WHEN_NOT_FOUND", False)
        keys_to_paths: dict[str, list[str]] = defaultdict(list)
        for path, queries in wanted.get(source, {}).items():
            keys_to_paths[queries[0].key].append(path)
        for key, paths in keys_to_paths.items():
            for path in paths:
                if key in result.failed:
                    report.failed.append((path, source, result.failed[key]))
                elif key in result.not_found and dead_when_missing:
                    report.dead_links.append((path, key))
                elif key in result.not_found:
                    report.not_found.append((path, source))
                elif key in result.deferred:
                    report.deferred.append((path, source))
                elif key not in result.records:
                    report.not_in_cache.append((path, source))
                if key in result.notes:
                    report.notes.append((path, f"{source}: {result.notes[key]}"))


def read(options: RunOptions, report: Report) -> list[Entry]:
    found = catalog_io.read_catalog(options.catalog, options.shard, options.cache_dir)
    report.papers_read = len(found.entries)
    report.skipped_files = found.skipped
    report.removed_temporaries = found.removed_temporaries
    report.file_errors += [str(error) for error in found.errors]
    report.duplicates = duplicates(found.entries)
    return found.entries


def duplicates(entries: list[Entry]) -> list[tuple[str, list[str]]]:
    """Papers linked from more than one file (same arXiv or OpenReview id): all are enriched."""
    paths_by_id: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        for source in LINK_SOURCES:
            for query in all_sources()[source].queries(entry.info):
                paths_by_id[f"{source}:{query.key}"].append(entry.path)
    return [(key, paths) for key, paths in paths_by_id.items() if len(paths) > 1]


def today_utc(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now if now is not None else time.time()))
