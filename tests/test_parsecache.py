"""The parse cache: unchanged bytes are not parsed again, anything else always is."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest
from conftest import ROOT, snapshot

from enrich import catalog as catalog_io
from enrich import parsecache
from enrich.schema import paper_pb2


@pytest.fixture
def parses(monkeypatch):
    """Every text parse of a PaperInfo the catalog module makes, as a list of the texts parsed."""
    parsed: list[str] = []
    real = catalog_io.text_format.Parse

    def counting(text, message, *args, **kwargs):
        if isinstance(message, paper_pb2.PaperInfo):
            parsed.append(text)
        return real(text, message, *args, **kwargs)

    monkeypatch.setattr(catalog_io.text_format, "Parse", counting)
    return parsed


@pytest.fixture
def seed(tmp_path):
    target = tmp_path / "meta"
    shutil.copytree(ROOT / "meta", target)
    return target


def rendered(found: catalog_io.Catalog) -> dict[str, bytes]:
    return {entry.path: catalog_io.render(entry.info) for entry in found.entries}


def test_unchanged_files_are_not_parsed_again(seed, tmp_path, parses):
    first = catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    assert len(parses) == len(first.entries) + len(first.skipped) > 0
    parses.clear()
    second = catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    assert parses == []
    assert rendered(second) == rendered(first)
    assert second.skipped == first.skipped and [str(e) for e in second.errors] == [
        str(e) for e in first.errors
    ]


def test_edited_file_is_parsed_again_even_with_same_size_and_mtime(seed, tmp_path, parses):
    catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    target = sorted(seed.rglob("*.prototxt"))[0]
    before = target.stat()
    text = target.read_bytes()
    edited = text.replace(b'title: "', b'title: "X', 1)[:-1] if text.endswith(b"\n") else None
    assert edited is not None and len(edited) == len(text) and edited != text
    target.write_bytes(edited)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    parses.clear()
    found = catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    assert parses == [edited.decode("utf-8")]
    entry = next(e for e in found.entries if e.path == str(target))
    assert entry.info.paper.title.startswith("X")


def test_same_bytes_under_another_name_reuse_the_parse(seed, tmp_path, parses):
    catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    source = sorted(seed.rglob("*.prototxt"))[0]
    (seed / "copy-of-an-entry.prototxt").write_bytes(source.read_bytes())
    parses.clear()
    found = catalog_io.read_catalog(seed, cache_dir=tmp_path / "cache")
    assert parses == []
    paths = [e.path for e in found.entries]
    assert str(seed / "copy-of-an-entry.prototxt") in paths and str(source) in paths


def test_bad_files_are_reported_every_run(tmp_path, parses):
    root = tmp_path / "meta"
    root.mkdir()
    (root / "bad.prototxt").write_bytes(b'paper {\n  titel: "typo"\n}\n')
    for _ in range(2):
        found = catalog_io.read_catalog(root, cache_dir=tmp_path / "cache")
        assert [f"{e.path}:{e.line}" for e in found.errors] == [f"{root}/bad.prototxt:2"]


def test_store_that_is_not_a_database_is_a_miss(seed, tmp_path, parses):
    expected = rendered(catalog_io.read_catalog(seed))
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / parsecache.FILENAME).write_bytes(b"not a database at all" * 100)
    parses.clear()
    assert rendered(catalog_io.read_catalog(seed, cache_dir=cache)) == expected
    assert len(parses) == len(expected)
    parses.clear()
    assert rendered(catalog_io.read_catalog(seed, cache_dir=cache)) == expected
    assert parses == []  # a new store was started


def test_damaged_row_is_a_miss_not_a_wrong_entry(seed, tmp_path, parses):
    cache = tmp_path / "cache"
    expected = rendered(catalog_io.read_catalog(seed, cache_dir=cache))
    target = sorted(seed.rglob("*.prototxt"))[0]
    other = paper_pb2.PaperInfo()
    other.paper.title = "Some other paper"
    with sqlite3.connect(cache / parsecache.FILENAME) as db:
        changed = db.execute(
            "UPDATE parsed SET message = ? WHERE digest = ?",
            (other.SerializeToString(), parsecache.digest(target.read_bytes())),
        ).rowcount
    assert changed == 1
    parses.clear()
    assert rendered(catalog_io.read_catalog(seed, cache_dir=cache)) == expected
    assert parses == [target.read_text("utf-8")]


def test_schema_change_drops_every_stored_parse(seed, tmp_path, parses, monkeypatch):
    cache = tmp_path / "cache"
    catalog_io.read_catalog(seed, cache_dir=cache)
    monkeypatch.setattr(parsecache, "FORMAT", parsecache.FORMAT + 1)
    parses.clear()
    found = catalog_io.read_catalog(seed, cache_dir=cache)
    assert len(parses) == len(found.entries) + len(found.skipped)


def test_files_the_run_wrote_are_stored_as_they_parse(api, catalog, tmp_path, run):
    outcome = run(catalog_dir=catalog)
    assert outcome.code in (0, 1), outcome.out
    written = snapshot(catalog)
    with sqlite3.connect(tmp_path / "cache" / parsecache.FILENAME) as db:
        stored = dict(
            db.execute("SELECT digest, message FROM parsed WHERE kind = ?", (parsecache.PAPER,))
        )
    checked = 0
    for name, content in written.items():
        entry = catalog_io.parse_entry(name, content)
        if entry is not None and entry.info.ListFields():
            assert (
                paper_pb2.PaperInfo.FromString(stored[parsecache.digest(content)]) == entry.info
            ), name
            checked += 1
    assert checked > 0


def test_command_outputs_are_the_same_with_or_without_stored_parses(api, catalog, tmp_path, run):
    assert run(catalog_dir=catalog).code in (0, 1)
    target = sorted(catalog.rglob("*.prototxt"))[0]
    target.write_bytes(target.read_bytes().replace(b'title: "', b'title: "Edited ', 1))
    without = tmp_path / "without"
    shutil.copytree(catalog, without)
    shutil.copytree(tmp_path / "cache", tmp_path / "cache-without")
    (tmp_path / "cache-without" / parsecache.FILENAME).unlink()
    with_store = run("--offline", catalog_dir=catalog)
    without_store = run("--offline", catalog_dir=without, cache_dir=tmp_path / "cache-without")
    assert with_store.code == without_store.code
    assert snapshot(catalog) == snapshot(without)
    assert "Edited " in target.read_text("utf-8")
