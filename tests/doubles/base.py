"""DoubleServer: a real HTTP/1.1 server on 127.0.0.1 that records requests and injects faults.

Each API double subclasses it and implements `handle(request) -> Answer`. The server runs in
a daemon thread from construction until `stop()` (or the end of a `with` block).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .faults import Fault, Matcher, Recorded

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>\n"
    b"<body><h1>Service Temporarily Unavailable</h1><p>Please try again later.</p></body></html>\n"
)


@dataclass
class Answer:
    """What a double sends back: status, body and extra headers (Content-Length is added)."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(
    status: int,
    payload: object,
    headers: dict[str, str] | None = None,
    *,
    compact: bool = False,
    newline: bool = False,
    content_type: str = "application/json",
) -> Answer:
    """A JSON answer; `compact` drops the spaces after separators, `newline` adds a final newline."""
    text = json.dumps(payload, separators=(",", ":") if compact else None, ensure_ascii=False)
    body = (text + ("\n" if newline else "")).encode("utf-8")
    return Answer(status, body, {"content-type": content_type, **(headers or {})})


@dataclass
class _Pending:
    fault: Fault
    times: int
    match: Matcher | None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is dropped after this many seconds
    # TCP_NODELAY, as real API front ends run: http.server writes the headers and the body in two
    # sends, and with Nagle's algorithm the body then waits for the client's delayed ACK of the
    # headers (~40 ms on Linux), a stall per answer that no real API has.
    disable_nagle_algorithm = True
    server: "_Server"

    def setup(self) -> None:
        super().setup()
        self.server.double._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.double._track(self.connection, False)

    def _dispatch(self) -> None:
        try:
            self.server.double._serve(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = (
                True  # the client left first (e.g. it timed out during Fault.slow)
            )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    double: "DoubleServer"


class DoubleServer:
    """Base of every API double: lifecycle, request log, fault queue, HTTP plumbing."""

    content_type = "application/json"  # the normal content type, used by Fault.garbage()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.faulted: list[Recorded] = []  # the requests a fault answered, in order
        self.errors: list[str] = []  # tracebacks of bugs inside the double (answered as 500)
        self._faults: list[_Pending] = []
        self._connections: set[socket.socket] = set()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.double = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-server",
            daemon=True,
        )
        self._thread.start()
        self._stopped = False

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT (no trailing slash)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections (idempotent)."""
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self) -> "DoubleServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- log and faults ----------------------------------------------------------------------
    def inject(self, fault: Fault, times: int = 1, match: Matcher | None = None) -> None:
        """Queue `fault` for the next `times` requests for which `match(request)` is true."""
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(_Pending(fault, times, match))

    def clear_faults(self) -> None:
        """Drop every fault not yet consumed."""
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> int:
        """How many injected fault uses are still waiting."""
        with self._lock:
            return sum(p.times for p in self._faults)

    def reset_log(self) -> None:
        """Forget recorded requests and double errors."""
        with self._lock:
            self.requests.clear()
            self.faulted.clear()
            self.errors.clear()

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """How many recorded requests match the method and path prefix (None = any)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
            )

    # -- for subclasses ----------------------------------------------------------------------
    def handle(self, request: Recorded) -> Answer:
        """The normal answer to a request."""
        raise NotImplementedError

    def custom_fault(self, fault: Fault, request: Recorded) -> Answer | None:
        """Answer for an API-specific fault kind; None if this double does not know it."""
        return None

    # -- plumbing ----------------------------------------------------------------------------
    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            (self._connections.add if alive else self._connections.discard)(conn)

    def _take_fault(self, request: Recorded) -> Fault | None:
        for pending in self._faults:
            if pending.match is None or pending.match(request):
                pending.times -= 1
                if pending.times == 0:
                    self._faults.remove(pending)
                return pending.fault
        return None

    def _answer(self, request: Recorded) -> Answer:
        try:
            return self.handle(request)
        except Exception:  # a bug in the double must show up in the test, not hang the client
            text = traceback.format_exc()
            with self._lock:
                self.errors.append(text)
            return Answer(500, text.encode("utf-8"), {"content-type": "text/plain; charset=utf-8"})

    def _serve(self, handler: _Handler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        request = Recorded(
            method=handler.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=_lower_headers(handler),
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            fault = self._take_fault(request)
            if fault is not None:
                self.faulted.append(request)
        if fault is None:
            self._write(handler, request, self._answer(request))
            return
        kind = fault.kind
        if kind == "reset":
            self._reset(handler)
        elif kind == "status":
            headers = {"content-type": "application/json"} if fault.body[:1] in (b"{", b"[") else {}
            headers.update(fault.headers)
            self._write(handler, request, Answer(fault.code, fault.body, headers))
        elif kind == "slow":
            time.sleep(fault.seconds)
            self._write(handler, request, self._answer(request))
        elif kind == "html":
            self._write(
                handler,
                request,
                Answer(200, HTML_PAGE, {"content-type": "text/html; charset=utf-8"}),
            )
        elif kind == "garbage":
            normal = self._answer(request)
            content_type = normal.headers.get("content-type", self.content_type)
            # A leading NUL/0xFF pair makes the bytes invalid UTF-8, JSON and XML every time.
            self._write(
                handler,
                request,
                Answer(200, b"\x00\xff" + os.urandom(254), {"content-type": content_type}),
            )
        elif kind == "truncate":
            normal = self._answer(request)
            self._write(handler, request, normal, send=len(normal.body) // 2)
            handler.close_connection = True
        else:
            answer = self.custom_fault(fault, request)
            if answer is None:
                raise ValueError(f"{type(self).__name__} does not support fault {kind!r}")
            self._write(handler, request, answer)

    @staticmethod
    def _write(
        handler: _Handler, request: Recorded, answer: Answer, send: int | None = None
    ) -> None:
        handler.send_response(answer.status)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(answer.body)))
        handler.end_headers()
        if request.method != "HEAD" and answer.body:
            handler.wfile.write(answer.body if send is None else answer.body[:send])
        handler.wfile.flush()

    @staticmethod
    def _reset(handler: _Handler) -> None:
        conn = handler.connection
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.close_connection = True
        # The descriptor really closes (sending RST) once the handler's file objects close too.
        conn.close()


def _lower_headers(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in handler.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers
