"""The enrich-catalog Prefect flow and `python -m flows.enrich`: options -> lock -> the run
(enrich.run, each source's fetch a task) -> logs, artifact and a final state that tells the truth."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from flows import console

console.telemetry_off_by_default()  # before Prefect starts (see flows/console.py)

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.client.schemas.objects import State  # noqa: E402
from prefect.context import FlowRunContext  # noqa: E402
from prefect.futures import PrefectFuture  # noqa: E402
from prefect.states import Completed, Failed  # noqa: E402
from prefect.utilities.annotations import opaque, quote  # noqa: E402

from enrich import publishing, run  # noqa: E402
from enrich.clone import working_clone  # noqa: E402
from enrich.errors import UsageError  # noqa: E402
from enrich.lock import Busy, run_lock  # noqa: E402
from enrich.publish import PublishError  # noqa: E402
from enrich.report import Report  # noqa: E402
from enrich.settings import Settings  # noqa: E402
from enrich.sources import SourceResult  # noqa: E402
from flows import server, shards as shard_runs  # noqa: E402
from flows.options import build_parser, check_shards, default_sources, run_options  # noqa: E402

REPORT_ARTIFACT = "enrichment-report"
ARTIFACT_CHANGES = 200  # changed files listed in the artifact (the command's output lists all)


@task(name="fetch-source", cache_policy=NO_CACHE, task_run_name="fetch-{source}")
def fetch_source(source: str, job: run.FetchJob, shared_pace: bool = False) -> SourceResult:
    display = console.ACTIVE  # the command's live display on a terminal, if any
    logger = console.progress_logger(get_run_logger()) if display is not None else get_run_logger()
    return run.fetch(
        job,
        server.shared_pace(source) if shared_pace else None,
        logger,
        display.update if display else None,
    )


@flow(name="enrich-catalog")
def enrich_catalog(
    catalog: str = "meta",
    cache_dir: str = "cache",
    sources: str = default_sources(),
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    shard: str = "",
    global_rate_limits: bool = False,
    history: str = "",
    apply_venues: bool = False,
    apply_code: bool = False,
    render: bool = False,
    commit: bool = False,
    push: bool = False,
    repository: str = "",
    branch: str = "main",
    shards: int = 1,
    shard_deployment: str = shard_runs.SHARD_DEPLOYMENT,
) -> State[Report] | State[None]:
    """Enrich a catalog folder (or shard "K/N" of it) from the chosen sources; parameters mirror
    the command's flags. global_rate_limits: share each API's pace with other workers (Prefect
    limits enrich-<source>); render: render the views afterwards; commit: one git commit of what
    the run wrote (entries, history, views), push: pushed too; repository (a git URL) and
    branch: catalog is a path inside the flow's own clone, kept in the cache folder. shards: N > 1
    spreads the run over N runs of `shard_deployment` through the work pool, waits for all,
    then renders and publishes once. The state carries the Report (not when spread)."""
    given_catalog = catalog  # as the shard runs get it (inside their own clone, if any)
    try:
        check_shards(shards, shard, repository, push)
        environ = server.environment_with_secrets(
            offline and not (push or repository)
        )  # git needs the token
        settings = Settings.from_env(environ)
        token = settings.credentials.get("GITHUB_TOKEN")  # for git's network commands too
        if repository:
            catalog = str(
                working_clone(repository, branch, Path(cache_dir), shard, environ, token) / catalog
            )
        options = run_options(
            catalog,
            cache_dir,
            sources,
            offline,
            refresh,
            dry_run,
            shard,
            history,
            apply_venues,
            apply_code,
        )
    except (UsageError, PublishError) as error:
        return Failed(message=str(error))
    if (
        global_rate_limits
        and not offline
        and (missing := server.missing_rate_limits(options.sources))
    ):
        return Failed(
            message="global rate limits missing: "
            + ", ".join(missing)
            + " (see README, Scaling out)"
        )

    views = view_paths(catalog) if render and not dry_run else ()
    if shards > 1:
        child = {
            "catalog": given_catalog,
            "cache_dir": cache_dir,
            "sources": sources,
            "offline": offline,
            "refresh": refresh,
            "dry_run": dry_run,
            "global_rate_limits": not offline,  # side by side, each API's pace is shared
            "history": history,
            "apply_venues": apply_venues,
            "apply_code": apply_code,
            "render": False,
            # Each shard commits and pushes only from a clone of its own (repository mode).
            "commit": commit and bool(repository),
            "push": push and bool(repository),
            "repository": repository,
            "branch": branch,
        }
        return spread(
            options, settings, environ, token, child, shards, shard_deployment, views, commit, push
        )

    def launch(job: run.FetchJob) -> PrefectFuture[SourceResult]:
        # quote(): Prefect would otherwise walk every query looking for futures.
        return fetch_source.submit(job.source, quote(job), global_rate_limits)

    try:
        with run_lock(options.cache_dir, settings.lock_timeout, options.shard):
            publication = None
            if (commit or push) and not dry_run:  # refused here, before anything is written
                folders = [*views, *([options.history] if options.history else [])]
                publication = publishing.prepare(
                    options.catalog, folders, push, options.shard, environ, token
                )
            report = run.run(options, settings, launch)
            not_rendered = render_views(catalog, history, cache_dir) if views else None
            if publication is not None:  # one commit: entries, history and views
                publishing.publish_report(publication, report, views)
    except (Busy, PublishError) as error:
        get_run_logger().error("%s", error)
        return Failed(message=str(error))
    publish(report, get_run_logger())
    return final_state(report, [f"views not rendered: {not_rendered}"] if not_rendered else [])


def spread(
    options: run.RunOptions,
    settings: Settings,
    environ: dict[str, str],
    token: str | None,
    child: dict[str, object],
    shards: int,
    deployment: str,
    views: tuple[Path, ...],
    commit: bool,
    push: bool,
) -> State[None]:
    """The `shards` parameter: hold the spreading lock, start the shard runs and wait for them,
    then render the views and publish once. Completed only when every shard run completed;
    otherwise the failing shards by name in the message, the others' work rendered and published.
    In repository mode each shard pushed its own commit: the flow's clone is fast-forwarded to
    them, and the views are committed and pushed by the render."""
    logger = get_run_logger()
    repository = str(child["repository"])
    catalog, history = str(options.catalog), str(child["history"])
    if not options.offline and (missing := server.missing_rate_limits(options.sources)):
        return Failed(
            message="shard runs side by side share each API's pace, but global rate limits are missing: "
            + ", ".join(missing)
            + " (see README, Scaling out)"
        )
    try:
        with run_lock(options.cache_dir, settings.lock_timeout, spreading=True):
            publication = None
            folders = [options.catalog, *views, *([options.history] if options.history else [])]
            if (commit or push) and not repository and not options.dry_run:
                publication = publishing.prepare(
                    options.catalog, folders[1:], push, None, environ, token
                )
            context = FlowRunContext.get()
            name = context.flow_run.name if context and context.flow_run else "enrich"
            runs = shard_runs.start_and_wait(deployment, child, shards, name)
            for item in runs:
                logger.info("shard %s (%s): %s %s", item.shard, item.name, item.state, item.message)
            if repository:  # the shards pushed their commits: render from them
                working_clone(
                    repository, str(child["branch"]), options.cache_dir, "", environ, token
                )
            # The views are committed with the render in repository mode, else with the rest.
            in_clone = bool(repository)
            not_rendered = (
                render_views(
                    catalog, history, str(options.cache_dir), commit and in_clone, push and in_clone
                )
                if views
                else None
            )
            also = [f"views not rendered: {not_rendered}"] if not_rendered else []
            published: list[str] = []
            if publication is not None:
                try:
                    published = publishing.publish_shards(
                        publication, folders, options.history, shards
                    )
                except PublishError as error:  # the shards' work stays written, uncommitted
                    also.append(str(error))
    except (Busy, PublishError, UsageError) as error:
        logger.error("%s", error)
        return Failed(message=str(error))
    message = shard_runs.summary(runs)
    for line in published:
        logger.info("%s", line)
    create_markdown_artifact(
        key=REPORT_ARTIFACT,
        markdown="# Enrichment over shard runs\n\n"
        + "\n".join(
            f"- shard {item.shard} ({item.name}): {item.state}: {item.message}" for item in runs
        )
        + "".join(f"\n- {line}" for line in [*published, *also]),
        description="What the last enrichment run's shard runs did",
    )
    if all(item.completed for item in runs) and not also:
        return Completed(message=" | ".join([message, *published]))
    return Failed(message=" | ".join([message, *also, *published]))


def publish(report: Report, logger: logging.Logger | logging.LoggerAdapter[logging.Logger]) -> None:
    """Totals and what needs attention to the logs; the report (first ARTIFACT_CHANGES changed
    files) as the markdown artifact. The command's output lists every changed file."""
    for line in report.summary_lines()[: 1 + len(report.sources)]:
        logger.info(line, extra=console.printed_by_command())
    for item in report.attention():  # one line per cause
        logger.warning("needs attention: %s", item, extra=console.printed_by_command())
    create_markdown_artifact(
        key=REPORT_ARTIFACT,
        markdown=report.markdown(ARTIFACT_CHANGES),
        description="What the last enrichment run did",
    )


