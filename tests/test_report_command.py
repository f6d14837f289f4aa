"""The enrich command's report as a curator sees it: one line per cause, each line once, no
telemetry error, and --report-json valid against schemas/report.schema.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
from conftest import ROOT
from doubles import Fault

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def validate(path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    return data


def test_report_json_is_written_and_valid(api, catalog, run, tmp_path):
    outcome = run("--report-json", str(tmp_path / "report.json"), catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    data = validate(tmp_path / "report.json")
    assert data["counts"]["papers_read"] == 26 and data["counts"]["changed"] == 26
    assert data["exit_code"] == 0 and data["attention"] == []
    assert {change["path"] for change in data["changed"]} == {str(path) for path in catalog.glob("*.prototxt")}
    assert data["sources"]["arxiv"]["asked"] == 2 and data["sources"]["arxiv"]["down"] is None


def test_a_source_down_is_one_line_in_the_output_and_every_paper_in_the_json(api, catalog, run, tmp_path, monkeypatch):
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.002")
    api.openreview.inject(Fault.reset(), times=10_000)
    outcome = run("--report-json", str(tmp_path / "report.json"), catalog_dir=catalog)
    assert outcome.code == 1
    lines = [line for line in outcome.out.splitlines() if "openreview: unreachable" in line]
    assert len(lines) == 1 and lines[0].endswith("(connection failed) — 24 papers not asked; nothing erased; try again later")
    assert "needs attention (1):" in outcome.out
    (down,) = validate(tmp_path / "report.json")["attention"]
    assert down["kind"] == "source_down" and down["source"] == "openreview" and len(down["paths"]) == 24


def test_terminal_shows_each_line_once_and_no_telemetry_error(api, catalog, tmp_path):
    """The command as a new user runs it (its own temporary Prefect server), with OpenReview unreachable."""
    api.openreview.inject(Fault.reset(), times=10_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        ENRICH_TIME_SCALE="0.002",
    )
    command = [sys.executable, "-m", "flows.enrich", "--catalog", str(catalog), "--cache-dir", str(tmp_path / "cache")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "telemetry" not in done.stderr.lower()
    assert "Traceback" not in done.stderr
    summary = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert sum("openreview: unreachable" in line for line in summary) == 1
    for line in summary:  # Prefect's console handler does not repeat the command's own lines
        assert line not in done.stderr, line
    (state,) = [line for line in done.stderr.splitlines() if "Finished in state Failed" in line]
    assert len(state) < 400 and "24 papers not asked" in state
