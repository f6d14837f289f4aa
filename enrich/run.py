"""The run's order: read the catalog -> what each source must look up -> fetch each source
(cache first) -> merge -> write -> history -> report. `run` takes how to launch a source's fetch: the
Prefect flow passes its task submission; library callers and tests get threads by default."""

from __future__ import annotations

import difflib
import gc
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, cast

from enrich import catalog as catalog_io
from enrich import discover
from enrich.cache import Cache
from enrich.changelog import record_run
from enrich.errors import SourceError
from enrich.merge import ABSENT, FOUND, NOT_FOUND, UNKNOWN, Finding, merge
from enrich.records import Entry, EntryView
from enrich.report import Report, SourceStats
from enrich.settings import Settings
from enrich.sources.base import Context, Query, Source, SourceResult, fail_all
from enrich.sources.registry import all_sources

log = logging.getLogger(__name__)

Lookups = Mapping[str, Mapping[str, Query]]  # source -> entry path -> what it looks up


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
    apply_venues: bool = False  # write venue updates the sources agree on into `pub`
    apply_code: bool = False  # write a confirmed, unambiguous repository into `code.url`


@dataclass(frozen=True)
class FetchJob:
    """One source's fetch for a run: everything it needs, picklable (a task's argument)."""

    source: str
    queries: list[Query]  # distinct keys
    settings: Settings
    cache_dir: Path
    offline: bool = False
    refresh: bool = False
    now: float = 0.0


class Pending(Protocol):
    """A launched fetch (a Prefect future, a concurrent.futures.Future, or `Done`)."""

    def result(self) -> SourceResult: ...


Launch = Callable[[FetchJob], Pending]


@dataclass(frozen=True)
class Done:
    """A fetch already run (see `call_now`)."""

    value: SourceResult

    def result(self) -> SourceResult:
        return self.value


def call_now(job: FetchJob) -> Done:
    """Run a fetch right away in this thread: a plain call, for tests and small runs."""
    return Done(fetch(job))


def run(
    options: RunOptions,
    settings: Settings,
    launch: Launch | None = None,
    entries: list[Entry] | None = None,
) -> Report:
    """Enrich the catalog (or its shard) from the chosen sources; the caller holds the run lock.
    `launch` starts one source's fetch (default: a thread each, all sources at once). With
    `entries`, just those are enriched (papers just added), not the catalog read again."""
    report = Report(started=time.time(), dry_run=options.dry_run)
    now = (
        time.time() + settings.clock_offset
    )  # the run's clock (ENRICH_CLOCK_OFFSET, enrich/clock.py)
    Cache(options.cache_dir).close()  # create it once, before the fetches open it together
    prepared: Prepared | None = None
    if entries is None:
        entries, prepared = read_prepared(options, report)
    else:
        report.papers_read = len(entries)
    # The catalog's objects live for the whole run: keep the cyclic GC from re-walking them
    # (its long pauses would delay paced requests and make the next one early). Nor does it run
    # at all until the run ends: what the fetch gathers (20,000 records) is not frozen, and at
    # 20,000 papers a full collection every second re-walked it, 0.1-0.16 s each with every
    # thread stopped (~1.3 s a run, measured); the run makes a few thousand objects in cycles
    # (HTTP exchanges), collected when it ends.
    gc.freeze()
    collecting = gc.isenabled()
    gc.disable()
    try:
        sources = all_sources()
        # Entry views are not kept through the fetch (~21 MB at 20,000 entries, against the 500 MB
        # the nightly run must stay under): only what later stages need of them (links' ids).
        lookups, links = prepared if prepared is not None else prepare(entries)
        jobs = [job_for(name, lookups[name], settings, options, now) for name in options.sources]
        results = fetch_all(jobs, launch)
        matched = discover.matched_records(entries, lookups, results)
        found = discover.discover(
            entries, lookups, results, _confirm(options, settings, now, launch), matched
        )
        report.duplicates = discover.duplicates(entries, lookups, results, matched, links)
        del matched, links
        written = write(
            entries,
            results,
            lookups,
            sources,
            today_utc(now),
            options.dry_run,
            report,
            options.cache_dir,
            found,
            options,
        )
        report_sources(report, results, lookups, sources)
        _count_confirmations(report, found.github)
        if options.history is not None:
            record_history(options.catalog, options.history, entries, report, now, written)
    finally:
        if collecting:
            gc.enable()
        gc.unfreeze()
    report.finished = time.time()
    return report


