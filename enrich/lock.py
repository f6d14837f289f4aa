"""One run at a time per cache folder: a file lock (filelock) held for the whole run."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from enrich.errors import EnrichError

LOCK_NAME = "enrich.lock"


class Busy(EnrichError):
    """Another run holds the lock: this one touched nothing."""


@contextmanager
def run_lock(cache_dir: Path, timeout: float):
    """Hold the run lock; wait at most `timeout` seconds for another run to finish, else raise Busy."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(cache_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise Busy(
            f"another enrichment run holds {cache_dir / LOCK_NAME} (waited {timeout:.0f} s); nothing was touched. "
            "Run again when it has finished."
        ) from None
    try:
        yield
    finally:
        lock.release()
