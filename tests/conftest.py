"""Shared fixtures: the API doubles, a Prefect test server, and running the real command."""

from __future__ import annotations

import shutil
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from isolation import isolate_this_process

# Before anything imports Prefect: no developer credentials or Prefect profile, telemetry off,
# a PREFECT_HOME of this process's own (each xdist worker gets one).
PREFECT_HOME = isolate_this_process()

from doubles.fixtures import doubles, start_doubles, world  # noqa: E402, F401

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def prefect_server() -> str:
    """One temporary Prefect server (own SQLite database) per test process (each xdist worker)
    for every flow run in it, and for the Prefect processes its tests start; its API URL.
    (One server shared by the workers was tried: Secret blocks and results then leak between
    tests running side by side.)"""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=240):
        yield PREFECT_API_URL.value()


@pytest.fixture(scope="session")
def prefect_api_url(prefect_server) -> str:
    """The session server's API URL, for Prefect processes a test starts (they need no server of their own)."""
    return prefect_server


def pytest_unconfigure(config):
    shutil.rmtree(PREFECT_HOME, ignore_errors=True)


# The longest tests start first, so the other workers fill in around them.
FIRST = ("test_crash_safety.py", "test_deployment.py", "test_add_deployment.py")


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.path.name not in FIRST)


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    # The UTC days (on the run's clock) the run may have dated what it wrote: the day it started
    # and the day it ended, one day unless a UTC midnight passed meanwhile. Compare with these,
    # never with a "today" taken after the run.
    days: tuple[str, ...] = ()


def run_clock() -> float:
    """Now on the run's clock (ENRICH_CLOCK_OFFSET); the real clock when the offset is no
    number (the command itself says so)."""
    from enrich import clock
    from enrich.errors import UsageError

    try:
        return clock.now()
    except UsageError:
        return time.time()


def run_days(started: float) -> tuple[str, ...]:
    """The days of a run that started at `started` (run_clock()) and has just ended."""
    from enrich.run import today_utc

    return tuple(sorted({today_utc(started), today_utc(run_clock())}))


CREDENTIALS = (
    "GITHUB_TOKEN",
    "SEMANTIC_SCHOLAR_API_KEY",
    "OPENREVIEW_USERNAME",
    "OPENREVIEW_PASSWORD",
)


def point_at(running, monkeypatch):
    """Point the command at running doubles: their URLs, no real credentials, pacing and
    backoff compressed 100x (the ratios are what count)."""
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    for name, value in running.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.01")
    monkeypatch.setenv("ENRICH_HTTP_TIMEOUT", "5")
    return running


@pytest.fixture
def api(doubles, monkeypatch):  # noqa: F811
    """The doubles over the `world` fixture, with the command pointed at them."""
    return point_at(doubles, monkeypatch)


@pytest.fixture
def api_with(world, monkeypatch):  # noqa: F811
    """Start the doubles with constructor options, e.g. api_with(github={"token": "t"})."""
    with ExitStack() as stack:

        def start(**options):
            return point_at(stack.enter_context(start_doubles(world, **options)), monkeypatch)

        yield start


@pytest.fixture
def catalog(tmp_path) -> Path:
    """A copy of the bundled seed catalog."""
    target = tmp_path / "meta"
    shutil.copytree(ROOT / "meta", target)
    return target


@pytest.fixture
def run(prefect_server, tmp_path, capsys):
    """Run `python -m flows.enrich` in-process with the given flags; returns exit code and output."""
    from flows.enrich import main

    def invoke(
        *args: str, catalog_dir: Path | None = None, cache_dir: Path | None = None
    ) -> Outcome:
        argv = list(args)
        if catalog_dir is not None:
            argv += ["--catalog", str(catalog_dir)]
        argv += ["--cache-dir", str(cache_dir or tmp_path / "cache")]
        capsys.readouterr()
        started = run_clock()
        code = main(argv)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, run_days(started))

    return invoke


def make_catalog(tmp_path: Path, files: dict[str, str]) -> Path:
    """A catalog folder tmp_path/meta holding NAME.prototxt for each name -> text."""
    folder = tmp_path / "meta"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.prototxt").write_text(text, encoding="utf-8")
    return folder


def read(path: Path):
    """The PaperInfo a catalog file holds."""
    from google.protobuf import text_format

    from enrich.schema import paper_pb2

    return text_format.Parse(path.read_text(encoding="utf-8"), paper_pb2.PaperInfo())


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder, relative path -> bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def seed_copy(folder: Path, files: dict[str, bytes] | None = None) -> Path:
    """A new catalog folder holding `files` (default: the bundled seed catalog's files)."""
    folder.mkdir(parents=True)
    for name, data in (files or snapshot(ROOT / "meta")).items():
        (folder / name).write_bytes(data)
    return folder


def assert_each_paper_reported(out: str, paths: list[str], source: str) -> None:
    """Every paper `source` left unanswered is in the output: on its own line, or counted in the
    source's one line (a source that is down, or failing the same way for several papers)."""
    lines = [line.strip() for line in out.splitlines()]
    unnamed = [
        path for path in paths if not any(line.startswith(f"{path}: {source}") for line in lines)
    ]
    if unnamed:
        grouped = [
            line
            for line in lines
            if line.startswith(f"{source}: ") and f" — {len(unnamed)} paper" in line
        ]
        assert len(grouped) == 1, (unnamed, out)
