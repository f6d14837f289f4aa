"""The GitHub double answers limits and revalidations every way the real API does, and the
command copes with each: a spent budget as 403 or 429, a secondary limit without retry-after,
GraphQL's RATE_LIMITED as HTTP 200 or 403, weak ETags. Waits are compressed 100x
(ENRICH_TIME_SCALE=0.01): GitHub's "at least a minute" is 0.6 s here."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import make_catalog, read, snapshot
from doubles import Fault, Repo, World
from test_github import GITHUB_ONLY, TOKEN, entry, five_repos, repo_paths

from enrich import clock
from enrich.errors import RateLimitExhausted, TransientAnswer
from enrich.run import today_utc
from enrich.sources.github import limit_spent


@pytest.fixture
def world() -> World:
    return World()


def stars(catalog: Path) -> list[int]:
    return [read(catalog / f"r{n}.prototxt").enrichment.repo.stars for n in range(1, 6)]


def enriched(catalog: Path) -> list[bool]:
    return [read(catalog / f"r{n}.prototxt").HasField("enrichment") for n in range(1, 6)]


def gap_after_fault(double) -> float:
    """Seconds from the request a fault answered to the next request, from the double's log."""
    (faulted,) = double.faulted
    later = [r.at for r in double.requests if r.at > faulted.at]
    assert later, "the request was never retried"
    return later[0] - faulted.at


def primary_limit(code: int, reset_in: float, resource: str = "core") -> Fault:
    """GitHub's spent primary budget as `code`, resetting `reset_in` seconds from now."""
    return Fault.status(
        code,
        {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "x"},
        {
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(time.time() + reset_in)),
            "x-ratelimit-resource": resource,
        },
    )


RATE_LIMITED = {
    "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
}


# -- 1. the primary budget spent, as 403 or 429 --------------------------------------------------


@pytest.mark.parametrize("code", [403, 429])
def test_budget_spent_as_403_or_429_leaves_every_repository_for_the_next_run(
    code, api_with, world, tmp_path, run
):
    api = api_with(github={"rest_budget": 0, "exhausted_status": code})
    catalog = five_repos(world, tmp_path)
    before = snapshot(catalog)
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out  # deferred, not failed
    (answer,) = api.github.requests  # one look, no retries into a spent budget
    assert "5 repositories left for the next run" in outcome.out
    assert outcome.out.count("rate limit spent until") == 1
    assert snapshot(catalog) == before  # no repository dead, no 0 stars
    assert "dead" not in outcome.out


@pytest.mark.parametrize("code", [403, 429])
def test_budget_spent_as_403_or_429_resetting_soon_is_waited_for(code, api, world, tmp_path, run):
    """Reset in 150 s (1.5 s here): within WAIT_FOR_RESET_MAX, so the run waits and finishes
    (a secondary limit's backoff would be 0.6 s)."""
    catalog = five_repos(world, tmp_path)
    api.github.inject(primary_limit(code, 150), match=lambda r: r.path == "/repos/o/r3")
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api).count("/repos/o/r3") == 2
    assert stars(catalog) == [10, 20, 30, 40, 50]
    assert "left for the next run" not in outcome.out
    assert gap_after_fault(api.github) >= 1.4  # waited for the reset


# -- 2. the secondary limit without retry-after -------------------------------------------------


