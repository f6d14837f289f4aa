"""Find, read and write catalog files. Reading never changes a file; writing is atomic
(temporary file in the same folder, fsync, rename) and only happens when content changes."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from enrich import parsecache
from enrich.errors import CatalogError
from enrich.parsecache import ParseCache
from enrich.records import Entry
from enrich.schema import paper_pb2

log = logging.getLogger(__name__)

SUFFIX = ".prototxt"
TEMP_MARK = ".enrich-tmp-"
MAX_FILE_BYTES = 5 * 1024 * 1024
_NON_PAPER = (paper_pb2.SearchWord, paper_pb2.RepoList)


@dataclass
class Catalog:
    """What a walk of the catalog folder found."""

    entries: list[Entry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(
        default_factory=list
    )  # (path, why): non-paper or empty files
    errors: list[CatalogError] = field(default_factory=list)
    removed_temporaries: list[str] = field(default_factory=list)


def parse_shard(text: str) -> tuple[int, int]:
    """'K/N' -> (K, N) with 0 <= K < N; ValueError otherwise."""
    index, _, count = text.partition("/")
    shard = int(index), int(count)
    if not 0 <= shard[0] < shard[1]:
        raise ValueError(f"shard {text!r}: expected K/N with 0 <= K < N")
    return shard


def in_shard(root: Path, path: Path, shard: tuple[int, int] | None) -> bool:
    """Whether a file belongs to shard K of N: by a stable hash of its path in the catalog."""
    if shard is None:
        return True
    relative = path.relative_to(root).as_posix().encode("utf-8")
    return int.from_bytes(hashlib.sha1(relative).digest()[:8], "big") % shard[1] == shard[0]


@dataclass(frozen=True)
class Scan:
    """One walk of a catalog folder: its entry files (see find_files) and the temporary files a
    killed run left behind (anything named `.<name>.enrich-tmp-…`, not yet checked to be a file)."""

    files: list[Path]
    temporaries: list[Path]


def _entries(top: str) -> Iterator[os.DirEntry[str]]:
    """Every directory entry under `top`, in the folders `Path.rglob` visits: symlinked folders
    are not entered, unreadable ones are skipped. os.scandir on strings rather than rglob: at
    20,000 files rglob's Path objects (made, hashed, compared) cost most of a walk."""
    folders = [top]
    while folders:
        try:
            with os.scandir(folders.pop()) as found:
                for entry in found:
                    yield entry
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(entry.path)
                    except OSError:
                        pass
        except OSError:
            continue


def scan(root: Path) -> Scan:
    """Walk the catalog once: every *.prototxt under root, sorted, each file once (symlinks
    leading outside the catalog, dangling or looping are not followed; a link to an entry is the
    entry itself, its path kept), and the temporaries."""
    files, temporaries = scan_names(root)
    return Scan([Path(name) for name in files], [Path(name) for name in temporaries])


def scan_names(root: Path) -> tuple[list[str], list[str]]:
    """scan() as path strings (the read-ahead's check that nothing changed compares 20,000 of
    them, where making them Paths alone took longer than the check)."""
    inside = os.path.realpath(root).rstrip("/") + "/"
    real_folders: dict[str, str] = {}  # a folder resolved once, not once per file in it
    by_file: dict[str, list[str]] = {}
    temporaries: list[str] = []
    for entry in _entries(str(root)):
        name = entry.name
        if name.startswith(".") and TEMP_MARK in name:
            if TEMP_MARK in name[1:]:  # what the glob `.*<mark>*` matches
                temporaries.append(entry.path)
            continue
        if not name.endswith(SUFFIX):
            continue
        path = entry.path
        try:
            if entry.is_symlink():
                real = os.path.realpath(path, strict=True)
                regular = os.path.isfile(real)
            else:
                folder_name = os.path.dirname(path)
                folder = real_folders.get(folder_name)
                if folder is None:
                    folder = real_folders[folder_name] = os.path.realpath(folder_name, strict=True)
                real, regular = f"{folder}/{name}", entry.is_file(follow_symlinks=False)
        except OSError:  # dangling link, or a loop (realpath(strict=True) raises OSError)
            log.warning("%s: broken or looping symlink, not followed", Path(path))
            continue
        if not real.startswith(inside):
            log.warning("%s: symlink to outside the catalog, not followed", Path(path))
            continue
        if regular:
            by_file.setdefault(real, []).append(path)
    chosen = (
        paths[0] if len(paths) == 1 else min(paths, key=lambda p: (os.path.islink(p), p))
        for paths in by_file.values()
    )
    # In Path order (by parts): the walk's paths are joined with "/" from str(root), normalized.
    return sorted(chosen, key=lambda p: p.split("/")), temporaries


