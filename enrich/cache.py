"""Every source answer, per source and key, with when it was fetched: one SQLite file.

SQLite (WAL, busy timeout) stays fast at tens of thousands of answers and is safe for two
processes at once; answers hold only what the APIs returned, never a credential."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from enrich import jsontext

log = logging.getLogger(__name__)

DAY = 24 * 3600.0
WEEK = 7 * DAY
FOUND, NOT_FOUND = "found", "not_found"

# How long an answer stays fresh: (found, not found) in seconds; None = forever (only
# --refresh asks again). Each source declares one per cache namespace it uses (its
# `expiry`); a namespace nobody declared is an error, never a silent default.
Expiry = tuple[float | None, float | None]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    payload TEXT,
    etag TEXT,
    fetched_at REAL NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID
"""

# What planning reads (Cache.stamps), apart from the payloads. A payload of ~2 KB (an arXiv or
# Semantic Scholar record) spills into overflow pages and `fetched_at`, stored after it, with it:
# without this index each stamp is read from there. Measured at 20,000 papers, Semantic
# Scholar's 20,000 stamps: 0.33 s -> 0.15 s; it also answers the `count(*)` each opening does.
# Created on an existing cache by its first opening (0.5 s for 120,000 answers, once).
_STAMPS_INDEX = """
CREATE INDEX IF NOT EXISTS answers_stamps ON answers (source, key, status, fetched_at)
"""


@dataclass(frozen=True)
class Answer:
    """One cached answer: `payload` is the source's record as JSON data (for a "not found",
    None or whatever the source noted about it, e.g. a rejected title-search candidate)."""

    source: str
    key: str
    status: str
    payload: Any
    etag: str | None
    fetched_at: float

    def is_fresh(self, now: float, expiry: Expiry) -> bool:
        return is_fresh(self.status, self.fetched_at, now, expiry)


def is_fresh(status: str, fetched_at: float, now: float, expiry: Expiry) -> bool:
    """Whether an answer of this status, fetched then, is still good at `now`."""
    found_age, missing_age = expiry
    max_age = found_age if status == FOUND else missing_age
    return max_age is None or now - fetched_at < max_age


_ROWS_PER_INSERT = 150  # 900 parameters: within SQLite's oldest limit (999)


