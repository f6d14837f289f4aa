"""Bad catalog input through the real command: each bad file is named (or, for a link outside the
catalog, ignored), left byte for byte as it was, and the rest of the catalog is still enriched."""

from __future__ import annotations

import gzip
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, snapshot
from doubles import Fault

from enrich import catalog as catalog_io
from enrich.schema import paper_pb2

RPTQ = b"""paper {
  title: "RPTQ: Reorder-based Post-training Quantization for Large Language Models"
  abbr: "abbr"
  url: "https://arxiv.org/abs/2304.01089"
  authors: "Name1"
}
"""
SPARSEGPT = b"""paper {
  title: "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot"
  url: "https://arxiv.org/pdf/2301.00774v3.pdf"
}
"""
ARXIV = ("--sources", "arxiv")


def make_catalog(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "meta"
    root.mkdir()
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def enriched(path: Path) -> bool:
    return b'arxiv_id: "' in path.read_bytes()


def assert_named_untouched_rest_enriched(outcome, root: Path, name: str, data: bytes) -> None:
    assert (root / name).read_bytes() == data
    assert f"{root / name}" in outcome.out, outcome.out
    assert enriched(root / "good.prototxt"), outcome.out
    assert "Traceback" not in outcome.out


# -- empty, binary and huge files ------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"\n  \n\t\n", b"# nothing here yet\n"], ids=["empty", "blank", "comment-only"]
)
def test_empty_file_is_named_left_empty_and_the_rest_enriched(data, api, tmp_path, run):
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "empty.prototxt": data})
    outcome = run(*ARXIV, catalog_dir=root)
    assert_named_untouched_rest_enriched(outcome, root, "empty.prototxt", data)


BINARIES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89",
    "utf8-with-nul": b'paper {\n  title: "A\x00B"\n}\n',
    "utf16": 'paper {\n  title: "X"\n}\n'.encode("utf-16"),
    "gzip": gzip.compress(RPTQ),
    "random": bytes(range(256)) * 8,
    "sqlite": b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + b"\x00" * 80,
}


@pytest.mark.parametrize("kind", list(BINARIES))
def test_binary_file_is_named_untouched_and_the_rest_enriched(kind, api, tmp_path, run):
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "binary.prototxt": BINARIES[kind]})
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 1
    assert_named_untouched_rest_enriched(outcome, root, "binary.prototxt", BINARIES[kind])


def ten_megabyte_entry() -> bytes:
    info = paper_pb2.PaperInfo()
    info.paper.title = "RPTQ: Reorder-based Post-training Quantization for Large Language Models"
    info.paper.url = "https://arxiv.org/abs/2304.01089"
    info.enrichment.abstract = "long " * (2 * 1024 * 1024)
    return catalog_io.render(info)


@pytest.mark.parametrize("kind", ["valid-entry", "text", "one-line"])
def test_ten_megabyte_file_is_named_untouched_and_the_rest_enriched(kind, api, tmp_path, run):
    data = {
        "valid-entry": ten_megabyte_entry,
        "text": lambda: b'paper {\n  title: "x"\n}\n' * (10 * 1024 * 1024 // 20),
        "one-line": lambda: b"#" * (10 * 1024 * 1024),
    }[kind]()
    assert len(data) >= 10 * 1024 * 1024
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "huge.prototxt": data})
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 1
    assert_named_untouched_rest_enriched(outcome, root, "huge.prototxt", data)
    assert api.arxiv.count("GET") == 1 and "2304.01089" in api.arxiv.requests[0].param("id_list")


def test_special_files_with_the_catalog_suffix_are_never_opened(api, tmp_path, run):
    """A FIFO would block a reader forever; a folder named like an entry is not an entry."""
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ})
    os.mkfifo(root / "pipe.prototxt")
    (root / "folder.prototxt").mkdir()
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert enriched(root / "good.prototxt") and "papers read: 1" in outcome.out


# -- symbolic links --------------------------------------------------------------------------------


def outside_entry(tmp_path: Path) -> tuple[Path, bytes]:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "private.prototxt").write_bytes(SPARSEGPT)
    return folder / "private.prototxt", SPARSEGPT


