"""The run keeps Python's cyclic garbage collector out of its way (no collection re-walks what
it holds while requests are paced) and gives the process back as it found it."""

from __future__ import annotations

import gc

import pytest
from test_parsecache import seed  # noqa: F401 - seed is a fixture

from enrich import run
from enrich.settings import Settings


@pytest.mark.parametrize("enabled", [True, False])
def test_no_collection_during_the_run_and_the_collector_as_it_was_after(
    seed, tmp_path, monkeypatch, enabled
):
    seen = []
    real = run.fetch_all

    def fetch_all(*args, **kwargs):
        seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "fetch_all", fetch_all)
    options = run.RunOptions(seed, tmp_path / "cache", ("arxiv",), offline=True)
    settings = Settings.from_env({"ARXIV_API_URL": "http://127.0.0.1:9"})  # offline: never asked
    (gc.enable if enabled else gc.disable)()
    try:
        report = run.run(options, settings)
        after = gc.isenabled(), gc.get_freeze_count()
    finally:
        gc.enable()
    assert report.papers_read > 20
    assert seen == [(False, True)]  # the catalog frozen, no collection while fetching
    assert after == (enabled, 0)
