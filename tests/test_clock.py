"""ENRICH_CLOCK_OFFSET: the run's clock a day later expires counts, not ids, and dates what moved."""

from __future__ import annotations

import time

from conftest import snapshot
from test_command import one_of_expected_seeds

from enrich import clock

DAY_AND_TWO_HOURS = 26 * 3600


def test_a_day_later_counts_are_asked_again_and_ids_are_not(api, catalog, run, monkeypatch):
    assert run(catalog_dir=catalog).code == 0
    before = snapshot(catalog)
    api.reset_logs()
    monkeypatch.setenv(clock.VARIABLE, str(DAY_AND_TWO_HOURS))
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count("POST", "/graph/v1/paper/batch") == 1
    assert api.arxiv.requests == [] and api.openreview.requests == []
    assert snapshot(catalog) == before  # nothing moved: nothing written
    assert "enriched: 0" in outcome.out


def test_a_count_that_moved_a_day_later_is_dated_by_the_shifted_clock(
    api, world, catalog, run, monkeypatch
):
    assert run(catalog_dir=catalog).code == 0
    before = snapshot(catalog)
    paper = next(p for p in world.papers if p.arxiv_id and p.s2_id)
    paper.citation_count += 7
    monkeypatch.setenv(clock.VARIABLE, str(DAY_AND_TWO_HOURS))
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    after = snapshot(catalog)
    moved = [name for name in after if after[name] != before[name]]
    assert len(moved) == 1 and "enriched: 1" in outcome.out
    text = after[moved[0]].decode("utf-8")
    assert f"citation_count: {paper.citation_count}\n" in text
    # outcome.days are on the run's (shifted) clock; today unshifted is never among them
    assert time.strftime("%Y-%m-%d", time.gmtime()) not in outcome.days
    assert any(f'citation_count_changed: "{day}"' in text for day in outcome.days)


def test_a_clock_offset_that_is_not_a_number_is_a_usage_error(
    api, catalog, run, monkeypatch, capsys
):
    monkeypatch.setenv(clock.VARIABLE, "tomorrow")
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 2
    assert "ENRICH_CLOCK_OFFSET='tomorrow'" in outcome.err


def test_a_run_across_utc_midnight_is_compared_with_the_days_it_ran(api, catalog, run, monkeypatch):
    """The run's clock starts 0.05 s before a UTC midnight: it dates what it writes by the day
    its clock read when it began (either day, depending on how long starting took), and
    Outcome.days names both, so the comparison holds either way."""
    now = time.time()
    monkeypatch.setenv(clock.VARIABLE, str((now // 86400 + 1) * 86400 - 0.05 - now))
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert len(outcome.days) == 2
    assert snapshot(catalog) in one_of_expected_seeds(outcome)