def test_symlink_to_a_file_outside_the_catalog_is_not_followed(api, tmp_path, run):
    outside, data = outside_entry(tmp_path)
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ})
    (root / "link.prototxt").symlink_to(outside)
    (root / "relative.prototxt").symlink_to(Path("..") / "elsewhere" / "private.prototxt")
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert outside.read_bytes() == data and outside.stat().st_nlink == 1
    assert (root / "link.prototxt").is_symlink() and (root / "relative.prototxt").is_symlink()
    assert "papers read: 1" in outcome.out
    assert all("2301.00774" not in (r.param("id_list") or "") for r in api.arxiv.requests)
    assert enriched(root / "good.prototxt")


def test_symlink_chain_that_ends_outside_the_catalog_is_not_followed(api, tmp_path, run):
    outside, data = outside_entry(tmp_path)
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ})
    (root / "hop.txt").symlink_to(outside)  # inside the catalog, but leads out
    (root / "chain.prototxt").symlink_to(root / "hop.txt")
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert outside.read_bytes() == data
    assert (root / "chain.prototxt").is_symlink() and "papers read: 1" in outcome.out


def test_symlinked_folder_outside_the_catalog_is_not_followed(api, tmp_path, run):
    outside, data = outside_entry(tmp_path)
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ})
    (root / "2023").symlink_to(outside.parent, target_is_directory=True)
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert outside.read_bytes() == data and "papers read: 1" in outcome.out


def test_symlink_loop_and_dangling_symlink_do_not_stop_the_run(api, tmp_path, run):
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ})
    (root / "a.prototxt").symlink_to(root / "b.prototxt")
    (root / "b.prototxt").symlink_to(root / "a.prototxt")
    (root / "self.prototxt").symlink_to(root / "self.prototxt")
    (root / "dangling.prototxt").symlink_to(root / "gone.prototxt")
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code in (0, 1), outcome.out + outcome.err
    assert "papers read: 1" in outcome.out, outcome.out + outcome.err
    assert enriched(root / "good.prototxt")
    assert all(
        (root / name).is_symlink()
        for name in ("a.prototxt", "b.prototxt", "self.prototxt", "dangling.prototxt")
    )


def test_symlink_to_another_entry_inside_the_catalog_stays_a_symlink(api, tmp_path, run):
    """Both names are read (the same paper twice); writing through the link must not turn it into a copy."""
    root = make_catalog(tmp_path, {"2023/good.prototxt": RPTQ})
    (root / "good.prototxt").symlink_to(Path("2023") / "good.prototxt")
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert (root / "good.prototxt").is_symlink(), "the curator's link was replaced by a copy"
    assert enriched(root / "2023" / "good.prototxt")


# -- duplicates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sources",
    [(), ARXIV, ("--sources", "semantic_scholar")],
    ids=["all-sources", "arxiv", "semantic_scholar"],
)
def test_same_arxiv_id_in_two_files_both_enriched_and_reported_as_duplicates(
    sources, api, tmp_path, run
):
    twin = RPTQ.replace(b"abs/2304.01089", b"pdf/2304.01089v2.pdf")
    root = make_catalog(tmp_path, {"2023/rptq.prototxt": RPTQ, "2024/rptq-again.prototxt": twin})
    outcome = run(*sources, catalog_dir=root)
    assert outcome.code == 0, outcome.out
    first, second = root / "2023" / "rptq.prototxt", root / "2024" / "rptq-again.prototxt"
    assert b"enrichment {" in first.read_bytes() and b"enrichment {" in second.read_bytes()
    duplicate = [
        line for line in outcome.out.splitlines() if "duplicate" in line and "2304.01089" in line
    ]
    assert duplicate and str(first) in duplicate[0] and str(second) in duplicate[0], outcome.out


def test_same_arxiv_link_in_two_files_is_a_duplicate_even_with_nothing_answered(api, tmp_path, run):
    # Offline with an empty cache: no source answers and no earlier run stored an id; only the
    # links say the two files are one paper.
    twin = RPTQ.replace(b"abs/2304.01089", b"pdf/2304.01089v2.pdf")
    root = make_catalog(tmp_path, {"2023/rptq.prototxt": RPTQ, "2024/rptq-again.prototxt": twin})
    outcome = run("--offline", catalog_dir=root)
    first, second = root / "2023" / "rptq.prototxt", root / "2024" / "rptq-again.prototxt"
    assert f"duplicate arxiv:2304.01089: {first}, {second}" in outcome.out, outcome.out


