"""Fault injection, API by API: a fault that goes away ends with the same catalog as a clean run;
a fault that stays erases nothing and names every paper it left unanswered.

Each test runs the real command on the seed catalog with `--sources` limited to the API under
test. The clean result per API is computed once (the world and the day are the same for every
test) and compared byte for byte."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from conftest import assert_each_paper_reported, seed_copy, snapshot
from doubles import Fault

from enrich import catalog as catalog_io
from enrich.records import EntryView
from enrich.sources import all_sources
from enrich.sources.github import graphql_query

TOKEN = "gh-fault-test-token"
ATOM = "application/atom+xml; charset=UTF-8"


@dataclass(frozen=True)
class Target:
    """One API as the command sees it: the source to ask, the doubles that answer it, and how to start them."""

    name: str
    source: str
    doubles: tuple[str, ...]
    options: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)


TARGETS = {
    "arxiv": Target("arxiv", "arxiv", ("arxiv",)),
    "openreview": Target(
        "openreview", "openreview", ("openreview", "openreview_v1")
    ),  # API 2 batch, then API 1
    "semantic_scholar": Target("semantic_scholar", "semantic_scholar", ("semanticscholar",)),
    "github": Target(
        "github", "github", ("github",)
    ),  # anonymous: REST, one request per repository
    "github-graphql": Target(
        "github-graphql",
        "github",
        ("github",),
        {"github": {"token": TOKEN}},
        {"GITHUB_TOKEN": TOKEN},
    ),
}
ALL = list(TARGETS)


def rate_limited(target: Target) -> Fault:
    """The API's own 429, without Retry-After."""
    if target.source == "semantic_scholar":
        return Fault.s2_429()
    if target.source == "openreview":
        return Fault.openreview_429(reset_in=1)
    return Fault.status(429, {"message": "Too Many Requests"})


# name -> fault for one request to the target. Read timeouts use ENRICH_HTTP_TIMEOUT=0.3.
FAULTS = {
    "429": rate_limited,
    "429-retry-after": lambda target: Fault.status(
        429, {"message": "slow down"}, {"Retry-After": "1"}
    ),
    "500": lambda target: Fault.status(500, {"message": "Internal Server Error"}),
    "502": lambda target: Fault.status(
        502, "<html><body>Bad Gateway</body></html>", {"content-type": "text/html"}
    ),
    "503": lambda target: Fault.status(503, "Service Unavailable", {"content-type": "text/plain"}),
    "connection-reset": lambda target: Fault.reset(),
    "read-timeout": lambda target: Fault.slow(1.0),
    "truncated-body": lambda target: Fault.truncate(),
    "html-page": lambda target: Fault.html(),
    "garbage": lambda target: Fault.garbage(),
}
PERSISTENT = [
    "429",
    "503",
    "connection-reset",
    "read-timeout",
    "truncated-body",
    "html-page",
    "garbage",
]

_CLEAN: dict[str, dict[str, bytes]] = {}  # target name -> the catalog after a clean run


@pytest.fixture
def serve(api_with, monkeypatch):
    """Start the doubles for a target (over the seed world) and point the command at them."""

    def start(target: Target):
        running = api_with(**target.options)
        for name, value in target.env.items():
            monkeypatch.setenv(name, value)
        return running

    return start


def clean_catalog(target: Target, api, run, tmp_path: Path) -> dict[str, bytes]:
    """The seed catalog after a fault-free run of this target's source (computed once per session)."""
    if target.name not in _CLEAN:
        folder = seed_copy(tmp_path / f"clean-{target.name}")
        outcome = run(
            "--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "clean-cache"
        )
        assert outcome.code == 0, outcome.out
        _CLEAN[target.name] = snapshot(folder)
    api.reset_logs()
    return _CLEAN[target.name]


def doubles_of(api, target: Target):
    return [getattr(api, name) for name in target.doubles]


