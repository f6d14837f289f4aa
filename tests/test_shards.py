"""The flow's `shards` parameter without a work pool: its checks, the spreading lock, and the
pure pieces of the parent's report and commit (tests/test_deployment.py runs it for real)."""

from __future__ import annotations

import pytest

from conftest import snapshot
from flows.enrich import enrich_catalog
from flows.shards import ShardRun, summary

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
