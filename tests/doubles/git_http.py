"""A git smart-HTTP server on 127.0.0.1 (git's own `git http-backend` behind a small HTTP
front) that, like GitHub, answers 401 unless the request carries the token as Basic auth."""

from __future__ import annotations

import base64
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class GitHttpDouble:
    def __init__(self, project_root: Path, token: str):
        self.project_root = project_root
        self.expected = "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
        self.authorizations: list[str | None] = []  # the Authorization header of every request
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                double.handle(self)

            def do_POST(self) -> None:
                double.handle(self)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> GitHttpDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        self.authorizations.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") != self.expected:
            request.send_response(401)
            request.send_header("WWW-Authenticate", 'Basic realm="git"')
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        body = self._body(request)
        path, _, query = request.path.partition("?")
        env = {
            "GIT_PROJECT_ROOT": str(self.project_root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": request.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_CONTENT_ENCODING": request.headers.get("Content-Encoding", ""),
            "GIT_PROTOCOL": request.headers.get("Git-Protocol", ""),
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        headers = [
            line.split(":", 1) for line in head.decode("latin-1").splitlines() if ":" in line
        ]
        status = next(
            (value.strip() for name, value in headers if name.lower() == "status"), "200 OK"
        )
        request.send_response(int(status.split()[0]))
        for name, value in headers:
            if name.lower() not in ("status", "content-length"):
                request.send_header(name, value.strip())
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    @staticmethod
    def _body(request: BaseHTTPRequestHandler) -> bytes:
        if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(request.rfile.readline().strip().split(b";")[0], 16)
                chunk = request.rfile.read(size)
                request.rfile.readline()
                if size == 0:
                    return b"".join(chunks)
                chunks.append(chunk)
        return request.rfile.read(int(request.headers.get("Content-Length") or 0))