@pytest.mark.parametrize("code", [403, 429])
def test_secondary_limit_without_retry_after_backs_off_a_minute_and_retries(
    code, api, world, tmp_path, run
):
    catalog = five_repos(world, tmp_path)
    api.github.inject(
        Fault.github_secondary(retry_after=None, code=code),
        match=lambda r: r.path == "/repos/o/r2",
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == ["/repos/o/r1", "/repos/o/r2", "/repos/o/r2"] + [
        f"/repos/o/r{n}" for n in (3, 4, 5)
    ]
    assert stars(catalog) == [10, 20, 30, 40, 50]
    assert not any(read(catalog / f"r{n}.prototxt").enrichment.repo.not_found for n in (1, 2))
    assert gap_after_fault(api.github) >= 0.55  # "at least one minute", 0.6 s here


def test_graphql_secondary_limit_without_retry_after_retries_the_batch(
    api_with, world, tmp_path, run, monkeypatch
):
    api = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    catalog = five_repos(world, tmp_path)
    api.github.inject(Fault.github_secondary(retry_after=None))
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count("POST", "/graphql") == 2
    assert stars(catalog) == [10, 20, 30, 40, 50]
    assert gap_after_fault(api.github) >= 0.55


def test_a_403_that_is_no_rate_limit_fails_its_repository_without_marking_it_dead(
    api, world, tmp_path, run
):
    """e.g. "Repository access blocked": retrying it for minutes would help nobody."""
    catalog = five_repos(world, tmp_path)
    api.github.inject(
        Fault.status(403, {"message": "Repository access blocked", "block": {"reason": "tos"}}),
        match=lambda r: r.path == "/repos/o/r2",
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert repo_paths(api).count("/repos/o/r2") == 1
    assert not read(catalog / "r2.prototxt").HasField("enrichment")
    assert stars(catalog) == [10, 0, 30, 40, 50]
    assert "dead" not in outcome.out and "HTTP 403" in outcome.out


# -- 3. GraphQL's RATE_LIMITED as HTTP 200 or 403 -------------------------------------------------


@pytest.mark.parametrize("code", [200, 403])
def test_graphql_rate_limited_as_200_or_403_defers_the_batch_to_the_next_run(
    code, api_with, world, tmp_path, run, monkeypatch
):
    api = api_with(github={"token": TOKEN, "graphql_exhausted_status": code})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    catalog = five_repos(world, tmp_path)
    before = snapshot(catalog)
    api.github.graphql_remaining = 0
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count() == 1
    assert snapshot(catalog) == before
    assert "5 repositories left for the next run" in outcome.out

    api.github.reset_log()
    api.github.graphql_remaining = 5000
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count("POST", "/graphql") == 1
    assert stars(catalog) == [10, 20, 30, 40, 50]


def test_graphql_rate_limited_403_without_rate_headers_is_still_a_spent_budget(
    api_with, world, tmp_path, run, monkeypatch
):
    """The error in the body is what says it, whatever the status and headers."""
    api = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    catalog = five_repos(world, tmp_path)
    before = snapshot(catalog)
    api.github.inject(Fault.status(403, RATE_LIMITED, {"content-type": "application/json"}))
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count() == 1
    assert snapshot(catalog) == before
    assert "5 repositories left for the next run" in outcome.out


@pytest.mark.parametrize("code", [200, 403])
def test_graphql_rate_limited_resetting_soon_is_waited_for_and_the_batch_retried(
    code, api_with, world, tmp_path, run, monkeypatch
):
    api = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    catalog = five_repos(world, tmp_path)
    reset = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 150)}
    api.github.inject(
        Fault.status(code, RATE_LIMITED, {"content-type": "application/json", **reset})
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count("POST", "/graphql") == 2
    assert stars(catalog) == [10, 20, 30, 40, 50]
    assert gap_after_fault(api.github) >= 1.4  # reset in 150 s, 1.5 s here


# -- 4. weak ETags --------------------------------------------------------------------------------


def test_weak_etag_is_sent_back_verbatim_and_its_304_keeps_the_values_and_their_day(
    api, world, tmp_path, run, monkeypatch
):
    world.repos.append(Repo("o/r", stars=77, forks=5))
    catalog = make_catalog(tmp_path, {"p": entry("Paper", "https://github.com/o/r")})
    three_days = 3 * 86400
    monkeypatch.setenv(clock.VARIABLE, str(-three_days))
    first = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert first.code == 0, first.out
    written = snapshot(catalog)
    repo = read(catalog / "p.prototxt").enrichment.repo
    assert repo.stars == 77 and repo.stars_changed in first.days
    assert today_utc() not in first.days  # dated three days back

    monkeypatch.delenv(clock.VARIABLE)
    api.reset_logs()
    outcome = run("--refresh", *GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    (request,) = api.github.requests
    sent = request.headers.get("if-none-match", "")
    assert sent.startswith('W/"') and sent == api.github.etag_of(world.repos[0], request)
    assert api.github._not_modified(request, world.repos[0])  # answered 304
    assert snapshot(catalog) == written  # 77 stars, still dated the first day


def test_double_compares_if_none_match_weakly(api, world):
    import requests

    world.repos.append(Repo("o/r", stars=1))
    first = requests.get(f"{api.github.url}/repos/o/r")
    tag = first.headers["etag"]
    assert tag.startswith('W/"')
    for sent in (tag, tag.removeprefix("W/"), f'"other", {tag}'):
        again = requests.get(f"{api.github.url}/repos/o/r", headers={"If-None-Match": sent})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    other = requests.get(f"{api.github.url}/repos/o/r", headers={"If-None-Match": 'W/"x"'})
    assert other.status_code == 200


# -- answers of the wrong shape (found by tests/test_fuzz_answers.py) ----------------------------


def test_rest_answer_that_is_not_an_object_fails_only_its_repository(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api.github.inject(
        Fault.status(200, b"[]", {"content-type": "application/json"}),
        match=lambda r: r.path == "/repos/o/r2",
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 1, outcome.out  # r2 failed: needs attention, named
    assert stars(catalog) == [10, 0, 30, 40, 50]
    assert "r2.prototxt: github" in outcome.out and "unexpected" not in outcome.out.lower()


def test_graphql_answer_whose_data_is_not_an_object_is_retried(
    api_with, world, tmp_path, run, monkeypatch
):
    api = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    catalog = five_repos(world, tmp_path)
    api.github.inject(Fault.status(200, {"data": 1}, {"content-type": "application/json"}))
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count("POST", "/graphql") == 2
    assert stars(catalog) == [10, 20, 30, 40, 50]


@pytest.mark.parametrize(
    ("reset_in", "waited"),
    [(150, 151.0), (299, 300.0), (-30, 1.0), (301, None), (3600, None)],
)
def test_a_spent_budget_is_waited_for_only_when_its_reset_is_near(reset_in, waited):
    now = clock.now()
    spent = limit_spent(now + reset_in)
    if waited is None:
        assert isinstance(spent, RateLimitExhausted) and spent.reset_at == now + reset_in
    else:
        assert isinstance(spent, TransientAnswer)
        assert spent.retry_after == pytest.approx(waited, abs=2)
    assert isinstance(limit_spent(0.0), RateLimitExhausted)  # reset unknown: never waited
