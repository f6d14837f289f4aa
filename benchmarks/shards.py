"""1 against 2 shards on Prefect's engine: the same catalog enriched by one run, and by one run
with `shards=2` spreading itself over two runs of the `shard` deployment, through a real
Prefect server, process work pool and worker, against the paced simulator.

    python -m benchmarks.shards [--papers 433] [--factor 10] [--shards 1,2] [--no-nightly]
                                [--no-local] [--workdir DIR] [--results benchmarks/RESULTS-shards.md]

For each shard count, a fresh copy of the generated catalog and an empty cache: a cold run,
then (unless --no-nightly) the nightly scenario of benchmarks/nightly.py on what it left — both
clocks 26 h later, 10% of the citation counts and 5% of the star counts moved in the World
(moved once, before the first nightly run; every shard count sees the same World).

Every run is a flow run of the `shard` deployment (parameters shards=N, render, commit and push
off, each API's pace shared through the enrich-<source> global rate limits, as shard runs side
by side need), picked up by one worker with N + 1 slots. Beside them (unless --no-local) the
baseline as the nightly runs today: one run pacing itself in its own process, no shared limits
("1 local"). Measured per run: wall (from asking
for the run until its final state, polled every 0.2 s; and the parent run's start to end on
the server), CPU (the worker's reaped flow-run processes: user + system; the Prefect server's
own CPU beside it, since every paced request is a round trip to it), requests and 429s per API
(the simulator), and the floor (the slowest API's pacing for the requests strictly needed).
Whether the catalogs the 1- and 2-shard runs left are byte-identical is checked too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import requests

from benchmarks import nightly as nightly_scenario
from benchmarks.catalog_gen import generate_world, write_catalog
from benchmarks.prefect_server import PrefectServer
from benchmarks.run import APIS, ROOT, command_env, floor_seconds, machine
from benchmarks.simulator import Simulator

from enrich.sources import all_sources
from enrich.sources.registry import rate_limit_name

HERE = Path(__file__).resolve().parent
PREFECT = str(Path(sys.executable).with_name("prefect"))
DEPLOYMENT = "enrich-catalog/shard"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class ShardMeasured:
    """One flow run (and the shard runs it started)."""

    label: str
    shards: int
    shared_pace: bool = True  # the enrich-<source> global rate limits (False: its own pacing)
    wall: float = 0.0  # s, from asking for the run until its final state was seen
    server_wall: float = 0.0  # s, the parent run's start -> end as the server recorded it
    cpu: float = 0.0  # s, the flow-run processes (the worker's reaped children)
    worker_cpu: float = 0.0  # s, the worker itself
    server_cpu: float = 0.0  # s, the Prefect server
    state: str = ""
    message: str = ""
    shard_runs: list[dict] = field(default_factory=list)  # name, state, start, end
    simulator: dict = field(default_factory=dict)  # per API: requests, rejected (429)


class Prefect:
    """The prefect CLI and REST API against the benchmark's server."""

    def __init__(self, server: PrefectServer, env: dict[str, str], work: Path):
        self.server, self.work = server, work
        self.env = {**env, "PREFECT_API_URL": server.url, "PREFECT_WORKER_QUERY_SECONDS": "1"}

    def __call__(self, *args: str) -> None:
        done = subprocess.run(
            [PREFECT, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"prefect {' '.join(args)} failed: {done.stdout}{done.stderr}")

    def api(self, method: str, path: str, payload: dict | None = None) -> dict | list:
        for attempt in range(10):  # a busy server (SQLite) answers 503 now and then
            answer = requests.request(method, self.server.url + path, json=payload, timeout=60)
            if answer.status_code < 500 or attempt == 9:
                break
            time.sleep(2)
        answer.raise_for_status()
        return answer.json()

    def worker(self, env: dict[str, str], slots: int, log: Path) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen(
                [PREFECT, "worker", "start", "--pool", "enrich-pool", "--limit", str(slots)],
                env={**self.env, **env},
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def set_up(prefect: Prefect, factor: float) -> None:
    """The pool, the shard deployment, and each source's pace as a global rate limit."""
    prefect("work-pool", "create", "enrich-pool", "--type", "process")
    prefect(
        "--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "shard"
    )
    for name, source in all_sources().items():
        decay = factor / source.pace if source.pace else 1000.0
        prefect(
            "gcl",
            "create",
            rate_limit_name(name),
            "--limit",
            "1",
            "--slot-decay-per-second",
            f"{decay:g}",
        )


def _cpu(process: psutil.Process) -> tuple[float, float]:
    """(own, reaped children) user + system seconds."""
    times = process.cpu_times()
    return times.user + times.system, times.children_user + times.children_system


def measure(
    prefect: Prefect,
    simulator: Simulator,
    label: str,
    shards: int,
    catalog: Path,
    cache: Path,
    env: dict[str, str],
    timeout: float,
    shared_pace: bool = True,
) -> ShardMeasured:
    """One run of the shard deployment with shards=N on a fresh worker (N + 1 slots)."""
    result = ShardMeasured(label, shards, shared_pace)
    worker = prefect.worker(env, shards + 1, prefect.work / f"worker-{label}.log")
    server = psutil.Process(prefect.server.process.pid) if prefect.server.process else None
    try:
        time.sleep(5)  # the worker is polling before the run is asked for
        simulator.reset_counts()
        watched = psutil.Process(worker.pid)
        worker_before = _cpu(watched)
        server_before = sum(_cpu(server)) if server else 0.0
        deployment = prefect.api("GET", f"/deployments/name/{DEPLOYMENT}")
        parameters = {
            "catalog": str(catalog),
            "cache_dir": str(cache),
            "shards": shards,
            "global_rate_limits": shared_pace,
            "render": False,
            "commit": False,
            "push": False,
        }
        started = time.perf_counter()
        run = prefect.api(
            "POST",
            f"/deployments/{deployment['id']}/create_flow_run",
            {
                "parameters": parameters,
                "name": f"bench-{label}",
                "idempotency_key": f"bench-{label}",
            },
        )
        deadline = time.monotonic() + timeout
        while True:
            run = prefect.api("GET", f"/flow_runs/{run['id']}")
            if run["state_type"] in FINAL:
                break
            if time.monotonic() > deadline:
                result.state = "TIMEOUT"
                return result
            time.sleep(0.2)
        result.wall = time.perf_counter() - started
        result.simulator = simulator.counts()
        for _ in range(150):  # until the worker has reaped its flow-run processes
            if not watched.children():
                break
            time.sleep(0.2)
        own, children = _cpu(watched)
        result.worker_cpu, result.cpu = own - worker_before[0], children - worker_before[1]
        result.server_cpu = (sum(_cpu(server)) if server else 0.0) - server_before
        result.state, result.message = run["state_type"], (run["state"] or {}).get("message", "")
        result.server_wall = _seconds(run["start_time"], run["end_time"])
        children_runs = prefect.api(
            "POST",
            "/flow_runs/filter",
            {"flow_runs": {"name": {"like_": f"bench-{label}-shard-"}}},
        )
        result.shard_runs = [
            {
                "name": r["name"],
                "state": r["state_type"],
                "start": r["start_time"],
                "end": r["end_time"],
            }
            for r in sorted(children_runs, key=lambda r: r["name"])
        ]
        return result
    finally:
        os.killpg(worker.pid, 15)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, 9)
            worker.wait(timeout=10)


def _seconds(start: str | None, end: str | None) -> float:
    from datetime import datetime

    if not start or not end:
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def bench(
    n: int,
    factor: float,
    counts: list[int],
    nightly: bool,
    work: Path,
    local: bool = True,
    from_cold: tuple[Path, Path] | None = None,
) -> dict:
    generated = generate_world(n)
    cold_floor = max(floor_seconds(generated.needs, factor).values())
    night_floor = max(
        nightly_scenario.floor_seconds(
            nightly_scenario.minimum_requests(generated), factor
        ).values()
    )
    out: dict = {
        "papers": n,
        "factor": factor,
        "machine": machine(),
        "floor": {"cold": cold_floor, "nightly": night_floor},
        "runs": {},
        "from_cold": str(from_cold[0].parent) if from_cold is not None else "",
    }
    timeout = (
        20 * cold_floor + 1800
    )  # shared pacing through the server is far slower than the floor
    for home in ("prefect-server-home", "prefect-home"):  # a --workdir used before: start afresh
        shutil.rmtree(work / home, ignore_errors=True)
    with PrefectServer(work) as server, Simulator(generated.world, factor) as simulator:
        env = command_env(simulator, work / "prefect-home")
        prefect = Prefect(server, env, work)
        set_up(prefect, factor)
        variants = [(f"{count}", count, True) for count in counts]
        if local:
            variants.insert(0, ("1local", 1, False))
        folders = {}
        for name, _, _ in variants:
            catalog, cache = work / f"catalog-{name}" / "meta", work / f"cache-{name}"
            for folder in (catalog.parent, cache):
                shutil.rmtree(folder, ignore_errors=True)
            if from_cold is None:
                write_catalog(generated, catalog)
            else:  # the catalog and cache a cold run of this size left (benchmarks.run --reuse-cold)
                shutil.copytree(from_cold[0], catalog, copy_function=shutil.copy2)
                shutil.copytree(from_cold[1], cache, copy_function=shutil.copy2)
            folders[name] = (catalog, cache)
        scenarios = [] if from_cold is not None else [("cold", {})]
        if nightly:
            scenarios.append(("nightly", {"ENRICH_CLOCK_OFFSET": repr(nightly_scenario.SHIFT)}))
        for scenario, extra in scenarios:
            if scenario == "nightly":
                out["moved"] = len(nightly_scenario.move_values(generated, n))
                simulator.semanticscholar.forget_rendered()
                simulator.shift_clock(nightly_scenario.SHIFT)
            for name, count, shared in variants:
                label = f"{scenario}-{name}"
                print(
                    f"[{n}] {scenario}, {count} shard(s){'' if shared else ', own pacing'} …",
                    flush=True,
                )
                measured = measure(
                    prefect, simulator, label, count, *folders[name], extra, timeout, shared
                )
                out["runs"][label] = asdict(measured)
                rejected = sum(v["rejected"] for v in measured.simulator.values())
                print(
                    f"[{n}] {label}: {measured.wall:.1f} s wall, {measured.cpu:.1f} s CPU "
                    f"(server {measured.server_cpu:.1f} s), {rejected} 429s, {measured.state}",
                    flush=True,
                )
            if len(variants) > 1:
                shots = [_snapshot(folders[name][0]) for name, _, _ in variants]
                out.setdefault("identical", {})[scenario] = all(s == shots[0] for s in shots)
        simulator.shift_clock(0.0)
    return out


def render(data: dict) -> str:
    """RESULTS-shards.md from the numbers."""
    counts = sorted({run["shards"] for run in data["runs"].values()})
    lines = [
        f"# {' against '.join(map(str, counts))} shards at {data['papers']:,} papers",
        "",
        f"{data['machine']['date']}, {data['machine']['cores']} cores, factor {data['factor']:g} "
        "(every pace and latency compressed by it). Each run is a flow run of the `shard` deployment "
        "with `shards=N` through a real Prefect server, process pool and one worker with N + 1 slots; "
        "every API's pace shared through the server's global rate limits. CPU: the flow-run "
        "processes (the worker's reaped children); server CPU beside it. Floor: the slowest API's "
        'pacing for the requests strictly needed. "1 local": one run pacing itself, no shared '
        "limits (the nightly as it runs today).",
        "",
        "| scenario | shards | wall s | server wall s | floor s | CPU s | server CPU s | worker CPU s "
        "| requests per API (429s) | state |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for run in data["runs"].values():
        scenario = run["label"].split("-")[0]
        per_api = ", ".join(
            f"{api} {run['simulator'].get(api, {}).get('requests', 0)}"
            + (
                f" ({run['simulator'][api]['rejected']})"
                if run["simulator"].get(api, {}).get("rejected")
                else ""
            )
            for api in APIS
        )
        shards = f"{run['shards']}" + ("" if run["shared_pace"] else " local")
        lines.append(
            f"| {scenario} | {shards} | {run['wall']:.1f} | {run['server_wall']:.1f} "
            f"| {data['floor'][scenario]:.1f} | {run['cpu']:.1f} | {run['server_cpu']:.1f} "
            f"| {run['worker_cpu']:.1f} | {per_api} | {run['state']} |"
        )
    lines.append("")
    for scenario, same in data.get("identical", {}).items():
        lines.append(
            f"- {scenario}: the catalogs the runs left are {'byte-identical' if same else '**not** identical'}"
        )
    for run in data["runs"].values():
        for shard in run["shard_runs"]:
            lines.append(
                f"- {run['label']}: {shard['name']} {shard['state']}, {shard['start']} → {shard['end']}"
            )
        if run["state"] != "COMPLETED":
            lines.append(f"- {run['label']}: {run['message'][:300]}")
    if "moved" in data:
        lines.append(f"- nightly: {data['moved']} papers' values moved in the World")
    if data.get("from_cold"):
        lines.append(
            "- no cold runs here: every nightly run started from the catalog and cache one cold "
            f"run (`benchmarks.run --reuse-cold`, one run pacing itself) left in {data['from_cold']}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.shards", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--papers", type=int, default=433, help="catalog size (default 433)")
    parser.add_argument(
        "--factor", type=float, default=10.0, help="time compression for every API (default 10)"
    )
    parser.add_argument("--shards", default="1,2", help="shard counts to compare (default 1,2)")
    parser.add_argument("--no-nightly", action="store_true", help="the cold runs only")
    parser.add_argument(
        "--no-local",
        action="store_true",
        help="leave out the baseline: one run pacing itself without the shared limits",
    )
    parser.add_argument(
        "--workdir", help="catalogs, caches, logs (default: a temporary folder, removed)"
    )
    parser.add_argument(
        "--from-cold",
        metavar="DIR",
        help="skip the cold runs: start every variant's nightly run from the catalog and cache a "
        "cold run of the same size left in DIR (`python -m benchmarks.run --sizes N --workdir DIR "
        "--reuse-cold` keeps them as catalog-N.after-cold and cache-N.after-cold)",
    )
    parser.add_argument(
        "--results",
        default=str(HERE / "RESULTS-shards.md"),
        help="the report (default benchmarks/RESULTS-shards.md; the numbers beside it as .json)",
    )
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.shards.split(",") if c.strip()]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="enrich-shards-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        saved = None
        if args.from_cold:
            root = Path(args.from_cold)
            saved = (
                root / f"catalog-{args.papers}.after-cold",
                root / f"cache-{args.papers}.after-cold",
            )
            missing = [str(folder) for folder in saved if not folder.is_dir()]
            if missing:
                parser.error(f"--from-cold: no {' or '.join(missing)}")
        data = bench(
            args.papers, args.factor, counts, not args.no_nightly, work, not args.no_local, saved
        )
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    results = Path(args.results)
    results.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str))
    results.write_text(render(data))
    print(f"wrote {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
