"""The add-papers Prefect flow and `python -m flows.add` (argparse -> flow)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows import console

console.telemetry_off_by_default()  # before Prefect starts (see flows/console.py)

from prefect import flow, get_run_logger  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.client.schemas.objects import State  # noqa: E402
from prefect.states import Completed, Failed  # noqa: E402
from prefect.utilities.annotations import opaque  # noqa: E402

from enrich import add_run  # noqa: E402
from enrich.add import keyword_values  # noqa: E402
from enrich.errors import UsageError  # noqa: E402
from enrich.lock import Busy, run_lock  # noqa: E402
from enrich.run import RunOptions  # noqa: E402
from enrich.settings import Settings  # noqa: E402
from flows import server  # noqa: E402
from flows.options import default_sources, parse_sources  # noqa: E402

REPORT_ARTIFACT = "add-papers-report"


@flow(name="add-papers")
def add_papers(
    links: list[str],
    catalog: str = "meta",
    cache_dir: str = "cache",
    keywords: list[str] | None = None,
    dry_run: bool = False,
    sources: str = default_sources(),
) -> State[add_run.AddReport]:
    """Add each link (arXiv id or link, OpenReview, DOI, Hugging Face paper page, ...) or title
    as a new catalog entry, then enrich the new entries. The final state carries the AddReport."""
    logger = get_run_logger()
    try:
        words = keyword_values(list(keywords or []))
        options = RunOptions(
            Path(catalog), Path(cache_dir), parse_sources(sources), dry_run=dry_run
        )
        if not options.catalog.is_dir():
            raise UsageError(f"no such catalog folder: {catalog}")
        if not links:
            raise UsageError("no link or title given (parameter links, a list)")
        settings = Settings.from_env(server.environment_with_secrets())
    except UsageError as error:
        return Failed(message=str(error))
    try:
        with run_lock(options.cache_dir, settings.lock_timeout):
            report = add_run.add_papers(list(links), options, settings, words)
    except Busy as error:
        logger.error("%s", error)
        return Failed(message=str(error))
    for line in report.lines():
        logger.info(line, extra=console.printed_by_command())
    markdown = "# Papers added\n\n" + "\n".join(f"- {line}" for line in report.lines()) + "\n"
    if report.enrichment is not None:
        markdown += "\n" + report.enrichment.markdown().replace(
            "# Enrichment report", "## Enrichment of the new entries", 1
        )
    create_markdown_artifact(
        key=REPORT_ARTIFACT, markdown=markdown, description="What the last add-papers run did"
    )
    added = sum(outcome.ok for outcome in report.outcomes)
    message = f"{added} of {len(report.outcomes)} added"
    problems = [outcome.line() for outcome in report.outcomes if not outcome.ok]
    if report.enrichment is not None and report.enrichment.exit_code:
        problems.append("enrichment: " + report.enrichment.state_message())
    if problems:
        return Failed(message=(message + " | " + " | ".join(problems))[:300], data=opaque(report))
    return Completed(message=message, data=opaque(report))


def read_inputs(args: argparse.Namespace) -> list[str]:
    """The command's inputs, then each non-empty, non-comment line of --file."""
    inputs = list(args.inputs)
    if args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(
                f"--file {args.file}: cannot read: {getattr(error, 'strerror', None) or error}"
            ) from None
        inputs += [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
    if not inputs:
        raise UsageError("give at least one link or title (or --file LIST.txt)")
    return inputs


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flows.add",
        description="Add papers to the catalog from a link or a title, then enrich them.",
    )
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="LINK_OR_TITLE",
        help="arXiv id or link, OpenReview link, DOI, huggingface.co/papers/ link, or a title in quotes",
    )
    parser.add_argument("--catalog", default="meta", help="catalog folder (default: meta)")
    parser.add_argument(
        "--cache-dir", default="cache", help="where fetched answers are cached (default: cache)"
    )
    parser.add_argument(
        "--keyword",
        action="append",
        default=[],
        metavar="NAME",
        help="a keyword of the schema (repeatable)",
    )
    parser.add_argument(
        "--file", metavar="LIST.txt", help="also add each line of this file (# starts a comment)"
    )
    parser.add_argument(
        "--sources",
        default=default_sources(),
        help=f"comma-separated sources (default: {default_sources()})",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print each file it would write; write nothing"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        inputs = read_inputs(args)
        keyword_values(args.keyword)
        parse_sources(args.sources)
        if not Path(args.catalog).is_dir():
            raise UsageError(
                f"no such catalog folder: {args.catalog} (give one with --catalog DIR)"
            )
        Settings.from_env()
    except UsageError as error:
        parser.print_usage(sys.stderr)
        print(f"error: {error}", file=sys.stderr)
        return 2
    console.command_prints_summary()
    state = add_papers(
        links=inputs,
        catalog=args.catalog,
        cache_dir=args.cache_dir,
        keywords=args.keyword,
        dry_run=args.dry_run,
        sources=args.sources,
        return_state=True,
    )
    # The report is the final state's data, not state.result() (see flows/enrich.py).
    value = getattr(state.data, "result", state.data)
    report = value.unwrap() if isinstance(value, opaque) else value
    if not isinstance(report, add_run.AddReport):  # stopped before adding: busy
        print(f"error: {state.message}", file=sys.stderr)
        return 1
    for outcome in report.outcomes:
        print(outcome.line())
        if args.dry_run and outcome.ok:
            sys.stdout.write(outcome.content.decode("utf-8"))
    if report.enrichment is not None:
        print("\n".join(report.enrichment.summary_lines()))
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
