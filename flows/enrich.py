"""The enrich-catalog Prefect flow and `python -m flows.enrich` (argparse -> flow)."""

from __future__ import annotations

import os

# Library modules log through `logging`; let Prefect show them in the flow run's logs.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "enrich")

import argparse  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.blocks.system import Secret  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402
from prefect.concurrency.sync import rate_limit  # noqa: E402
from prefect.exceptions import ObjectNotFound  # noqa: E402
from prefect.runtime import flow_run  # noqa: E402
from prefect.states import Completed, Failed  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from enrich import catalog as catalog_io  # noqa: E402
from enrich import pipeline  # noqa: E402
from enrich.cache import Cache  # noqa: E402
from enrich.changelog import record_run  # noqa: E402
from enrich.history import default_folder  # noqa: E402
from enrich.errors import UsageError  # noqa: E402
from enrich.lock import Busy, run_lock  # noqa: E402
from enrich.report import Report  # noqa: E402
from enrich.settings import Settings  # noqa: E402
from enrich.sources import all_sources  # noqa: E402

DEFAULT_SOURCES = ",".join(all_sources())
REPORT_ARTIFACT = "enrichment-report"
ARTIFACT_CHANGES = 200  # changed files listed in the artifact (the command's output lists all)
# Reports of flow runs in this process, by flow run id, for the command to print. Not the
# flow's return value: Prefect walks return values and task arguments object by object,
# which costs seconds and hundreds of MB at 20,000 entries (hence quote() below too).
REPORTS: dict[str, Report] = {}
# Credentials come from the environment, else from these Prefect Secret blocks when present.
SECRET_BLOCKS = {
    "GITHUB_TOKEN": "github-token",
    "SEMANTIC_SCHOLAR_API_KEY": "semantic-scholar-api-key",
    "OPENREVIEW_USERNAME": "openreview-username",
    "OPENREVIEW_PASSWORD": "openreview-password",
}
SECRET_PAGE = 200


def environment_with_secrets(offline: bool = False) -> dict[str, str]:
    """os.environ, with each credential it lacks taken from its Secret block if one exists.
    One request lists the Secret blocks (not one per credential); none when offline (no API is asked)."""
    environ = dict(os.environ)
    missing = {variable: block for variable, block in SECRET_BLOCKS.items() if not environ.get(variable, "").strip()}
    if offline or not missing:
        return environ
    documents = {}
    with get_client(sync_client=True) as client:
        try:
            while True:  # in pages: the server caps how many it lists at once
                page = client.read_block_documents_by_type("secret", offset=len(documents), limit=SECRET_PAGE,
                                                           include_secrets=True)
                documents.update((document.name, document) for document in page)
                if len(page) < SECRET_PAGE:
                    break
        except ObjectNotFound:  # no Secret block type on this server: no blocks either
            return environ
    for variable, block in missing.items():
        if block in documents:
            environ[variable] = str(Secret(**documents[block].data).get())
    return environ


@task(name="read-catalog", cache_policy=NO_CACHE)
def read_catalog(options: pipeline.RunOptions, report: Report):
    return pipeline.read(options, report)


def rate_limit_name(source: str) -> str:
    """The Prefect global concurrency limit (rate limit) that paces `source` across workers."""
    return f"enrich-{source}"


def shared_pace(source: str):
    """A gate taking one slot of the source's global rate limit per request."""

    def gate() -> None:
        rate_limit(rate_limit_name(source), strict=True)

    return gate


def missing_rate_limits(sources: tuple[str, ...]) -> list[str]:
    with get_client(sync_client=True) as client:
        missing = []
        for source in sources:
            try:
                client.read_global_concurrency_limit_by_name(rate_limit_name(source))
            except ObjectNotFound:
                missing.append(rate_limit_name(source))
        return missing


