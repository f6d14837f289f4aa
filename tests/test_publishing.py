"""enrich/publishing.py: the check before a run and the commit + push after it, with real git."""

from __future__ import annotations

import pytest

from enrich import catalog as catalog_io
from enrich import publish, publishing
from git_fixtures import curator_commit, enrich_files, git, log, no_git_identity  # noqa: F401
from git_fixtures import curator, remote, worker  # noqa: F401


def test_a_dirty_catalog_is_refused_before_the_run(worker):
    (worker / "meta" / "2024" / "c.prototxt").write_text("a curator's edit\n")
    with pytest.raises(publish.UncommittedChanges, match="meta/2024/c.prototxt") as refused:
        publishing.prepare(worker / "meta", [], push=False)
    assert refused.value.exit_code == 2


def test_pushing_a_branch_without_upstream_is_refused_before_the_run(worker):
    git(worker, "checkout", "--quiet", "-b", "scratch")
    with pytest.raises(publish.PublishError, match="no upstream"):
        publishing.prepare(worker / "meta", [], push=True)
    publishing.prepare(worker / "meta", [], push=False)  # committing alone needs none


def test_a_shard_is_refused_only_for_files_of_its_own_shard(worker):
    dirty = worker / "meta" / "2023" / "a.prototxt"
    dirty.write_text("another shard's run is writing this\n")
    mine = next(k for k in range(2) if catalog_io.in_shard(worker / "meta", dirty, (k, 2)))
    publishing.prepare(worker / "meta", [], push=False, shard=(1 - mine, 2))
    with pytest.raises(publish.UncommittedChanges):
        publishing.prepare(worker / "meta", [], push=False, shard=(mine, 2))


def test_other_folders_the_run_writes_are_checked_too(worker):
    (worker / "views").mkdir()
    (worker / "views" / "papers.json").write_text("{}\n")
    with pytest.raises(publish.UncommittedChanges, match="views/papers.json"):
        publishing.prepare(worker / "meta", [worker / "views"], push=False)


def test_finish_commits_what_was_written_and_pushes(worker, curator, remote):
    run = publishing.prepare(worker / "meta", [], push=True, shard=(0, 1))
    curator_commit(curator, {"README.md": "# edited meanwhile\n"})
    written = enrich_files(worker, "meta/2023/a.prototxt")
    lines = publishing.finish(run, written, {str(written[0]): ["citation_count 5 -> 9 (+4)"]})
    assert lines[0].startswith("committed ") and lines[0].endswith(
        ": enrich (shard 0/1): 1 paper updated, +4 citations"
    )
    assert "after 1 rebase(s)" in lines[1]
    assert log(remote, "main")[0].endswith("|enrich (shard 0/1): 1 paper updated, +4 citations")
    assert (
        publishing.finish(publishing.prepare(worker / "meta", [], push=True), [], {})[0]
        == "nothing changed: no commit"
    )
