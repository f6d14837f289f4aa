"""Crash safety: kill -9 real runs of the command, inside the write phase and at random moments.

    python tests/crash_safety.py --kills 50 [--papers 433]

Two kinds of kill, on a second copy of a generated catalog beside a run that is never
interrupted (the reference):
  * write phase: the run kills itself just before its (k+1)-th catalog rename
    (tests/crash_launch.py), for several k, so exactly k more files are new and the rest of
    the new contents sit in temporary files;
  * random moments: SIGKILL after a random number of API requests (during fetching and caching).
After every kill each catalog file is byte for byte its old or its new content (how many are
new is checked too), the cache passes `PRAGMA integrity_check`, and temporary files are left
where they are: the next run must clean them up. One run to the end then leaves no temporary
file and a catalog equal to the reference. tests/test_crash_safety.py runs a few of each in CI."""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from benchmarks.catalog_gen import generate_world, write_catalog  # noqa: E402
from doubles.fixtures import Doubles, start_doubles  # noqa: E402

from enrich import catalog as catalog_io  # noqa: E402
from enrich.run import today_utc  # noqa: E402

CACHE_FILE = "enrich-cache.sqlite3"


def command(catalog: Path, cache: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "flows.enrich",
        "--catalog",
        str(catalog),
        "--cache-dir",
        str(cache),
    ]


