"""Reading and writing catalog files: what is skipped, what is reported, what is never touched."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

from conftest import snapshot

from enrich import catalog as catalog_io
from enrich.schema import paper_pb2

ENTRY = b"""paper {
  title: "RPTQ: Reorder-based Post-training Quantization for Large Language Models"
  abbr: "abbr"
  url: "https://arxiv.org/abs/2304.01089"
  authors: "Name1"
}
"""


def test_catalog_in_year_folders_with_upstream_search_files(api, tmp_path, run):
    root = tmp_path / "meta"
    (root / "2023").mkdir(parents=True)
    (root / "search").mkdir()
    (root / "2023" / "Týr-the-Pruner.prototxt").write_bytes(ENTRY)
    search_words = b'background_words: "pruning"\nkey_words: "sparse"\nexclude_words: "survey"\n'
    repo_list = b'repo_url: "https://github.com/a/b"\n'
    (root / "search" / "words.prototxt").write_bytes(search_words)
    (root / "search" / "repos.prototxt").write_bytes(repo_list)
    outcome = run("--sources", "arxiv", catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert (root / "search" / "words.prototxt").read_bytes() == search_words
    assert (root / "search" / "repos.prototxt").read_bytes() == repo_list
    written = (root / "2023" / "Týr-the-Pruner.prototxt").read_text("utf-8")
    assert 'arxiv_id: "2304.01089"' in written and 'abbr: "RPTQ"' in written
    assert "skipped (not a paper)" in outcome.out and "papers read: 1" in outcome.out


def test_bad_files_are_reported_with_line_and_column_and_left_untouched(api, tmp_path, run):
    root = tmp_path / "meta"
    root.mkdir()
    (root / "good.prototxt").write_bytes(ENTRY)
    bad = {
        "unknown-field.prototxt": b'paper {\n  title: "X"\n  titel: "typo"\n}\n',
        "syntax.prototxt": b'paper {\n  title: "unterminated\n}\n',
        "latin1.prototxt": b'paper {\n  title: "Caf\xe9"\n}\n',
        "binary.prototxt": b"\x00\x01\x02\xff",
    }
    for name, data in bad.items():
        (root / name).write_bytes(data)
    outcome = run("--sources", "arxiv", catalog_dir=root)
    assert outcome.code == 1
    for name, data in bad.items():
        assert (root / name).read_bytes() == data, name
    assert f"{root}/unknown-field.prototxt:3:" in outcome.out and "titel" in outcome.out
    assert f"{root}/syntax.prototxt:2:" in outcome.out
    assert f"{root}/latin1.prototxt:2:14: not UTF-8 text (save the file as UTF-8)" in outcome.out
    assert "binary.prototxt" in outcome.out
    assert "Traceback" not in outcome.out
    assert b"enrichment" in (root / "good.prototxt").read_bytes()


def test_unchanged_files_keep_their_bytes_even_when_not_printer_formatted(api, tmp_path, run):
    root = tmp_path / "meta"
    root.mkdir()
    odd = b'paper { title: "No link here"  abbr: "NLH" }   \n\npub { where: "ICLR" year: 2023 }'
    (root / "odd.prototxt").write_bytes(odd)
    outcome = run(catalog_dir=root)
    assert outcome.code == 0
    assert (root / "odd.prototxt").read_bytes() == odd


def test_read_only_file_is_reported_not_crashed(api, tmp_path, run):
    root = tmp_path / "meta"
    root.mkdir()
    target = root / "ro.prototxt"
    target.write_bytes(ENTRY)
    target.chmod(
        0o444
    )  # read-only by its mode, which the run respects even as root (who could write it)
    outcome = run("--sources", "arxiv", catalog_dir=root)
    assert outcome.code == 1 and "read-only" in outcome.out
    assert target.read_bytes() == ENTRY


def test_leftover_temporary_file_is_removed_by_the_next_run(api, tmp_path, run):
    root = tmp_path / "meta"
    root.mkdir()
    (root / "a.prototxt").write_bytes(ENTRY)
    leftover = root / f".a.prototxt{catalog_io.TEMP_MARK}x1y2"
    leftover.write_bytes(b"paper { title: ")
    outcome = run("--sources", "arxiv", catalog_dir=root)
    assert not leftover.exists()
    assert "removed leftover temporary file" in outcome.out


def test_symlink_to_outside_the_catalog_is_not_followed(tmp_path):
    outside = tmp_path / "outside.prototxt"
    outside.write_bytes(ENTRY)
    root = tmp_path / "meta"
    root.mkdir()
    (root / "link.prototxt").symlink_to(outside)
    assert catalog_io.read_catalog(root).entries == []


def test_kill_during_write_leaves_old_or_new_file_never_half(tmp_path):
    """A child rewrites one entry in a loop; SIGKILL it at random moments: the file always parses."""
    target = tmp_path / "entry.prototxt"
    target.write_bytes(ENTRY)
    big = paper_pb2.PaperInfo()
    big.paper.title = "x" * 200_000
    (tmp_path / "big.bin").write_bytes(catalog_io.render(big))
    script = tmp_path / "writer.py"
    script.write_text(
        textwrap.dedent(
            f"""
        from pathlib import Path
        from enrich import catalog
        small = {ENTRY!r}
        big = Path({str(tmp_path / "big.bin")!r}).read_bytes()
        while True:
            catalog.write_entry({str(target)!r}, big)
            catalog.write_entry({str(target)!r}, small)
        """
        )
    )
    for delay in (0.05, 0.1, 0.17, 0.23, 0.31):
        child = subprocess.Popen([sys.executable, str(script)])
        try:
            child.wait(timeout=delay + 1.0)
        except subprocess.TimeoutExpired:
            pass
        child.send_signal(signal.SIGKILL)
        child.wait()
        data = target.read_bytes()
        assert data in (ENTRY, catalog_io.render(big))
        catalog_io.parse_entry(str(target), data)
    catalog_io.remove_temporaries(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "big.bin",
        "entry.prototxt",
        "writer.py",
    ]


def test_writing_is_skipped_when_nothing_changed(api, catalog, run):
    original = snapshot(catalog)
    run(catalog_dir=catalog)
    first = snapshot(catalog)
    assert first != original  # the first run did write
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in catalog.iterdir()}
    run(catalog_dir=catalog)
    assert {
        p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in catalog.iterdir()
    } == before  # not even rewritten
    assert snapshot(catalog) == first
