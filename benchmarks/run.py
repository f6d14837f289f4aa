"""The benchmark: the real command against the paced API simulator, cold then warm, per catalog size.

    python -m benchmarks.run [--sizes 433,5000,20000] [--factor 10] [--no-naive]
                             [--profile [--profiler py-spy|py-spy-gil]] [--probe] [--before JSON] [--render JSON]

For each size: generate the catalog and its World, start the simulator, run
`python -m flows.enrich --catalog … --cache-dir …` as a subprocess with an empty cache
(cold), then again at once (warm), measuring wall time, CPU time (wait4: the command and
its reaped children, i.e. Prefect's ephemeral server too), peak RSS (wait4 ru_maxrss: the
largest process; and the sampled sum over the process tree) and the simulator's request and
429 counts per API. Beside it: the floor, the least time the APIs' pacing allows for the
requests strictly needed. At 433 papers the naive enricher (benchmarks/naive.py) runs
against the same simulator. Fixed costs (interpreter, imports, Prefect's ephemeral server)
are measured on an empty catalog. Results go to benchmarks/RESULTS.md (raw numbers:
benchmarks/RESULTS.json).

Diagnosis options: `--profile` runs each command once more under pyinstrument or py-spy
(those timings are not reported) into benchmarks/profiles/; `--probe` attributes every 429
(benchmarks/pacing_probe.py). With benchmarks/RESULTS-before.json present (same factor) the report
opens with a before → after table against it (`--before` another file, `--before ''` none);
`--render RESULTS.json` writes the report again from saved numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from benchmarks import nightly as nightly_scenario
from benchmarks.prefect_server import PrefectServer
from benchmarks.catalog_gen import Needs, floor_requests, generate_world, write_catalog
from benchmarks.simulator import (
    GITHUB_BUDGET,
    GITHUB_HOUR,
    LATENCY,
    PACE,
    TOLERANCE,
    Simulator,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APIS = ("arxiv", "semantic_scholar", "openreview", "github", "huggingface", "openalex")
# Real seconds per request each API's pacing implies, for the floor. GitHub has no minimum
# interval: its pace is the hourly budget spread evenly (3600 s / 5000 points), which
# over-states its floor (the budget allows bursts); it never binds here.
FLOOR_PACE = {**PACE, "github": GITHUB_HOUR / GITHUB_BUDGET}
WARM_TARGET_WALL, WARM_TARGET_RSS_MB = 30.0, 500.0
COLD_TARGET_RATIO = 1.25
_SUMMARY = re.compile(
    r"papers read: (\d+), enriched: (\d+), unchanged: (\d+), not found: (\d+), failed: (\d+)"
)
_SOURCE = re.compile(
    r"^  (\w+): (\d+) ids, (\d+) requests, (\d+) retries, (\d+) from cache", re.MULTILINE
)


@dataclass
class Measured:
    """One command run."""

    label: str
    wall: float = 0.0  # s
    cpu: float = 0.0  # s, user + system of the process and its reaped children (wait4)
    maxrss_mb: float = 0.0  # largest single process (wait4 ru_maxrss)
    tree_rss_mb: float = 0.0  # largest sum over the process tree (sampled every 50 ms)
    exit_code: int = 0
    summary: dict = field(default_factory=dict)  # parsed from the command's closing summary
    pipeline: dict = field(
        default_factory=dict
    )  # per source: requests, retries as the pipeline reports them
    simulator: dict = field(default_factory=dict)  # per API: requests, rejected (429), per kind
    log: str = ""
    warnings: list[str] = field(default_factory=list)  # WARNING/ERROR lines of the command's log
    load: list[float] = field(
        default_factory=list
    )  # the machine's 1-minute load average at start and end
    phases: dict = field(default_factory=dict)  # phases(): where the wall went, s


_LOGGED = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d+) \| INFO +\| (.*)$", re.MULTILINE)
_MARKS = (
    ("server", "Starting temporary server"),
    ("flow", "Beginning flow run"),
    ("done", "Finished in state"),
)


def phases(text: str, started: float, ended: float) -> dict:
    """The command's wall in four phases, from its log's timestamps (UTC wall clock, as Prefect
    logs them here) and the run's start and end (epoch s): "before" (interpreter, imports, the
    read-ahead starting; until Prefect starts its temporary server), "server" (until the flow run
    begins), "flow" (until the flow run's final state) and "after" (the command's output, the
    server stopping, exit). Empty when a mark is missing (a running server, a failed run)."""
    day = started - started % 86400
    marks: dict[str, float] = {}
    for hours, minutes, seconds, message in _LOGGED.findall(text):
        for key, pattern in _MARKS:
            if key not in marks and pattern in message and (key != "done" or "Flow run" in message):
                at = day + int(hours) * 3600 + int(minutes) * 60 + float(seconds)
                marks[key] = at - 86400 if at > ended + 60 else at  # a run across midnight
    if len(marks) < len(_MARKS):
        return {}
    return {
        "before": marks["server"] - started,
        "server": marks["flow"] - marks["server"],
        "flow": marks["done"] - marks["flow"],
        "after": ended - marks["done"],
    }


def run_measured(
    label: str, argv: list[str], env: dict[str, str], log_path: Path, timeout: float
) -> Measured:
    """Run argv, sampling the RSS of its process tree; wall, CPU and max RSS from wait4."""
    result = Measured(label, log=str(log_path), load=[os.getloadavg()[0]])
    with open(log_path, "wb") as log:
        started, epoch = time.perf_counter(), time.time()
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            try:
                root = psutil.Process(process.pid)
            except psutil.Error:
                return
            while not done.is_set():
                total = 0
                try:
                    for proc in [root, *root.children(recursive=True)]:
                        try:
                            total += proc.memory_info().rss
                        except psutil.Error:
                            pass
                except psutil.Error:
                    break
                peak[0] = max(peak[0], total)
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                result.label += " (killed: timeout)"
                break
            time.sleep(0.02)
        result.wall = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    result.exit_code = process.returncode
    result.load.append(os.getloadavg()[0])
    result.cpu = usage.ru_utime + usage.ru_stime
    result.maxrss_mb = usage.ru_maxrss / 1024  # Linux: kB
    result.tree_rss_mb = peak[0] / 2**20
    text = log_path.read_text("utf-8", errors="replace")
    result.phases = phases(text, epoch, epoch + result.wall)
    found = _SUMMARY.search(text)
    if found:
        keys = ("read", "enriched", "unchanged", "not_found", "failed")
        result.summary = dict(zip(keys, map(int, found.groups())))
    result.warnings = [
        line.strip()[:300]
        for line in text.splitlines()
        if ("| WARNING" in line or "| ERROR" in line or "Traceback" in line)
    ][:20]
    for name, _ids, requests, retries, hits in _SOURCE.findall(text):
        result.pipeline[name] = {
            "requests": int(requests),
            "retries": int(retries),
            "cache_hits": int(hits),
        }
    return result


def floor_seconds(needs: Needs, factor: float) -> dict[str, float]:
    """Per API, the least (compressed) time its pacing allows for the strictly needed requests."""
    return {api: count * FLOOR_PACE[api] / factor for api, count in floor_requests(needs).items()}


PREFECT_API_URL = ""  # --prefect-server: the URL of the server the benchmark started; "" = Prefect's temporary server


def command_env(simulator: Simulator, prefect_home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "PREFECT_",
                "GITHUB_",
                "SEMANTIC_SCHOLAR_",
                "OPENREVIEW_",
                "ARXIV_",
                "ENRICH_",
                "HUGGINGFACE_",
                "OPENALEX_",
            )
        )
    }
    env.update(simulator.env())
    env.update(
        {
            "PREFECT_HOME": str(
                prefect_home
            ),  # a private ephemeral server database for the benchmark
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # no internet here: don't let it try
            # On a shared, loaded machine the temporary server can take longer than Prefect's default 20 s to
            # answer; the run would then fail before it starts. Waiting longer changes no measurement of a run that works.
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
            "PYTHONPATH": str(ROOT),
        }
    )
    if PREFECT_API_URL:
        env["PREFECT_API_URL"] = PREFECT_API_URL
    return env


PROFILER = "pyinstrument"  # or "py-spy", "py-spy-gil" (--profiler)


def enrich_argv(
    catalog: Path, cache: Path, profile_to: Path | None = None, probe_to: Path | None = None
) -> list[str]:
    head = [sys.executable]
    if profile_to is not None:
        profile_to.parent.mkdir(parents=True, exist_ok=True)
    if profile_to is not None and PROFILER.startswith("py-spy"):
        # py-spy: every thread, idle time included (wall-time view); py-spy-gil: only the thread holding
        # the GIL at each sample (what keeps the other threads, e.g. a paced send, waiting)
        view = "--gil" if PROFILER == "py-spy-gil" else "--idle"
        return [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            view,
            "--threads",
            "-r",
            "100",
            "-f",
            "raw",
            "-o",
            str(profile_to),
            "--",
            sys.executable,
            "-m",
            "flows.enrich",
            "--catalog",
            str(catalog),
            "--cache-dir",
            str(cache),
        ]
    elif (
        profile_to is not None
    ):  # the main thread (flow, read, merge and write); fetch tasks run in worker threads
        head += ["-m", "pyinstrument", "--renderer", "text", "--outfile", str(profile_to)]
    elif probe_to is not None:
        head += ["-m", "benchmarks.pacing_probe", str(probe_to)]
    return head + ["-m", "flows.enrich", "--catalog", str(catalog), "--cache-dir", str(cache)]


def attribute_early_arrivals(simulator: Simulator, probe_file: Path) -> list[dict]:
    """For each too-early arrival: did the pipeline send it early (its own pacing), or did it
    leave on time and arrive early (transit jitter: the previous request arrived late)?"""
    sent = json.loads(probe_file.read_text())
    stalls_file = probe_file.with_name(probe_file.name + ".stalls.json")
    stalls = json.loads(stalls_file.read_text()) if stalls_file.exists() else []
    ports = {
        server.url.rsplit(":", 1)[1]: name
        for name, server in (
            ("arxiv", simulator.arxiv),
            ("semantic_scholar", simulator.semanticscholar),
            ("openreview", simulator.openreview),
            ("openreview_v1", simulator.openreview_v1),
            ("github", simulator.github),
        )
    }
    found = []
    for name, gate in simulator.gates.items():
        arrivals = gate.snapshot()["arrivals"]
        mine = [r for r in sent if ports.get(r["host"].rsplit(":", 1)[1]) == name]
        woke, written = [r["woke"] for r in mine], [r.get("written") for r in mine]
        if len(woke) != len(arrivals) or not gate.interval:
            continue
        for i in range(1, len(arrivals)):
            arrival_gap = arrivals[i] - arrivals[i - 1]
            if arrival_gap >= gate.interval * (1 - TOLERANCE):
                continue
            send_gap = woke[i] - woke[i - 1]
            item = {
                "api": name,
                "interval_ms": round(gate.interval * 1000, 1),
                "arrival_gap_ms": round(arrival_gap * 1000, 1),
                "send_gap_ms": round(send_gap * 1000, 1),
                "request": f"{i + 1} of {len(arrivals)}",
                "cause": "ours: sent early"
                if send_gap < gate.interval * (1 - TOLERANCE)
                else "transit jitter",
                "previous_transit_ms": round((arrivals[i - 1] - woke[i - 1]) * 1000, 1),
                "transit_ms": round((arrivals[i] - woke[i]) * 1000, 1),
            }
            if written[i - 1] is not None and written[i] is not None:
                # let-go -> written: this process (requests/urllib3 on a thread waiting for the GIL);
                # written -> arrival: loopback and the simulator's server thread reading the request.
                item["previous_split_ms"] = (
                    round((written[i - 1] - woke[i - 1]) * 1000, 1),
                    round((arrivals[i - 1] - written[i - 1]) * 1000, 1),
                )
                item["split_ms"] = (
                    round((written[i] - woke[i]) * 1000, 1),
                    round((arrivals[i] - written[i]) * 1000, 1),
                )
                client = item["previous_split_ms"][0] - item["split_ms"][0]
                server = item["previous_split_ms"][1] - item["split_ms"][1]
                if item["cause"] == "transit jitter":
                    item["cause"] += (
                        " (in the command, before the socket write)"
                        if client >= server
                        else " (after the socket write: the simulator read it late)"
                    )
                item["stalls"] = [
                    {"late_ms": stall["late_ms"], "busy": _busy_threads(stall["threads"])}
                    for stall in stalls
                    if stall["at"] - stall["late_ms"] / 1000 <= written[i - 1]
                    and stall["at"] >= woke[i - 1]
                ]
            found.append(item)
    return found


_IDLE = (
    "threading.py",
    "queue.py",
    "selectors.py",
    "socket.py",
    "http/client.py",
    "ssl.py",
    "enrich/http.py:79 wait",
    "pacing_probe.py",
)


def _busy_threads(threads: dict[str, list[str]]) -> str:
    """Where the threads that were running Python stood during a stall (idle waits left out)."""
    busy = [
        f"{name}: {stack[0].rsplit('/', 1)[-1]}"
        for name, stack in threads.items()
        if stack and not any(marker in stack[0] for marker in _IDLE)
    ]
    return (
        "; ".join(busy) or "(all threads idle: the stall was outside Python, e.g. GC or a C call)"
    )


def bench_size(
    n: int,
    factor: float,
    work: Path,
    prefect_home: Path,
    naive: bool,
    profile: bool,
    probe: bool = False,
    nightly: bool = True,
    reuse_cold: bool = False,
    profile_nightly: bool = False,
) -> dict:
    generated = generate_world(n)
    floors = floor_seconds(generated.needs, factor)
    minimum = floor_requests(generated.needs)
    out = {
        "papers": n,
        "needs": asdict(generated.needs),
        "minimum_requests": minimum,
        "floor_by_api": floors,
        "floor": max(floors.values()),
        "runs": {},
    }
    catalog, cache = work / f"catalog-{n}", work / f"cache-{n}"
    for folder in (catalog, cache):
        shutil.rmtree(folder, ignore_errors=True)
    write_catalog(generated, catalog)
    timeout = 5 * out["floor"] + 600
    saved_catalog, saved_cache = work / f"catalog-{n}.after-cold", work / f"cache-{n}.after-cold"
    reusing = reuse_cold and saved_catalog.is_dir() and saved_cache.is_dir()
    if reusing:  # the catalog and cache an earlier cold run left, the cold run skipped
        for saved, folder in ((saved_catalog, catalog), (saved_cache, cache)):
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(saved, folder, copy_function=shutil.copy2)
        print(f"[{n}] reusing the catalog and cache of an earlier cold run ({saved_catalog})")
    with Simulator(generated.world, factor) as simulator:
        env = command_env(simulator, prefect_home)
        for label in ("warm",) if reusing else ("cold", "warm"):
            simulator.reset_counts()
            print(f"[{n}] {label} run …", flush=True)
            probe_to = work / f"probe-{n}-{label}.json" if probe else None
            measured = run_measured(
                label,
                enrich_argv(catalog, cache, probe_to=probe_to),
                env,
                work / f"log-{n}-{label}.txt",
                timeout,
            )
            measured.simulator = simulator.counts()
            moved = sorted(p.name for p in cache.glob("*.corrupt-*"))
            if moved:
                measured.warnings.append(f"cache moved aside as unreadable: {', '.join(moved)}")
            if probe_to is not None and probe_to.exists():
                out.setdefault("early_arrivals", {})[label] = attribute_early_arrivals(
                    simulator, probe_to
                )
            out["runs"][label] = asdict(measured)
            print(
                f"[{n}] {label}: {measured.wall:.1f} s wall, {measured.cpu:.1f} s CPU, "
                f"{measured.tree_rss_mb:.0f} MB, exit {measured.exit_code}",
                flush=True,
            )
            if label == "cold" and reuse_cold:
                for folder, saved in ((catalog, saved_catalog), (cache, saved_cache)):
                    shutil.rmtree(saved, ignore_errors=True)
                    shutil.copytree(folder, saved, copy_function=shutil.copy2)
        if (
            nightly
        ):  # a day later, on the catalog and cache the cold run left (the warm run changed nothing)
            out["nightly"] = nightly_scenario.run_nightly(
                n,
                generated,
                simulator,
                catalog,
                cache,
                env,
                work,
                timeout,
                run_measured,
                enrich_argv(
                    catalog,
                    cache,
                    HERE
                    / "profiles"
                    / f"{n}-nightly.{'txt' if PROFILER == 'pyinstrument' else 'raw'}"
                    if profile_nightly
                    else None,
                ),
                None
                if profile_nightly
                else enrich_argv(work / "catalog-empty", work / "cache-empty"),
                1 if profile_nightly else nightly_scenario.REPEATS,  # one profile, not three
            )
        if naive:
            naive_catalog = work / f"catalog-{n}-naive"
            shutil.rmtree(naive_catalog, ignore_errors=True)
            write_catalog(generated, naive_catalog)
            simulator.reset_counts()
            print(f"[{n}] naive run …", flush=True)
            measured = run_measured(
                "naive",
                [sys.executable, "-m", "benchmarks.naive", "--catalog", str(naive_catalog)],
                env,
                work / f"log-{n}-naive.txt",
                40 * out["floor"] + 1200,
            )
            measured.simulator = simulator.counts()
            out["runs"]["naive"] = asdict(measured)
            print(f"[{n}] naive: {measured.wall:.1f} s wall", flush=True)
        if profile:
            profiles = HERE / "profiles"
            profiles.mkdir(exist_ok=True)
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(catalog, ignore_errors=True)
            write_catalog(generated, catalog)
            for label in ("cold", "warm"):
                print(f"[{n}] {label} run under {PROFILER} …", flush=True)
                target = profiles / f"{n}-{label}.{'txt' if PROFILER == 'pyinstrument' else 'raw'}"
                run_measured(
                    f"profile-{label}",
                    enrich_argv(catalog, cache, target),
                    env,
                    work / f"log-{n}-profile-{label}.txt",
                    timeout * 2,
                )
        out["simulator_errors"] = simulator.errors()[:3]
    return out


# The fixed cost is the best of this many runs (the temporary server's start alone varies by
# seconds here). The nightly target is held against empty runs made beside the nightly ones
# instead (benchmarks/nightly.py), so this one serves the cold and warm rows.
STARTUP_RUNS = 2


def startup(work: Path, factor: float, prefect_home: Path) -> dict:
    """The fixed cost of one command: an empty catalog, the best of STARTUP_RUNS runs (a first,
    unmeasured, run creates Prefect's database)."""
    empty, cache = work / "catalog-empty", work / "cache-empty"
    empty.mkdir(parents=True, exist_ok=True)
    generated = generate_world(1)
    runs = []
    with Simulator(generated.world, factor) as simulator:
        env = command_env(simulator, prefect_home)
        for index in range(1 + STARTUP_RUNS):
            measured = run_measured(
                "empty", enrich_argv(empty, cache), env, work / f"log-empty-{index}.txt", 600
            )
            runs.append(measured)
    best = min(runs[1:], key=lambda m: m.wall)
    print(
        f"startup (empty catalog): {best.wall:.1f} s wall, {best.cpu:.1f} s CPU, {best.tree_rss_mb:.0f} MB "
        f"(runs: {', '.join(f'{m.wall:.1f}' for m in runs[1:])})",
        flush=True,
    )
    return {**asdict(best), "walls": [m.wall for m in runs[1:]]}


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        default="433,5000,20000",
        help="comma-separated catalog sizes (default 433,5000,20000)",
    )
    parser.add_argument(
        "--factor", type=float, default=10.0, help="time compression for every API (default 10)"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the naive enricher at 433")
    parser.add_argument(
        "--no-nightly",
        action="store_true",
        help="skip the nightly scenario (benchmarks/nightly.py)",
    )
    parser.add_argument(
        "--prefect-server",
        action="store_true",
        help="start one Prefect server and run every command against it (PREFECT_API_URL) instead of "
        "Prefect's temporary server per command",
    )
    parser.add_argument(
        "--reuse-cold",
        action="store_true",
        help="with --workdir: keep a copy of the catalog and cache each cold run leaves, and when such "
        "a copy exists (and is less than a day old: its answers still fresh), skip the cold run and "
        "start the warm run and the nightly scenario from it (for measuring them again without "
        "paying for a cold run each time)",
    )
    parser.add_argument(
        "--profile-nightly",
        action="store_true",
        help="run the nightly scenario's command under the profiler (--profiler) into "
        "benchmarks/profiles/N-nightly.*; its timings are then the profiler's, not a measurement",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each run with pyinstrument (benchmarks/profiles/)",
    )
    parser.add_argument(
        "--profiler",
        choices=("pyinstrument", "py-spy", "py-spy-gil"),
        default="pyinstrument",
        help="for --profile: pyinstrument (main thread, text), py-spy (all threads, collapsed stacks) "
        "or py-spy-gil (only the thread holding the GIL)",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="run the command under benchmarks.pacing_probe and attribute every 429 (ours or jitter)",
    )
    parser.add_argument(
        "--before",
        default=str(HERE / "RESULTS-before.json"),
        help="an earlier RESULTS.json to compare with, before → after (default benchmarks/RESULTS-before.json "
        "when it exists and used the same factor; '' for none)",
    )
    parser.add_argument(
        "--render",
        metavar="JSON",
        help="only write the report again from this RESULTS.json (no run)",
    )
    parser.add_argument(
        "--workdir",
        help="where catalogs, caches and logs go (default: a temporary folder, removed)",
    )
    parser.add_argument(
        "--results",
        default=str(HERE / "RESULTS.md"),
        help="the report (default benchmarks/RESULTS.md)",
    )
    args = parser.parse_args(argv)
    before = load_before(args.before, args.results)
    if args.render:
        data = every_api(json.loads(Path(args.render).read_text()))
        Path(args.results).write_text(render(data, before))
        print(f"wrote {args.results}")
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    global PROFILER
    PROFILER = args.profiler
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="enrich-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    prefect_home = work / "prefect-home"
    data = {"factor": args.factor, "machine": machine(), "sizes": {}}
    server = None
    try:
        if args.prefect_server:
            global PREFECT_API_URL
            server = PrefectServer(work).__enter__()
            PREFECT_API_URL = data["prefect_api_url"] = server.url
        data["startup"] = startup(work, args.factor, prefect_home)
        for n in sizes:
            data["sizes"][str(n)] = bench_size(
                n,
                args.factor,
                work,
                prefect_home,
                n == 433 and not args.no_naive,
                args.profile,
                args.probe,
                not args.no_nightly,
                args.reuse_cold and bool(args.workdir),
                args.profile_nightly,
            )
            Path(args.results).with_suffix(".json").write_text(
                json.dumps(data, indent=1, default=str)
            )
    finally:
        if server is not None:
            server.__exit__()
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    results = Path(args.results)
    results.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str))
    results.write_text(render(data, before))
    print(f"wrote {results}")
    return 0