def _confirm(
    options: RunOptions, settings: Settings, now: float, launch: Launch | None
) -> Callable[[list[str]], SourceResult] | None:
    """How discovery asks the repository host (the source offering `repo`) about code
    candidates: one more batched fetch. None when that source is not asked this run."""
    host = discover.repository_host(all_sources())
    if host is None or host not in options.sources:
        return None

    def confirm(repos: list[str]) -> SourceResult:
        job = job_for(host, {repo: Query(repo) for repo in repos}, settings, options, now)
        return fetch_all([job], launch)[host]

    return confirm


def _count_confirmations(report: Report, host: SourceResult | None) -> None:
    """The confirmation pass's requests count as the repository host's."""
    if host is not None and host.source in report.sources:
        stats = report.sources[host.source]
        stats.requests += host.requests
        stats.retries += host.retries
        stats.cache_hits += host.cache_hits
        report.source_problems += [
            f"{host.source}: {problem}"
            for problem in host.problems
            if f"{host.source}: {problem}" not in report.source_problems
        ]


_ahead: list[catalog_io.ReadAhead] = []  # at most one: the command's (see read_ahead)


Prepared = tuple[dict[str, dict[str, Query]], dict[str, tuple[str, ...]]]  # lookups, links


def prepare(entries: list[Entry]) -> Prepared:
    """What each registered source looks up for each entry, and the ids each entry's links give
    (for duplicates): both from one view of each entry."""
    links: dict[str, tuple[str, ...]] = {}
    return lookups_for(entries, all_sources(), links), links


def read_ahead(options: RunOptions) -> None:
    """Start reading the catalog on a thread, for the next `run` with the same catalog, shard and
    cache to take (catalog.ReadAhead: only if no file changed meanwhile), and making each entry's
    lookups there too (`prepare`: they depend on the entry alone). The command calls it just
    before the flow starts; Prefect's start-up is then spent reading."""
    _ahead[:] = [
        catalog_io.ReadAhead(options.catalog, options.shard, options.cache_dir, then=prepare)
    ]


def read(options: RunOptions, report: Report) -> list[Entry]:
    return read_prepared(options, report)[0]


def read_prepared(options: RunOptions, report: Report) -> tuple[list[Entry], Prepared | None]:
    """The catalog's entries (the read ahead when it is taken, else read now), and their lookups
    when they were made ahead with them."""
    ahead = _ahead.pop() if _ahead else None
    found = ahead.take(options.catalog, options.shard, options.cache_dir) if ahead else None
    prepared = None
    if found is None:
        found = catalog_io.read_catalog(options.catalog, options.shard, options.cache_dir)
    elif ahead is not None and ahead.derived is not None:
        prepared = cast(Prepared, ahead.derived)
    report.papers_read = len(found.entries)
    report.skipped_files = found.skipped
    report.removed_temporaries = found.removed_temporaries
    report.file_errors += [str(error) for error in found.errors]
    return found.entries, prepared


def record_history(
    catalog: Path,
    folder: Path,
    entries: list[Entry],
    report: Report,
    now: float,
    written: Mapping[str, bytes] | None = None,
) -> None:
    """Counts into the history, the run's section into CHANGES.md (beside the catalog)."""
    try:
        recorded = record_run(catalog, folder, entries, report, now, written)
    except OSError as error:  # the catalog is written; say what could not be recorded, no traceback
        report.file_errors.append(
            f"{folder}: history not recorded: {error.strerror or error} (check the folder is writable)"
        )
        return
    report.history_written = [str(path) for path in recorded.written]
    report.changelog = recorded.section


def lookups_for(
    entries: list[Entry],
    sources: Mapping[str, Source],
    links: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, dict[str, Query]]:
    """Per source (every registered one: an unasked source's answer is unknown, not absent),
    per entry path, what it looks up. With `links`, also what discover.duplicates needs of each
    entry's view (discover.link_keys), so it need not make the views again."""
    lookups: dict[str, dict[str, Query]] = {name: {} for name in sources}
    for entry in entries:
        view = EntryView.of(entry)
        for name, source in sources.items():
            query = source.query(view)
            if query is not None:
                lookups[name][entry.path] = query
        if links is not None and (keys := discover.link_keys(view, entry)):
            links[entry.path] = keys
    return lookups


def job_for(
    source: str, lookups: Mapping[str, Query], settings: Settings, options: RunOptions, now: float
) -> FetchJob:
    queries = list({query.key: query for query in lookups.values()}.values())
    return FetchJob(
        source, queries, settings, options.cache_dir, options.offline, options.refresh, now
    )


def fetch_for(
    entries: list[Entry],
    source: str,
    settings: Settings,
    cache_dir: Path,
    offline: bool = False,
    refresh: bool = False,
) -> tuple[SourceResult, dict[str, Query]]:
    """One source's answers for a handful of entries, without Prefect (e.g. papers being added):
    the result by query key, and which query each entry path made."""
    lookups = lookups_for(entries, {source: all_sources()[source]})[source]
    now = time.time() + settings.clock_offset
    Cache(cache_dir).close()
    options = RunOptions(Path("."), cache_dir, (source,), offline=offline, refresh=refresh)
    return fetch(job_for(source, lookups, settings, options, now)), lookups


