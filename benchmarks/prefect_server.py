"""A Prefect server the benchmark starts once (`run.py --prefect-server`): every command then
runs against it through PREFECT_API_URL, as a deployment's runs do, instead of starting
Prefect's temporary server each time."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


class PrefectServer:
    """`prefect server start` on a free loopback port, with its own home and database under `folder`."""

    def __init__(self, folder: Path):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.home = folder / "prefect-server-home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.log = folder / "prefect-server.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> PrefectServer:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(
            {
                "PREFECT_HOME": str(self.home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_UI_ENABLED": "false",
                "DO_NOT_TRACK": "1",
            }
        )
        prefect = str(Path(sys.executable).with_name("prefect"))
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 300
        while True:
            try:
                if requests.get(f"{self.url}/health", timeout=2).ok:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"Prefect server did not start: see {self.log}")
            time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
