"""Self-tests of the Hugging Face and OpenAlex doubles against the recorded answers in
tests/data/api-samples/ (copied verbatim from the shared samples)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from doubles import Fault, HuggingFaceDouble, OpenAlexDouble, Paper, World

SAMPLES = Path(__file__).resolve().parent / "data" / "api-samples"
HF_SAMPLE = json.loads(
    (SAMPLES / "huggingface" / "daily-paper-object-2509.04664.json").read_text(encoding="utf-8")
)
OA_SAMPLE = json.loads(
    (SAMPLES / "openalex" / "work-authorships-excerpt-AlexNet.json").read_text(encoding="utf-8")
)

HALLUCINATE = Paper(
    title="Why Language Models Hallucinate",
    arxiv_id="2509.04664",
    year=2025,
    hf_indexed=True,
    authors=["Adam Tauman Kalai", "Ofir Nachum", "Santosh S. Vempala", "Edwin Zhang"],
    abstract="Like students …",
)
CODED = Paper(
    title="Sparse Code",
    arxiv_id="2401.00001",
    hf_indexed=True,
    authors=["A B"],
    hf_github_repo="https://github.com/owner/sparse-code",
    hf_github_stars=12,
)
UNINDEXED = Paper(title="Nobody Indexed Me", arxiv_id="2401.00002", authors=["C D"])
ALEXNET = Paper(
    title="ImageNet classification with deep convolutional neural networks",
    year=2012,
    doi="10.1145/3065386",
    authors=["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"],
    openalex_indexed=True,
    affiliations=[["University of Toronto"]] * 3,
    openalex_venue="Communications of the ACM",
    openalex_venue_type="journal",
    cited_by_count=75000,
)
PREPRINT = Paper(
    title="A Preprint Only",
    arxiv_id="2301.00774",
    authors=["E F", "G H"],
    openalex_indexed=True,
    affiliations=[["Lab One"], []],
)


@pytest.fixture
def hf() -> Iterator[HuggingFaceDouble]:
    with HuggingFaceDouble(World(papers=[HALLUCINATE, CODED, UNINDEXED])) as double:
        yield double


@pytest.fixture
def oa() -> Iterator[OpenAlexDouble]:
    with OpenAlexDouble(World(papers=[ALEXNET, PREPRINT])) as double:
        yield double


def test_huggingface_paper_has_the_recorded_keys_and_no_code_keys_when_unset(hf):
    answer = requests.get(f"{hf.url}/api/papers/2509.04664", timeout=5)
    assert answer.status_code == 200
    paper = answer.json()
    assert set(paper) <= set(HF_SAMPLE)
    assert "githubRepo" not in paper and "githubStars" not in paper  # absent, not null, as recorded
    assert [a["name"] for a in paper["authors"]] == [a["name"] for a in HF_SAMPLE["authors"]]
    assert set(paper["authors"][0]) == set(HF_SAMPLE["authors"][0])
    assert paper["title"] == HF_SAMPLE["title"]


def test_huggingface_paper_with_code_carries_github_repo_and_stars(hf):
    paper = requests.get(f"{hf.url}/api/papers/2401.00001", timeout=5).json()
    assert paper["githubRepo"] == "https://github.com/owner/sparse-code"
    assert paper["githubStars"] == 12


@pytest.mark.parametrize("arxiv_id", ["2401.00002", "2509.04664v2", "9999.99999", "cs/0601001"])
def test_huggingface_answers_404_for_papers_it_has_not_indexed(hf, arxiv_id):
    assert requests.get(f"{hf.url}/api/papers/{arxiv_id}", timeout=5).status_code == 404


def test_huggingface_faults_are_injected(hf):
    hf.inject(Fault.status(429, {"error": "rate limited"}))
    assert requests.get(f"{hf.url}/api/papers/2509.04664", timeout=5).status_code == 429
    assert requests.get(f"{hf.url}/api/papers/2509.04664", timeout=5).status_code == 200


def works(oa: OpenAlexDouble, dois: list[str], **params: str) -> requests.Response:
    return requests.get(
        f"{oa.url}/works", params={"filter": "doi:" + "|".join(dois), **params}, timeout=5
    )


def test_openalex_authorships_have_the_recorded_shape(oa):
    (work,) = works(oa, ["10.1145/3065386"], per_page="100").json()["results"]
    recorded = OA_SAMPLE["authorships"]
    assert [set(a) for a in work["authorships"]] == [set(a) for a in recorded]
    assert [a["author_position"] for a in work["authorships"]] == [
        a["author_position"] for a in recorded
    ]
    assert set(work["authorships"][0]["institutions"][0]) == set(recorded[0]["institutions"][0])
    assert [a["institutions"][0]["display_name"] for a in work["authorships"]] == [
        "University of Toronto"
    ] * 3
    assert work["cited_by_count"] == 75000
    assert work["primary_location"]["source"]["display_name"] == "Communications of the ACM"


def test_openalex_batch_leaves_unknown_dois_out_and_takes_any_case_and_the_doi_org_prefix(oa):
    answer = works(
        oa,
        ["https://doi.org/10.1145/3065386", "10.48550/ARXIV.2301.00774", "10.9999/unknown"],
        per_page="100",
    ).json()
    assert answer["meta"]["count"] == 2
    assert sorted(w["doi"] for w in answer["results"]) == [
        "https://doi.org/10.1145/3065386",
        "https://doi.org/10.48550/arxiv.2301.00774",
    ]
    preprint = next(w for w in answer["results"] if "arxiv" in w["doi"])
    assert preprint["primary_location"]["source"]["type"] == "repository"
    assert "cited_by_count" not in preprint  # unknown stays absent
    assert [a["institutions"] for a in preprint["authorships"]][1] == []


def test_openalex_refuses_more_than_100_dois_and_pages_at_25_by_default(oa):
    assert works(oa, [f"10.1/{i}" for i in range(101)], per_page="100").status_code == 400
    assert works(oa, ["10.1/x"], per_page="201").status_code == 400
    assert works(oa, ["10.1145/3065386"]).json()["meta"]["per_page"] == 25


def test_openalex_with_a_key_refuses_requests_without_it():
    with OpenAlexDouble(World(papers=[ALEXNET]), api_key="oa-key") as double:
        assert works(double, ["10.1145/3065386"]).status_code == 401
        assert works(double, ["10.1145/3065386"], api_key="wrong").status_code == 401
        assert works(double, ["10.1145/3065386"], api_key="oa-key").status_code == 200


def test_openalex_select_keeps_only_the_fields_asked_and_refuses_unknown_ones(oa):
    (work,) = works(oa, ["10.1145/3065386"], select="id,doi,cited_by_count").json()["results"]
    assert set(work) == {"id", "doi", "cited_by_count"}
    assert works(oa, ["10.1145/3065386"], select="id,nonsense").status_code == 400
