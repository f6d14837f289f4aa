"""A real local Prefect server (own home and SQLite database) plus the processes a test starts
around it; everything is stopped at the end, nothing left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from isolation import child_env

ROOT = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalPrefect:
    """Prefect commands in their own home; against a server of their own (start_server), or
    against `api_url` (the tests' session server)."""

    def __init__(self, folder: Path, extra_env: dict[str, str], api_url: str | None = None):
        self.folder = folder
        self.port = free_port()
        home = folder / "prefect-home"
        home.mkdir(parents=True)
        self.api_url = api_url or f"http://127.0.0.1:{self.port}/api"
        self.env = child_env(
            home,
            {
                **extra_env,
                "PREFECT_API_URL": self.api_url,
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
                "PREFECT_UI_ENABLED": "false",
            },
        )
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """A background prefect command in its own process group, logging to FOLDER/NAME.log."""
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [PREFECT, *args],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def __call__(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a prefect command to completion; it must succeed."""
        done = subprocess.run(
            [PREFECT, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done

    def start_server(self, wait: bool = True) -> None:
        self.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(self.port))
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 240) -> None:
        """Until the API answers (a busy machine can take a minute to start a server)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(f"{self.api_url}/health", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            server = next((p for p in self.started if p.args[1:2] == ["server"]), None)
            assert server is None or server.poll() is None, self.log("server")
            assert time.monotonic() < deadline, (
                self.log("server") if server else "no answer from " + self.api_url
            )
            time.sleep(0.5)

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
