"""The scheduled path for real: a Prefect server, a process work pool, the project's own
deployment definition, a worker, and `prefect deployment run 'enrich-catalog/nightly'`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, snapshot

PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Background processes started by a test, each in its own process group, all stopped at the end."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, args, env, log: Path) -> subprocess.Popen:
        process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.fixture
def processes():
    running = Processes()
    yield running
    running.stop_all()
    assert all(process.poll() is not None for process in running.started)


def test_nightly_deployment_runs_for_real_against_the_api_doubles(api, catalog, tmp_path, processes):
    port = free_port()
    home = tmp_path / "prefect-home"
    home.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")},
        **api.env,
        "ENRICH_TIME_SCALE": "0.01",
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }

    def prefect(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        done = subprocess.run([PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    processes.start([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "server.log")
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/health", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
        time.sleep(0.5)

    prefect("work-pool", "create", "enrich-pool", "--type", "process")
    prefect("--no-prompt", "deploy", "--prefect-file", "deployments/prefect.yaml", "--name", "nightly")
    processes.start([PREFECT, "worker", "start", "--pool", "enrich-pool"], env, tmp_path / "worker.log")
    run = prefect(
        "deployment", "run", "enrich-catalog/nightly",
        "--param", f"catalog={catalog}", "--param", f"cache_dir={tmp_path / 'cache'}",
        "--watch", "--watch-timeout", "180",
        timeout=240,
    )
    assert "Completed" in run.stdout, run.stdout + (tmp_path / "worker.log").read_text()
    enriched = snapshot(catalog)
    assert all(b"enrichment {" in data for data in enriched.values())
    assert b'arxiv_id: "2301.00774"' in enriched["sparsegpt.prototxt"]

    deployment = prefect("deployment", "inspect", "enrich-catalog/nightly").stdout
    assert "0 3 * * *" in deployment and "enrich-pool" in deployment
