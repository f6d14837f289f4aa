"""Crash safety: kill -9 a real run of the command at random moments, many times.

    python tests/crash_safety.py --kills 50 [--papers 433]

After every kill: every catalog file parses, no temporary file is left in the catalog once
the next run has started, the cache opens and reads; at the end one uninterrupted run
completes the work and the catalog equals that of a run that was never interrupted.
tests/test_crash_safety.py runs a few kills of the same cycle in CI."""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from benchmarks.catalog_gen import generate_world, write_catalog  # noqa: E402
from doubles.fixtures import start_doubles  # noqa: E402

from enrich import catalog as catalog_io  # noqa: E402
from enrich.cache import Cache  # noqa: E402


def command(catalog: Path, cache: Path) -> list[str]:
    return [sys.executable, "-m", "flows.enrich", "--catalog", str(catalog), "--cache-dir", str(cache)]


def run_to_end(catalog: Path, cache: Path, env: dict[str, str]) -> tuple[int, float]:
    started = time.monotonic()
    done = subprocess.run(command(catalog, cache), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    return done.returncode, time.monotonic() - started


def kill_at(catalog: Path, cache: Path, env: dict[str, str], delay: float) -> None:
    """Start a run and SIGKILL its whole process group (command and Prefect's server) after delay."""
    process = subprocess.Popen(command(catalog, cache), env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def check_after_kill(catalog: Path, cache: Path) -> list[str]:
    """What is wrong with the catalog and cache after a kill (empty: nothing)."""
    problems = []
    for path in sorted(catalog.rglob("*.prototxt")):
        try:
            catalog_io.parse_entry(str(path), path.read_bytes())
        except Exception as error:  # noqa: BLE001 - any failure to parse is the finding
            problems.append(f"{path}: {error}")
    catalog_io.remove_temporaries(catalog)  # what the next run does first
    if list(catalog.rglob(f"*{catalog_io.TEMP_MARK}*")):
        problems.append("temporary files survive cleanup")
    try:
        store = Cache(cache)
        store.get_many("arxiv", ["0000.00000"])
        store.close()
    except Exception as error:  # noqa: BLE001
        problems.append(f"cache unreadable: {error}")
    return problems


def crash_cycle(workdir: Path, env: dict[str, str], papers: int, kills: int, seed: int = 7) -> dict:
    """Reference run, then `kills` killed runs on a second catalog, then one run to the end."""
    generated = generate_world(papers)
    reference, victim = workdir / "reference", workdir / "victim"
    write_catalog(generated, reference / "meta")
    write_catalog(generated, victim / "meta")
    rng = random.Random(seed)
    with start_doubles(generated.world, github={"token": "crash-test-token"}) as doubles:
        run_env = {**env, **doubles.env, "ENRICH_TIME_SCALE": "0.01", "GITHUB_TOKEN": "crash-test-token"}
        code, clean_seconds = run_to_end(reference / "meta", reference / "cache", run_env)
        assert code in (0, 1), f"reference run exited {code}"
        problems: list[str] = []
        for _ in range(kills):
            kill_at(victim / "meta", victim / "cache", run_env, rng.uniform(0.2, clean_seconds))
            problems += check_after_kill(victim / "meta", victim / "cache")
        final_code, _ = run_to_end(victim / "meta", victim / "cache", run_env)
    same = all(
        (victim / "meta" / name).read_bytes() == (reference / "meta" / name).read_bytes() for name in generated.files
    )
    return {"clean_seconds": clean_seconds, "kills": kills, "problems": problems, "final_code": final_code,
            "reference_code": code, "same_as_uninterrupted": same}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--papers", type=int, default=433)
    parser.add_argument("--workdir", default="/tmp/enrich-crash-safety")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    if workdir.exists():
        import shutil

        shutil.rmtree(workdir)
    outcome = crash_cycle(workdir, dict(os.environ), args.papers, args.kills)
    print(outcome)
    return 0 if not outcome["problems"] and outcome["same_as_uninterrupted"] else 1


if __name__ == "__main__":
    sys.exit(main())
