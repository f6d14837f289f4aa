"""End to end: GitHub through the real command, against the loopback double.

Without GITHUB_TOKEN the source uses REST, one request per repository per day; with it,
GraphQL, 100 repositories a query. Each test builds a small catalog in tmp_path and the
world behind it; request counts come from the double's log, results from the files written."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest
from conftest import make_catalog, read, snapshot
from doubles import Fault, Repo, World

from enrich.sources import github

GITHUB_ONLY = ("--sources", "github")
TOKEN = "gh-test-token"
ALIASED = re.compile(r"\b\w+\s*:\s*repository\(")  # r0: repository(owner: "a", name: "b")


@pytest.fixture
def world() -> World:
    """An empty world: each test puts in it the repositories it needs (overrides the seed world)."""
    return World()


@pytest.fixture
def api_token(api_with, monkeypatch):
    """The doubles with GitHub expecting TOKEN, and GITHUB_TOKEN set."""
    running = api_with(github={"token": TOKEN})
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    return running


def entry(title: str, code_url: str, enrichment: str = "") -> str:
    """A curated catalog entry with a code link (protobuf text, as a curator writes it)."""
    lines = [
        "paper {",
        f'  title: "{title}"',
        "}",
        "pub {",
        '  where: "arXiv"',
        "  year: 2023",
        "}",
        "code {",
        '  type: "PyTorch"',
        f'  url: "{code_url}"',
        "}",
    ]
    lines += (
        ["enrichment {", *(f"  {line}" for line in enrichment.strip().splitlines()), "}"]
        if enrichment
        else []
    )
    return "\n".join(lines) + "\n"


def repo_paths(api) -> list[str]:
    return [r.path for r in api.github.requests if r.path.startswith("/repos/")]


def spent(reset_epoch: int) -> Fault:
    """GitHub's primary rate limit: 403, x-ratelimit-remaining 0 and the reset time."""
    body = {
        "message": "API rate limit exceeded for 127.0.0.1.",
        "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
    }
    return Fault.status(
        403,
        body,
        {
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset_epoch),
            "x-ratelimit-resource": "core",
        },
    )


def five_repos(world: World, tmp_path: Path) -> Path:
    """Five repositories o/r1..o/r5, linked from r1..r5.prototxt (asked in that order)."""
    world.repos += [Repo(f"o/r{n}", stars=10 * n, forks=n) for n in range(1, 6)]
    world.ensure_repo_ids()
    return make_catalog(
        tmp_path, {f"r{n}": entry(f"Paper {n}", f"https://github.com/o/r{n}") for n in range(1, 6)}
    )


# -- urls and de-duplication -------------------------------------------------------------------