def view_paths(catalog: str) -> tuple[Path, Path, Path]:
    """README.md, lists/ and site/ beside the catalog folder (the project root for `meta`)."""
    root = Path(catalog).resolve().parent
    return root / "README.md", root / "lists", root / "site"


def render_views(
    catalog: str, history: str, cache_dir: str, commit: bool = False, push: bool = False
) -> str | None:
    """The render-catalog flow as a subflow, writing the view_paths (committing and pushing
    them when asked). Its failure message, or None."""
    from flows.render import render_catalog

    readme, lists, site = view_paths(catalog)
    state = render_catalog(
        catalog=catalog,
        readme=str(readme),
        lists=str(lists),
        site=str(site),
        history=history,
        cache_dir=cache_dir,
        commit=commit,
        push=push,
        return_state=True,
    )
    return None if state.is_completed() else (state.message or "render failed")


def final_state(report: Report, also: list[str]) -> State[Report]:
    """Failed when something needs a curator (the reason in the message), else Completed.
    opaque(): Prefect walks a flow's return value object by object (seconds at 20,000 entries)."""
    data = opaque(report)
    if report.attention() or also:
        return Failed(
            message=" | ".join([*also, report.state_message()] if report.attention() else also),
            data=data,
        )
    return Completed(message=report.state_message(), data=data)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        options = run_options(
            args.catalog,
            args.cache_dir,
            args.sources,
            args.offline,
            args.refresh,
            args.dry_run,
            args.shard,
            args.history,
            args.apply_venues,
            args.apply_code,
        )
        Settings.from_env()
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 2
    if (args.commit or args.push) and not args.dry_run:
        try:  # the flow checks again under the run lock; this gives the command its exit 2
            publishing.prepare(
                options.catalog,
                [options.history] if options.history else [],
                args.push,
                options.shard,
            )
        except PublishError as error:
            print(f"error: {error}", file=sys.stderr)
            return error.exit_code
    console.command_prints_summary()
    server.import_temporary_server()  # before the read-ahead: see there
    run.read_ahead(options)  # while Prefect starts (taken only if no file changed meanwhile)
    with console.live_progress():
        state = enrich_catalog(
            catalog=args.catalog,
            cache_dir=args.cache_dir,
            sources=args.sources,
            offline=args.offline,
            refresh=args.refresh,
            dry_run=args.dry_run,
            shard=args.shard,
            history=args.history,
            commit=args.commit,
            push=args.push,
            apply_venues=args.apply_venues,
            apply_code=args.apply_code,
            return_state=True,
        )
    # The report is the final state's data (a result record holding it in memory). Not
    # state.result(): that turns into a coroutine when an event loop is set in this thread.
    value = getattr(state.data, "result", state.data)
    report = value.unwrap() if isinstance(value, opaque) else value
    if not isinstance(report, Report):  # the flow stopped before enriching: busy, or a bad option
        print(f"error: {state.message}", file=sys.stderr)
        return 1
    for diff in report.diffs:
        sys.stdout.write(diff)
    print("\n".join(report.summary_lines()))
    if args.report_json:
        try:
            Path(args.report_json).write_text(
                json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        except OSError as error:
            print(
                f"error: --report-json {args.report_json}: cannot write: {error.strerror}",
                file=sys.stderr,
            )
            return 1
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
