"""Two GitHub fixes met while restructuring: the GraphQL budget's reset time is read as UTC
whatever the local daylight-saving time, and a batch answered with a non-object still counts
in the progress (and fails only its own repositories)."""

from __future__ import annotations

import calendar
import logging
import time

import pytest
from doubles import Fault, Repo, World

from enrich.run import FetchJob, fetch
from enrich.settings import Settings
from enrich.sources import Query
from enrich.sources.github import _reset_epoch

TOKEN = "gh-test-token"


@pytest.fixture
def world() -> World:
    return World()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_graphql_reset_time_is_utc_in_any_local_zone_summer_or_winter(zone, monkeypatch):
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        for reset in ("2030-07-01T12:00:00Z", "2030-01-01T12:00:00Z"):
            body = {"data": {"rateLimit": {"resetAt": reset}}}
            assert _reset_epoch(body) == calendar.timegm(
                (int(reset[:4]), int(reset[5:7]), 1, 12, 0, 0)
            )
    finally:
        monkeypatch.undo()
        time.tzset()


def test_graphql_batch_answered_with_a_non_object_fails_alone_and_counts_in_progress(
    api_with, world, monkeypatch, tmp_path, caplog
):
    world.repos += [Repo(f"org{n}/repo{n}", stars=n) for n in range(250)]
    api = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    api.github.inject(
        Fault.status(400, b'["not", "an", "object"]', {"content-type": "application/json"})
    )
    queries = [Query(f"org{n}/repo{n}") for n in range(250)]
    job = FetchJob("github", queries, Settings.from_env(), tmp_path / "cache", now=time.time())
    logger = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO, logger="test.progress"):
        result = fetch(job, logger=logger)
    assert sorted(result.failed) == sorted(q.key for q in queries[:100])
    assert len(result.records) == 150
    assert [r.getMessage() for r in caplog.records if "ids asked" in r.getMessage()] == [
        "github: 100/250 ids asked",
        "github: 200/250 ids asked",
        "github: 250/250 ids asked",
    ]


def test_progress_is_logged_at_each_tenth_not_at_each_batch(
    api_with, world, monkeypatch, tmp_path, caplog
):
    world.repos += [Repo(f"org{n}/repo{n}", stars=n) for n in range(2000)]
    api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    queries = [Query(f"org{n}/repo{n}") for n in range(2000)]
    job = FetchJob("github", queries, Settings.from_env(), tmp_path / "cache", now=time.time())
    logger = logging.getLogger("test.progress")
    with caplog.at_level(logging.INFO, logger="test.progress"):
        result = fetch(job, logger=logger)
    assert len(result.records) == 2000 and result.requests == 20  # 20 batches of 100
    assert [r.getMessage() for r in caplog.records if "ids asked" in r.getMessage()] == [
        f"github: {done}/2000 ids asked" for done in range(200, 2001, 200)
    ]