def retries(outcome, source: str) -> int:
    found = re.search(
        rf"^  {source}: \d+ ids, \d+ requests, (\d+) retries", outcome.out, re.MULTILINE
    )
    assert found, outcome.out
    return int(found.group(1))


def asked_files(folder: Path, source: str) -> list[str]:
    """The catalog files the source has something to look up for."""
    module = all_sources()[source]
    return [
        entry.path
        for entry in catalog_io.read_catalog(folder).entries
        if module.query(EntryView.of(entry))
    ]


def assert_like_a_clean_run(
    outcome, folder: Path, clean: dict[str, bytes], api, target: Target, faults: int
) -> None:
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean
    assert all(double.pending_faults == 0 for double in doubles_of(api, target)), (
        "the fault was never met"
    )
    assert retries(outcome, target.source) >= faults
    assert api.errors() == []


# -- transient: one bad answer, then normal ones -----------------------------------------------------


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("name", ALL)
def test_transient_fault_ends_like_a_clean_run(name, fault, serve, run, tmp_path, monkeypatch):
    target = TARGETS[name]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    if fault == "read-timeout":
        monkeypatch.setenv("ENRICH_HTTP_TIMEOUT", "0.3")
    for double in doubles_of(api, target):
        double.inject(FAULTS[fault](target))
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=len(target.doubles))


def retry_gap(double) -> float:
    """Seconds between the request a fault answered and the next one to the same endpoint, from
    the double's own log."""
    (faulted,) = double.faulted
    later = [
        r.at
        for r in double.requests
        if (r.method, r.path) == (faulted.method, faulted.path) and r.at > faulted.at
    ]
    assert later, "the request was never retried"
    return later[0] - faulted.at


@pytest.mark.parametrize("name", ALL)
def test_retry_after_is_honoured(name, serve, run, tmp_path):
    """Retry-After: 150 is 1.5 s at the tests' time scale; backoff alone would wait ~0.02-0.04 s
    and the API's pace at most 0.03 s."""
    target = TARGETS[name]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    double = doubles_of(api, target)[0]
    double.inject(Fault.status(429, {"message": "slow down"}, {"Retry-After": "150"}))
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean
    assert retry_gap(double) >= 1.5


@pytest.mark.parametrize("name", ["openreview", "semantic_scholar"])
def test_rate_limit_reset_in_the_answer_is_waited_for(name, serve, run, tmp_path):
    """The real 429s carry no Retry-After: OpenReview names its resetTime in the body (150 s away,
    1.5 s at the tests' time scale), Semantic Scholar nothing (backoff from 2 s, 0.02 s here, while
    its pace alone would allow 0.0105 s)."""
    target = TARGETS[name]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    double = doubles_of(api, target)[0]
    double.inject(Fault.openreview_429(reset_in=150) if name == "openreview" else Fault.s2_429())
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean
    assert retry_gap(double) >= (1.4 if name == "openreview" else 0.02)


def test_transient_empty_arxiv_page_ends_like_a_clean_run(serve, run, tmp_path):
    target = TARGETS["arxiv"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    api.arxiv.inject(Fault.empty_page(), times=2)
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=2)


# -- transient faults on the second kind of request an API gets ----------------------------------


def is_title_search(request) -> bool:
    return request.path == "/graph/v1/paper/search/match"


@pytest.mark.parametrize(
    "fault", ["429", "500", "connection-reset", "truncated-body", "html-page", "garbage"]
)
def test_transient_fault_on_a_semantic_scholar_title_search_ends_like_a_clean_run(
    fault, serve, run, tmp_path
):
    """24 of the seed papers have no id Semantic Scholar knows: they are found by title search."""
    target = TARGETS["semantic_scholar"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    api.semanticscholar.inject(FAULTS[fault](target), match=is_title_search)
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "semantic_scholar", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=1)