def load_before(path: str, results: str) -> dict | None:
    """The earlier results to compare with (None: none given, missing, or the results file itself)."""
    if (
        not path
        or not Path(path).exists()
        or Path(path).resolve() == Path(results).with_suffix(".json").resolve()
    ):
        return None
    before = every_api(json.loads(Path(path).read_text()))
    before["_file"] = Path(path).name
    return before


def every_api(node: Any) -> Any:
    """Results as kept, with every API of APIS in them: one recorded before a source was added
    has no counts and no batch minimum for it, read as none made and none needed (rendering
    it raised KeyError for the newer sources)."""
    if isinstance(node, dict):
        if isinstance(node.get("simulator"), dict):
            for api in APIS:
                node["simulator"].setdefault(
                    api,
                    {
                        "requests": 0,
                        "rejected": 0,
                        "kinds": {},
                        "rejected_kinds": {},
                        "early_by": [],
                        "gaps": [],
                    },
                )
        if isinstance(node.get("minimum_requests"), dict):
            for api in APIS:
                node["minimum_requests"].setdefault(api, 0)
        for value in node.values():
            every_api(value)
    elif isinstance(node, list):
        for value in node:
            every_api(value)
    return node


# -- the report ------------------------------------------------------------------------------


def _ok(flag: bool) -> str:
    return "met" if flag else "**missed**"


