"""The enrich command's options: parsing, and the one validation shared by the command
(`python -m flows.enrich`, exit 2) and the flow (a deployment run ends Failed with the same
message)."""

from __future__ import annotations

import argparse
from pathlib import Path

from enrich import catalog as catalog_io
from enrich.errors import UsageError
from enrich.history import default_folder
from enrich.run import RunOptions
from enrich.sources import all_sources


def default_sources() -> str:
    """Every registered source, in order."""
    return ",".join(all_sources())


def parse_sources(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    known = all_sources()
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise UsageError(
            f"unknown source(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}"
        )
    return names


def run_options(
    catalog: str,
    cache_dir: str,
    sources: str,
    offline: bool = False,
    refresh: bool = False,
    dry_run: bool = False,
    shard: str = "",
    history: str = "",
    apply_venues: bool = False,
    apply_code: bool = False,
) -> RunOptions:
    """The run's options from the command's flags or the flow's parameters; UsageError says what is wrong."""
    names = parse_sources(sources)
    if not Path(catalog).is_dir():
        raise UsageError(f"no such catalog folder: {catalog} (give one with --catalog DIR)")
    parsed_shard = None
    if shard:
        try:
            parsed_shard = catalog_io.parse_shard(shard)
        except ValueError:
            raise UsageError(f"--shard {shard!r}: expected K/N with 0 <= K < N, e.g. 0/4") from None
    if offline and refresh:
        raise UsageError("--offline and --refresh contradict each other: choose one")
    # Counts go to the history (default <catalog>/../history) unless nothing was asked or written.
    history_folder = (
        None if dry_run or offline else Path(history) if history else default_folder(Path(catalog))
    )
    return RunOptions(
        Path(catalog),
        Path(cache_dir),
        names,
        offline=offline,
        refresh=refresh,
        dry_run=dry_run,
        shard=parsed_shard,
        history=history_folder,
        apply_venues=apply_venues,
        apply_code=apply_code,
    )


def check_shards(shards: int, shard: str, repository: str = "", push: bool = False) -> None:
    """The flow's `shards` parameter (N shard runs of one catalog; 1: this run does it all)
    against the others; UsageError says what is wrong."""
    if isinstance(shards, bool) or not isinstance(shards, int) or shards < 1:
        raise UsageError(
            f"shards={shards!r}: expected a whole number of shard runs, at least 1 "
            "(1: one run enriches the whole catalog)"
        )
    if shards > 1 and shard:
        raise UsageError(
            f"shards={shards} with shard={shard!r}: a run either spreads itself over shard runs "
            "(shards) or is one of them (shard): give only one"
        )
    if shards > 1 and repository and not push:
        raise UsageError(
            f"shards={shards} with repository: each shard works in its own clone and its work "
            "reaches the others only by a push: set push=true (or leave repository out)"
        )


def build_parser() -> argparse.ArgumentParser:
    defaults = default_sources()
    parser = argparse.ArgumentParser(
        prog="python -m flows.enrich",
        description="Enrich a catalog of paper prototxt files with abstracts, authors, ids, citations and stars.",
    )
    parser.add_argument(
        "--catalog", default="meta", help="catalog folder, read recursively (default: meta)"
    )
    parser.add_argument(
        "--cache-dir", default="cache", help="where fetched answers are cached (default: cache)"
    )
    parser.add_argument(
        "--sources", default=defaults, help=f"comma-separated sources (default: {defaults})"
    )
    parser.add_argument("--offline", action="store_true", help="use the cache alone; ask no API")
    parser.add_argument(
        "--refresh", action="store_true", help="ask every API again, even for cached answers"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print a unified diff per file that would change; write nothing",
    )
    parser.add_argument(
        "--history",
        default="",
        metavar="DIR",
        help="count history and CHANGES.md (default: history beside the catalog folder); not written on --dry-run/--offline",
    )
    parser.add_argument(
        "--shard",
        default="",
        metavar="K/N",
        help="only the files in shard K of N (0 <= K < N), by a hash of their path",
    )
    parser.add_argument(
        "--report-json",
        metavar="FILE",
        help="also write the run's report as JSON (schemas/report.schema.json)",
    )
    parser.add_argument(
        "--commit",
        action="store_true",
        help="one git commit of exactly the files the run wrote (refused when they hold uncommitted work)",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="implies --commit; push the branch to its upstream (rebasing when the remote moved)",
    )
    parser.add_argument(
        "--apply-venues",
        action="store_true",
        help="write venue updates the sources agree on into pub (where/year) of entries listed as arXiv",
    )
    parser.add_argument(
        "--apply-code",
        action="store_true",
        help="write a discovered repository GitHub confirms (the only candidate) into an empty code.url",
    )
    return parser