def fetch_all(jobs: list[FetchJob], launch: Launch | None = None) -> dict[str, SourceResult]:
    """Every job's result by source; all launched before any is awaited."""
    if launch is not None:
        pending = [(job.source, launch(job)) for job in jobs]
        return {source: future.result() for source, future in pending}
    with ThreadPoolExecutor(max(1, len(jobs))) as pool:
        futures = [(job.source, pool.submit(fetch, job)) for job in jobs]
        return {source: future.result() for source, future in futures}


def fetch(
    job: FetchJob,
    gate: Callable[[], None] | None = None,
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] = log,
    watch: Callable[[str, int, int, int, int], None] | None = None,
) -> SourceResult:
    """Ask one source about every query (cache first); never raises for API trouble.
    `gate` is called before each request (a pace shared with other workers); progress goes
    to `logger` (the flow passes Prefect's run logger) and to `watch(source, done, total,
    requests, retries)` when given (the command's live display on a terminal)."""
    source = all_sources()[job.source]
    logger.info("%s: %d ids to look up", job.source, len(job.queries))
    client = None if job.offline else source.make_client(job.settings)

    logged = 0  # ids asked at the last progress line

    def progress(done: int, total: int) -> None:
        nonlocal logged
        if worth_a_line(done, total, logged):
            logged = done
            logger.info("%s: %d/%d ids asked", job.source, done, total)
        if watch is not None:
            stats = client.stats if client is not None else None
            watch(
                job.source,
                done,
                total,
                stats.requests if stats else 0,
                stats.retries if stats else 0,
            )

    if watch is not None:
        watch(job.source, 0, len(job.queries), 0, 0)
    cache = Cache(job.cache_dir)
    if client is not None:
        client.gate = gate
    ctx = Context(
        job.settings,
        cache,
        client,
        refresh=job.refresh,
        offline=job.offline,
        now=job.now,
        progress=progress,
        expiry=source.expiry,
    )
    try:
        result = source.fetch(job.queries, ctx) if job.queries else SourceResult(job.source)
    except (
        Exception
    ) as error:  # a bug or an answer shape we did not foresee: fail the source, not the run
        log.exception("%s: unexpected error", job.source)
        result = SourceResult(job.source)
        fail_all(
            result,
            [q.key for q in job.queries],
            SourceError(job.source, f"unexpected error ({type(error).__name__}); please report it"),
        )
    finally:
        cache.close()
        if client is not None:
            client.close()
    if client is not None:
        result.requests, result.retries = client.stats.requests, client.stats.retries
    if watch is not None:  # every query answered now, from the cache or the API
        watch(job.source, len(job.queries), len(job.queries), result.requests, result.retries)
    scrub(result, job.settings.secrets() + (client.secrets if client is not None else []))
    return result


def worth_a_line(done: int, total: int, logged: int) -> bool:
    """Whether progress deserves a log line: each tenth of the ids crossed, and the last. A line
    per batch was 343 lines on a nightly run at 20,000 papers, each one a record Prefect's run
    logger sends to its server (the live display still follows every batch)."""
    return done >= total or (10 * done) // max(total, 1) > (10 * logged) // max(total, 1)


