"""Credentials missing from the environment come from Prefect Secret blocks, read in one listing."""

from __future__ import annotations

import secrets

import pytest

from flows import server

TOKEN = "ghp_" + secrets.token_hex(18)


@pytest.fixture
def github_token_block(prefect_server):
    """A `github-token` Secret block on the test server, deleted afterwards (other tests expect none)."""
    from prefect.blocks.system import Secret

    # _sync: a test before may leave an event loop set in this thread (Playwright), which would
    # turn these calls into coroutines never awaited.
    Secret(value=TOKEN).save(server.secret_blocks()["GITHUB_TOKEN"], overwrite=True, _sync=True)
    try:
        yield TOKEN
    finally:
        Secret.delete(server.secret_blocks()["GITHUB_TOKEN"], _sync=True)


def test_token_from_a_secret_block_is_used_when_the_environment_has_none(
    api_with, github_token_block, catalog, run, monkeypatch
):
    running = api_with(github={"token": github_token_block})
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    graphql = [r for r in running.github.requests if r.path == "/graphql"]
    assert graphql and all(r.headers.get("authorization", "").split()[-1] == TOKEN for r in graphql)


def test_the_environment_wins_over_a_secret_block(github_token_block, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "from-the-environment")
    assert server.environment_with_secrets()["GITHUB_TOKEN"] == "from-the-environment"


def test_offline_reads_no_secret_block(github_token_block, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert server.environment_with_secrets()["GITHUB_TOKEN"] == TOKEN
    assert "GITHUB_TOKEN" not in server.environment_with_secrets(offline=True)
