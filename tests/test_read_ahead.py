"""Reading the catalog ahead (while Prefect starts): the run takes that read only when the
catalog is still exactly what was read; any change and the run reads it again itself."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from test_parsecache import rendered, seed  # noqa: F401 - seed is a fixture

from enrich import catalog as catalog_io
from enrich import parsecache
from enrich import run
from enrich.report import Report
from enrich.settings import Settings


def a_file(seed):
    return sorted(seed.rglob("*.prototxt"))[3]


def test_unchanged_catalog_is_taken_and_equals_a_fresh_read(seed, tmp_path):
    cache = tmp_path / "cache"
    ahead = catalog_io.ReadAhead(seed, None, cache)
    taken = ahead.take(seed, None, cache)
    assert taken is not None
    fresh = catalog_io.read_catalog(seed, None, cache)
    assert rendered(taken) == rendered(fresh)
    assert taken.skipped == fresh.skipped
    assert [str(error) for error in taken.errors] == [str(error) for error in fresh.errors]
    assert ahead.take(seed, None, cache) is None  # handed over once


def test_edited_file_is_read_again(seed, tmp_path):
    cache = tmp_path / "cache"
    ahead = catalog_io.ReadAhead(seed, None, cache)
    ahead._thread.join()
    target = a_file(seed)
    target.write_bytes(target.read_bytes().replace(b'title: "', b'title: "Edited ', 1))
    assert ahead.take(seed, None, cache) is None


def test_file_replaced_with_same_size_and_times_is_read_again(seed, tmp_path):
    cache = tmp_path / "cache"
    ahead = catalog_io.ReadAhead(seed, None, cache)
    ahead._thread.join()
    target = a_file(seed)
    before = target.stat()
    replacement = target.with_name("replacement.tmp")
    content = target.read_bytes()
    replacement.write_bytes(content.replace(b'title: "', b'title: "X', 1)[:-1])
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(replacement, target)  # a new inode, as an editor's atomic save makes
    assert ahead.take(seed, None, cache) is None


@pytest.mark.parametrize("change", ["added", "removed", "temporary"])
def test_added_removed_or_leftover_files_make_the_run_read_again(seed, tmp_path, change):
    cache = tmp_path / "cache"
    ahead = catalog_io.ReadAhead(seed, None, cache)
    ahead._thread.join()
    target = a_file(seed)
    if change == "added":
        shutil.copy(target, target.with_name("copy.prototxt"))
    elif change == "removed":
        target.unlink()
    else:
        (target.parent / f".{target.name}{catalog_io.TEMP_MARK}abc").write_bytes(b"half")
    assert ahead.take(seed, None, cache) is None


def test_other_catalog_or_shard_is_not_taken(seed, tmp_path):
    cache = tmp_path / "cache"
    assert catalog_io.ReadAhead(seed, None, cache).take(seed, (0, 2), cache) is None
    assert catalog_io.ReadAhead(seed, None, cache).take(seed, None, tmp_path / "other") is None


def test_the_run_takes_the_read_ahead_and_otherwise_reads(seed, tmp_path, monkeypatch):
    options = run.RunOptions(seed, tmp_path / "cache", ("arxiv",))
    run.read_ahead(options)
    run._ahead[0]._thread.join()
    real = catalog_io.read_catalog
    calls = []
    monkeypatch.setattr(catalog_io, "read_catalog", lambda *a: calls.append(a) or real(*a))
    first = run.read(options, Report(started=0.0))
    assert calls == []  # taken, not read again
    assert len(first) > 20
    target = a_file(seed)
    run.read_ahead(options)
    run._ahead[0]._thread.join()
    target.write_bytes(target.read_bytes().replace(b'title: "', b'title: "Edited ', 1))
    second = run.read(options, Report(started=0.0))
    assert len(calls) == 1  # changed meanwhile: read again, and the edit is what the run sees
    assert any(e.path == str(target) and e.info.paper.title.startswith("Edited ") for e in second)


def test_what_the_read_logs_is_logged_once_by_the_run_that_takes_it(seed, tmp_path, caplog):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / parsecache.FILENAME).write_bytes(b"not a database")
    outside = tmp_path / "outside.prototxt"
    outside.write_bytes(a_file(seed).read_bytes())
    (seed / "link.prototxt").symlink_to(outside)
    caplog.set_level("WARNING")
    ahead = catalog_io.ReadAhead(seed, None, cache)
    ahead._thread.join()
    assert caplog.records == []  # held back on the read-ahead thread
    assert ahead.take(seed, None, cache) is not None
    messages = [record.getMessage() for record in caplog.records]
    assert sum("unreadable" in message for message in messages) == 1
    assert sum("symlink to outside the catalog" in message for message in messages) == 1


def test_the_lookups_are_made_on_the_read_ahead_thread_and_only_taken_with_its_read(
    seed, tmp_path, monkeypatch
):
    # Each entry's lookups depend on the entry alone: made beside the read, while Prefect starts,
    # and taken with it; when the read is not taken, the run makes them from what it reads.
    made_on = []
    real = run.lookups_for
    monkeypatch.setattr(
        run,
        "lookups_for",
        lambda *a: made_on.append(threading.current_thread().name) or real(*a),
    )
    options = run.RunOptions(seed, tmp_path / "cache", ("arxiv",), offline=True)
    settings = Settings.from_env({"ARXIV_API_URL": "http://127.0.0.1:9"})  # offline: never asked
    run.read_ahead(options)
    run._ahead[0]._thread.join()
    first = run.run(options, settings)
    assert made_on == ["read-ahead"]
    assert first.papers_read > 20
    run.read_ahead(options)
    run._ahead[0]._thread.join()
    target = a_file(seed)
    target.write_bytes(target.read_bytes().replace(b'title: "', b'title: "Edited ', 1))
    second = run.run(options, settings)
    assert made_on == ["read-ahead", "read-ahead", threading.current_thread().name]
    assert second.papers_read == first.papers_read
