"""The flow's `shards` parameter without a work pool: its checks, the spreading lock, and the
pure pieces of the parent's report and commit (tests/test_deployment.py runs it for real)."""

from __future__ import annotations

import pytest

from conftest import seed_copy, snapshot
from flows import shards as shard_runs
from flows.enrich import enrich_catalog
from flows.shards import ShardRun, summary
from git_fixtures import CURATOR, clone, curator_commit, git, no_git_identity  # noqa: F401

from enrich import catalog as catalog_io
from enrich.changelog import TITLE, new_sections
from enrich.lock import Busy, run_lock


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"shards": 0}, "shards=0: expected a whole number of shard runs, at least 1"),
        ({"shards": 2, "shard": "0/2"}, "a run either spreads itself over shard runs"),
        ({"shards": 2, "repository": "file:///nowhere.git"}, "set push=true"),
    ],
)
def test_the_shards_parameter_is_checked_before_anything(
    prefect_server, catalog, tmp_path, parameters, message
):
    before = snapshot(catalog)
    state = enrich_catalog(
        catalog=str(catalog), cache_dir=str(tmp_path / "c"), return_state=True, **parameters
    )
    assert state.is_failed() and message in state.message
    assert snapshot(catalog) == before and not (tmp_path / "c").exists()


def test_spreading_without_the_shard_deployment_says_how_to_deploy_it(
    prefect_server, catalog, tmp_path
):
    before = snapshot(catalog)
    state = enrich_catalog(
        catalog=str(catalog),
        cache_dir=str(tmp_path / "c"),
        offline=True,
        shards=2,
        shard_deployment="enrich-catalog/no-such",
        return_state=True,
    )
    assert state.is_failed()
    assert "no deployment 'enrich-catalog/no-such'" in state.message
    assert "--name shard" in state.message
    assert snapshot(catalog) == before


def test_a_spreading_run_admits_its_shards_but_no_whole_catalog_run_and_no_second_spread(
    tmp_path,
):
    cache = tmp_path / "cache"
    with run_lock(cache, 5, spreading=True):
        with run_lock(cache, 0.3, shard=(0, 2)), run_lock(cache, 0.3, shard=(1, 2)):
            pass  # the shards run side by side under it
        with pytest.raises(Busy):
            with run_lock(cache, 0.3):
                pass
        with pytest.raises(Busy):
            with run_lock(cache, 0.3, spreading=True):
                pass
    with run_lock(cache, 5):  # a whole-catalog run keeps a spreading run out too
        with pytest.raises(Busy):
            with run_lock(cache, 0.3, spreading=True):
                pass


def test_the_commit_body_is_the_sections_the_shard_runs_added():
    old = TITLE + "\n## 2026-12-01 03:00 UTC\n\nyesterday\n"
    new = (
        TITLE + "\n## 2026-12-02 03:01 UTC\n\nshard b\n\n## 2026-12-02 03:00 UTC\n\nshard a\n"
        "\n## 2026-12-01 03:00 UTC\n\nyesterday\n"
    )
    assert new_sections(old, new) == (
        "## 2026-12-02 03:01 UTC\n\nshard b\n\n## 2026-12-02 03:00 UTC\n\nshard a"
    )
    assert new_sections("", new).endswith("yesterday")  # a first CHANGES.md: all of it
    assert new_sections(old, old) == ""


def test_the_state_message_names_the_failing_shard_first():
    runs = [
        ShardRun("0/2", "night-shard-0-of-2", "Completed", "13 papers read", True),
        ShardRun("1/2", "night-shard-1-of-2", "Crashed", "worker killed", False),
    ]
    assert summary(runs) == (
        "shard 1/2 (night-shard-1-of-2) Crashed: worker killed"
        " | 1 of 2 shard runs completed; their work is kept"
    )
    assert summary(runs[:1]) == "1 of 1 shard runs completed"