def run_to_end(catalog: Path, cache: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(catalog, cache), env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def kill_in_write_phase(catalog: Path, cache: Path, env: dict[str, str], renames: int) -> int:
    """A run that SIGKILLs itself with exactly `renames` catalog files replaced; its exit code."""
    launcher = [
        sys.executable,
        str(HERE / "crash_launch.py"),
        str(renames),
        *command(catalog, cache)[3:],
    ]
    process = subprocess.Popen(
        launcher,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    code = process.wait(timeout=600)
    _kill_group(process)
    return code


def kill_after_requests(
    catalog: Path, cache: Path, env: dict[str, str], doubles: Doubles, requests: int
) -> None:
    """Start a run and SIGKILL its process group once the doubles have seen `requests` more requests."""
    seen = sum(len(server.requests) for server in doubles.servers)
    process = subprocess.Popen(
        command(catalog, cache),
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        if sum(len(server.requests) for server in doubles.servers) >= seen + requests:
            break
        time.sleep(0.005)
    _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def cache_integrity(cache: Path) -> str:
    """`PRAGMA integrity_check` of the cache database ("ok" when sound, or when there is none yet)."""
    if not (cache / CACHE_FILE).exists():
        return "ok"
    connection = sqlite3.connect(cache / CACHE_FILE, timeout=30)
    try:
        return "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()


def contents(catalog: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(catalog)): p.read_bytes()
        for p in catalog.rglob("*.prototxt")
        if p.is_file()
    }


def temporaries(catalog: Path) -> list[Path]:
    return sorted(catalog.rglob(f".*{catalog_io.TEMP_MARK}*"))


class Checker:
    """What the catalog may hold after a kill: each file exactly its old or its new bytes."""

    def __init__(self, old: dict[str, bytes], new: dict[str, bytes], day: str):
        self.old, self.new, self.day = old, new, day

    def new_now(self, name: str) -> bytes:
        # A run after UTC midnight dates its changes a day later than the reference did.
        return self.new[name].replace(self.day.encode(), today_utc().encode())

    def check(
        self, catalog: Path, cache: Path, what: str, new_files: int | None = None
    ) -> tuple[list[str], int]:
        """(problems, how many files hold their new content)."""
        problems, new_count = [], 0
        found = contents(catalog)
        if set(found) != set(self.old):
            problems.append(
                f"{what}: files appeared or vanished: {sorted(set(found) ^ set(self.old))[:5]}"
            )
        for name, data in found.items():
            if name not in self.old:
                continue
            if data in (self.new[name], self.new_now(name)) and data != self.old[name]:
                new_count += 1
            elif data != self.old[name]:
                problems.append(
                    f"{what}: {name} is neither its old nor its new content ({len(data)} bytes)"
                )
        if new_files is not None and new_count != new_files:
            problems.append(f"{what}: {new_count} files new, expected {new_files}")
        integrity = cache_integrity(cache)
        if integrity != "ok":
            problems.append(f"{what}: cache integrity_check: {integrity}")
        return problems, new_count


def crash_cycle(
    workdir: Path,
    env: dict[str, str],
    papers: int,
    write_kills: list[int],
    request_kills: int,
    seed: int = 7,
) -> dict:
    """Reference run, then killed runs on a second catalog (`request_kills` at random request
    counts, then one per entry of `write_kills`, killing before rename k+1), then one run to the end."""
    generated = generate_world(papers)
    reference, victim = workdir / "reference", workdir / "victim"
    write_catalog(generated, reference / "meta")
    write_catalog(generated, victim / "meta")
    old = contents(victim / "meta")
    rng = random.Random(seed)
    problems: list[str] = []
    leftovers: list[int] = []
    with start_doubles(generated.world, github={"token": "crash-test-token"}) as doubles:
        run_env = {
            **env,
            **doubles.env,
            "ENRICH_TIME_SCALE": "0.01",
            "GITHUB_TOKEN": "crash-test-token",
        }
        day = today_utc()
        done = run_to_end(reference / "meta", reference / "cache", run_env)
        assert done.returncode in (0, 1), (
            f"reference run exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
        checker = Checker(old, contents(reference / "meta"), day)
        changed = sum(checker.new[name] != old[name] for name in old)
        asked = sum(len(server.requests) for server in doubles.servers)
        for index in range(request_kills):
            kill_after_requests(
                victim / "meta",
                victim / "cache",
                run_env,
                doubles,
                rng.randint(1, max(1, asked - 1)),
            )
            problems += checker.check(victim / "meta", victim / "cache", f"request kill {index}")[0]
        _, new_so_far = checker.check(
            victim / "meta", victim / "cache", "before the write-phase kills"
        )
        for renames in write_kills:
            renames = min(renames, changed - new_so_far - 1)  # always stop short of the last file
            code = kill_in_write_phase(victim / "meta", victim / "cache", run_env, renames)
            if code != -signal.SIGKILL:
                problems.append(f"write kill at {renames}: the run was not killed (exit {code})")
            new_so_far += renames
            found, _ = checker.check(
                victim / "meta", victim / "cache", f"write kill at {renames}", new_so_far
            )
            problems += found
            leftovers.append(len(temporaries(victim / "meta")))  # left in place for the next run
        final = run_to_end(victim / "meta", victim / "cache", run_env)
    if temporaries(victim / "meta"):
        problems.append(
            f"temporary files survive the final run: {temporaries(victim / 'meta')[:3]}"
        )
    after, _ = checker.check(victim / "meta", victim / "cache", "final run", changed)
    return {
        "changed_files": changed,
        "write_kills": write_kills,
        "request_kills": request_kills,
        "temporaries_left_by_kills": leftovers,
        "problems": problems + after,
        "final_code": final.returncode,
        "reference_code": done.returncode,
        "same_as_uninterrupted": contents(victim / "meta") == contents(reference / "meta"),
    }


def main() -> int:
    from isolation import child_env
    from local_prefect import LocalPrefect

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50, help="kills at random request counts")
    parser.add_argument(
        "--write-kills", default="0,1,2,31,100,257", help="kill before rename k+1, for each k"
    )
    parser.add_argument("--papers", type=int, default=433)
    parser.add_argument("--workdir", default="/tmp/enrich-crash-safety")
    args = parser.parse_args()
    workdir = Path(args.workdir)
    if workdir.exists():
        import shutil

        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    server = LocalPrefect(workdir, {})
    server.start_server()
    try:
        env = child_env(
            workdir / "prefect-home-runs", {"PREFECT_API_URL": server.env["PREFECT_API_URL"]}
        )
        outcome = crash_cycle(
            workdir, env, args.papers, [int(k) for k in args.write_kills.split(",")], args.kills
        )
    finally:
        server.stop_all()
    print(outcome)
    return 0 if not outcome["problems"] and outcome["same_as_uninterrupted"] else 1


if __name__ == "__main__":
    sys.exit(main())