def _rejected(run: dict | None) -> int | None:
    return (
        None
        if run is None
        else sum(run["simulator"].get(api, {}).get("rejected", 0) for api in APIS)
    )


def comparison(data: dict, before: dict) -> list[str]:
    """Before → after, per size: the cold, warm and fixed-cost numbers and each target's verdict."""
    fixed_b, fixed_a = before["startup"], data["startup"]

    def cell(old, new, fmt: str, unit: str = "") -> str:
        show = lambda v: "–" if v is None else format(v, fmt) + unit  # noqa: E731
        return f"{show(old)} → **{show(new)}**"

    lines = [
        "## Before → after",
        "",
        f"Before: `{before.get('_file', 'RESULTS-before.json')}` ({before['machine']['date']}, the "
        f"commit before the fixes; factor {before['factor']:g}). After: this run. Verdicts are for the after column. "
        "RSS of the command = its own process (wait4 ru_maxrss); tree = the command plus Prefect's ephemeral server "
        "process (sampled). 429s = every rate-limit answer the simulator gave in the cold and warm runs.",
        "",
        "| papers | measure | before → after | target | verdict |",
        "|---:|---|---|---|---|",
        f"| – | fixed cost (empty catalog): wall s | {cell(fixed_b['wall'], fixed_a['wall'], '.1f')} | – | – |",
        f"| – | fixed cost: CPU s / RSS tree MB | {fixed_b['cpu']:.1f} / {fixed_b['tree_rss_mb']:.0f} → "
        f"**{fixed_a['cpu']:.1f} / {fixed_a['tree_rss_mb']:.0f}** | – | – |",
    ]
    for n, size in data["sizes"].items():
        old = before["sizes"].get(n)
        if old is None:
            continue
        floor = size["floor"]
        cold, cold_b = size["runs"].get("cold"), old["runs"].get("cold")
        warm, warm_b = size["runs"].get("warm"), old["runs"].get("warm")
        if cold and cold_b:
            ratio, ratio_b = cold["wall"] / floor, cold_b["wall"] / old["floor"]
            net, net_b = (
                (cold["wall"] - fixed_a["wall"]) / floor,
                (cold_b["wall"] - fixed_b["wall"]) / old["floor"],
            )
            met = cold["wall"] <= COLD_TARGET_RATIO * floor
            lines += [
                f"| {n} | cold wall s (floor {floor:.1f} s) | {cell(cold_b['wall'], cold['wall'], '.1f')} | – | – |",
                f"| {n} | cold wall / floor | {cell(ratio_b, ratio, '.2f', '×')} | ≤ {COLD_TARGET_RATIO} × | {_ok(met)} |",
                f"| {n} | cold (wall − fixed) / floor | {cell(net_b, net, '.2f', '×')} | – | "
                f"{'(≤ ' + str(COLD_TARGET_RATIO) + ' without the fixed cost)' if net <= COLD_TARGET_RATIO and not met else '–'} |",
                f"| {n} | cold CPU s | {cell(cold_b['cpu'], cold['cpu'], '.1f')} | – | – |",
                f"| {n} | cold RSS MB, command / tree | {cold_b['maxrss_mb']:.0f} / {cold_b['tree_rss_mb']:.0f} → "
                f"**{cold['maxrss_mb']:.0f} / {cold['tree_rss_mb']:.0f}** | – | – |",
            ]
        rejected, rejected_b = _rejected(cold), _rejected(cold_b)
        if warm and warm_b and rejected is not None and rejected_b is not None:
            rejected, rejected_b = rejected + _rejected(warm), rejected_b + _rejected(warm_b)  # type: ignore[operator]
        if rejected is not None:
            per_api = ", ".join(
                f"{api} {cold['simulator'][api]['rejected']}"
                for api in APIS
                if cold["simulator"][api]["rejected"]
            )
            lines.append(
                f"| {n} | 429s (cold + warm) | {cell(rejected_b, rejected, 'd')}{' (' + per_api + ')' if per_api else ''} "
                f"| 0 caused by our pacing | {_ok(rejected == 0)}{'' if rejected == 0 else ' (see --probe)'} |"
            )
        if cold and cold_b:

            def extra(run: dict, minimum: dict) -> int:
                return sum(  # an API the run (or an older benchmark) did not know counts 0
                    max(
                        0,
                        run["simulator"][api]["requests"]
                        - run["simulator"][api]["rejected"]
                        - minimum.get(api, 0),
                    )
                    for api in APIS
                    if api in run["simulator"]
                )

            above, above_b = (
                extra(cold, size["minimum_requests"]),
                extra(cold_b, old["minimum_requests"]),
            )
            lines.append(
                f"| {n} | requests above the batch minimum (cold) | {cell(above_b, above, 'd')} | 0 | {_ok(above == 0)} |"
            )
        if warm and warm_b:
            big = int(n) >= 20000
            lines += [
                f"| {n} | warm wall s | {cell(warm_b['wall'], warm['wall'], '.1f')} | {'< %g s' % WARM_TARGET_WALL if big else '–'} "
                f"| {_ok(warm['wall'] < WARM_TARGET_WALL) if big else '–'} |",
                f"| {n} | warm CPU s | {cell(warm_b['cpu'], warm['cpu'], '.1f')} | – | – |",
                f"| {n} | warm RSS MB, command / tree | {warm_b['maxrss_mb']:.0f} / {warm_b['tree_rss_mb']:.0f} → "
                f"**{warm['maxrss_mb']:.0f} / {warm['tree_rss_mb']:.0f}** | {'command < %g MB' % WARM_TARGET_RSS_MB if big else '–'} "
                f"| {_ok(warm['maxrss_mb'] < WARM_TARGET_RSS_MB) if big else '–'} |",
            ]
        naive = size["runs"].get("naive")
        if naive and cold:
            lines.append(
                f"| {n} | naive enricher wall s / ours | {old['runs'].get('naive', {}).get('wall', 0):.1f} / "
                f"{cold_b['wall']:.1f} → **{naive['wall']:.1f} / {cold['wall']:.1f}** (ours {naive['wall'] / cold['wall']:.1f}× "
                f"faster) | – | – |"
            )
        lines += nightly_scenario.comparison_rows(n, size, old, fixed_a)
    return lines + [""]