def test_same_openreview_id_in_two_files_both_enriched_and_reported_as_duplicates(
    api, tmp_path, run
):
    seed = (ROOT / "meta" / "22C0A4RH.prototxt").read_bytes()
    assert b"forum?id=mhnHqRqcjYU" in seed
    root = make_catalog(
        tmp_path, {"a.prototxt": seed, "b.prototxt": seed.replace(b"forum?id=", b"pdf?id=")}
    )
    outcome = run("--sources", "openreview", catalog_dir=root)
    assert outcome.code == 0, outcome.out
    assert all(
        b'openreview_id: "mhnHqRqcjYU"' in (root / name).read_bytes()
        for name in ("a.prototxt", "b.prototxt")
    )
    assert (
        f"duplicate openreview:mhnHqRqcjYU: {root / 'a.prototxt'}, {root / 'b.prototxt'}"
        in outcome.out
    )
    assert api.openreview_v1.count("GET", "/notes") == 1


# -- files that cannot be written -----------------------------------------------------------------


def test_read_only_file_is_reported_untouched_and_the_rest_enriched(api, tmp_path, run):
    """chmod a-w is how a curator says "leave this one alone"; it holds for every user, root included."""
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "frozen.prototxt": SPARSEGPT})
    (root / "frozen.prototxt").chmod(0o444)
    outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 1, outcome.out
    assert (root / "frozen.prototxt").read_bytes() == SPARSEGPT
    assert f"{root / 'frozen.prototxt'}: file is read-only" in outcome.out
    assert enriched(root / "good.prototxt")


@contextmanager
def unwritable(path: Path):
    """Make a file or folder unwritable even for root (immutable), else by permissions."""
    immutable = (
        os.geteuid() == 0
        and subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False).returncode
        == 0
    )
    if not immutable:
        assert os.geteuid() != 0, "running as root without chattr: cannot make anything unwritable"
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_unwritable_file_is_reported_not_crashed(api, tmp_path, run):
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "frozen.prototxt": SPARSEGPT})
    with unwritable(root / "frozen.prototxt"):
        outcome = run(*ARXIV, catalog_dir=root)
    assert outcome.code == 1, outcome.out
    assert (root / "frozen.prototxt").read_bytes() == SPARSEGPT
    assert f"{root / 'frozen.prototxt'}" in outcome.out and "needs attention" in outcome.out
    assert enriched(root / "good.prototxt") and "Traceback" not in outcome.out


def test_file_in_an_unwritable_folder_is_reported_not_crashed(api, tmp_path, run):
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "2023/locked.prototxt": SPARSEGPT})
    with unwritable(root / "2023"):
        outcome = run(*ARXIV, catalog_dir=root)
        assert sorted(p.name for p in (root / "2023").iterdir()) == [
            "locked.prototxt"
        ]  # no temporary left
    assert outcome.code == 1, outcome.out
    assert (root / "2023" / "locked.prototxt").read_bytes() == SPARSEGPT
    assert f"{root / '2023' / 'locked.prototxt'}: cannot write" in outcome.out
    assert enriched(root / "good.prototxt") and "Traceback" not in outcome.out


def test_read_only_files_that_need_no_change_are_not_an_error(api, catalog, run):
    assert run(catalog_dir=catalog).code == 0
    before = snapshot(catalog)
    for path in catalog.iterdir():
        path.chmod(0o444)
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert "unchanged: 26" in outcome.out and snapshot(catalog) == before


# -- links no API accepts ---------------------------------------------------------------------------


def test_url_with_non_ascii_digits_does_not_spoil_the_arxiv_batch(api, tmp_path, run):
    """arXiv answers HTTP 400 to a whole id_list when one id is malformed (api-notes); a catalog link
    written with full-width digits must not cost every other paper its answer."""
    odd = SPARSEGPT.replace(b"2301.00774v3", "２３０１.００７７４".encode())
    root = make_catalog(tmp_path, {"good.prototxt": RPTQ, "odd.prototxt": odd})
    error_feed = (
        "<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        "<entry><id>https://arxiv.org/api/errors#incorrect_id_format</id><title>Error</title>"
        "<summary>incorrect id format</summary></entry></feed>\n"
    )
    api.arxiv.inject(
        Fault.status(400, error_feed, {"content-type": "application/atom+xml"}),
        times=100,
        match=lambda request: not (request.param("id_list") or "").isascii(),
    )
    outcome = run(*ARXIV, catalog_dir=root)
    assert enriched(root / "good.prototxt"), outcome.out
    assert f"{root / 'good.prototxt'}: arxiv failed" not in outcome.out
    assert (root / "odd.prototxt").read_bytes() == odd
