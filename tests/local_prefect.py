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
    """A port free a moment ago. Another process may take it before our server binds it:
    start_server then starts again on another, and only a server of ours counts as up."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PORT_TAKEN = ("already in use", "address in use", "errno 98")


def listens(group: int, port: int) -> bool:
    """Whether a process of process group `group` holds the listening TCP socket on `port`
    (read from Linux's /proc; True where there is no /proc to ask)."""
    if not Path("/proc/net/tcp").exists():
        return True
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()  # sl local_address rem_address st ... inode
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                sockets.add(f"socket:[{fields[9]}]")
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if int((process / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            if any(os.readlink(fd) in sockets for fd in (process / "fd").iterdir()):
                return True
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
    return False


class LocalPrefect:
    """Prefect commands in their own home; against a server of their own (start_server), or
    against `api_url` (the tests' session server)."""

    def __init__(self, folder: Path, extra_env: dict[str, str], api_url: str | None = None):
        self.folder = folder
        self.home = folder / "prefect-home"
        self.home.mkdir(parents=True)
        self.extra_env, self.own_server = extra_env, api_url is None
        self.started: list[subprocess.Popen] = []
        self._use(free_port(), api_url)

    def _use(self, port: int, api_url: str | None = None) -> None:
        self.port = port
        self.api_url = api_url or f"http://127.0.0.1:{port}/api"
        self.env = child_env(
            self.home,
            {
                **self.extra_env,
                "PREFECT_API_URL": self.api_url,
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{self.home / 'prefect.db'}",
                "PREFECT_UI_ENABLED": "false",
            },
        )

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

    def start_server(self, wait: bool = True, attempts: int = 5) -> None:
        """Start this home's server (before any other command: a retry changes the port and
        the API URL in `env`). When the port was taken meanwhile, again on another."""
        assert self.own_server and not self.started, "start the server first, on a port of ours"
        for attempt in range(1, attempts + 1):
            self.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(self.port))
            if not wait or self.wait_healthy():
                return
            server = self.started.pop()
            server.wait(timeout=20)
            taken = any(words in self.log("server").lower() for words in PORT_TAKEN)
            assert taken and attempt < attempts, self.log("server")
            self._use(free_port())

    def wait_healthy(self, timeout: float = 240) -> bool:
        """Until the API answers, from our own server if we started one (a busy machine can
        take a minute to start a server); False if our server ended first."""
        deadline = time.monotonic() + timeout
        server = next((p for p in self.started if p.args[1:2] == ["server"]), None)
        while True:
            try:
                healthy = requests.get(f"{self.api_url}/health", timeout=5).ok
            except requests.RequestException:
                healthy = False
            if server is not None and server.poll() is not None:
                return False
            if healthy and (server is None or listens(server.pid, self.port)):
                return True
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
