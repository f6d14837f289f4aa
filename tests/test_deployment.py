"""The scheduled path for real: a Prefect server, a process work pool, the project's own
deployment definition, workers, and `prefect deployment run 'enrich-catalog/nightly'`."""

from __future__ import annotations

import re
import time
from pathlib import Path
from datetime import datetime

import pytest
import requests

from conftest import seed_copy, snapshot
from git_fixtures import clone, curator_commit, git
from local_prefect import LocalPrefect

from enrich.sources import all_sources


@pytest.fixture
def prefect_cli(api, tmp_path):
    server = LocalPrefect(tmp_path, {**api.env, "ENRICH_TIME_SCALE": "0.01"})
    server.start_server()
    server("work-pool", "create", "enrich-pool", "--type", "process")
    server(
        "--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "nightly"
    )
    yield server
    server.stop_all()
    assert all(process.poll() is not None for process in server.started)


def catalog_repository(tmp_path: Path, catalog: Path) -> tuple[Path, Path]:
    """A bare repository on disk as the remote, and a curator's checkout of it holding the
    catalog (as `meta/`), a README with the list's markers and this project's .gitignore."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(remote))
    checkout = clone(remote, tmp_path / "checkout", ("A Curator", "curator@example.org"))
    catalog.rename(checkout / "meta")
    curator_commit(
        checkout,
        {
            "README.md": "# List\n\n<!-- papers:start -->\n<!-- papers:end -->\n",
            ".gitignore": ".history.lock\n",
        },
        "catalog",
    )
    return remote, checkout


def test_nightly_deployment_enriches_renders_commits_and_pushes(prefect_cli, catalog, tmp_path):
    """The catalog lives in a git checkout whose remote is a bare repository on disk: the
    nightly enriches, records the history, renders the views, and (commit and push on by
    default) ends with one commit of all of it, pushed."""
    remote, checkout = catalog_repository(tmp_path, catalog)
    prefect_cli.start("worker", "worker", "start", "--pool", "enrich-pool")
    run = prefect_cli(
        "deployment",
        "run",
        "enrich-catalog/nightly",
        "--param",
        f"catalog={checkout / 'meta'}",
        "--param",
        f"cache_dir={tmp_path / 'cache'}",
        "--watch",
        "--watch-timeout",
        "180",
        timeout=240,
    )
    assert "Completed" in run.stdout, run.stdout + prefect_cli.log("worker")
    enriched = snapshot(checkout / "meta")
    assert all(b"enrichment {" in data for data in enriched.values())
    assert b'arxiv_id: "2301.00774"' in enriched["sparsegpt.prototxt"]
    # then the views, rendered beside the catalog from the enriched entries and the new history
    assert "| [SparseGPT](meta/sparsegpt.prototxt) |" in (checkout / "README.md").read_text(
        encoding="utf-8"
    )
    assert (checkout / "site" / "index.html").exists() and (
        checkout / "lists" / "venue.md"
    ).exists()
    assert '"history":{"citations":[["' in (checkout / "site" / "papers.json").read_text(
        encoding="utf-8"
    )
    # all of it in one commit, pushed; nothing left over
    assert git(remote, "log", "-1", "--format=%s", "main").startswith("enrich: 26 papers updated")
    assert git(remote, "rev-list", "--count", "main") == "2"
    committed = git(remote, "show", "--format=", "--name-only", "main").splitlines()
    assert {path.split("/")[0] for path in committed} == {
        "meta",
        "history",
        "README.md",
        "lists",
        "site",
    }
    assert git(checkout, "status", "--porcelain") == ""
    deployment = prefect_cli("deployment", "inspect", "enrich-catalog/nightly").stdout
    assert "0 3 * * *" in deployment and "enrich-pool" in deployment


@pytest.mark.timeout(600)  # two workers, two flow runs and a server: slow on a loaded machine
def test_sharded_runs_on_two_workers_run_side_by_side_sharing_each_apis_pace(
    prefect_cli, api, catalog, tmp_path
):
    """Two shards as two runs of the `shard` deployment on two workers, at the same time;
    OpenReview (24 requests on API 1) is paced at 3 s x 0.1 = 0.3 s across both workers by a
    Prefect global rate limit."""
    prefect_cli.env["ENRICH_TIME_SCALE"] = "0.1"
    prefect_cli.env["PREFECT_WORKER_QUERY_SECONDS"] = "1"  # the second worker sees its run at once
    prefect_cli(
        "--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "shard"
    )
    intervals = {
        name: source.pace for name, source in all_sources().items()
    }  # every registered source's limit
    for source, interval in intervals.items():
        prefect_cli(
            "gcl",
            "create",
            f"enrich-{source}",
            "--limit",
            "1",
            "--slot-decay-per-second",
            str(1 / (interval * 0.1)),
        )
    for name in ("worker-a", "worker-b"):
        prefect_cli.start(
            name, "worker", "start", "--pool", "enrich-pool", "--name", name, "--limit", "1"
        )
    watchers = [
        prefect_cli.start(
            f"run-{index}",
            "deployment",
            "run",
            "enrich-catalog/shard",
            "--param",
            f"catalog={catalog}",
            "--param",
            f"cache_dir={tmp_path / 'cache'}",
            "--param",
            f"shard={index}/2",
            "--watch",
            "--watch-timeout",
            "240",
        )
        for index in (0, 1)
    ]
    for index, watcher in enumerate(watchers):
        assert watcher.wait(timeout=300) == 0, prefect_cli.log(f"run-{index}")
        assert "Completed" in prefect_cli.log(f"run-{index}")
    assert sum(b"enrichment {" in data for data in snapshot(catalog).values()) == 26
    for name in ("worker-a", "worker-b"):  # one run each: the work really was spread
        assert f"Worker '{name}' submitting flow run" in prefect_cli.log(name), prefect_cli.log(
            name
        )
    arrivals = sorted(r.at for r in api.openreview_v1.requests if r.path == "/notes")
    assert len(arrivals) == 24
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert min(gaps) >= 0.3 * 0.8, gaps  # never faster than the shared pace (20% timer slack)
    api_url = prefect_cli.env["PREFECT_API_URL"]
    deployment = requests.get(f"{api_url}/deployments/name/enrich-catalog/shard", timeout=30).json()
    runs = requests.post(
        f"{api_url}/flow_runs/filter",
        json={"flow_runs": {"deployment_id": {"any_": [deployment["id"]]}}},
        timeout=30,
    ).json()
    assert [run["state_type"] for run in runs] == ["COMPLETED", "COMPLETED"]
    starts = [datetime.fromisoformat(run["start_time"]) for run in runs]
    ends = [datetime.fromisoformat(run["end_time"]) for run in runs]
    assert max(starts) < min(ends), (
        starts,
        ends,
    )  # side by side: each started before the other ended


def _rate_limits(prefect_cli, scale: float) -> None:
    """Every registered source's enrich-<source> global rate limit, its pace scaled."""
    for source, interval in {name: s.pace for name, s in all_sources().items()}.items():
        prefect_cli(
            "gcl",
            "create",
            f"enrich-{source}",
            "--limit",
            "1",
            "--slot-decay-per-second",
            str(1 / (interval * scale)),
        )