@task(name="fetch-source", cache_policy=NO_CACHE, task_run_name="fetch-{source}")
def fetch_source(source: str, wanted, settings: Settings, options: pipeline.RunOptions, now: float, shared: bool = False):
    logger = get_run_logger()
    total_queries = len({q.key for qs in wanted.values() for q in qs})
    logger.info("%s: %d ids to look up", source, total_queries)

    def progress(done: int, total: int) -> None:
        logger.info("%s: %d/%d ids asked", source, done, total)

    return pipeline.fetch_source(source, wanted, settings, options, now, progress, shared_pace(source) if shared else None)


@task(name="merge-and-write", cache_policy=NO_CACHE)
def merge_and_write(entries, results, wanted, today: str, options: pipeline.RunOptions, report: Report):
    pipeline.apply_entries(entries, results, wanted, today, options.dry_run, report, options.cache_dir)
    pipeline.report_sources(report, entries, results, wanted)


@task(name="record-history", cache_policy=NO_CACHE)
def record_history(entries, options: pipeline.RunOptions, report: Report, now: float) -> None:
    """Counts into the history, the run's section into CHANGES.md (beside the catalog)."""
    try:
        recorded = record_run(options.catalog, options.history, entries, report, now)
    except OSError as error:  # the catalog is written; say what could not be recorded, no traceback
        report.file_errors.append(f"{options.history}: history not recorded: {error.strerror or error} (check the folder is writable)")
        return
    report.history_written = [str(path) for path in recorded.written]
    report.changelog = recorded.section


def render_views(catalog: str, history: str) -> str | None:
    """The render-catalog flow as a subflow: README.md, lists/ and site/ beside the catalog
    folder (the project root for `meta`). Its failure message, or None."""
    from flows.render import render_catalog

    root = Path(catalog).resolve().parent
    state = render_catalog(catalog=catalog, readme=str(root / "README.md"), lists=str(root / "lists"),
                           site=str(root / "site"), history=history, return_state=True)
    return None if state.is_completed() else (state.message or "render failed")


@flow(name="enrich-catalog")
def enrich_catalog(
    catalog: str = "meta",
    cache_dir: str = "cache",
    sources: str = DEFAULT_SOURCES,
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    shard: str = "",
    global_rate_limits: bool = False,
    history: str = "",
    render: bool = False,
):
    """Enrich every entry of a catalog folder (or shard "K/N" of it) from the chosen sources.
    With global_rate_limits, each API's pace is shared with other workers through the Prefect
    global concurrency limits enrich-<source>. Counts go to the history (default
    <catalog>/../history) unless dry_run or offline; with render, the views are rendered after
    enriching (render-catalog). Returns the run's Report."""
    logger = get_run_logger()
    options = pipeline.RunOptions(
        Path(catalog), Path(cache_dir), parse_sources(sources), offline=offline, refresh=refresh, dry_run=dry_run,
        shard=catalog_io.parse_shard(shard) if shard else None,
        history=None if dry_run or offline else Path(history) if history else default_folder(Path(catalog)),
    )
    if not options.catalog.is_dir():
        return Failed(message=f"no such catalog folder: {catalog}")
    if global_rate_limits and not offline:
        missing = missing_rate_limits(options.sources)
        if missing:
            return Failed(message="global rate limits missing: " + ", ".join(missing) + " (see README, Scaling out)")
    settings = Settings.from_env(environment_with_secrets(offline))
    report = Report(started=time.time(), dry_run=dry_run)
    try:
        with run_lock(options.cache_dir, settings.lock_timeout, options.shard):
            run_pipeline(options, settings, report, global_rate_limits)
    except Busy as error:
        logger.error("%s", error)
        return Failed(message=str(error))
    REPORTS[str(flow_run.get_id())] = report
    # The logs get the totals and what needs attention; every changed file is in the artifact
    # (the first ARTIFACT_CHANGES) and in the command's output.
    summary = report.summary_lines()
    for line in summary[: 1 + len(report.sources)]:
        logger.info(line)
    attention = report.attention()
    for item in attention:
        logger.warning("needs attention: %s", item)
    create_markdown_artifact(
        key=REPORT_ARTIFACT, markdown=report.markdown(ARTIFACT_CHANGES), description="What the last enrichment run did"
    )
    not_rendered = render_views(catalog, history) if render and not dry_run else None
    if not_rendered:
        attention.append(f"views not rendered: {not_rendered}")
    if attention:
        return Failed(message=f"{len(attention)} item(s) need attention: " + "; ".join(attention[:5]))
    return Completed(message=f"catalog enriched: {len(report.enriched)} changed, {report.unchanged} unchanged")


