"""The catalog writer: temporaries written as contents come, renamed only when the block ends;
a block that fails renames nothing and leaves no temporary."""

from __future__ import annotations

import pytest

from enrich import catalog as catalog_io


@pytest.fixture
def files(tmp_path):
    paths = []
    for index in range(5):
        path = tmp_path / f"f{index}.prototxt"
        path.write_bytes(b"old\n")
        paths.append(path)
    return paths


def test_files_are_replaced_when_the_block_ends(files, tmp_path):
    with catalog_io.Writer() as writer:
        for path in files:
            writer.add(str(path), b"new " + path.name.encode() + b"\n")
        assert all(path.read_bytes() == b"old\n" for path in files)  # not before the end
    assert writer.errors == {}
    assert [path.read_bytes() for path in files] == [
        b"new " + p.name.encode() + b"\n" for p in files
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_a_failing_block_changes_nothing_and_leaves_no_temporary(files, tmp_path):
    with pytest.raises(RuntimeError), catalog_io.Writer() as writer:
        for path in files:
            writer.add(str(path), b"new\n")
        raise RuntimeError("the merge failed")
    assert all(path.read_bytes() == b"old\n" for path in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


def test_a_file_that_cannot_be_written_is_reported_and_the_others_are_written(files):
    files[2].chmod(0o444)
    with catalog_io.Writer() as writer:
        for path in files:
            writer.add(str(path), b"new\n")
    assert list(writer.errors) == [str(files[2])]
    assert [path.read_bytes() for path in files] == [b"new\n"] * 2 + [b"old\n"] + [b"new\n"] * 2
