"""tests/local_prefect.py: a server whose port another process took between free_port() and
its bind starts again on another port, and a foreign server answering on that port is never
taken for ours."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from local_prefect import LocalPrefect


class _Foreign(BaseHTTPRequestHandler):
    """Another process's server on the port: it answers Prefect's health check too."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server protocol
        body = b"true"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_port_taken_before_the_server_binds_it_moves_the_server_to_another(tmp_path):
    prefect = LocalPrefect(tmp_path, {})
    taken = prefect.port
    foreign = ThreadingHTTPServer(("127.0.0.1", taken), _Foreign)
    threading.Thread(target=foreign.serve_forever, daemon=True).start()
    try:
        prefect.start_server()
        assert prefect.port != taken and prefect.api_url.endswith(f":{prefect.port}/api")
        assert prefect.env["PREFECT_API_URL"] == prefect.api_url
        pools = requests.get(f"{prefect.api_url}/admin/version", timeout=30)
        assert pools.ok and pools.json() != True  # noqa: E712 - a Prefect version, not the foreign "true"
    finally:
        prefect.stop_all()
        foreign.shutdown()
        foreign.server_close()
