"""Self-tests of the loopback API doubles: recorded shapes, world lookups, and every fault."""

from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

try:
    from doubles import (
        ArxivDouble,
        Fault,
        GitHubDouble,
        OpenReviewDouble,
        Paper,
        Repo,
        SemanticScholarDouble,
        World,
        corpus_id,
        seed_world,
        start_doubles,
    )
except ImportError:  # tests/ imported as a package
    from tests.doubles import (
        ArxivDouble,
        Fault,
        GitHubDouble,
        OpenReviewDouble,
        Paper,
        Repo,  # type: ignore
        SemanticScholarDouble,
        World,
        corpus_id,
        seed_world,
        start_doubles,
    )

DATA = Path(__file__).resolve().parent / "data"
SAMPLES = DATA / "api-samples"  # a verbatim copy of the recorded answers, with their source notes
ATOM = "{http://www.w3.org/2005/Atom}"
ZERO = Paper(
    title="0",
    authors=["Quan Thoi Minh Nguyen"],
    year=2021,
    arxiv_id="2104.12255",
    abstract="What is the funniest number in cryptography? 0. The reason is that for all x, x*0 = 0.",
)


@pytest.fixture
def world() -> World:
    world = seed_world()
    world.papers.append(ZERO)
    return world


@pytest.fixture
def arxiv(world: World) -> Iterator[ArxivDouble]:
    with ArxivDouble(world) as double:
        yield double


@pytest.fixture
def s2(world: World) -> Iterator[SemanticScholarDouble]:
    with SemanticScholarDouble(world, api_key="k") as double:
        yield double


@pytest.fixture
def github(world: World) -> Iterator[GitHubDouble]:
    with GitHubDouble(world, token="t0k", rest_budget=5, graphql_budget=2) as double:
        yield double


def _masked(xml_text: str) -> str:
    """Feed text with the parts that change per call (feed id, timestamps) masked."""
    xml_text = re.sub(r"<updated>[^<]*</updated>", "<updated>X</updated>", xml_text)
    return re.sub(r"<id>https://arxiv.org/api/[^<]*</id>", "<id>X</id>", xml_text)


def _entry_tags(entry: ET.Element) -> set[tuple[str, tuple[str, ...]]]:
    return {(e.tag, tuple(sorted(e.attrib))) for e in entry.iter()}


# -- base server and faults -------------------------------------------------------------------
def test_requests_are_recorded_with_lowercase_headers(s2: SemanticScholarDouble) -> None:
    requests.post(
        f"{s2.url}/graph/v1/paper/batch?fields=title", json={"ids": []}, headers={"X-Api-Key": "k"}
    )
    recorded = s2.requests[-1]
    assert (recorded.method, recorded.path, recorded.query) == (
        "POST",
        "/graph/v1/paper/batch",
        {"fields": ["title"]},
    )
    assert recorded.headers["x-api-key"] == "k" and json.loads(recorded.body) == {"ids": []}
    assert s2.count("POST", "/graph/v1/paper") == 1 and s2.count("GET") == 0
    s2.reset_log()
    assert s2.count() == 0


def test_status_fault_is_consumed_then_normal_answers_resume(s2: SemanticScholarDouble) -> None:
    s2.inject(Fault.status(503, b"busy"), times=2)
    url = f"{s2.url}/graph/v1/paper/ARXIV:2301.00774"
    assert [requests.get(url).status_code for _ in range(3)] == [503, 503, 200]


def test_fault_with_match_only_hits_matching_requests(s2: SemanticScholarDouble) -> None:
    s2.inject(Fault.s2_429(), match=lambda r: r.method == "POST")
    assert requests.get(f"{s2.url}/graph/v1/paper/ARXIV:2301.00774").status_code == 200
    answer = requests.post(f"{s2.url}/graph/v1/paper/batch", json={"ids": []})
    assert answer.status_code == 429 and "retry-after" not in answer.headers
    assert answer.json()["code"] == "429" and s2.pending_faults == 0


