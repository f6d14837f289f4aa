"""The render-catalog Prefect flow and `python -m flows.render` (argparse -> flow)."""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "enrich")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from prefect import flow, get_run_logger  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.states import Completed, Failed  # noqa: E402

from enrich import publishing  # noqa: E402
from enrich.errors import UsageError  # noqa: E402
from enrich.history import default_folder  # noqa: E402
from enrich.publish import PublishError  # noqa: E402
from enrich.render import RenderOptions, RenderResult, check_usage, render  # noqa: E402
from flows import server  # noqa: E402


def render_options(
    catalog: str, readme: str, lists: str, site: str, history: str, check: bool, cache_dir: str = ""
) -> RenderOptions:
    catalog_path = Path(catalog)
    return RenderOptions(
        catalog_path,
        Path(readme),
        Path(lists),
        Path(site),
        Path(history) if history else default_folder(catalog_path),
        check,
        Path(cache_dir) if cache_dir else None,
    )


@flow(name="render-catalog")
def render_catalog(
    catalog: str = "meta",
    readme: str = "README.md",
    lists: str = "lists",
    site: str = "site",
    history: str = "",
    check: bool = False,
    commit: bool = False,
    push: bool = False,
    cache_dir: str = "cache",
):
    """Render the README list, the grouped lists, papers.json and the page from the catalog
    (history: default <catalog>/../history). With check, write nothing and fail when any
    output would change. With commit, one git commit of the files written; with push, pushed."""
    logger = get_run_logger()
    options = render_options(catalog, readme, lists, site, history, check, cache_dir)
    try:
        check_usage(options)
        publish = prepare_publishing(
            options, commit, push, server.environment_with_secrets() if push else None
        )
        result = render(options)
        published = finish_publishing(publish, result)
    except (UsageError, PublishError) as error:
        return Failed(message=str(error))
    for line in result.summary_lines() + published:
        logger.info(line)
    create_markdown_artifact(
        key="render-report",
        markdown="# Render report\n\n"
        + "\n".join(f"- {line.strip()}" for line in result.summary_lines())
        + "\n",
        description="What the last render wrote",
    )
    if result.errors:
        return Failed(
            message=f"{len(result.errors)} catalog file(s) left out: "
            + "; ".join(map(str, result.errors[:5]))
        )
    if check and result.written:
        return Failed(
            message=f"{len(result.written)} view(s) not current: "
            + ", ".join(map(str, result.written[:5]))
        )
    return Completed(
        message=f"{result.papers} papers rendered, {len(result.written)} file(s) written"
    )


def prepare_publishing(
    options: RenderOptions, commit: bool, push: bool, environ: dict[str, str] | None = None
) -> publishing.Publishing | None:
    """--commit/--push: the views' files hold no uncommitted work (else PublishError, exit 2).
    The push gets GITHUB_TOKEN from `environ` (default: the process environment)."""
    if not (commit or push) or options.check:
        return None
    environ = dict(os.environ) if environ is None else environ
    folders = [options.readme, options.lists, options.site]
    return publishing.prepare(
        options.catalog,
        folders,
        push,
        None,
        environ,
        environ.get("GITHUB_TOKEN"),
        writes_catalog=False,
    )


def finish_publishing(publish: publishing.Publishing | None, result: RenderResult) -> list[str]:
    if publish is None:
        return []
    count = len(result.written)
    return publishing.finish(
        publish,
        result.written,
        {},
        subject=f"render: {count} view file{'' if count == 1 else 's'} updated",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flows.render",
        description="Render the catalog's README list, grouped lists, papers.json and offline page.",
    )
    parser.add_argument(
        "--catalog", default="meta", help="catalog folder, read recursively (default: meta)"
    )
    parser.add_argument(
        "--readme",
        default="README.md",
        help="README whose <!-- papers:start --> ... <!-- papers:end --> region is replaced (default: README.md)",
    )
    parser.add_argument(
        "--lists", default="lists", help="folder for the grouped lists (default: lists)"
    )
    parser.add_argument(
        "--site", default="site", help="folder for papers.json and the page (default: site)"
    )
    parser.add_argument(
        "--history",
        default="",
        metavar="DIR",
        help="count history folder (default: history beside the catalog folder)",
    )
    parser.add_argument(
        "--cache-dir",
        default="cache",
        help="the enrich run's cache folder: entries it already parsed are reused, read only (default: cache)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when any output would change, 0 when all are current",
    )
    parser.add_argument(
        "--commit",
        action="store_true",
        help="one git commit of exactly the files written (refused when they hold uncommitted work)",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="implies --commit; push the branch to its upstream (rebasing when the remote moved)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    options = render_options(
        args.catalog, args.readme, args.lists, args.site, args.history, args.check, args.cache_dir
    )
    try:
        check_usage(options)
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        publish = prepare_publishing(options, args.commit, args.push)
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    # The command calls the library directly: the flow adds nothing to a local render but
    # Prefect's ephemeral server start (seconds, and fragile on a loaded CI machine).
    result = render(options)
    print("\n".join(result.summary_lines()))
    try:
        published = finish_publishing(publish, result)
    except PublishError as error:
        print(f"needs attention: not published: {error}")
        return 1
    if published:
        print("\n".join(published))
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
