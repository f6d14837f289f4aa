"""The last runs' parses of catalog files, keyed by the SHA-256 of the file's bytes.

Parsing protobuf text is most of what reading a large unchanged catalog costs; decoding the
same message from its binary form is ~20x faster. A stored parse is used only for a file whose
bytes hash to the same digest, so an edited file (any byte) is always parsed again; the time a
file was modified plays no part. Each row also carries a checksum of what it stores, so a
damaged row is a miss, not a wrong entry. The whole store is dropped when the schema
(`paper_pb2`'s descriptor), the protobuf version or FORMAT changes: a parse made under another
schema is never used. Anything wrong with the store (missing, not a database, locked for too
long) makes it a miss for this run: the catalog is parsed as if it did not exist.

One SQLite file in the cache folder (WAL: shards running at once share it safely)."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import google.protobuf

from enrich.schema import paper_pb2

log = logging.getLogger(__name__)

FILENAME = "parsed-entries.sqlite3"
# Bump when what a stored parse means changes without the schema changing (e.g. parse rules).
FORMAT = 1
PAPER, NOT_A_PAPER = (
    1,
    2,
)  # kinds: a PaperInfo (message = its binary form), or upstream's other files

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS about (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS parsed (digest BLOB PRIMARY KEY, kind INTEGER NOT NULL, message BLOB NOT NULL,"
    " checksum BLOB NOT NULL) WITHOUT ROWID",
)


def fingerprint() -> str:
    """What a stored parse depends on besides the file's bytes: the schema, protobuf, FORMAT."""
    text = (
        f"{FORMAT}\0{google.protobuf.__version__}\0".encode() + paper_pb2.DESCRIPTOR.serialized_pb
    )
    return hashlib.sha256(text).hexdigest()


def digest(content: bytes) -> bytes:
    return hashlib.sha256(content).digest()


def _checksum(key: bytes, kind: int, message: bytes) -> bytes:
    return hashlib.blake2b(key + bytes([kind]) + message, digest_size=16).digest()


class ParseCache:
    """Stored parses in `folder` (created if missing). Never raises for a broken store: it
    logs a warning and behaves as an empty one."""

    def __init__(self, folder: Path):
        self.path = folder / FILENAME
        self._db: sqlite3.Connection | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error) as error:
            self._give_up("cannot be opened", error)

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError) and (
                "locked" in str(error) or "busy" in str(error)
            ):
                raise
            # Not a database (or damaged): it only ever held copies of parses; start a new one.
            log.warning("parse cache %s is unreadable (%s): starting a new one", self.path, error)
            for stale in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                stale.unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            for statement in _SCHEMA:
                db.execute(statement)
            current = fingerprint()
            row = db.execute("SELECT value FROM about WHERE name = 'fingerprint'").fetchone()
            if row is None or row[0] != current:
                db.execute("BEGIN IMMEDIATE")
                db.execute("DELETE FROM parsed")  # parses made under another schema: never used
                db.execute("INSERT OR REPLACE INTO about VALUES ('fingerprint', ?)", (current,))
                db.execute("COMMIT")
        except BaseException:
            db.close()
            raise
        return db

    def _give_up(self, what: str, error: BaseException) -> None:
        log.warning("parse cache %s %s (%s): parsing every file this run", self.path, what, error)
        if self._db is not None:
            self._db.close()
        self._db = None

    def get_many(self, digests: Iterable[bytes]) -> dict[bytes, tuple[int, bytes]]:
        """Stored (kind, message) per digest; absent, unreadable or damaged rows are left out."""
        if self._db is None:
            return {}
        wanted = list(dict.fromkeys(digests))
        found: dict[bytes, tuple[int, bytes]] = {}
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                rows = self._db.execute(
                    f"SELECT digest, kind, message, checksum FROM parsed WHERE digest IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                for key, kind, message, checksum in rows:
                    if (
                        isinstance(key, bytes)
                        and isinstance(message, bytes)
                        and kind in (PAPER, NOT_A_PAPER)
                        and checksum == _checksum(key, kind, message)
                    ):
                        found[key] = (kind, message)
                    else:
                        log.warning(
                            "parse cache: a damaged row (%s): parsing that file again",
                            key.hex()[:12] if isinstance(key, bytes) else key,
                        )
        except sqlite3.Error as error:
            self._give_up("cannot be read", error)
            return {}
        return found

    def put_many(self, rows: Iterable[tuple[bytes, int, bytes]]) -> None:
        """Store (digest, kind, message) rows; a store that cannot be written is left as it is."""
        values = [
            (key, kind, message, _checksum(key, kind, message)) for key, kind, message in rows
        ]
        if self._db is None or not values:
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO parsed VALUES (?, ?, ?, ?)", values)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            self._give_up("cannot be written", error)

    def keep_only(self, digests: set[bytes]) -> None:
        """Forget every parse whose bytes are no longer in the catalog (after reading all of it)."""
        if self._db is None:
            return
        try:
            stale = [
                (key,)
                for (key,) in self._db.execute("SELECT digest FROM parsed")
                if key not in digests
            ]
            if stale:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("DELETE FROM parsed WHERE digest = ?", stale)
                self._db.execute("COMMIT")
        except sqlite3.Error as error:
            self._give_up("cannot be pruned", error)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> ParseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