def test_reset_fault_breaks_the_connection(s2: SemanticScholarDouble) -> None:
    s2.inject(Fault.reset())
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{s2.url}/graph/v1/paper/ARXIV:2301.00774")


def test_slow_fault_delays_the_answer(s2: SemanticScholarDouble) -> None:
    s2.inject(Fault.slow(0.4))
    with pytest.raises(requests.Timeout):
        requests.get(f"{s2.url}/graph/v1/paper/ARXIV:2301.00774", timeout=0.1)


def test_html_and_garbage_faults_answer_200_with_unparseable_bodies(arxiv: ArxivDouble) -> None:
    arxiv.inject(Fault.html())
    arxiv.inject(Fault.garbage())
    url = f"{arxiv.url}/api/query?id_list=2301.00774"
    page = requests.get(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    junk = requests.get(url)
    assert junk.status_code == 200 and junk.headers["content-type"].startswith(
        "application/atom+xml"
    )
    with pytest.raises(ET.ParseError):
        ET.fromstring(junk.content)


def test_truncate_fault_sends_half_the_body(s2: SemanticScholarDouble) -> None:
    s2.inject(Fault.truncate())
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(f"{s2.url}/graph/v1/paper/ARXIV:2301.00774?fields=abstract")


def test_keep_alive_session_and_stop(world: World) -> None:
    double = ArxivDouble(world)
    with requests.Session() as session:
        for _ in range(2):
            assert (
                int(
                    session.get(f"{double.url}/api/query?id_list=2301.00774").headers[
                        "content-length"
                    ]
                )
                > 0
            )
        double.stop()
        double.stop()
        with pytest.raises(requests.ConnectionError):
            session.get(f"{double.url}/api/query?id_list=2301.00774", timeout=2)


# -- arXiv ------------------------------------------------------------------------------------
def test_arxiv_entry_has_the_recorded_structure(arxiv: ArxivDouble) -> None:
    recorded_text = (SAMPLES / "arxiv/id_2104.12255v1_s0_m100_6ae69987ffe1.xml").read_text()
    ours = requests.get(
        f"{arxiv.url}/api/query?search_query=&id_list=2104.12255v1&start=0&max_results=100"
    )
    recorded, answer = ET.fromstring(recorded_text), ET.fromstring(ours.content)
    assert [child.tag for child in answer] == [child.tag for child in recorded]
    assert answer.find(f"{ATOM}title").text == recorded.find(f"{ATOM}title").text
    known = set().union(
        *(_entry_tags(e) for f in SAMPLES.glob("arxiv/*.xml") for e in ET.parse(f).getroot())
    )
    ours_tags, recorded_tags = (
        _entry_tags(answer.find(f"{ATOM}entry")),
        _entry_tags(recorded.find(f"{ATOM}entry")),
    )
    assert recorded_tags <= ours_tags <= known
    assert answer.find(f"{ATOM}entry/{ATOM}id").text == "http://arxiv.org/abs/2104.12255v1"


def test_arxiv_unknown_id_is_absent_like_the_recording(arxiv: ArxivDouble) -> None:
    recorded = (SAMPLES / "arxiv/id_0000.0000_s0_m100_8b51d9633a68.xml").read_text()
    answer = requests.get(
        f"{arxiv.url}/api/query", params={"id_list": "0000.0000", "max_results": 100}
    )
    assert answer.status_code == 200 and _masked(answer.text) == _masked(recorded)


def test_arxiv_malformed_id_is_the_recorded_400(arxiv: ArxivDouble) -> None:
    recorded = (SAMPLES / "arxiv/id_abc_s0_m100_b79c8dcf6bc3.xml").read_text()
    answer = requests.get(
        f"{arxiv.url}/api/query", params={"id_list": "2301.00774,abc", "max_results": 100}
    )
    assert answer.status_code == 400 and _masked(answer.text) == _masked(recorded)


def test_arxiv_versions_order_paging_and_default_max_results(
    arxiv: ArxivDouble, world: World
) -> None:
    def ids(**params: object) -> list[str]:
        feed = ET.fromstring(requests.get(f"{arxiv.url}/api/query", params=params).content)
        return [e.text.rsplit("/", 1)[1] for e in feed.iter(f"{ATOM}id") if "/abs/" in e.text]

    assert ids(id_list="2304.01089,2301.00774v2,2301.00774v9,astro-ph/0601001") == [
        "2304.01089v2",
        "2301.00774v2",
    ]
    world.papers.extend(Paper(title=f"P{i}", arxiv_id=f"2401.{i:05d}") for i in range(12))
    many = ",".join(f"2401.{i:05d}" for i in range(12))
    assert len(ids(id_list=many)) == 10
    assert ids(id_list=many, start=10, max_results=5) == ["2401.00010v1", "2401.00011v1"]
    assert ids(search_query='ti:"massive language models"') == ["2301.00774v3"]


def test_arxiv_summary_is_wrapped_and_doi_affiliation_shown(
    arxiv: ArxivDouble, world: World
) -> None:
    world.papers[-2].doi = "10.1000/XYZ"  # SparseGPT
    feed = ET.fromstring(requests.get(f"{arxiv.url}/api/query?id_list=2301.00774").content)
    summary = feed.find(f"{ATOM}entry/{ATOM}summary").text
    assert summary.startswith("  We study") and "\n" in summary.strip()
    assert max(len(line) for line in summary.splitlines()) <= 80
    assert feed.find(f"{ATOM}entry/{{http://arxiv.org/schemas/atom}}doi").text == "10.1000/XYZ"
    assert (
        feed.find(f"{ATOM}entry/{ATOM}author/{{http://arxiv.org/schemas/atom}}affiliation")
        is not None
    )


def test_arxiv_empty_page_fault_and_the_arxiv_library(arxiv: ArxivDouble) -> None:
    import arxiv as arxiv_library

    arxiv.inject(Fault.empty_page())
    feed = ET.fromstring(requests.get(f"{arxiv.url}/api/query?id_list=2301.00774").content)
    assert feed.find(f"{ATOM}entry") is None
    assert int(feed.find("{http://a9.com/-/spec/opensearch/1.1/}totalResults").text) > 0
    client = arxiv_library.Client(num_retries=0)
    client.query_url_format = f"{arxiv.url}/api/query?{{}}"
    result = next(client.results(arxiv_library.Search(id_list=["2301.00774"])))
    assert result.entry_id.endswith("2301.00774v3") and result.title.startswith("SparseGPT")


# -- OpenReview -------------------------------------------------------------------------------
def test_openreview_v1_and_v2_notes_have_the_recorded_keys(world: World) -> None:
    v1_sample = json.loads(
        (SAMPLES / "openreview/v1-note-NIPS2018-workshop-submission.json").read_text()
    )
    v2_sample = json.loads(
        (SAMPLES / "openreview/v2-notes-NeurIPS2024-aVh9KRZdRk-excerpt.json").read_text()
    )
    v2_sample = v2_sample["submission_note_excerpt"]
    world.papers[0].openreview_api = 2
    with OpenReviewDouble(world, api=1) as v1, OpenReviewDouble(world, api=2) as v2:
        old = requests.get(f"{v1.url}/notes", params={"id": world.papers[1].openreview_id}).json()
        new = requests.get(f"{v2.url}/notes", params={"id": world.papers[0].openreview_id}).json()
        missing = requests.get(f"{v2.url}/notes", params={"id": world.papers[1].openreview_id})
    note = old["notes"][0]
    assert set(v1_sample) - {"details"} <= set(note) and set(v1_sample["content"]) <= set(
        note["content"]
    )
    assert note["content"]["title"] == world.papers[1].title and old["count"] == 1
    note = new["notes"][0]
    assert set(v2_sample) <= set(note) and set(v2_sample["content"]) - {"primary_area"} <= set(
        note["content"]
    )
    assert all(set(value) == {"value"} for value in note["content"].values())
    assert note["content"]["venue"]["value"] == "ICLR 2023 poster" and note["content"]["pdf"][
        "value"
    ].startswith("/pdf/")
    assert missing.status_code == 404
    assert missing.json()["name"] == "NotFoundError" and missing.json()["message"].endswith(
        "was not found"
    )


def test_openreview_ids_and_forum_queries(world: World) -> None:
    for paper in world.papers[:3]:
        paper.openreview_api = 2
    with OpenReviewDouble(world, api=2) as v2:
        ids = f"{world.papers[2].openreview_id},nope,{world.papers[0].openreview_id}"
        found = requests.get(f"{v2.url}/notes", params={"ids": ids}).json()
        forum = requests.get(
            f"{v2.url}/notes", params={"forum": world.papers[1].openreview_id}
        ).json()
    assert [n["id"] for n in found["notes"]] == [
        world.papers[2].openreview_id,
        world.papers[0].openreview_id,
    ]
    assert forum["count"] == 2 and forum["notes"][1]["replyto"] == world.papers[1].openreview_id


def test_openreview_login_challenge_and_429(world: World) -> None:
    sample = (SAMPLES / "openreview/429-RateLimitError-from-issue.txt").read_text()
    recorded_429 = ast.literal_eval(
        next(line for line in sample.splitlines() if line.startswith("{"))
    )
    with OpenReviewDouble(world, api=1, require_login=True) as v1:
        url = f"{v1.url}/notes?id={world.papers[0].openreview_id}"
        challenged = requests.get(url)
        bad = requests.post(f"{v1.url}/login", json={"id": "alice", "password": "wrong"})
        token = requests.post(f"{v1.url}/login", json={"id": "alice", "password": "secret"}).json()[
            "token"
        ]
        allowed = requests.get(url, headers={"Authorization": f"Bearer {token}"})
        v1.inject(Fault.openreview_429())
        limited = requests.get(url, headers={"Authorization": f"Bearer {token}"})
    assert challenged.status_code == 403 and challenged.json()["name"] == "ChallengeRequiredError"
    assert bad.status_code == 400 and bad.json()["name"] == "InvalidCredentialsError"
    assert allowed.status_code == 200
    assert limited.status_code == 429 and set(limited.json()) == set(recorded_429)
    assert set(limited.json()["details"]) == set(recorded_429["details"])


# -- Semantic Scholar -------------------------------------------------------------------------
def test_s2_batch_keeps_length_and_order_with_nulls(
    s2: SemanticScholarDouble, world: World
) -> None:
    sparsegpt = world.papers[-2]
    sparsegpt.doi = "10.1000/SparseGPT"
    ids = [
        "ARXIV:2301.00774v2",
        f"CorpusId:{corpus_id(sparsegpt)}",
        "DOI:10.1000/sparsegpt",
        "10.1000/SPARSEGPT",
        sparsegpt.s2_id,
        "ARXIV:2301.00774",
        "PMID:1",
    ]
    answer = requests.post(
        f"{s2.url}/graph/v1/paper/batch", params={"fields": "title,externalIds"}, json={"ids": ids}
    )
    papers = answer.json()
    assert answer.text.endswith("\n") and len(papers) == len(ids)
    assert papers[0] is None and papers[-1] is None
    assert {p["paperId"] for p in papers[1:-1]} == {sparsegpt.s2_id}
    assert set(papers[1]) == {"paperId", "title", "externalIds"}
    assert papers[1]["externalIds"] == {
        "ArXiv": "2301.00774",
        "DOI": "10.1000/SparseGPT",
        "CorpusId": corpus_id(sparsegpt),
    }
    too_many = requests.post(f"{s2.url}/graph/v1/paper/batch", json={"ids": ["x"] * 501})
    assert too_many.status_code == 400 and "error" in too_many.json()


def test_s2_fields_have_the_recorded_shapes(s2: SemanticScholarDouble) -> None:
    sample = json.loads((SAMPLES / "semanticscholar/Paper_trimmed.json").read_text())
    fields = (
        "externalIds,title,abstract,venue,publicationVenue,year,publicationDate,citationCount,"
        "influentialCitationCount,authors,tldr,openAccessPdf,journal,corpusId,url"
    )
    paper = requests.get(
        f"{s2.url}/graph/v1/paper/ARXIV:2301.00774", params={"fields": fields}
    ).json()
    assert set(paper) == set(fields.split(",")) | {"paperId"} and set(paper) <= set(sample)
    assert set(paper["externalIds"]) <= {"ArXiv", "DBLP", "MAG", "DOI", "CorpusId"}
    assert set(paper["tldr"]) == set(sample["tldr"])
    assert set(paper["authors"][0]) == {"authorId", "name"} and paper["venue"] == ""
    assert set(paper["openAccessPdf"]) == {"url", "status"} and paper["publicationVenue"] is None
    iclr = requests.get(
        f"{s2.url}/graph/v1/paper/ARXIV:2303.02141", params={"fields": fields}
    ).json()
    assert set(iclr["publicationVenue"]) <= set(sample["citations"][0]["publicationVenue"])


def test_s2_errors_match_the_recordings(s2: SemanticScholarDouble) -> None:
    cassette = yaml.safe_load(
        (SAMPLES / "semanticscholar/test_bad_query_parameters.yaml").read_text()
    )
    bad_fields = requests.get(
        f"{s2.url}/graph/v1/paper/ARXIV:2301.00774", params={"fields": "unknown"}
    )
    assert (
        bad_fields.status_code == 400
        and bad_fields.text == cassette["interactions"][0]["response"]["content"]
    )
    cassette = yaml.safe_load((SAMPLES / "semanticscholar/test_not_found.yaml").read_text())
    missing = requests.get(f"{s2.url}/graph/v1/paper/0", params={"fields": "title"})
    assert missing.status_code == 404
    assert missing.text == cassette["interactions"][0]["response"]["body"]["string"]
    versioned = requests.get(f"{s2.url}/graph/v1/paper/ARXIV:2301.00774v2")
    assert versioned.json() == {"error": "Paper with id ARXIV:2301.00774v2 not found"}


def test_s2_title_match_is_a_best_guess(s2: SemanticScholarDouble, world: World) -> None:
    def match(query: str) -> requests.Response:
        return requests.get(
            f"{s2.url}/graph/v1/paper/search/match", params={"query": query, "fields": "title"}
        )

    wrong = match(
        "SparseGPT: Massive Language Models Can be Accurately Pruned in one-shot, again"
    ).json()["data"]
    assert len(wrong) == 1 and set(wrong[0]) == {"paperId", "title", "matchScore"}
    assert wrong[0]["title"].startswith("SparseGPT")
    assert match("zzzz qqqq").status_code == 404 and match("zzzz qqqq").json() == {
        "error": "Title match not found"
    }
    s2.force_match["Holistic"] = world.papers[0]
    s2.force_match["CrAM"] = None
    assert match("Holistic").json()["data"][0]["paperId"] == world.papers[0].s2_id
    assert match("CrAM").status_code == 404


def test_s2_api_key_and_the_library(s2: SemanticScholarDouble) -> None:
    from semanticscholar import SemanticScholar

    url = f"{s2.url}/graph/v1/paper/ARXIV:2301.00774"
    assert requests.get(url, headers={"x-api-key": "wrong"}).json() == {"message": "Forbidden"}
    assert requests.get(url).status_code == 200 and requests.get(url, headers={"x-api-key": "k"}).ok
    papers = SemanticScholar(api_url=s2.url, api_key="k", retry=False).get_papers(
        ["ARXIV:2301.00774"]
    )
    assert (
        papers[0].title.startswith("SparseGPT") and papers[0].externalIds["ArXiv"] == "2301.00774"
    )


# -- GitHub -----------------------------------------------------------------------------------
def test_github_repo_has_the_recorded_keys_and_headers(github: GitHubDouble) -> None:
    sample = json.loads((SAMPLES / "github/get-repository.raw-fixture.json").read_text())[0][
        "response"
    ]
    admin_only = {
        "temp_clone_token",
        "allow_squash_merge",
        "allow_merge_commit",
        "allow_rebase_merge",
        "allow_auto_merge",
        "delete_branch_on_merge",
        "allow_update_branch",
        "use_squash_pr_title_as_default",
    }
    answer = requests.get(
        f"{github.url}/repos/ist-daslab/SPARSEGPT", headers={"Authorization": "Bearer t0k"}
    )
    repo = answer.json()
    assert set(sample) - admin_only == set(repo)
    assert (
        set(repo["license"]) == {"key", "name", "spdx_id", "url", "node_id"}
        and repo["license"]["spdx_id"] == "Apache-2.0"
    )
    assert repo["full_name"] == "IST-DASLab/sparsegpt" and repo["stargazers_count"] == 765
    # Weak, as GitHub sends them to clients asking for gzip (the 301 sample's W/"..."); the
    # tag itself is the recorded answer's 64 hex digits.
    assert re.fullmatch(r'W/"[0-9a-f]{64}"', answer.headers["etag"])
    assert (
        answer.headers["x-ratelimit-resource"] == "core"
        and answer.headers["x-ratelimit-remaining"] == "4"
    )
    anonymous = requests.get(f"{github.url}/repos/hahnyuan/RPTQ4LLM").json()
    assert anonymous["license"] is None and "permissions" not in anonymous


def test_github_etag_304_is_free_only_when_authenticated(github: GitHubDouble) -> None:
    url = f"{github.url}/repos/tianyic/only_train_once"
    auth = {"Authorization": "token t0k"}
    etag = requests.get(url, headers=auth).headers["etag"]
    cached = requests.get(url, headers={**auth, "If-None-Match": etag})
    assert (
        cached.status_code == 304
        and cached.content == b""
        and cached.headers["x-ratelimit-remaining"] == "4"
    )
    etag = requests.get(url).headers["etag"]
    assert (
        requests.get(url, headers={"If-None-Match": etag}).headers["x-ratelimit-remaining"] == "2"
    )


def test_github_rename_404_budget_and_bad_token(github: GitHubDouble, world: World) -> None:
    repo = world.repos[0]
    repo.old_names.append("tianyic/otov2")
    moved = requests.get(f"{github.url}/repos/TIANYIC/otov2", allow_redirects=False)
    assert (
        moved.status_code == 301
        and moved.headers["location"] == f"{github.url}/repositories/{repo.id}"
    )
    assert set(moved.json()) == {"message", "url", "documentation_url"}
    assert (
        requests.get(f"{github.url}/repos/tianyic/otov2").json()["full_name"]
        == "tianyic/only_train_once"
    )
    missing = requests.get(f"{github.url}/repos/nobody/nothing")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"
    last = requests.get(f"{github.url}/repos/tianyic/only_train_once")
    assert last.status_code == 200 and last.headers["x-ratelimit-remaining"] == "0"
    exhausted = requests.get(f"{github.url}/repos/tianyic/only_train_once")
    assert exhausted.status_code == 403 and exhausted.headers["x-ratelimit-remaining"] == "0"
    assert exhausted.json()["message"].startswith("API rate limit exceeded for 127.0.0.1.")
    assert (
        requests.get(f"{github.url}/repos/a/b", headers={"Authorization": "Bearer no"}).status_code
        == 401
    )
    github.inject(Fault.github_secondary())
    limited = requests.get(f"{github.url}/rate_limit")
    assert limited.status_code == 403 and limited.headers["retry-after"] == "1"


def test_github_graphql_aliases_not_found_renames_and_budget(
    github: GitHubDouble, world: World
) -> None:
    sample = json.loads((SAMPLES / "github/graphql-not-found.json").read_text())
    world.repos[1].old_names.append("VITA-Group/Old-Bench")
    query = (
        'query {\n  r0: repository(owner: "vita-group", name: "old-bench") { nameWithOwner }\n'
        '  r1: repository(owner: "a", name: "b") { nameWithOwner }\n  rateLimit { cost remaining resetAt }\n}'
    )
    url, auth = f"{github.url}/graphql", {"Authorization": "bearer t0k"}
    assert requests.post(url, json={"query": query}).status_code == 401
    answer = requests.post(url, json={"query": query}, headers=auth).json()
    assert (
        answer["data"]["r0"]["nameWithOwner"] == "VITA-Group/SMC-Bench"
        and answer["data"]["r1"] is None
    )
    assert set(answer["data"]["r0"]) == {
        "nameWithOwner",
        "url",
        "stargazerCount",
        "forkCount",
        "pushedAt",
        "isArchived",
        "licenseInfo",
    }
    error = answer["errors"][0]
    assert set(error) == set(sample["errors"][0]) and error["path"] == ["r1"]
    assert error["locations"] == [{"line": 3, "column": 3}]
    assert answer["data"]["rateLimit"]["remaining"] == 1
    plain = requests.post(
        url, json={"query": '{ r0: repository(owner: "a", name: "b") { url } }'}, headers=auth
    )
    assert "rateLimit" not in plain.json()["data"]
    spent = requests.post(url, json={"query": query}, headers=auth)
    assert spent.status_code == 200 and spent.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert spent.headers["x-ratelimit-remaining"] == "0"


# -- seed world and fixtures ------------------------------------------------------------------
def test_seed_world_covers_the_seed_catalog() -> None:
    rows = re.findall(
        r"\|\s*\[([^\]]+)\]\((https://openreview\.net/(?:forum|pdf)\?id=([^)]+))\)",
        (DATA / "seed-catalog.md").read_text(),
    )
    world = seed_world()
    by_id = {p.openreview_id: p for p in world.papers if p.openreview_id}
    assert len(rows) == 24 and len(world.papers) == 26
    assert all(
        by_id[or_id].title == title and by_id[or_id].openreview_api == 1 for title, _, or_id in rows
    )
    assert {p.arxiv_id for p in world.papers if not p.openreview_id} == {"2304.01089", "2301.00774"}
    assert {r.full_name for r in world.repos} == {
        "tianyic/only_train_once",
        "VITA-Group/SMC-Bench",
        "hahnyuan/RPTQ4LLM",
        "IST-DASLab/sparsegpt",
    }
    assert len({r.id for r in world.repos}) == 4 and all(
        re.fullmatch("[0-9a-f]{40}", p.s2_id) for p in world.papers
    )


def test_start_doubles_exposes_env_and_stops_everything() -> None:
    world = World(
        papers=[Paper(title="T", openreview_id="abc", openreview_api=1)], repos=[Repo("o/n")]
    )
    with start_doubles(world, github={"token": "x"}) as running:
        assert running.env["ARXIV_API_URL"].endswith("/api/query")
        assert (
            requests.get(f"{running.env['OPENREVIEW_API_V1_URL']}/notes?id=abc").status_code == 200
        )
        assert requests.get(f"{running.env['OPENREVIEW_API_URL']}/notes?id=abc").status_code == 404
        assert requests.get(f"{running.env['GITHUB_API_URL']}/repos/o/n").status_code == 200
        assert running.errors() == []
    with pytest.raises(requests.ConnectionError):
        requests.get(running.env["GITHUB_API_URL"], timeout=1)
