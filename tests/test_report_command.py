"""The enrich command's report as a curator sees it: one line per cause, each line once, no
telemetry error, and --report-json valid against schemas/report.schema.json."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading

import jsonschema
from conftest import ROOT
from doubles import Fault

SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))


def validate(path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(
        data
    )
    return data


def test_report_json_is_written_and_valid(api, catalog, run, tmp_path):
    outcome = run("--report-json", str(tmp_path / "report.json"), catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    data = validate(tmp_path / "report.json")
    assert data["counts"]["papers_read"] == 26 and data["counts"]["changed"] == 26
    assert data["exit_code"] == 0 and data["attention"] == []
    assert {change["path"] for change in data["changed"]} == {
        str(path) for path in catalog.glob("*.prototxt")
    }
    assert data["sources"]["arxiv"]["asked"] == 2 and data["sources"]["arxiv"]["down"] is None


def test_a_source_down_is_one_line_in_the_output_and_every_paper_in_the_json(
    api, catalog, run, tmp_path, monkeypatch
):
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.002")
    api.openreview.inject(Fault.reset(), times=10_000)
    outcome = run("--report-json", str(tmp_path / "report.json"), catalog_dir=catalog)
    assert outcome.code == 1
    lines = [line for line in outcome.out.splitlines() if "openreview: unreachable" in line]
    assert len(lines) == 1 and lines[0].endswith(
        "(connection failed) — 24 papers not asked; nothing erased; try again later"
    )
    assert "needs attention (1):" in outcome.out
    (down,) = validate(tmp_path / "report.json")["attention"]
    assert (
        down["kind"] == "source_down"
        and down["source"] == "openreview"
        and len(down["paths"]) == 24
    )


def run_on_a_terminal(
    command: list[str], env: dict[str, str], timeout: float
) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal (as a curator's shell would) and stdout piped:
    (exit code, stdout, what the terminal showed)."""
    controller, terminal = pty.openpty()
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.close(terminal)
        reader.join(timeout=10)
        os.close(controller)
    return done.returncode, done.stdout, b"".join(shown).decode("utf-8", "replace")


def test_terminal_shows_each_line_once_a_live_display_and_no_telemetry_error(
    api, catalog, tmp_path
):
    """The command as a new user runs it on a terminal (its own temporary Prefect server), with
    OpenReview unreachable."""
    api.openreview.inject(Fault.reset(), times=10_000)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PREFECT_") and k != "DO_NOT_TRACK"
    }
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect-home"),
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="300",
        ENRICH_TIME_SCALE="0.002",
        TERM="xterm",
        COLUMNS="160",
    )
    command = [
        sys.executable,
        "-m",
        "flows.enrich",
        "--catalog",
        str(catalog),
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    code, out, terminal = run_on_a_terminal(command, env, timeout=400)
    assert code == 1, out + terminal
    assert "telemetry" not in terminal.lower()
    assert "Traceback" not in terminal
    summary = [line.strip() for line in out.splitlines() if line.strip()]
    assert sum("openreview: unreachable" in line for line in summary) == 1
    for line in summary:  # Prefect's console handler does not repeat the command's own lines
        assert line not in terminal, line
    terminal = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal)  # colours and cursor moves
    (state,) = [
        line.split("Finished in state ", 1)[1]
        for line in terminal.splitlines()
        if "Finished in state Failed" in line
    ]
    assert len(state) < 350 and "24 papers not asked" in state
    # The live display, per source, instead of progress log lines.
    assert "ids · " in terminal and " requests · " in terminal and "semantic_scholar" in terminal
    assert "ids asked" not in terminal and "ids to look up" not in terminal
