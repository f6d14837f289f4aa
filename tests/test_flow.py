"""The flow's behaviour as Prefect sees it: final state, report artifact, one run at a time."""

from __future__ import annotations

from filelock import FileLock

from conftest import ROOT, snapshot
from enrich.lock import LOCK_NAME
from flows.enrich import REPORT_ARTIFACT, enrich_catalog


def latest_report() -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[REPORT_ARTIFACT])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    return artifacts[0].data


def test_clean_run_completes_and_reports_what_changed(api, catalog, tmp_path, prefect_server):
    state = enrich_catalog(
        catalog=str(catalog), cache_dir=str(tmp_path / "cache"), return_state=True
    )
    assert state.is_completed(), state.message
    report = latest_report()
    assert "| 26 | 26 | 0 | 0 | 0 | 0 |" in report
    assert "abstract added" in report and "citation_count 612" in report and "stars 765" in report
    assert (
        "| semantic_scholar | 26 | 25 |" in report
    )  # 1 batch + 24 title matches (no ids on OpenReview papers)


def test_run_without_changes_says_so(api, catalog, tmp_path, prefect_server):
    enrich_catalog(catalog=str(catalog), cache_dir=str(tmp_path / "cache"))
    state = enrich_catalog(
        catalog=str(catalog), cache_dir=str(tmp_path / "cache"), return_state=True
    )
    assert state.is_completed()
    report = latest_report()
    assert "| 26 | 0 | 26 | 0 | 0 | 0 |" in report and "Nothing changed." in report
    assert "| arxiv | 2 | 0 | 0 | 2 |" in report


def test_run_needing_attention_ends_failed_with_the_reason(api, catalog, tmp_path, prefect_server):
    api.world.repos = [r for r in api.world.repos if r.full_name != "IST-DASLab/sparsegpt"]
    state = enrich_catalog(
        catalog=str(catalog), cache_dir=str(tmp_path / "cache"), sources="github", return_state=True
    )
    assert state.is_failed()
    assert "sparsegpt.prototxt: repository link is dead (ist-daslab/sparsegpt)" in state.message
    assert "## Needs attention" in latest_report()


def test_second_run_waits_for_the_lock_then_exits_touching_nothing(
    api, catalog, tmp_path, run, monkeypatch
):
    monkeypatch.setenv("ENRICH_LOCK_TIMEOUT", "0.5")
    cache = tmp_path / "cache"
    cache.mkdir()
    before = snapshot(catalog)
    with FileLock(str(cache / LOCK_NAME)):
        outcome = run(catalog_dir=catalog, cache_dir=cache)
    assert outcome.code == 1
    assert "another enrichment run holds" in outcome.err and "nothing was touched" in outcome.err
    assert snapshot(catalog) == before
    assert sum(len(server.requests) for server in api.servers) == 0


def test_missing_catalog_is_a_failed_state(prefect_server, tmp_path):
    state = enrich_catalog(
        catalog=str(tmp_path / "none"), cache_dir=str(tmp_path / "c"), return_state=True
    )
    assert state.is_failed() and "no such catalog folder" in state.message


def test_bundled_catalog_is_where_the_flow_looks_by_default():
    assert (ROOT / "meta").is_dir() and len(list((ROOT / "meta").glob("*.prototxt"))) == 26


def test_bad_parameter_ends_the_run_failed_with_the_commands_message(
    prefect_server, catalog, tmp_path, capsys
):
    from flows.enrich import main

    state = enrich_catalog(
        catalog=str(catalog),
        cache_dir=str(tmp_path / "c"),
        sources="arxiv,crossref",
        return_state=True,
    )
    assert state.is_failed() and state.message.startswith(
        "unknown source(s) crossref; choose from arxiv,"
    )
    assert main(["--catalog", str(catalog), "--sources", "arxiv,crossref"]) == 2
    assert f"error: {state.message}" in capsys.readouterr().err
    shard = enrich_catalog(
        catalog=str(catalog), cache_dir=str(tmp_path / "c"), shard="3/2", return_state=True
    )
    assert shard.is_failed() and "expected K/N with 0 <= K < N" in shard.message
