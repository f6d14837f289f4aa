"""End to end: the real command against the API doubles, files compared byte for byte."""

from __future__ import annotations

import subprocess
import sys

from conftest import DATA, ROOT, Outcome, snapshot
from doubles import Fault
from isolation import child_env


def expected_seed(day: str) -> dict[str, bytes]:
    """The enriched seed catalog, dated `day` (one of the run's Outcome.days)."""
    return {
        name: data.replace(b"@TODAY@", day.encode())
        for name, data in snapshot(DATA / "seed-expected").items()
    }


def one_of_expected_seeds(*outcomes: Outcome) -> list[dict[str, bytes]]:
    return [expected_seed(day) for day in sorted({d for o in outcomes for d in o.days})]


def test_seed_catalog_is_enriched_byte_for_byte(api, catalog, run):
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert snapshot(catalog) in one_of_expected_seeds(outcome)
    assert "papers read: 26, enriched: 26" in outcome.out
    assert api.errors() == []


def test_batches_are_used_not_one_request_per_paper(api, catalog, run):
    run(catalog_dir=catalog)
    assert api.arxiv.count("GET", "/api/query") == 1  # 2 ids, one request
    (query,) = [r for r in api.arxiv.requests if r.path == "/api/query"]
    assert query.param("max_results") and int(query.param("max_results")) >= 2
    assert api.semanticscholar.count("POST", "/graph/v1/paper/batch") == 1


def test_second_run_makes_no_request_and_changes_no_byte(api, catalog, run):
    run(catalog_dir=catalog)
    first = snapshot(catalog)
    api.reset_logs()
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0
    assert sum(len(server.requests) for server in api.servers) == 0
    assert snapshot(catalog) == first
    assert "enriched: 0, unchanged: 26" in outcome.out


def test_offline_uses_the_cache_alone(api, catalog, run, tmp_path):
    filling = run(catalog_dir=catalog)  # fills the cache
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for path in (ROOT / "meta").iterdir():
        (fresh / path.name).write_bytes(path.read_bytes())
    api.reset_logs()
    outcome = run("--offline", catalog_dir=fresh)
    assert outcome.code == 0
    assert sum(len(server.requests) for server in api.servers) == 0
    assert snapshot(fresh) in one_of_expected_seeds(filling, outcome)


def test_offline_without_cache_changes_only_placeholders_and_says_so(api, catalog, run):
    outcome = run("--offline", catalog_dir=catalog)
    assert outcome.code == 0
    assert sum(len(server.requests) for server in api.servers) == 0
    assert "not in cache (offline)" in outcome.out
    for name, data in snapshot(catalog).items():
        assert b"enrichment" not in data, name


def test_dry_run_prints_a_diff_and_writes_nothing(api, catalog, run):
    before = snapshot(catalog)
    outcome = run("--dry-run", catalog_dir=catalog)
    assert outcome.code == 0
    assert snapshot(catalog) == before
    assert f"--- a/{catalog}/RPTQ.prototxt" in outcome.out
    assert '+  arxiv_id: "2304.01089"' in outcome.out
    assert "would change: 26" in outcome.out


def test_refresh_asks_again_and_unchanged_answers_change_no_byte(api, catalog, run):
    run(catalog_dir=catalog)
    first = snapshot(catalog)
    api.reset_logs()
    outcome = run("--refresh", catalog_dir=catalog)
    assert outcome.code == 0
    assert api.arxiv.count("GET", "/api/query") == 1
    assert api.semanticscholar.count("POST") == 1
    assert snapshot(catalog) == first


def test_transient_faults_end_like_a_clean_run(api, catalog, run):
    api.arxiv.inject(Fault.status(503))
    api.arxiv.inject(Fault.html())
    api.arxiv.inject(Fault.empty_page())
    api.openreview_v1.inject(Fault.reset())
    api.openreview_v1.inject(Fault.openreview_429(reset_in=1))
    api.semanticscholar.inject(Fault.s2_429(), times=2)
    api.semanticscholar.inject(Fault.truncate())
    api.github.inject(Fault.status(502))
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert snapshot(catalog) in one_of_expected_seeds(outcome)
    assert api.errors() == []
    assert all(not server.pending_faults for server in api.servers)


def test_persistent_failure_erases_nothing_and_is_named(api, catalog, run):
    run(catalog_dir=catalog)
    first = snapshot(catalog)
    api.arxiv.inject(Fault.status(503), times=100)
    outcome = run("--refresh", "--sources", "arxiv", catalog_dir=catalog)
    assert outcome.code == 1
    assert snapshot(catalog) == first
    assert "arxiv: no usable answer after 6 tries over " in outcome.out
    assert "(HTTP 503) — 2 papers not asked; nothing erased; try again later" in outcome.out


def test_slow_answer_past_the_timeout_is_retried(api, catalog, run, monkeypatch):
    monkeypatch.setenv("ENRICH_HTTP_TIMEOUT", "0.5")
    api.arxiv.inject(Fault.slow(1.5))
    outcome = run("--sources", "arxiv", catalog_dir=catalog)
    assert outcome.code == 0
    assert b"2304.01089" in (catalog / "RPTQ.prototxt").read_bytes()
    assert "arxiv: 2 ids, 2 requests, 1 retries" in outcome.out


def test_usage_errors_exit_2(tmp_path):
    env = child_env(tmp_path / "prefect-home")
    missing = subprocess.run(
        [sys.executable, "-m", "flows.enrich", "--catalog", str(tmp_path / "nope")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no such catalog folder" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "flows.enrich", "--sources", "arxiv,crossref"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown source(s) crossref" in bad.stderr