@pytest.mark.parametrize("fault", ["500", "connection-reset", "html-page", "garbage"])
def test_transient_fault_on_an_openreview_api1_note_ends_like_a_clean_run(
    fault, serve, run, tmp_path
):
    """The seed's papers live on API 1: one request per note after the API 2 batch."""
    target = TARGETS["openreview"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    api.openreview_v1.inject(
        FAULTS[fault](target), match=lambda request: request.param("id") == "cCFqcrq0d8"
    )
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "openreview", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=1)


# -- batch answers of the wrong length -----------------------------------------------------------


@pytest.mark.parametrize("answer", [[None], [None, None, None], []], ids=["short", "long", "empty"])
def test_semantic_scholar_batch_of_the_wrong_length_is_retried(answer, serve, run, tmp_path):
    target = TARGETS["semantic_scholar"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    api.semanticscholar.inject(
        Fault.status(200, json.dumps(answer)), match=lambda r: r.path == "/graph/v1/paper/batch"
    )
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "semantic_scholar", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=1)


def arxiv_feed(api, ids: list[str]) -> bytes:
    response = requests.get(
        f"{api.arxiv.url}/api/query",
        params={"id_list": ",".join(ids), "max_results": len(ids)},
        timeout=5,
    )
    assert response.status_code == 200
    return response.content


