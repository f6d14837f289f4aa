"""The documented long fuzz run: the properties of tests/test_fuzz.py and tests/test_fuzz_answers.py on >= 100,000 generated inputs per target.

    .venv/bin/python tests/fuzz_long.py                          # 100,000 inputs per target
    .venv/bin/python tests/fuzz_long.py --examples 2000 --targets ids,match   # a quick look

A full run takes about 30 minutes on 2 CPUs: ids, match and catalog about 7 (2026-11-26: ids 100,000 inputs in
121 s, match 100,000 in 79 s, catalog 100,000 in 213 s; peak memory 360 MB); the newer targets at 20,000 inputs on a
busy machine (2026-12-02: github 97 s, answers 104 s, hosts 27 s, titles 58 s), so roughly 24 more minutes at 100,000.
The answers target found a Semantic Scholar DOI with whitespace in it at 20,000 inputs, which 600 in CI had missed.

Run from the project root (or anywhere: the script finds its own folder). Targets:

  ids      the URL -> identifier parsers of enrich/ids.py (arxiv, split_arxiv_version, openreview, doi, github)
  match    the title matcher of enrich/match.py (normalise_title, main_title, title_ratio, titles_match, titles_compatible)
  catalog  the catalog reader of enrich/catalog.py: parse_entry on every input, and read_catalog on a real file
           holding it (the file must come out byte for byte as it went in, parsed or not)
  hosts    the URL parsers on hosts that only name a known one (github.com.evil.com): no identifier
  titles   the title matcher on titles with no word in common (never match) and on one title restyled
           (case, punctuation, spacing, a subtitle: always matches)
  answers  the JSON answer parsers of Semantic Scholar and OpenReview: any shape gives a clean record
  github   GitHub's answer parsers: a REST repository object, one GraphQL repository, a whole GraphQL answer
           through classify and validate (a record only from its own alias, never 0 for a missing count)

The CI suite (tests/test_fuzz.py) stops at the first counterexample; this run does not: each violation is
recorded (by property and failing line, with its count and shortest input) and generation goes on, so the
number of inputs always reaches the budget. It prints, per target, the inputs generated, the time taken and
the distinct violations. Exit status: 0 when no property was violated, 1 otherwise. No network is used.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import test_fuzz
import test_fuzz_answers
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


@dataclass
class Violation:
    where: str
    message: str
    count: int = 0
    shortest: object = None


@dataclass
class Tally:
    target: str
    inputs: int = 0
    seconds: float = 0.0
    violations: dict[tuple, Violation] = field(default_factory=dict)

    def record(self, check: str, error: BaseException, example: object) -> None:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        key = (check, type(error).__name__, frame.filename, frame.lineno)
        found = self.violations.setdefault(
            key,
            Violation(
                f"{check}: {type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}",
                str(error).splitlines()[0][:160] if str(error) else "",
            ),
        )
        found.count += 1
        if found.shortest is None or len(repr(example)) < len(repr(found.shortest)):
            found.shortest = example


def run_target(name: str, strategy, checks, budget: int) -> Tally:
    """Feed `budget` generated inputs to every check; count them, record violations, never stop early."""
    tally = Tally(name)
    report_every = max(budget // 10, 1)

    @settings(
        max_examples=budget,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(strategy)
    def fuzz(example):
        tally.inputs += 1
        for check_name, check in checks:
            try:
                check(example)
            except Exception as error:  # noqa: BLE001 - every escape is a finding, recorded and counted
                tally.record(check_name, error, example)
        if tally.inputs % report_every == 0:
            print(
                f"  {name}: {tally.inputs:,} inputs, {len(tally.violations)} distinct violation(s), "
                f"{time.monotonic() - started:.0f} s",
                flush=True,
            )

    started = time.monotonic()
    fuzz()
    tally.seconds = time.monotonic() - started
    return tally


def targets(scratch: Path) -> dict[str, tuple]:
    def read_catalog(raw: bytes) -> None:
        test_fuzz.check_read_catalog(raw, scratch)

    return {
        "ids": (
            st.one_of(test_fuzz.URLS, test_fuzz._ID_TEXT),
            [(c.__name__, c) for c in test_fuzz.ID_CHECKS],
        ),
        "match": (
            test_fuzz.title_pairs(),
            [("check_titles", lambda pair: test_fuzz.check_titles(*pair))],
        ),
        "catalog": (
            test_fuzz.CATALOG_BYTES,
            [
                ("check_parse_entry", test_fuzz.check_parse_entry),
                ("check_read_catalog", read_catalog),
            ],
        ),
        "hosts": (test_fuzz.FOREIGN_URLS, [("check_foreign_host", test_fuzz.check_foreign_host)]),
        "titles": (
            st.tuples(
                st.tuples(test_fuzz.TITLE_A, test_fuzz.TITLE_B), test_fuzz.same_title_restyled()
            ),
            [
                (
                    "check_unrelated_titles",
                    lambda pairs: test_fuzz.check_unrelated_titles(*pairs[0]),
                ),
                ("check_restyled_title", lambda pairs: test_fuzz.check_restyled_title(*pairs[1])),
            ],
        ),
        "answers": (
            test_fuzz_answers.ANSWERS,
            [
                ("check_semantic_scholar_paper", test_fuzz_answers.check_semantic_scholar_paper),
                ("check_openreview_note", test_fuzz_answers.check_openreview_note),
            ],
        ),
        "github": (
            st.tuples(
                test_fuzz_answers.REST_OBJECTS,
                test_fuzz_answers.GRAPHQL_OBJECTS,
                test_fuzz_answers.GRAPHQL_STATUSES,
                test_fuzz_answers.GRAPHQL_ANSWERS,
            ),
            [
                ("check_github_rest", lambda parts: test_fuzz_answers.check_github_rest(parts[0])),
                (
                    "check_github_graphql_repo",
                    lambda parts: test_fuzz_answers.check_github_graphql_repo(parts[1]),
                ),
                (
                    "check_graphql_answer",
                    lambda parts: test_fuzz_answers.check_graphql_answer(parts[2], parts[3]),
                ),
            ],
        ),
    }


TARGETS = ("ids", "match", "catalog", "hosts", "titles", "answers", "github")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--examples",
        type=int,
        default=100_000,
        help="generated inputs per target (default 100,000)",
    )
    parser.add_argument(
        "--targets",
        default=",".join(TARGETS),
        help=f"comma-separated: {', '.join(TARGETS)}",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fuzz-long-") as scratch:
        available = targets(Path(scratch))
        chosen = [name.strip() for name in args.targets.split(",") if name.strip()]
        unknown = [name for name in chosen if name not in available]
        if unknown:
            parser.error(
                f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(available)}"
            )
        print(
            f"fuzz_long: {args.examples:,} inputs per target; targets {', '.join(chosen)}; pid {os.getpid()}",
            flush=True,
        )
        tallies = []
        for name in chosen:
            strategy, checks = available[name]
            tallies.append(run_target(name, strategy, checks, args.examples))
    print("\ntarget    inputs      seconds  inputs/s  distinct violations")
    for tally in tallies:
        print(
            f"{tally.target:<9} {tally.inputs:>9,}  {tally.seconds:>8.1f}  {tally.inputs / max(tally.seconds, 1e-9):>8.0f}  "
            f"{len(tally.violations)}"
        )
    failed = False
    for tally in tallies:
        for violation in tally.violations.values():
            failed = True
            print(
                f"\n[{tally.target}] {violation.where} ({violation.count:,} inputs)\n  {violation.message}\n"
                f"  shortest input: {violation.shortest!r}"[:600]
            )
    short = [t.target for t in tallies if t.inputs < args.examples]
    if short:
        print(f"\nwarning: fewer inputs than asked for: {', '.join(short)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
