"""End to end: `python -m flows.render` on a fixed enriched catalog, outputs compared byte for
byte with tests/data/render/expected (regenerate by hand only after reading the diff)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from conftest import DATA, ROOT, snapshot

from flows.render import main

FIXTURE = DATA / "render"
EXPECTED = FIXTURE / "expected"
SCHEMA = json.loads((ROOT / "schemas" / "papers.schema.json").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the fixture: README.md, meta/ (enriched, one year folder), history/."""
    shutil.copytree(FIXTURE / "catalog", tmp_path / "project")
    return tmp_path / "project"


def render(project: Path, *extra: str) -> int:
    return main(
        [
            "--catalog",
            str(project / "meta"),
            "--readme",
            str(project / "README.md"),
            "--lists",
            str(project / "lists"),
            "--site",
            str(project / "site"),
            *(() if "--cache-dir" in extra else ("--cache-dir", str(project / "no-cache"))),
            *extra,
        ]
    )


def test_outputs_match_the_golden_files(project, capsys):
    assert render(project) == 0
    assert (project / "README.md").read_bytes() == (EXPECTED / "README.md").read_bytes()
    assert snapshot(project / "lists") == snapshot(EXPECTED / "lists")
    assert (project / "site" / "papers.json").read_bytes() == (
        EXPECTED / "site" / "papers.json"
    ).read_bytes()
    assert "papers: 29, files written: 12" in capsys.readouterr().out


def test_papers_json_is_valid_against_its_schema(project):
    render(project)
    document = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    assert document["count"] == len(document["papers"]) == 29


def test_page_data_script_holds_what_the_page_shows_from_papers_json(project):
    from datetime import date

    render(project)
    script = (project / "site" / "papers.js").read_text(encoding="utf-8")
    prefix = "window.CATALOG_PAPERS = "
    assert script.startswith(prefix) and script.endswith(";\n")
    data = json.loads(script[len(prefix) : -2])
    document = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))
    epoch = date.fromisoformat(data["epoch"]).toordinal()
    for row, paper in zip(data["papers"], document["papers"], strict=True):
        shown = dict(zip(data["fields"], row, strict=True))
        for name in ("path", "title", "url", "authors", "year", "venue", "keywords", "citations"):
            assert shown[name] == paper[name], name
        assert shown["stars"] == (paper["repo"] or {}).get("stars")
        for name in ("citations", "stars"):
            day, count, series = epoch, 0, []
            flat = shown[f"{name}_history"]
            for step in range(0, len(flat), 2):
                day, count = day + flat[step], count + flat[step + 1]
                series.append([date.fromordinal(day).isoformat(), count])
            assert series == paper["history"][name]
    abstracts = (project / "site" / "abstracts.js").read_text(encoding="utf-8")
    assert abstracts.startswith("window.CATALOG_ABSTRACTS = ") and abstracts.endswith(";\n")
    pairs = json.loads(abstracts[len("window.CATALOG_ABSTRACTS = ") : -2])
    assert pairs == [[paper["abstract"], paper["tldr"]] for paper in document["papers"]]


def test_curator_text_around_the_markers_is_kept_byte_for_byte(project):
    before = (project / "README.md").read_bytes()
    render(project)
    after = (project / "README.md").read_bytes()
    head, _, _ = before.partition(b"<!-- papers:start -->")
    _, _, tail = before.partition(b"<!-- papers:end -->")
    assert after.startswith(head + b"<!-- papers:start -->\n")
    assert after.endswith(b"<!-- papers:end -->" + tail)
    assert b"anything here is replaced" not in after


def test_second_render_writes_nothing(project, capsys):
    render(project)
    first = snapshot(project)
    mtimes = {path: path.stat().st_mtime_ns for path in project.rglob("*") if path.is_file()}
    capsys.readouterr()
    assert render(project) == 0
    assert snapshot(project) == first
    assert {
        path: path.stat().st_mtime_ns for path in project.rglob("*") if path.is_file()
    } == mtimes
    assert "files written: 0, unchanged: 12" in capsys.readouterr().out


def test_check_exits_1_and_writes_nothing_when_views_are_stale(project, capsys):
    before = snapshot(project)
    assert render(project, "--check") == 1
    assert snapshot(project) == before
    assert "would change: " in capsys.readouterr().out