def test_arxiv_page_shorter_than_its_total_is_completed_not_read_as_not_found(serve, run, tmp_path):
    target = TARGETS["arxiv"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    feed = arxiv_feed(api, ["2304.01089", "2301.00774"])
    second = feed.index(b"<entry>", feed.index(b"<entry>") + 1)
    short = feed[:second] + b"</feed>\n"  # totalResults still says 2
    assert short.count(b"<entry>") == 1 and b"<opensearch:totalResults>2<" in short
    api.arxiv.inject(Fault.status(200, short, {"content-type": ATOM}))
    api.reset_logs()
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean
    assert "not found: 0" in outcome.out


def test_arxiv_page_with_an_entry_not_asked_for_ignores_it(serve, run, tmp_path):
    target = TARGETS["arxiv"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    api.arxiv.inject(
        Fault.status(
            200, arxiv_feed(api, ["2304.01089", "2207.14200", "2301.00774"]), {"content-type": ATOM}
        )
    )
    api.reset_logs()
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean


def test_openreview_batch_with_notes_not_asked_for_ignores_them(serve, run, tmp_path):
    target = TARGETS["openreview"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    stranger = {
        "id": "NotAsked123",
        "forum": "NotAsked123",
        "content": {"title": {"value": "Another Paper"}},
    }
    api.openreview.inject(
        Fault.status(200, {"notes": [stranger, stranger], "count": 2}),
        match=lambda r: r.param("ids") is not None,
    )
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "openreview", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=0)


def graphql_answer(api, folder: Path) -> dict:
    """What the GitHub double answers for the catalog's one GraphQL query."""
    github = all_sources()["github"]
    queries = [github.query(EntryView.of(e)) for e in catalog_io.read_catalog(folder).entries]
    keys = list(dict.fromkeys(q.key for q in queries if q))
    response = requests.post(
        f"{api.github.url}/graphql",
        json={"query": graphql_query(keys)},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 200
    return response.json()


def test_github_graphql_answer_missing_a_repository_is_retried(serve, run, tmp_path):
    target = TARGETS["github-graphql"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    folder = seed_copy(tmp_path / "meta")
    answer = graphql_answer(api, folder)
    del answer["data"]["r1"]  # one repository short, and no error naming it
    api.github.inject(Fault.status(200, answer, {"content-type": "application/json"}))
    api.reset_logs()
    outcome = run("--sources", "github", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert_like_a_clean_run(outcome, folder, clean, api, target, faults=1)


def test_github_graphql_answer_with_an_extra_repository_ignores_it(serve, run, tmp_path):
    target = TARGETS["github-graphql"]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    folder = seed_copy(tmp_path / "meta")
    answer = graphql_answer(api, folder)
    answer["data"]["r99"] = dict(
        answer["data"]["r0"], nameWithOwner="someone/else", stargazerCount=1
    )
    api.github.inject(Fault.status(200, answer, {"content-type": "application/json"}))
    api.reset_logs()
    outcome = run("--sources", "github", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean


# -- persistent: the fault answers every request of the run -------------------------------------------


def assert_nothing_erased_and_named(
    outcome, folder: Path, before: dict[str, bytes], source: str
) -> None:
    assert outcome.code == 1, outcome.out
    assert snapshot(folder) == before
    asked = asked_files(folder, source)
    assert asked
    assert_each_paper_reported(outcome.out, asked, source)
    assert "Traceback" not in outcome.out


@pytest.mark.parametrize("fault", PERSISTENT)
@pytest.mark.parametrize("name", ALL)
def test_persistent_fault_erases_nothing_and_names_each_paper(
    name, fault, serve, run, tmp_path, monkeypatch
):
    """An enriched catalog, asked again (--refresh) while the API misbehaves on every request."""
    target = TARGETS[name]
    api = serve(target)
    folder = seed_copy(tmp_path / "meta", clean_catalog(target, api, run, tmp_path))
    monkeypatch.setenv(
        "ENRICH_TIME_SCALE", "0.002"
    )  # six tries per request: keep the backoff short
    if fault == "read-timeout":
        monkeypatch.setenv("ENRICH_HTTP_TIMEOUT", "0.1")
    for double in doubles_of(api, target):
        double.inject(
            FAULTS[fault](target) if fault != "read-timeout" else Fault.slow(0.3), times=10_000
        )
    outcome = run(
        "--refresh", "--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache"
    )
    assert_nothing_erased_and_named(outcome, folder, _CLEAN[name], target.source)


def test_persistent_empty_arxiv_pages_erase_nothing_and_are_named(
    serve, run, tmp_path, monkeypatch
):
    target = TARGETS["arxiv"]
    api = serve(target)
    folder = seed_copy(tmp_path / "meta", clean_catalog(target, api, run, tmp_path))
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.002")
    api.arxiv.inject(Fault.empty_page(), times=10_000)
    outcome = run(
        "--refresh", "--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache"
    )
    assert_nothing_erased_and_named(outcome, folder, _CLEAN["arxiv"], "arxiv")
    assert "not found: 0" in outcome.out


def test_persistent_semantic_scholar_batch_of_the_wrong_length_erases_nothing(
    serve, run, tmp_path, monkeypatch
):
    target = TARGETS["semantic_scholar"]
    api = serve(target)
    folder = seed_copy(tmp_path / "meta", clean_catalog(target, api, run, tmp_path))
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.002")
    api.semanticscholar.inject(Fault.status(200, "[null]"), times=10_000)
    outcome = run(
        "--refresh",
        "--sources",
        "semantic_scholar",
        catalog_dir=folder,
        cache_dir=tmp_path / "cache",
    )
    assert_nothing_erased_and_named(outcome, folder, _CLEAN["semantic_scholar"], "semantic_scholar")
    assert "not found: 0" in outcome.out


@pytest.mark.parametrize("name", ALL)
def test_failed_run_leaves_no_answer_in_the_cache_and_the_next_run_recovers(
    name, serve, run, tmp_path, monkeypatch
):
    """Nothing from a failed run is cached as 'not found': once the API is back, one run ends like a clean one."""
    target = TARGETS[name]
    api = serve(target)
    clean = clean_catalog(target, api, run, tmp_path)
    monkeypatch.setenv("ENRICH_TIME_SCALE", "0.002")
    for double in doubles_of(api, target):
        double.inject(Fault.status(503), times=10_000)
    folder = seed_copy(tmp_path / "meta")
    assert (
        run("--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache").code == 1
    )
    for double in doubles_of(api, target):
        double.clear_faults()
    outcome = run("--sources", target.source, catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(folder) == clean