class Cache:
    """Thread-safe access to the cache database in `folder` (created if missing)."""

    FILENAME = "enrich-cache.sqlite3"

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / self.FILENAME
        self._lock = threading.Lock()
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        for attempt in range(50):
            try:
                return self._connect()
            except sqlite3.OperationalError as error:
                # Another process or thread is creating the database or switching it to WAL:
                # busy, not broken. Only a file that is not a database is moved aside.
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                time.sleep(0.05 * (attempt + 1))
            except sqlite3.DatabaseError as error:
                aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
                log.warning(
                    "cache %s is unreadable (%s): moved aside to %s, starting empty",
                    self.path,
                    error,
                    aside,
                )
                self.path.replace(aside)
        return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 60000")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute(
                    "PRAGMA journal_mode = WAL"
                )  # persistent: only the first opener switches
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute(_SCHEMA)
            db.execute(_STAMPS_INDEX)
            db.execute("SELECT count(*) FROM answers").fetchone()
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def get_many(
        self,
        source: str,
        keys: Iterable[str],
        decode: Callable[[dict[str, Any]], object] | None = None,
    ) -> dict[str, Answer]:
        """Cached answers for `keys` (fresh or not); unreadable entries are left out (a miss).
        With `decode`, a found answer's payload is the record it decodes to (and a payload
        that no longer decodes is a miss): only records stay in memory, not JSON trees."""
        found: dict[str, Answer] = {}
        # json(payload): the packed query carries each payload as JSON, not as a JSON string to
        # decode a second time (17,600 cached arXiv records on a nightly run at 20,000 papers).
        for key, status, payload, etag, fetched_at in self._select(
            "status, json(payload), etag", source, keys
        ):
            answer = _decode(source, key, status, payload, etag, fetched_at, decode)
            if answer is not None:
                found[key] = answer
        return found

    def stamps(self, source: str, keys: Iterable[str]) -> dict[str, tuple[str, float]]:
        """(status, fetched_at) of the cached answers for `keys`, without decoding their
        payloads: what planning needs to tell fresh from stale."""
        return {
            key: (status, float(fetched_at))
            for key, status, fetched_at in self._select("status", source, keys)
            if isinstance(fetched_at, (int, float))  # else corrupt: a miss
        }

    def _select(self, columns: str, source: str, keys: Iterable[str]) -> Iterator[tuple[Any, ...]]:
        """(key, *columns, fetched_at) of the rows for `keys`, 500 keys a query, yielded a query
        at a time (the caller decodes one query's rows before the next are read).

        Each query returns its rows as one JSON array (SQLite's json_group_array) rather than
        row by row: Python's sqlite3 lets go of the GIL at every row, and while other fetch
        threads are busy each row then waits for it again — measured, 38,000 rows took 40 s
        beside one busy thread instead of 0.2 s. Where SQLite has no JSON functions, or a row
        holds what JSON cannot (a corrupt BLOB), rows are read one by one."""
        wanted = list(dict.fromkeys(keys))
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                where = f"FROM answers WHERE source = ? AND key IN ({marks})"
                try:
                    # fetched_at as exact text (JSON's number form keeps 15 digits), or null
                    # when it is not a number (corrupt: a miss).
                    (packed,) = self._db.execute(
                        f"SELECT json_group_array(json_array(key, {columns}, CASE WHEN "
                        "typeof(fetched_at) IN ('real', 'integer') THEN printf('%.17g', "
                        f"fetched_at) END)) {where}",
                        [source, *chunk],
                    ).fetchone()
                    # The standard library, not enrich.jsontext: it shares each key's string
                    # across the query's rows; orjson here raised a warm 20,000 run's peak RSS
                    # by 9 MB (497 -> 508 MB, against 500), measured.
                    rows: list[tuple[Any, ...]] = [
                        (*row[:-1], None if row[-1] is None else float(row[-1]))
                        for row in json.loads(packed)
                    ]
                except (sqlite3.OperationalError, ValueError, TypeError):
                    plain = columns.replace("json(payload)", "payload")  # each row as stored
                    rows = self._db.execute(
                        f"SELECT key, {plain}, fetched_at {where}", [source, *chunk]
                    ).fetchall()
                yield from rows

    def put_many(self, answers: Iterable[Answer]) -> None:
        rows = [
            (
                a.source,
                a.key,
                a.status,
                None if a.payload is None else jsontext.dumps(a.payload),
                a.etag,
                a.fetched_at,
            )
            for a in answers
        ]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                # Many rows a statement, not executemany: one GIL hand-over per statement
                # instead of per row (see _select). An upsert, not INSERT OR REPLACE (a delete
                # and an insert): SQLite then rewrites only the bytes that changed, so an
                # answer asked again and unchanged but for its date dirties no payload page.
                for start in range(0, len(rows), _ROWS_PER_INSERT):
                    chunk = rows[start : start + _ROWS_PER_INSERT]
                    self._db.execute(
                        "INSERT INTO answers VALUES "
                        + ",".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk))
                        + " ON CONFLICT (source, key) DO UPDATE SET status = excluded.status, "
                        "payload = excluded.payload, etag = excluded.etag, "
                        "fetched_at = excluded.fetched_at",
                        [value for row in chunk for value in row],
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def touch_many(self, source: str, keys: Iterable[str], when: float) -> None:
        """Mark answers as checked at `when` without changing them (e.g. HTTP 304)."""
        rows = [(when, source, key) for key in keys]
        with self._lock:
            self._db.executemany(
                "UPDATE answers SET fetched_at = ? WHERE source = ? AND key = ?", rows
            )


def _decode(
    source: str,
    key: str,
    status: str,
    payload: Any,  # the stored JSON text, or already decoded (Cache._select's packed query)
    etag: str | None,
    fetched_at: float,
    decode: Callable[[dict[str, Any]], object] | None = None,
) -> Answer | None:
    try:
        data = jsontext.loads(payload) if isinstance(payload, (str, bytes, bytearray)) else payload
        if status not in (FOUND, NOT_FOUND) or (status == FOUND and not isinstance(data, dict)):
            raise ValueError(f"bad status/payload {status!r}")
        if status == FOUND and decode is not None and isinstance(data, dict):
            data = decode(data)
        return Answer(source, key, status, data, etag, float(fetched_at))
    except (ValueError, TypeError, KeyError) as error:
        log.warning("cache entry %s/%s is corrupt (%s): fetching it again", source, key, error)
        return None
