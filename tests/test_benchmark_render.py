"""The benchmark's kept results render again (`python -m benchmarks.run --render FILE`), also
those recorded before a source was added: an API a result does not know is left out of its
tables, not a KeyError."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def render(result: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--render", str(result), "--results", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_result_from_before_the_newer_sources_renders(tmp_path):
    older = ROOT / "benchmarks" / "RESULTS-nightly.json"
    data = json.loads(older.read_text())
    known = set(next(iter(data["sizes"].values()))["runs"]["cold"]["simulator"])
    assert "huggingface" not in known and "openalex" not in known  # what this test is about
    out = tmp_path / "RESULTS.md"
    done = render(older, out)
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text()
    assert "| 20000 | cold |" in text
    assert "semantic_scholar" in text and "huggingface" in text  # its column, zero counts


def test_a_current_result_renders_with_every_source(tmp_path):
    out = tmp_path / "RESULTS.md"
    done = render(ROOT / "benchmarks" / "RESULTS-nightly-paired-baa7e23.json", out)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "openalex 183/183" in out.read_text()
