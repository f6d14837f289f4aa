"""Diagnosis aid: run the command with enrich.http's pacer instrumented, to tell a 429 the
pipeline caused from simulator jitter.

    python -m benchmarks.pacing_probe OUT.json -m flows.enrich --catalog … --cache-dir …

For every paced request it records, per host, when the pacer planned to let it go (the
previous let-go plus the interval, or when the caller arrived if later) and when it actually
let it go: the moment `_Pacer.wait` stores `self._last[host]` (CLOCK_MONOTONIC, comparable with
the simulator's arrival times). `woke` in OUT.json is that let-go moment; `written` is when
urllib3 finished writing that request to the socket (connecting first if needed), so the time
from let-go to the simulator's arrival splits into this process's share (woke → written) and the
loopback + simulator's share (written → arrival).
A watchdog thread also records every stall of the interpreter over 40 ms (OUT.json.stalls.json)
with where each thread stood. Nothing in enrich/ is changed on disk.
"""

from __future__ import annotations

import atexit
import json
import runpy
import sys
import threading
import time


def install(out_path: str) -> None:
    from enrich import http

    records: list[dict] = []
    lock = threading.Lock()
    entered = (
        threading.local()
    )  # when the calling thread entered wait(), before queueing on the pacer's lock
    original_init, original_wait = http._Pacer.__init__, http._Pacer.wait

    class _LetGo(dict):
        """The pacer's `_last` (host -> when the previous request was let go): every store is a
        request let go, recorded with when it was planned. The pacer stores under its own lock,
        so per host the records are in let-go order."""

        def __init__(self, interval: float):
            super().__init__()
            self.interval = interval

        def __setitem__(self, host: str, let_go: float) -> None:
            previous = self.get(host)
            arrived = getattr(entered, "at", let_go)
            planned = arrived if previous is None else max(arrived, previous + self.interval)
            record = {"host": host, "scheduled": planned, "woke": let_go, "interval": self.interval}
            entered.pending = record  # the next request this thread writes is this one
            with lock:
                records.append(record)
            super().__setitem__(host, let_go)

    def __init__(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self._last = _LetGo(self.interval)

    def wait(self, host: str) -> None:
        entered.at = time.monotonic()
        original_wait(self, host)

    if not hasattr(http._Pacer(1.0), "_last"):
        raise SystemExit(
            "pacing_probe: enrich.http._Pacer has no `_last`; update the probe to the pacer"
        )
    http._Pacer.__init__ = __init__
    http._Pacer.wait = wait

    import urllib3.connection

    original_request = urllib3.connection.HTTPConnection.request

    def request(self, *args, **kwargs):
        result = original_request(self, *args, **kwargs)
        record = getattr(entered, "pending", None)
        if record is not None:
            record["written"] = time.monotonic()
            entered.pending = None
        return result

    urllib3.connection.HTTPConnection.request = request

    stalls: list[dict] = []

    def watchdog() -> None:
        """Wake every 2 ms; when the interpreter kept this thread waiting > 40 ms (another thread held
        the GIL, e.g. in one long C call), note where every other thread stands at that moment."""
        me = threading.get_ident()
        while True:
            before = time.monotonic()
            time.sleep(0.002)
            late = time.monotonic() - before - 0.002
            if late > 0.040:
                names = {t.ident: t.name for t in threading.enumerate()}
                where = {}
                for ident, frame in sys._current_frames().items():
                    if ident == me:
                        continue
                    stack = []
                    while frame is not None and len(stack) < 6:
                        stack.append(
                            f"{frame.f_code.co_filename.rsplit('site-packages/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}"
                        )
                        frame = frame.f_back
                    where[names.get(ident, str(ident))] = stack
                with lock:
                    stalls.append(
                        {"at": time.monotonic(), "late_ms": round(late * 1000, 1), "threads": where}
                    )

    threading.Thread(target=watchdog, name="stall-watchdog", daemon=True).start()

    def dump() -> None:
        with open(out_path, "w") as handle:
            json.dump(records, handle)
        with open(out_path + ".stalls.json", "w") as handle:
            json.dump(stalls, handle)

    atexit.register(dump)


def main() -> None:
    out, flag, module, *rest = sys.argv[1:]
    if flag != "-m":
        raise SystemExit("usage: python -m benchmarks.pacing_probe OUT.json -m MODULE [ARGS…]")
    install(out)
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
