"""The GitHub Actions workflow (.github/workflows/enrich.yml): it parses, runs nightly with the
API cache restored between nights, and the command it runs exists with the flags it passes."""

from __future__ import annotations

import shlex

import yaml

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "enrich.yml"


def load() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    workflow["on"] = workflow.pop(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as true
    return workflow


def steps() -> list[dict]:
    (job,) = load()["jobs"].values()
    return job["steps"]


def test_it_runs_nightly_and_one_at_a_time():
    workflow = load()
    assert workflow["on"]["schedule"] == [{"cron": "0 3 * * *"}]
    assert workflow["permissions"] == {"contents": "write"}
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_the_api_cache_is_restored_between_nights():
    (cache,) = [step for step in steps() if step.get("uses", "").startswith("actions/cache@")]
    assert cache["with"]["path"] == "cache"
    assert cache["with"]["restore-keys"] == "enrich-cache-" and cache["with"]["key"].startswith(
        "enrich-cache-"
    )


def test_the_token_is_not_left_in_the_checkouts_git_config():
    (checkout,) = [step for step in steps() if step.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["persist-credentials"] is False


def test_the_command_it_runs_exists_with_its_flags():
    from flows.enrich import build_parser

    (step,) = [step for step in steps() if "flows.enrich" in step.get("run", "")]
    words = shlex.split(step["run"])
    assert words[:3] == [".venv/bin/python", "-m", "flows.enrich"]
    args = build_parser().parse_args(words[3:])
    assert args.commit and args.push and args.catalog == "meta" and args.cache_dir == "cache"
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