def render(data: dict, before: dict | None = None) -> str:
    factor, m = data["factor"], data["machine"]
    startup = data["startup"]
    lines = [
        "# Benchmark results",
        "",
        f"Produced by `python -m benchmarks.run --sizes {','.join(data['sizes'])} --factor {factor:g}` on "
        f"{m['date']}: {m['cores']} cores, {m['memory_gb']} GB, {m['cpu']}, Python {m['python']}, {m['platform']}.",
        "",
        f"**Time compression: {factor:g}x for every API** (the simulator divides every pace, latency and "
        f"budget window by {factor:g}; the command runs with `ENRICH_TIME_SCALE={1 / factor:g}`). Simulated paces, real "
        f"time: arXiv {PACE['arxiv']:g} s, Semantic Scholar {PACE['semantic_scholar']:g} s, OpenReview "
        f"{PACE['openreview']:g} s per API (60/min, logged in), GitHub {GITHUB_BUDGET} points an hour and no "
        f"concurrent requests; latency {LATENCY[0] * 1000:.0f}-{LATENCY[1] * 1000:.0f} ms; a request more than "
        f"{TOLERANCE:.0%} of the interval early is answered 429. All times below are measured (compressed) seconds.",
        "",
        "Floor = the slowest API's pacing for the strictly needed requests: arXiv ⌈ids/100⌉ × 3 s; Semantic "
        "Scholar (⌈papers with an arXiv id or DOI/500⌉ + one title search per other paper) × 1 s; OpenReview "
        "(login + ⌈ids/50⌉ on API 2, login + one request per note only API 1 holds) × 1 s; GitHub ⌈repos/100⌉ "
        "× 0.72 s (the hourly budget spread evenly) — divided by the factor.",
        "",
        f"Fixed cost of one command (empty catalog: interpreter, imports, Prefect's ephemeral server, flow and "
        f"task runs): **{startup['wall']:.1f} s wall, {startup['cpu']:.1f} s CPU, {startup['tree_rss_mb']:.0f} MB** "
        f"(process tree). It is not compressed, so it weighs {factor:g}x more against the floor than it would "
        "against the real APIs.",
        "",
        *(
            [
                "**Every command ran against one already running Prefect server** (`--prefect-server`: "
                "`PREFECT_API_URL`), not Prefect's temporary server: the fixed cost above has no server start-up.",
                "",
            ]
            if data.get("prefect_api_url")
            else []
        ),
        *(comparison(data, before) if before and before.get("factor") == factor else []),
        "## Runs",
        "",
        "| papers | run | wall s | floor s | wall/floor | (wall − fixed)/floor | CPU s | peak RSS MB (tree / largest) "
        "| enriched / unchanged | exit |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, size in data["sizes"].items():
        for label, run in size["runs"].items():
            floor = size["floor"] if label in ("cold", "naive") else 0.0
            ratio = f"{run['wall'] / floor:.2f}" if floor else "–"
            net = (
                f"{(run['wall'] - startup['wall']) / floor:.2f}"
                if floor and label == "cold"
                else "–"
            )
            summary = run["summary"]
            done = (
                f"{summary.get('enriched', '?')} / {summary.get('unchanged', '?')}"
                if summary
                else "–"
            )
            lines.append(
                f"| {n} | {run['label']} | {run['wall']:.1f} | {floor:.1f} | {ratio} | {net} | {run['cpu']:.1f} "
                f"| {run['tree_rss_mb']:.0f} / {run['maxrss_mb']:.0f} | {done} | {run['exit_code']} |"
            )
    lines += ["", *nightly_scenario.report_section(data)]
    lines += [
        "",
        "## Requests per API",
        "",
        "Accepted requests (the simulator's count) against the batch minimum; 429s the simulator answered "
        "(our pacing too fast), and the retries the pipeline reports.",
        "",
        "| papers | run | "
        + " | ".join(f"{api} req / min / 429" for api in APIS)
        + " | pipeline retries |",
        "|---:|---|" + "---:|" * (len(APIS) + 1),
    ]
    for n, size in data["sizes"].items():
        for label, run in size["runs"].items():
            cells = []
            for api in APIS:
                counted = run["simulator"].get(api, {"requests": 0, "rejected": 0})
                accepted = counted["requests"] - counted["rejected"]
                least = size["minimum_requests"][api] if label != "warm" else 0
                cells.append(f"{accepted} / {least} / {counted['rejected']}")
            retries = (
                sum(s["retries"] for s in run["pipeline"].values()) if run["pipeline"] else "–"
            )
            lines.append(f"| {n} | {label} | " + " | ".join(cells) + f" | {retries} |")
    lines += [
        "",
        "Closest two arrivals per API in the cold runs, as a share of its interval (1.00 = exactly at "
        "the pace; below 0.90 is answered 429): "
        + "; ".join(
            f"{n}: "
            + ", ".join(
                f"{api} {min(size['runs']['cold']['simulator'][api]['gaps']) / (PACE[api] / factor):.2f}"
                for api in APIS
                if PACE[api] and size["runs"]["cold"]["simulator"][api]["gaps"]
            )
            for n, size in data["sizes"].items()
            if "cold" in size["runs"]
        ),
    ]
    lines += [
        "",
        "Floor per API (s): "
        + "; ".join(
            f"{n}: " + ", ".join(f"{api} {sec:.1f}" for api, sec in size["floor_by_api"].items())
            for n, size in data["sizes"].items()
        ),
        "",
    ]
    lines += ["## Targets", "", "| target | result |", "|---|---|"]
    for n, size in data["sizes"].items():
        cold = size["runs"].get("cold")
        if cold:
            lines.append(
                f"| cold wall ≤ {COLD_TARGET_RATIO} × floor at {n} | {_ok(cold['wall'] <= COLD_TARGET_RATIO * size['floor'])}: "
                f"{cold['wall'] / size['floor']:.2f} × ({(cold['wall'] - startup['wall']) / size['floor']:.2f} × without "
                f"the fixed cost) |"
            )
            extra = {
                api: (cold["simulator"][api]["requests"] - cold["simulator"][api]["rejected"])
                - size["minimum_requests"][api]
                for api in APIS
            }
            lines.append(
                f"| requests at the batch minimum at {n} (cold) | {_ok(all(v <= 0 for v in extra.values()))}: "
                + ", ".join(f"{api} {'+' if v > 0 else ''}{v}" for api, v in extra.items())
                + " |"
            )
            rejected = sum(cold["simulator"][api]["rejected"] for api in APIS)
            warm = size["runs"].get("warm", {})
            rejected += sum(
                warm.get("simulator", {}).get(api, {}).get("rejected", 0) for api in APIS
            )
            lines.append(
                f"| no 429 caused by our pacing at {n} | {_ok(rejected == 0)}: {rejected} |"
            )
        warm = size["runs"].get("warm")
        if warm and int(n) >= 20000:
            lines.append(
                f"| warm {n}: wall < {WARM_TARGET_WALL:g} s | {_ok(warm['wall'] < WARM_TARGET_WALL)}: {warm['wall']:.1f} s |"
            )
            lines.append(
                f"| warm {n}: RSS < {WARM_TARGET_RSS_MB:g} MB (the command's process, ru_maxrss) | "
                f"{_ok(warm['maxrss_mb'] < WARM_TARGET_RSS_MB)}: {warm['maxrss_mb']:.0f} MB "
                f"({warm['tree_rss_mb']:.0f} MB with Prefect's ephemeral server process) |"
            )
    early = [
        (n, label, item)
        for n, size in data["sizes"].items()
        for label, items in size.get("early_arrivals", {}).items()
        for item in items
    ]
    if early:
        lines += [
            "",
            "## Why each 429 happened (`--probe`)",
            "",
            "The command ran under benchmarks/pacing_probe.py, which records when enrich.http's pacer let each "
            "request go. *ours: sent early* = the pipeline itself sent two requests less than the interval apart; "
            "*transit jitter* = sent on time, but the previous request reached the simulator late.",
            "",
            "*Transit* = from the pacer letting a request go to its arrival at the simulator, split into the command's "
            "share (let-go → request written to the socket) + the simulator's (written → read by its server thread); "
            "normally 1–3 ms. Stalls: the probe's watchdog saw the command's interpreter unavailable > 40 ms while the "
            "previous request was between let-go and socket write.",
            "",
            "| papers | run | API | request | interval ms | arrival gap ms | send gap ms | transit of previous / this ms "
            "(command + simulator) | cause | stalls in the command meanwhile |",
            "|---:|---|---|---|---:|---:|---:|---|---|---|",
        ]

        def split(item: dict, key: str, total: str) -> str:
            parts = item.get(key)
            return f"{item[total]} ({parts[0]} + {parts[1]})" if parts else str(item[total])

        lines += [
            f"| {n} | {label} | {i['api']} | {i.get('request', '')} | {i['interval_ms']} | {i['arrival_gap_ms']} | "
            f"{i['send_gap_ms']} | {split(i, 'previous_split_ms', 'previous_transit_ms')} / "
            f"{split(i, 'split_ms', 'transit_ms')} | {i['cause']} | "
            + ("; ".join(f"{s['late_ms']} ms: {s['busy']}" for s in i.get("stalls", [])) or "none")
            + " |"
            for n, label, i in early
        ]
    warned = [
        (n, label, w)
        for n, size in data["sizes"].items()
        for label, run in size["runs"].items()
        for w in run.get("warnings", [])
    ]
    if warned:
        lines += ["", "## Warnings the command logged", ""] + [
            f"- {n} {label}: `{w}`" for n, label, w in warned[:20]
        ]
    for n, size in data["sizes"].items():
        naive, cold = size["runs"].get("naive"), size["runs"].get("cold")
        if naive and cold:
            lines += [
                "",
                f"## Naive enricher at {n} papers",
                "",
                f"One request per paper per API, sequential, same pacing (benchmarks/naive.py): "
                f"**{naive['wall']:.1f} s** wall against **{cold['wall']:.1f} s** for the pipeline's cold run: "
                f"**{naive['wall'] / cold['wall']:.1f}× slower** "
                f"({(naive['wall'] - startup['wall']) / max(cold['wall'] - startup['wall'], 1e-9):.1f}× without "
                "the pipeline's fixed cost), with "
                + ", ".join(f"{api} {naive['simulator'][api]['requests']}" for api in APIS)
                + " requests ("
                + ", ".join(
                    f"{api} {size['runs']['cold']['simulator'][api]['requests']}" for api in APIS
                )
                + " for the pipeline).",
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