def _runs_of(api_url: str, deployment: str) -> list[dict]:
    found = requests.get(f"{api_url}/deployments/name/{deployment}", timeout=30).json()
    return requests.post(
        f"{api_url}/flow_runs/filter",
        json={"flow_runs": {"deployment_id": {"any_": [found["id"]]}}},
        timeout=30,
    ).json()


@pytest.mark.timeout(600)  # three flow runs and a server: slow on a loaded machine
def test_a_nightly_with_shards_2_runs_two_shard_runs_side_by_side_then_publishes_once(
    prefect_cli, api, catalog, tmp_path, run
):
    """shards=2 on the nightly: the run starts two runs of the `shard` deployment through the
    pool (one worker, three slots), waits for both, then renders and publishes once. The catalog
    ends exactly as one whole-catalog run leaves it."""
    day = time.strftime("%Y-%m-%d", time.gmtime())
    reference = seed_copy(tmp_path / "reference" / "meta")  # the same catalog, one run
    assert run(catalog_dir=reference, cache_dir=tmp_path / "reference-cache").code == 0
    remote, checkout = catalog_repository(tmp_path, catalog)
    prefect_cli.env["PREFECT_WORKER_QUERY_SECONDS"] = "1"  # the shard runs are picked up at once
    prefect_cli(
        "--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "shard"
    )
    _rate_limits(prefect_cli, 0.01)
    prefect_cli.start("worker", "worker", "start", "--pool", "enrich-pool", "--limit", "3")
    started = prefect_cli(
        "deployment",
        "run",
        "enrich-catalog/nightly",
        "--param",
        f"catalog={checkout / 'meta'}",
        "--param",
        f"cache_dir={tmp_path / 'cache'}",
        "--param",
        "shards=2",
        "--watch",
        "--watch-timeout",
        "400",
        timeout=450,
    )
    assert "Completed" in started.stdout, started.stdout + prefect_cli.log("worker")
    api_url = prefect_cli.env["PREFECT_API_URL"]
    shards = sorted(_runs_of(api_url, "enrich-catalog/shard"), key=lambda r: r["name"])
    (parent,) = [r for r in _runs_of(api_url, "enrich-catalog/nightly") if r["start_time"]]
    assert [r["parameters"]["shard"] for r in shards] == ["0/2", "1/2"]
    assert [r["state_type"] for r in shards] == ["COMPLETED", "COMPLETED"]
    assert all(r["parameters"]["commit"] is False for r in shards)  # the parent publishes
    assert all(r["name"].startswith(parent["name"] + "-shard-") for r in shards)
    # Side by side: the parent started both before either ended. (Not their start times: a
    # shard of this small catalog can finish before the worker's second process is up.)
    created = [datetime.fromisoformat(r["created"]) for r in shards]
    ends = [datetime.fromisoformat(r["end_time"]) for r in shards]
    assert max(created) < min(ends), (created, ends)
    assert (
        parent["state_type"] == "COMPLETED"
        and "2 of 2 shard runs completed" in (parent["state"]["message"])
    )
    # rendered and published once: one commit on top of the curator's, pushed
    assert git(remote, "rev-list", "--count", "main") == "2"
    assert git(remote, "log", "-1", "--format=%s", "main").startswith(
        "enrich (2 shards): 26 papers updated"
    )
    committed = git(remote, "show", "--format=", "--name-only", "main").splitlines()
    assert {path.split("/")[0] for path in committed} == {
        "meta",
        "history",
        "README.md",
        "lists",
        "site",
    }
    assert "| [SparseGPT](meta/sparsegpt.prototxt) |" in (checkout / "README.md").read_text(
        encoding="utf-8"
    )
    assert git(checkout, "status", "--porcelain") == ""
    # every entry exactly as the whole-catalog run wrote it
    sharded, whole = snapshot(checkout / "meta"), snapshot(reference)
    if time.strftime("%Y-%m-%d", time.gmtime()) != day:  # UTC midnight passed: dates differ
        sharded, whole = (
            {k: re.sub(rb"\d{4}-\d{2}-\d{2}", b"D", v) for k, v in m.items()}
            for m in (sharded, whole)
        )
    assert sharded == whole
    assert all(b"enrichment {" in data for data in sharded.values())