def run_pipeline(options: pipeline.RunOptions, settings: Settings, report: Report, shared_pacing: bool = False) -> None:
    """read -> fetch (sources in parallel, each in its batches) -> merge and write."""
    now = time.time() + settings.clock_offset
    Cache(options.cache_dir).close()  # create it once, before the fetch tasks open it together
    entries = read_catalog(options, quote(report))
    # The catalog's objects live for the whole run: keep the cyclic GC from re-walking them
    # (its long pauses would delay paced requests and make the next one early).
    gc.freeze()
    try:
        fetch_and_write(entries, options, settings, report, shared_pacing, now)
    finally:
        gc.unfreeze()
    report.finished = time.time()


def fetch_and_write(entries, options, settings: Settings, report: Report, shared_pacing: bool, now: float) -> None:
    wanted = {source: pipeline.source_queries(entries, source) for source in options.sources}
    futures = {
        source: fetch_source.submit(source, quote(wanted[source]), settings, options, now, shared_pacing)
        for source in options.sources
    }
    results = {source: future.result() for source, future in futures.items()}
    merge_and_write(quote(entries), quote(results), quote(wanted), pipeline.today_utc(now), options, quote(report))
    if options.history is not None:
        record_history(quote(entries), options, quote(report), now)


def parse_sources(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    known = all_sources()
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise UsageError(f"unknown source(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}")
    return names


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flows.enrich",
        description="Enrich a catalog of paper prototxt files with abstracts, authors, ids, citations and stars.",
    )
    parser.add_argument("--catalog", default="meta", help="catalog folder, read recursively (default: meta)")
    parser.add_argument("--cache-dir", default="cache", help="where fetched answers are cached (default: cache)")
    parser.add_argument("--sources", default=DEFAULT_SOURCES, help=f"comma-separated sources (default: {DEFAULT_SOURCES})")
    parser.add_argument("--offline", action="store_true", help="use the cache alone; ask no API")
    parser.add_argument("--refresh", action="store_true", help="ask every API again, even for cached answers")
    parser.add_argument("--dry-run", action="store_true", help="print a unified diff per file that would change; write nothing")
    parser.add_argument("--history", default="", metavar="DIR",
                        help="count history and CHANGES.md (default: history beside the catalog folder); not written on --dry-run/--offline")
    parser.add_argument("--shard", default="", metavar="K/N", help="only the files in shard K of N (0 <= K < N), by a hash of their path")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        parse_sources(args.sources)
        if not Path(args.catalog).is_dir():
            raise UsageError(f"no such catalog folder: {args.catalog} (give one with --catalog DIR)")
        if args.shard:
            try:
                catalog_io.parse_shard(args.shard)
            except ValueError:
                raise UsageError(f"--shard {args.shard!r}: expected K/N with 0 <= K < N, e.g. 0/4") from None
        if args.offline and args.refresh:
            raise UsageError("--offline and --refresh contradict each other: choose one")
        Settings.from_env()
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 2
    state = enrich_catalog(
        catalog=args.catalog,
        cache_dir=args.cache_dir,
        sources=args.sources,
        offline=args.offline,
        refresh=args.refresh,
        dry_run=args.dry_run,
        shard=args.shard,
        history=args.history,
        return_state=True,
    )
    report = REPORTS.pop(str(state.state_details.flow_run_id), None)
    if report is None:  # the flow stopped before enriching: busy, or no such catalog
        print(f"error: {state.message}", file=sys.stderr)
        return 1
    for diff in report.diffs:
        sys.stdout.write(diff)
    print("\n".join(report.summary_lines()))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