def test_repository_urls_in_every_form_are_asked_by_owner_and_name(api, world, tmp_path, run):
    world.repos += [
        Repo("Alpha/one", stars=1),
        Repo("beta/two", stars=2),
        Repo("gamma/three", stars=3),
        Repo("delta/four", stars=4),
        Repo("epsilon/five", stars=5),
        Repo("zeta/Six", stars=6),
    ]
    links = {
        "one": "https://github.com/Alpha/one.git",
        "two": "https://github.com/beta/two/",
        "three": "https://github.com/gamma/three/tree/main/src",
        "four": "https://github.com/delta/four#readme",
        "five": "https://www.github.com/epsilon/five",
        "six": "HTTPS://GitHub.com/ZETA/Six",
    }
    catalog = make_catalog(
        tmp_path, {name: entry(f"Paper {name}", url) for name, url in links.items()}
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert sorted(repo_paths(api)) == sorted(
        [
            "/repos/alpha/one",
            "/repos/beta/two",
            "/repos/gamma/three",
            "/repos/delta/four",
            "/repos/epsilon/five",
            "/repos/zeta/six",
        ]
    )
    assert [read(catalog / f"{name}.prototxt").enrichment.repo.stars for name in links] == [
        1,
        2,
        3,
        4,
        5,
        6,
    ]
    assert read(catalog / "six.prototxt").enrichment.repo.url == "https://github.com/zeta/Six"
    assert "renamed" not in outcome.out  # a case or suffix difference is not a rename


def test_one_repository_linked_twice_in_different_case_is_asked_once(api, world, tmp_path, run):
    world.repos.append(Repo("IST-DASLab/sparsegpt", stars=765))
    catalog = make_catalog(
        tmp_path,
        {
            "a": entry("SparseGPT", "https://github.com/IST-DASLab/sparsegpt"),
            "b": entry("SparseGPT follow-up", "https://github.com/ist-daslab/SparseGPT"),
        },
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == ["/repos/ist-daslab/sparsegpt"]
    assert read(catalog / "a.prototxt").enrichment.repo.stars == 765
    assert read(catalog / "b.prototxt").enrichment.repo.stars == 765


# -- REST, without a token ---------------------------------------------------------------------


def test_without_token_each_repository_is_one_rest_request_and_a_second_run_asks_nobody(
    api, world, tmp_path, run
):
    catalog = five_repos(world, tmp_path)
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == [f"/repos/o/r{n}" for n in range(1, 6)]
    assert api.github.count("POST", "/graphql") == 0
    assert all("authorization" not in r.headers for r in api.github.requests)
    written = snapshot(catalog)

    api.reset_logs()
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count() == 0
    assert snapshot(catalog) == written


def test_output_names_the_anonymous_budget_and_github_token(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert "60 anonymous requests an hour" in outcome.out
    assert "GITHUB_TOKEN" in outcome.out


def test_refresh_asks_only_conditionally_and_304s_change_no_byte(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    run(*GITHUB_ONLY, catalog_dir=catalog)
    written = snapshot(catalog)
    api.reset_logs()
    outcome = run("--refresh", *GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == [f"/repos/o/r{n}" for n in range(1, 6)]
    for request, repo in zip(api.github.requests, world.repos):
        assert request.headers.get("if-none-match"), request.path
        assert api.github._not_modified(request, repo), f"{request.path} was answered 200, not 304"
    assert snapshot(catalog) == written


def test_renamed_repository_is_followed_and_the_curators_link_kept(api, world, tmp_path, run):
    world.repos.append(Repo("new-owner/Sparse-Kit", stars=77, old_names=["old-owner/sparsekit"]))
    world.ensure_repo_ids()
    catalog = make_catalog(
        tmp_path, {"kit": entry("Sparse Kit", "https://github.com/Old-Owner/SparseKit")}
    )
    curated = (catalog / "kit.prototxt").read_bytes()
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert [r.path for r in api.github.requests] == [
        "/repos/old-owner/sparsekit",
        f"/repositories/{world.repos[0].id}",
    ]
    info = read(catalog / "kit.prototxt")
    assert info.enrichment.repo.url == "https://github.com/new-owner/Sparse-Kit"
    assert info.enrichment.repo.stars == 77
    assert info.code.url == "https://github.com/Old-Owner/SparseKit"
    assert (
        (catalog / "kit.prototxt").read_bytes().startswith(curated)
    )  # the curator's part, byte for byte
    assert "repository renamed: old-owner/sparsekit -> new-owner/Sparse-Kit" in outcome.out


def test_missing_repository_is_a_dead_link_and_earlier_values_are_kept(api, world, tmp_path, run):
    catalog = make_catalog(
        tmp_path,
        {
            "gone": entry(
                "Gone",
                "https://github.com/someone/deleted",
                'repo {\n  url: "https://github.com/someone/deleted"\n  stars: 12\n  forks: 3\n}',
            ),
        },
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 1
    assert repo_paths(api) == ["/repos/someone/deleted"]
    repo = read(catalog / "gone.prototxt").enrichment.repo
    assert (repo.stars, repo.forks, repo.not_found) == (12, 3, True)
    assert "gone.prototxt: repository link is dead (someone/deleted)" in outcome.out


def test_spent_rate_limit_stops_github_for_the_run_and_keeps_what_was_fetched(
    api, world, tmp_path, run
):
    catalog = five_repos(world, tmp_path)
    reset = int(time.time()) + 1800
    api.github.inject(spent(reset), match=lambda request: request.path == "/repos/o/r3")
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out  # deferred is not failed: the next run continues
    assert repo_paths(api) == ["/repos/o/r1", "/repos/o/r2", "/repos/o/r3"]
    assert [read(catalog / f"r{n}.prototxt").enrichment.repo.stars for n in range(1, 6)] == [
        10,
        20,
        0,
        0,
        0,
    ]
    assert not read(catalog / "r3.prototxt").HasField("enrichment")
    assert "3 repositories left for the next run" in outcome.out
    assert time.strftime("until %H:%M UTC", time.gmtime(reset)) in outcome.out
    assert "GITHUB_TOKEN" in outcome.out


def test_next_run_asks_only_the_repositories_left(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api.github.inject(
        spent(int(time.time()) + 1800), match=lambda request: request.path == "/repos/o/r3"
    )
    run(*GITHUB_ONLY, catalog_dir=catalog)
    api.reset_logs()
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == ["/repos/o/r3", "/repos/o/r4", "/repos/o/r5"]
    assert [read(catalog / f"r{n}.prototxt").enrichment.repo.stars for n in range(1, 6)] == [
        10,
        20,
        30,
        40,
        50,
    ]


def test_budget_spent_by_the_last_answer_stops_before_the_next_request(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api.github.rest_remaining = 2
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == ["/repos/o/r1", "/repos/o/r2"]
    assert "3 repositories left for the next run" in outcome.out


def test_budget_spent_by_a_not_found_answer_stops_before_the_next_request(
    api, world, tmp_path, run
):
    world.repos += [Repo("o/r1", stars=10), Repo("o/r3", stars=30)]
    catalog = make_catalog(
        tmp_path, {f"r{n}": entry(f"Paper {n}", f"https://github.com/o/r{n}") for n in (1, 2, 3)}
    )
    api.github.rest_remaining = 2
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert repo_paths(api) == ["/repos/o/r1", "/repos/o/r2"]  # r2's 404 said remaining 0
    assert "1 repository left for the next run" in outcome.out
    assert outcome.code == 1  # r2 is a dead link


def test_secondary_rate_limit_is_retried_after_retry_after(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api.github.inject(
        Fault.github_secondary(retry_after=1), match=lambda request: request.path == "/repos/o/r2"
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api) == [
        "/repos/o/r1",
        "/repos/o/r2",
        "/repos/o/r2",
        "/repos/o/r3",
        "/repos/o/r4",
        "/repos/o/r5",
    ]
    assert [read(catalog / f"r{n}.prototxt").enrichment.repo.stars for n in range(1, 6)] == [
        10,
        20,
        30,
        40,
        50,
    ]
    assert "left for the next run" not in outcome.out


def test_connection_reset_is_retried(api, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api.github.inject(Fault.reset(), match=lambda request: request.path == "/repos/o/r4")
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert repo_paths(api).count("/repos/o/r4") == 2
    assert [read(catalog / f"r{n}.prototxt").enrichment.repo.stars for n in range(1, 6)] == [
        10,
        20,
        30,
        40,
        50,
    ]
    assert "github: 5 ids, 6 requests, 1 retries" in outcome.out


# -- counts over time --------------------------------------------------------------------------

EARLIER = """\
repo {
  url: "https://github.com/hahnyuan/RPTQ4LLM"
  stars: 468
  forks: 34
  pushed_at: "2023-12-01T03:05:37Z"
  archived: false
  license: "MIT"
  stars_changed: "2024-01-01"
  forks_changed: "2024-01-01"
}
changed {
  github: "2024-01-01"
}"""


def rptq(world: World, tmp_path: Path) -> Path:
    world.repos.append(
        Repo(
            "hahnyuan/RPTQ4LLM",
            stars=468,
            forks=34,
            pushed_at="2023-12-01T03:05:37Z",
            license="MIT",
        )
    )
    return make_catalog(
        tmp_path, {"rptq": entry("RPTQ", "https://github.com/hahnyuan/RPTQ4LLM", EARLIER)}
    )


def assert_stars_moved_today(path: Path, stars: int, days: tuple[str, ...]) -> None:
    """Stars moved on the run's day (one of its Outcome.days), forks did not."""
    repo = read(path).enrichment.repo
    assert repo.stars == stars and repo.stars_changed in days
    assert (repo.forks, repo.forks_changed) == (34, "2024-01-01")  # unchanged count, unchanged day
    assert read(path).enrichment.changed.github == repo.stars_changed


def test_unchanged_counts_rewrite_nothing(api, world, tmp_path, run):
    catalog = rptq(world, tmp_path)
    before = snapshot(catalog)
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.github.count() == 1
    assert snapshot(catalog) == before


def test_changed_stars_are_written_on_refresh_with_the_day_they_changed(api, world, tmp_path, run):
    catalog = rptq(world, tmp_path)
    run(*GITHUB_ONLY, catalog_dir=catalog)
    world.repos[0].stars = 500
    api.reset_logs()
    assert run(*GITHUB_ONLY, catalog_dir=catalog).code == 0  # within the day: nobody asked
    assert api.github.count() == 0 and read(catalog / "rptq.prototxt").enrichment.repo.stars == 468
    outcome = run("--refresh", *GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert_stars_moved_today(catalog / "rptq.prototxt", 500, outcome.days)
    assert "stars 468 -> 500 (+32)" in outcome.out


# -- GraphQL, with a token ---------------------------------------------------------------------


def test_with_token_250_repositories_take_3_graphql_queries(api_token, world, tmp_path, run):
    count = 250
    world.repos += [Repo(f"org{n}/repo{n}", stars=n) for n in range(count)]
    catalog = make_catalog(
        tmp_path,
        {
            f"p{n:03d}": entry(f"Paper {n}", f"https://github.com/org{n}/repo{n}")
            for n in range(count)
        },
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    queries = [r for r in api_token.github.requests if r.method == "POST" and r.path == "/graphql"]
    assert (
        len(queries) == math.ceil(count / 100) == len(api_token.github.requests)
    )  # no REST request
    assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in queries)
    assert [len(ALIASED.findall(r.json()["query"])) for r in queries] == [100, 100, 50]
    assert [
        read(catalog / f"p{n:03d}.prototxt").enrichment.repo.stars for n in range(count)
    ] == list(range(count))
    assert "60 anonymous" not in outcome.out


def test_with_token_spent_graphql_budget_leaves_the_rest_for_the_next_run(
    api_token, world, tmp_path, run
):
    world.repos += [Repo(f"org{n}/repo{n}", stars=n + 1) for n in range(150)]
    catalog = make_catalog(
        tmp_path,
        {
            f"p{n:03d}": entry(f"Paper {n}", f"https://github.com/org{n}/repo{n}")
            for n in range(150)
        },
    )
    api_token.github.graphql_remaining = 1  # one query's worth
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api_token.github.count() == 1
    stars = [read(catalog / f"p{n:03d}.prototxt").enrichment.repo.stars for n in range(150)]
    assert stars == [n + 1 for n in range(100)] + [0] * 50
    assert "50 repositories left for the next run" in outcome.out

    api_token.github.reset_log()
    api_token.github.graphql_remaining = 5000
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    (query,) = api_token.github.requests
    assert query.json()["query"].count("repository(") == 50


def test_with_token_rate_limited_answer_stops_github_for_the_run(api_token, world, tmp_path, run):
    catalog = five_repos(world, tmp_path)
    api_token.github.graphql_remaining = 0
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api_token.github.count() == 1
    assert not any(read(catalog / f"r{n}.prototxt").HasField("enrichment") for n in range(1, 6))
    assert "5 repositories left for the next run" in outcome.out


def test_renamed_and_missing_repositories_in_one_graphql_query(api_token, world, tmp_path, run):
    world.repos += [
        Repo("new-owner/Sparse-Kit", stars=77, old_names=["old-owner/sparsekit"]),
        Repo("fine/repo", stars=5),
    ]
    catalog = make_catalog(
        tmp_path,
        {
            "fine": entry("Fine", "https://github.com/fine/repo"),
            "gone": entry(
                "Gone",
                "https://github.com/someone/deleted",
                'repo {\n  url: "https://github.com/someone/deleted"\n  stars: 12\n  forks: 3\n}',
            ),
            "kit": entry("Sparse Kit", "https://github.com/Old-Owner/SparseKit.git"),
        },
    )
    outcome = run(*GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 1  # the dead link needs attention
    assert api_token.github.count() == 1 and api_token.github.count("POST", "/graphql") == 1
    kit = read(catalog / "kit.prototxt")
    assert kit.enrichment.repo.url == "https://github.com/new-owner/Sparse-Kit"
    assert kit.enrichment.repo.stars == 77
    assert (
        b'  url: "https://github.com/Old-Owner/SparseKit.git"\n'
        in (catalog / "kit.prototxt").read_bytes()
    )
    assert "repository renamed: old-owner/sparsekit -> new-owner/Sparse-Kit" in outcome.out
    gone = read(catalog / "gone.prototxt").enrichment.repo
    assert (gone.stars, gone.forks, gone.not_found) == (12, 3, True)
    assert "gone.prototxt: repository link is dead (someone/deleted)" in outcome.out
    assert read(catalog / "fine.prototxt").enrichment.repo.stars == 5


def test_with_token_changed_stars_are_written_on_refresh(api_token, world, tmp_path, run):
    catalog = rptq(world, tmp_path)
    before = snapshot(catalog)
    run(*GITHUB_ONLY, catalog_dir=catalog)
    assert snapshot(catalog) == before  # same counts: nothing rewritten
    world.repos[0].stars = 450
    api_token.github.reset_log()
    outcome = run("--refresh", *GITHUB_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api_token.github.count("POST", "/graphql") == 1
    assert_stars_moved_today(catalog / "rptq.prototxt", 450, outcome.days)


@pytest.mark.parametrize(
    ("parse", "answer", "count_key"),
    [
        (
            github.record_from_graphql,
            {"nameWithOwner": "o/r", "stargazerCount": 7, "forkCount": 1},
            "stargazerCount",
        ),
        (
            github.record_from_rest,
            {"full_name": "o/r", "stargazers_count": 7, "forks_count": 1},
            "stargazers_count",
        ),
    ],
)
def test_an_answer_without_its_star_count_is_broken_never_zero_stars(parse, answer, count_key):
    assert parse(answer).stars == 7
    for broken in (None, "7", True, -1):
        with pytest.raises(ValueError):
            parse({**answer, count_key: broken})
    with pytest.raises(ValueError):
        parse({key: value for key, value in answer.items() if key != count_key})
