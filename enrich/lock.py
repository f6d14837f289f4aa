"""One writer per catalog file at a time, via locks in the cache folder.

A whole-catalog run holds `enrich.lock` exclusively. A shard run (`--shard K/N`) holds it
shared plus its own `enrich.shard-K-of-N.lock` exclusively: shards of one catalog run side by
side (they write disjoint files), but never beside a whole-catalog run or a twin of
themselves. filelock only offers exclusive locks, hence fcntl.flock here."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from enrich.errors import EnrichError

LOCK_NAME = "enrich.lock"
SPREAD_LOCK_NAME = "enrich.spread.lock"


class Busy(EnrichError):
    """Another run holds the lock: this one touched nothing."""


def _acquire(path: Path, mode: int, deadline: float, stack: ExitStack, waited_for: float) -> None:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    stack.callback(os.close, handle)
    while True:
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy(
                    f"another enrichment run holds {path} (waited {waited_for:.0f} s); nothing was touched. "
                    "Run again when it has finished."
                ) from None
            time.sleep(0.1)
            continue
        stack.callback(fcntl.flock, handle, fcntl.LOCK_UN)
        return


@contextmanager
def run_lock(
    cache_dir: Path, timeout: float, shard: tuple[int, int] | None = None, spreading: bool = False
) -> Iterator[None]:
    """Hold the run's locks; wait at most `timeout` seconds for other runs, else raise Busy.
    `spreading`: the run starts shard runs on this cache folder and waits for them."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with ExitStack() as stack:
        if spreading:
            _acquire(cache_dir / LOCK_NAME, fcntl.LOCK_SH, deadline, stack, timeout)
            _acquire(cache_dir / SPREAD_LOCK_NAME, fcntl.LOCK_EX, deadline, stack, timeout)
        elif shard is None:
            _acquire(cache_dir / LOCK_NAME, fcntl.LOCK_EX, deadline, stack, timeout)
        else:
            _acquire(cache_dir / LOCK_NAME, fcntl.LOCK_SH, deadline, stack, timeout)
            index, count = shard
            _acquire(
                cache_dir / f"enrich.shard-{index}-of-{count}.lock",
                fcntl.LOCK_EX,
                deadline,
                stack,
                timeout,
            )
        yield