def test_a_failed_shard_fails_the_run_by_name_and_the_others_work_is_published_once(
    api, prefect_server, tmp_path, monkeypatch
):
    """The parent's side, in process: the pool is replaced by running shard 0/2 here and
    reporting shard 1/2 crashed. The run ends Failed naming shard 1/2; shard 0/2's entries and
    history are pushed in one commit; shard 1/2's entries are untouched."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    curator = clone(bare, tmp_path / "curator", CURATOR)
    seed_copy(curator / "meta")
    curator_commit(curator, {".gitignore": ".history.lock\n"}, "catalog")
    checkout = clone(bare, tmp_path / "worker")
    before = snapshot(checkout / "meta")
    asked: list[dict] = []

    def pool(deployment, parameters, count, name, poll=0):
        asked.append(dict(parameters, deployment=deployment, count=count))
        state = enrich_catalog(
            **{**parameters, "global_rate_limits": False, "shard": f"0/{count}"},
            return_state=True,
        )
        return [
            ShardRun(
                "0/2", f"{name}-shard-0-of-2", state.name, state.message, state.is_completed()
            ),
            ShardRun("1/2", f"{name}-shard-1-of-2", "Crashed", "worker killed", False),
        ]

    monkeypatch.setattr(shard_runs, "start_and_wait", pool)
    monkeypatch.setattr("flows.server.missing_rate_limits", lambda sources: [])
    state = enrich_catalog(
        catalog=str(checkout / "meta"),
        cache_dir=str(tmp_path / "cache"),
        shards=2,
        commit=True,
        push=True,
        return_state=True,
    )
    assert state.is_failed()
    assert state.message.startswith("shard 1/2 (") and "-shard-1-of-2) Crashed: worker killed" in (
        state.message
    )
    assert "1 of 2 shard runs completed; their work is kept" in state.message
    assert [(a["deployment"], a["count"], a["commit"], a["push"]) for a in asked] == [
        ("enrich-catalog/shard", 2, False, False)  # the shards leave publishing to the parent
    ]
    after = snapshot(checkout / "meta")
    mine = {
        name
        for name in before
        if catalog_io.in_shard(checkout / "meta", checkout / "meta" / name, (0, 2))
    }
    assert mine and mine != set(before)
    assert {name for name in before if after[name] != before[name]} == mine
    assert git(bare, "rev-list", "--count", "main") == "2"  # one commit on the curator's
    subject = git(bare, "log", "-1", "--format=%s", "main")
    assert subject == f"enrich (2 shards): {len(mine)} papers updated", subject
    committed = git(bare, "show", "--format=", "--name-only", "main").splitlines()
    assert {path.split("/")[0] for path in committed} == {"meta", "history"}
    assert git(checkout, "status", "--porcelain") == ""


def test_in_repository_mode_each_shard_pushes_its_own_commit_then_the_views_follow(
    api, prefect_server, tmp_path, monkeypatch
):
    """shards=2 with `repository`: each shard run (here in process, the pool replaced) works in
    its own clone and pushes its entries; the spreading run fast-forwards its clone to both,
    renders the views and pushes them as one more commit."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    curator = clone(bare, tmp_path / "curator", CURATOR)
    seed_copy(curator / "meta")
    curator_commit(
        curator,
        {
            "README.md": "# List\n\n<!-- papers:start -->\n<!-- papers:end -->\n",
            ".gitignore": ".history.lock\n",
            ".gitattributes": "history/*.tsv merge=union\nhistory/CHANGES.md merge=union\n",
        },
        "catalog",
    )
    asked: list[dict] = []

    def pool(deployment, parameters, count, name, poll=0):
        runs = []
        for index in range(count):
            asked.append(parameters)
            state = enrich_catalog(
                **{**parameters, "global_rate_limits": False, "shard": f"{index}/{count}"},
                return_state=True,
            )
            runs.append(
                ShardRun(
                    f"{index}/{count}",
                    f"s{index}",
                    state.name,
                    state.message or "",
                    state.is_completed(),
                )
            )
        return runs

    monkeypatch.setattr(shard_runs, "start_and_wait", pool)
    monkeypatch.setattr("flows.server.missing_rate_limits", lambda sources: [])
    state = enrich_catalog(
        catalog="meta",
        cache_dir=str(tmp_path / "cache"),
        repository=str(bare),
        shards=2,
        render=True,
        commit=True,
        push=True,
        return_state=True,
    )
    assert state.is_completed(), state.message
    assert all(a["repository"] == str(bare) and a["commit"] and a["push"] for a in asked)
    subjects = git(bare, "log", "--format=%s", "main").splitlines()
    assert len(subjects) == 4 and subjects[0].startswith("render: ") and subjects[-1] == "catalog"
    assert sorted(s.split(":")[0] for s in subjects[1:3]) == [
        "enrich (shard 0/2)",
        "enrich (shard 1/2)",
    ]
    published = tmp_path / "published"
    clone(bare, published)
    entries = snapshot(published / "meta")
    assert all(b"enrichment {" in data for data in entries.values()) and len(entries) == 26
    assert "| [SparseGPT](meta/sparsegpt.prototxt) |" in (published / "README.md").read_text(
        encoding="utf-8"
    )
    # rendered from the shards' pushed entries and history, not the clone as it was before them
    assert '"history":{"citations":[["' in (published / "site" / "papers.json").read_text(
        encoding="utf-8"
    )
    clones = sorted(p.name for p in (tmp_path / "cache" / "repositories").iterdir() if p.is_dir())
    assert [name.partition("-shard-")[2] for name in clones] == ["", "0-of-2", "1-of-2"], clones