def test_check_exits_0_when_views_are_current(project):
    render(project)
    assert render(project, "--check") == 0


def test_check_notices_a_changed_entry(project):
    render(project)
    entry = project / "meta" / "RPTQ.prototxt"
    entry.write_text(
        entry.read_text(encoding="utf-8").replace("citation_count: 178", "citation_count: 179"),
        encoding="utf-8",
    )
    assert render(project, "--check") == 1


def test_readme_without_markers_is_a_usage_error_and_nothing_is_written(project, capsys):
    (project / "README.md").write_text("# No markers here\n", encoding="utf-8")
    before = snapshot(project)
    assert render(project) == 2
    assert snapshot(project) == before
    err = capsys.readouterr().err
    assert (
        "<!-- papers:start -->" in err
        and "<!-- papers:end -->" in err
        and "add the two lines" in err
    )


def test_markers_in_the_wrong_order_are_a_usage_error(project):
    (project / "README.md").write_text(
        "<!-- papers:end -->\n<!-- papers:start -->\n", encoding="utf-8"
    )
    assert render(project) == 2


def test_missing_catalog_is_a_usage_error(project, capsys):
    assert main(["--catalog", str(project / "nope"), "--readme", str(project / "README.md")]) == 2
    assert "no such catalog folder" in capsys.readouterr().err


def test_unreadable_entry_is_named_left_out_and_the_rest_rendered(project, capsys):
    (project / "meta" / "broken.prototxt").write_text(
        'paper {\n  title: "Broken"\n  nonsense: 3\n}\n', encoding="utf-8"
    )
    assert render(project) == 1
    out = capsys.readouterr().out
    assert "broken.prototxt:3" in out and "needs attention" in out
    document = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))
    assert document["count"] == 29


def test_history_folder_defaults_to_beside_the_catalog(project):
    render(project)
    document = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))
    sparsegpt = next(paper for paper in document["papers"] if paper["id"] == "sparsegpt")
    assert sparsegpt["history"]["citations"][-1] == ["2026-11-26", 612]


def test_explicit_history_folder_is_read(project, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.move(project / "history", moved)
    render(project, "--history", str(moved))
    assert (project / "site" / "papers.json").read_bytes() == (
        EXPECTED / "site" / "papers.json"
    ).read_bytes()


def test_unknown_counts_are_null_not_zero(project):
    render(project)
    document = json.loads((project / "site" / "papers.json").read_text(encoding="utf-8"))
    undated = next(paper for paper in document["papers"] if paper["id"] == "undated")
    assert undated["citations"] is None and undated["repo"] is None and undated["year"] is None
    tyr = next(paper for paper in document["papers"] if paper["id"] == "Týr-the-Pruner")
    assert tyr["citations"] == 0  # a real zero stays 0


def test_render_catalog_flow_renders_and_fails_with_the_reason(prefect_server, project):
    from flows.render import render_catalog

    paths = {
        "catalog": str(project / "meta"),
        "readme": str(project / "README.md"),
        "lists": str(project / "lists"),
        "site": str(project / "site"),
    }
    state = render_catalog(**paths, return_state=True)
    assert state.is_completed(), state.message
    assert (project / "site" / "papers.json").read_bytes() == (
        EXPECTED / "site" / "papers.json"
    ).read_bytes()
    assert render_catalog(**paths, check=True, return_state=True).is_completed()
    (project / "README.md").write_text("no markers\n", encoding="utf-8")
    failed = render_catalog(**paths, return_state=True)
    assert failed.is_failed() and "add the two lines" in failed.message


def test_entries_the_enrich_run_parsed_come_from_its_parse_cache(project, monkeypatch):
    from enrich import catalog as catalog_io

    catalog_io.read_catalog(
        project / "meta", cache_dir=project / "cache"
    )  # what an enrich run leaves

    def parse_again(path, raw):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(catalog_io, "parse_entry", parse_again)
    assert render(project, "--cache-dir", str(project / "cache")) == 0
    assert (project / "site" / "papers.json").read_bytes() == (
        EXPECTED / "site" / "papers.json"
    ).read_bytes()