def scrub(result: SourceResult, secrets: list[str]) -> None:
    """Error answers sometimes quote what we sent: no credential leaves in a message."""

    def clean(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    result.failed = {key: clean(reason) for key, reason in result.failed.items()}
    result.notes = {key: clean(note) for key, note in result.notes.items()}
    result.problems = [clean(problem) for problem in result.problems]


def findings_table(
    lookups: Lookups, results: Mapping[str, SourceResult], sources: Mapping[str, Source]
) -> Callable[[str], list[Finding]]:
    """What each registered source said about an entry (by path), in source order. What does not
    depend on the entry is worked out once per run: each source's lookups and result, and its
    answers without a record (one shared Finding each: they are immutable). 20,000 entries x 6
    sources: 0.8 s -> 0.3 s, measured."""
    plans = []
    for name, source in sources.items():
        offers, dead = source.offers, source.dead_when_not_found
        plans.append(
            (
                name,
                lookups.get(name, {}),
                results.get(name),
                offers,
                dead,
                Finding(name, ABSENT, None, offers, dead),
                Finding(name, UNKNOWN, None, offers, dead),
                Finding(name, NOT_FOUND, None, offers, dead),
            )
        )

    def findings(path: str) -> list[Finding]:
        found = []
        for name, wanted, result, offers, dead, absent, unknown, not_found in plans:
            query = wanted.get(path)
            if query is None:
                found.append(absent)
            elif result is None:  # not asked this run (--sources): its answer is unknown
                found.append(unknown)
            elif query.key in result.records:
                found.append(Finding(name, FOUND, result.records[query.key], offers, dead))
            elif query.key in result.failed:
                found.append(unknown)
            elif query.key in result.not_found:
                found.append(not_found)
            else:
                found.append(unknown)  # offline and not cached, or left for the next run
        return found

    return findings


def write(
    entries: list[Entry],
    results: Mapping[str, SourceResult],
    lookups: Lookups,
    sources: Mapping[str, Source],
    today: str,
    dry_run: bool,
    report: Report,
    cache_dir: Path | None = None,
    found: discover.Discoveries | None = None,
    options: RunOptions | None = None,
) -> dict[str, bytes]:
    """Merge each entry (with what discovery found), write the files that change (or keep their
    diff), and fill the report. With `cache_dir`, the parse of each file written is kept for the
    next run (catalog.remember_written). Returns each file written (path -> the binary form of
    the message it was printed from)."""
    changed: list[tuple[str, bytes, list[str]]] = []
    parses: dict[str, bytes] = {}  # binary, not the messages: 20,000 of those would cost ~100 MB
    by_path = found.by_path if found is not None else {}
    apply_venues, apply_code = (
        (options.apply_venues, options.apply_code) if options is not None else (False, False)
    )
    findings_of = findings_table(lookups, results, sources)
    for entry in entries:
        findings = discover.amend(findings_of(entry.path), by_path.get(entry.path), sources)
        merged = merge(entry.info, findings, today)
        report.suggestions += [
            (entry.path, text)
            for text in discover.apply(merged, by_path.get(entry.path), apply_venues, apply_code)
        ]
        for source, found_title in merged.mismatches:
            report.mismatches.append((entry.path, source, entry.info.paper.title, found_title))
        if merged.info == entry.info:
            report.unchanged += 1
        else:
            changed.append((entry.path, catalog_io.render(merged.info), merged.changes))
            if not dry_run:
                parses[entry.path] = merged.info.SerializeToString()
    if dry_run:
        report.diffs += [_diff(path, content) for path, content, _ in changed]
        errors = {}
    else:
        errors = catalog_io.write_entries([(path, content) for path, content, _ in changed])
        if cache_dir is not None:
            catalog_io.remember_written(
                cache_dir,
                [(content, parses[path]) for path, content, _ in changed if path not in errors],
            )
    report.file_errors += [str(error) for error in errors.values()]
    for path, _, changes in changed:
        if path not in errors:
            report.enriched.append(path)
            report.changes[path] = changes
    return {path: parses[path] for path in report.enriched if path in parses}


def _diff(path: str, new: bytes) -> str:
    old = Path(path).read_bytes().decode("utf-8")
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.decode("utf-8").splitlines(keepends=True),
        f"a/{path}",
        f"b/{path}",
    )
    return "".join(lines)


def report_sources(
    report: Report,
    results: Mapping[str, SourceResult],
    lookups: Lookups,
    sources: Mapping[str, Source],
) -> None:
    """Per-entry not found / failed / notes, and per-source counters."""
    for name, result in results.items():
        checked = list(result.checked.values())
        wanted = lookups.get(name, {})
        report.sources[name] = SourceStats(
            requests=result.requests,
            retries=result.retries,
            cache_hits=result.cache_hits,
            asked=len({query.key for query in wanted.values()}),
            last_checked=max(checked) if checked else None,
        )
        report.source_problems += [
            f"{name}: {problem}" for problem in result.problems if problem != result.down
        ]
        if result.down:
            report.sources_down[name] = result.down
        dead_when_missing = sources[name].dead_when_not_found
        keys_to_paths: dict[str, list[str]] = defaultdict(list)
        for path, query in wanted.items():
            keys_to_paths[query.key].append(path)
        for key, paths in keys_to_paths.items():
            for path in paths:
                if key in result.failed:
                    report.failed.append((path, name, result.failed[key]))
                elif key in result.not_found and dead_when_missing:
                    report.dead_links.append((path, key))
                elif key in result.not_found:
                    if sources[name].reports_not_found:
                        report.not_found.append((path, name))
                elif key in result.deferred:
                    report.deferred.append((path, name))
                elif key not in result.records:
                    report.not_in_cache.append((path, name))
                if key in result.notes:
                    report.notes.append((path, f"{name}: {result.notes[key]}"))


def today_utc(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now if now is not None else time.time()))