def find_files(root: Path) -> list[Path]:
    """Every *.prototxt under root, sorted, each file once (see scan)."""
    return scan(root).files


def remove_temporaries(
    root: Path, shard: tuple[int, int] | None = None, found: Scan | None = None
) -> list[str]:
    """Delete temporary files a killed run left behind (a shard only its own); returns their paths.
    `found`: the catalog's walk, when the caller has made it."""
    removed = []
    for path in (found or scan(root)).temporaries:
        target = path.with_name(path.name[1:].split(TEMP_MARK, 1)[0])
        if path.is_file() and not path.is_symlink() and in_shard(root, target, shard):
            path.unlink(missing_ok=True)
            removed.append(str(path))
    return removed


def parse_entry(path: str, raw: bytes) -> Entry | None:
    """A PaperInfo from file bytes; None for upstream's non-paper files; CatalogError otherwise."""
    if len(raw) > MAX_FILE_BYTES:
        raise CatalogError(
            path,
            f"file is {len(raw)} bytes, larger than any catalog entry ({MAX_FILE_BYTES})",
            hint="check it is a catalog entry",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise CatalogError(path, "not UTF-8 text", line, column, "save the file as UTF-8") from None
    if "\x00" in text:
        raise CatalogError(
            path,
            "binary file, not protobuf text",
            hint="remove it or replace it with a PaperInfo entry",
        )
    info = paper_pb2.PaperInfo()
    try:
        text_format.Parse(text, info)
    except text_format.ParseError as error:
        for other in _NON_PAPER:
            try:
                text_format.Parse(text, other())
                return None
            except text_format.ParseError:
                pass
        message = str(error)
        if error.GetLine() and ":" in message:
            message = message.split(" : ", 1)[-1] if " : " in message else message
        raise CatalogError(
            path,
            message,
            error.GetLine() or 0,
            error.GetColumn() or 0,
            "fix this line (fields are those of efficient_paper.PaperInfo); the file was left untouched",
        ) from None
    return Entry(path, info)


def read_catalog(
    root: Path, shard: tuple[int, int] | None = None, cache_dir: Path | None = None
) -> Catalog:
    """Every entry of the catalog (or of one shard of it), non-paper files and unreadable ones.
    With `cache_dir`, a file whose bytes were parsed by an earlier run is taken from the parse
    cache (enrich/parsecache.py) instead of being parsed again; the result is the same."""
    found = scan(root)  # the temporaries are never among its files: one walk serves both
    catalog = Catalog(removed_temporaries=remove_temporaries(root, shard, found))
    paths = [path for path in found.files if in_shard(root, path, shard)]
    seen = _read_paths(paths, catalog, cache_dir)
    if cache_dir is not None and shard is None:
        with ParseCache(cache_dir) as store:
            store.keep_only(seen)
    return catalog


def _read_paths(paths: list[Path], catalog: Catalog, cache_dir: Path | None) -> set[bytes]:
    """Read `paths` into `catalog`; the digests of the files read."""
    store = ParseCache(cache_dir) if cache_dir is not None else None
    seen: set[bytes] = set()
    try:
        # In slices: only a slice's bytes are held at once, and one query asks for all of them.
        for start in range(0, len(paths), 500):
            _read_slice(paths[start : start + 500], catalog, store, seen)
    finally:
        if store is not None:
            store.close()
    return seen


Stamp = tuple[int, int, int, int]  # inode, size, mtime ns, ctime ns of the file a path names


def _stamps(paths: Sequence[str | Path]) -> list[Stamp] | None:
    """Each file's Stamp (links followed); None when one cannot be read."""
    stamps = []
    try:
        for path in paths:
            status = os.stat(path)
            stamps.append((status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    except OSError:
        return None
    return stamps


class ReadAhead:
    """The catalog read on a thread before the run needs it: the command starts it while Prefect
    starts (its temporary server takes seconds in which this process only waits), and the run
    takes it instead of reading.

    Never trusted blindly: each file is stat'ed before it is read, and `take` hands the read over
    only when the catalog still holds exactly the same files with the same inode, size, mtime and
    ctime (an edited or replaced file changes them), and no temporary file of a killed run is
    left to remove; otherwise it gives None and the run reads the catalog itself. Reading ahead
    changes no file (no temporaries removed, the parse cache not pruned: that waits for the run,
    which holds the run lock); the parse cache only gains the parses of files it lacked."""

    # What the read logs on its thread is held back (outside the run, Prefect's log handler
    # would warn that it has no flow run) and logged by `take` in the run, if the read is taken.
    _LOGGERS = ("enrich.catalog", "enrich.parsecache")

    def __init__(
        self,
        root: Path,
        shard: tuple[int, int] | None,
        cache_dir: Path | None,
        then: Callable[[list[Entry]], object] | None = None,
    ):
        """`then(entries)`: more work on the entries read, on the same thread; its result is
        `derived` once `take` has handed the read over (None otherwise)."""
        self.key = (root, shard, cache_dir)
        self._then = then
        self.derived: object = None
        self._result: tuple[list[Path], list[Stamp], Catalog, set[bytes], object] | None = None
        self._held: list[logging.LogRecord] = []
        self._thread = threading.Thread(target=self._read, name="read-ahead", daemon=True)
        for name in self._LOGGERS:
            logging.getLogger(name).addFilter(self._hold)
        self._thread.start()

    def _hold(self, record: logging.LogRecord) -> bool:
        if record.thread != self._thread.ident or record.threadName != self._thread.name:
            return True
        self._held.append(record)
        return False

    def _read(self) -> None:
        root, shard, cache_dir = self.key
        try:
            paths = [path for path in find_files(root) if in_shard(root, path, shard)]
            stamps = _stamps(paths)
            if stamps is None:
                return
            catalog = Catalog()
            seen = _read_paths(paths, catalog, cache_dir)
            derived = self._then(catalog.entries) if self._then is not None else None
        except Exception:  # whatever went wrong, the run's own read meets it and reports it
            log.debug("read-ahead failed; the run reads the catalog", exc_info=True)
            return
        self._result = paths, stamps, catalog, seen, derived

    def take(
        self, root: Path, shard: tuple[int, int] | None, cache_dir: Path | None
    ) -> Catalog | None:
        """The catalog as read ahead, if it is still the catalog (see the class); else None."""
        self._thread.join()
        for name in self._LOGGERS:
            logging.getLogger(name).removeFilter(self._hold)
        held, self._held = self._held, []
        result, self._result = self._result, None
        if result is None or (root, shard, cache_dir) != self.key:
            return None
        paths, stamps, catalog, seen, derived = result
        names, temporaries = scan_names(root)  # logs its own warnings
        if temporaries:
            return None  # a killed run's leftovers: the run's read removes them
        if shard is not None:
            names = [name for name in names if in_shard(root, Path(name), shard)]
        if names != [str(path) for path in paths] or _stamps(names) != stamps:
            return None
        for record in held:
            if record.funcName not in ("scan", "scan_names"):  # scanned again just now
                logging.getLogger(record.name).handle(record)
        if cache_dir is not None and shard is None:
            with ParseCache(cache_dir) as store:
                store.keep_only(seen)
        self.derived = derived
        return catalog


def _read_slice(
    paths: list[Path], catalog: Catalog, store: ParseCache | None, seen: set[bytes]
) -> None:
    contents: list[tuple[Path, bytes, bytes]] = []
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as error:
            catalog.errors.append(
                CatalogError(str(path), f"cannot read: {error.strerror}", hint="check permissions")
            )
            continue
        contents.append((path, raw, parsecache.digest(raw) if store is not None else b""))
    stored = store.get_many(key for _, _, key in contents) if store is not None else {}
    parsed: list[tuple[bytes, int, bytes]] = []
    for path, raw, key in contents:
        entry = _from_store(str(path), stored.get(key)) if key in stored else _MISS
        if isinstance(entry, _Miss):
            try:
                entry = parse_entry(str(path), raw)
            except (
                CatalogError
            ) as error:  # never stored: a bad file is parsed (and reported) every run
                catalog.errors.append(error)
                continue
            if store is not None:
                parsed.append(
                    (key, parsecache.NOT_A_PAPER, b"")
                    if entry is None
                    else (key, parsecache.PAPER, entry.info.SerializeToString())
                )
        seen.add(key)
        if entry is None:
            catalog.skipped.append((str(path), "not a paper"))
        elif not entry.info.ListFields():
            catalog.skipped.append((str(path), "empty file"))
        else:
            catalog.entries.append(entry)
    if store is not None:
        store.put_many(parsed)


class _Miss:
    """No usable stored parse: the file is parsed."""


_MISS = _Miss()


def _from_store(path: str, stored: tuple[int, bytes] | None) -> Entry | None | _Miss:
    """The Entry (or None: not a paper) a stored parse gives; _MISS if it does not decode."""
    if stored is None:
        return _MISS
    kind, message = stored
    if kind == parsecache.NOT_A_PAPER:
        return None
    try:
        return Entry(path, paper_pb2.PaperInfo.FromString(message))
    except DecodeError:
        log.warning("%s: stored parse does not decode: parsing the file again", path)
        return _MISS


def remember_written(cache_dir: Path, written: list[tuple[bytes, bytes]]) -> None:
    """Store the parse of files this run wrote, as (file bytes, binary form of the message they
    were printed from): protobuf's text printing parses back to that message exactly, so the
    next run need not parse them."""
    if not written:
        return
    with ParseCache(cache_dir) as store:
        store.put_many(
            (parsecache.digest(content), parsecache.PAPER, message) for content, message in written
        )


def render(info: paper_pb2.PaperInfo) -> bytes:
    """The file content for an entry: protobuf's own text printer, UTF-8 strings."""
    return text_format.MessageToString(info, as_utf8=True).encode("utf-8")


def write_entry(path: str, content: bytes) -> None:
    """Replace one file atomically (see write_entries)."""
    errors = write_entries([(path, content)])
    if errors:
        raise errors[path]


def write_entries(items: list[tuple[str, bytes]], workers: int = 8) -> dict[str, CatalogError]:
    """Replace files atomically: a killed run leaves each file old or new, never half.
    Temporary files (same folder) are written and fsynced in parallel, then renamed over their
    targets, then each folder is fsynced once. Returns the files that could not be written."""
    errors: dict[str, CatalogError] = {}
    for start in range(0, len(items), 256):
        with ThreadPoolExecutor(workers) as pool:
            prepared = list(pool.map(_prepare, items[start : start + 256]))
        folders = set()
        for path, target, temporary, error in prepared:
            if error is not None or temporary is None:
                errors[path] = error or CatalogError(path, "cannot write")
                continue
            try:
                os.replace(temporary, target)
            except OSError as failure:
                Path(temporary).unlink(missing_ok=True)
                errors[path] = CatalogError(
                    path, f"cannot write: {failure.strerror}", hint="check permissions"
                )
                continue
            folders.add(target.parent)
        for folder in folders:
            handle = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)
    return errors


def _prepare(item: tuple[str, bytes]) -> tuple[str, Path, str | None, CatalogError | None]:
    """(path, target, temporary, error): the new content written and fsynced beside the target."""
    path, content = item
    target = Path(path)
    try:
        if (
            target.is_symlink()
        ):  # a link inside the catalog: update the file it names, keep the link
            target = target.resolve(strict=True)
        if (
            not os.access(target, os.W_OK) or target.stat().st_mode & 0o222 == 0
        ):  # root ignores permissions
            raise CatalogError(
                path,
                "file is read-only: not updated",
                hint="make it writable to let the run update it",
            )
        mode = target.stat().st_mode & 0o7777
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARK}", dir=target.parent)
    except CatalogError as error:
        return path, target, None, error
    except (OSError, RuntimeError) as error:
        return (
            path,
            target,
            None,
            CatalogError(
                path,
                f"cannot write: {getattr(error, 'strerror', None) or error}",
                hint="check permissions",
            ),
        )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        return (
            path,
            target,
            None,
            CatalogError(
                path, f"cannot write: {error.strerror}", hint="check free space and permissions"
            ),
        )
    return path, target, temporary, None


def create_entry(path: str, content: bytes) -> None:
    """Write a new file, never over an existing one: the content is written and fsynced beside it,
    then hard-linked to its name (which fails if the name exists), so it appears whole or not at all."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}{TEMP_MARK}", dir=target.parent)
    except OSError as error:
        raise CatalogError(
            path, f"cannot write: {error.strerror}", hint="check permissions"
        ) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.link(temporary, target)
    except FileExistsError:
        raise CatalogError(
            path,
            "a file with this name already exists: not overwritten",
            hint="run the command again",
        ) from None
    except OSError as error:
        raise CatalogError(
            path, f"cannot write: {error.strerror}", hint="check free space and permissions"
        ) from None
    finally:
        Path(temporary).unlink(missing_ok=True)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
