"""End to end: Semantic Scholar through the real command, against the loopback double.

Each test builds a small catalog in tmp_path and the world behind it; request counts come
from the double's log, results from the files the run wrote."""

from __future__ import annotations

import dataclasses
import math

import pytest
from conftest import make_catalog, read, snapshot
from doubles import Fault, Paper, World


BATCH_PATH = "/graph/v1/paper/batch"
MATCH_PATH = "/graph/v1/paper/search/match"
FIELDS = {
    "paperId",
    "externalIds",
    "title",
    "abstract",
    "venue",
    "year",
    "publicationDate",
    "citationCount",
    "influentialCitationCount",
    "authors",
    "tldr",
}
S2_ONLY = ("--sources", "semantic_scholar")

SPARSE = Paper(
    title="Sparse Mixtures Prune Themselves",
    abstract="Mixtures of experts drop their idle experts.",
    authors=["Lena Hartmann", "Tomas Okafor"],
    year=2023,
    arxiv_id="2305.11111",
    s2_id="a" * 40,
    venue="ICML 2023",
    citation_count=42,
    influential_citation_count=7,
    tldr="Idle experts can be pruned away.",
)
QUANT = Paper(
    title="Four Bits Are Enough for Attention",
    abstract="Attention survives 4-bit weights.",
    authors=["Wei Zhang", "Priya Raman", "Marco Bianchi"],
    year=2022,
    doi="10.1000/quant.7",
    arxiv_id="2206.22222",
    s2_id="b" * 40,
    venue="NeurIPS 2022",
    citation_count=120,
    influential_citation_count=11,
    tldr="Four bits suffice.",
)
LOTTERY = Paper(
    title="Lottery Tickets in Sparse Mixture Models",
    abstract="Winning tickets exist in mixtures.",
    authors=["Aiko Tanaka"],
    year=2023,
    s2_id="c" * 40,
    citation_count=9,
    influential_citation_count=1,
)


@pytest.fixture
def world() -> World:
    """An empty world: each test puts in it the papers it needs (overrides the seed world)."""
    return World()


def entry(
    title: str,
    url: str = "",
    year: int | None = 2023,
    authors: tuple[str, ...] = (),
    enrichment: str = "",
) -> str:
    """A curated catalog entry as a curator writes it (protobuf text)."""
    lines = ["paper {", f'  title: "{title}"']
    lines += [f'  url: "{url}"'] if url else []
    lines += [f'  authors: "{name}"' for name in authors]
    lines += ["}", "pub {", '  where: "arXiv"']
    lines += [f"  year: {year}"] if year else []
    lines += ["}"]
    lines += (
        ["enrichment {", *(f"  {line}" for line in enrichment.strip().splitlines()), "}"]
        if enrichment
        else []
    )
    return "\n".join(lines) + "\n"


def batch_ids(api) -> list[list[str]]:
    return [
        r.json()["ids"]
        for r in api.semanticscholar.requests
        if r.method == "POST" and r.path == BATCH_PATH
    ]


def is_batch(request) -> bool:
    return request.path == BATCH_PATH


# -- which id, which endpoint, which fields ----------------------------------------------------


def test_each_paper_is_asked_by_its_strongest_id_in_one_batch(api, world, tmp_path, run):
    world.papers += [SPARSE, QUANT, LOTTERY]
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111"),
            "quant": entry(QUANT.title, "https://doi.org/10.1000/QUANT.7", year=2022),
            # an arXiv link, but an earlier run already knew the paperId: that wins
            "lottery": entry(
                LOTTERY.title,
                "https://arxiv.org/abs/2307.33333",
                enrichment=f'semantic_scholar_id: "{"c" * 40}"',
            ),
        },
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert [sorted(ids) for ids in batch_ids(api)] == [
        sorted(["ARXIV:2305.11111", "DOI:10.1000/quant.7", "c" * 40])
    ]
    assert api.semanticscholar.count("GET", MATCH_PATH) == 0
    assert read(catalog / "sparse.prototxt").enrichment.semantic_scholar_id == "a" * 40
    assert read(catalog / "quant.prototxt").enrichment.semantic_scholar_id == "b" * 40
    assert read(catalog / "lottery.prototxt").enrichment.citation_count == 9
    assert api.errors() == []


ACL_PAPER = Paper(
    title="Pruning Attention Heads Without Tears",
    abstract="Heads go, accuracy stays.",
    authors=["Omar Haddad"],
    year=2023,
    acl_id="2023.acl-long.1",
    s2_id="d" * 40,
    venue="ACL 2023",
    citation_count=5,
)
ACM_PAPER = Paper(
    title="Compiling Sparse Kernels for Tiny Devices",
    abstract="A compiler for sparse kernels.",
    authors=["Ines Ferreira"],
    year=2023,
    doi="10.1145/3575693.3575739",
    s2_id="e" * 40,
    venue="ASPLOS 2023",
)
VENUE_ONLY = Paper(
    title="Scaling Sparse Training on GPUs", year=2023, s2_id="f" * 40, citation_count=3
)


def test_venue_pages_are_asked_by_the_id_their_url_carries_in_the_same_batch(
    api, world, tmp_path, run
):
    world.papers += [SPARSE, ACL_PAPER, ACM_PAPER, VENUE_ONLY]
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(SPARSE.title, "https://huggingface.co/papers/2305.11111"),
            "acl": entry(ACL_PAPER.title, "https://aclanthology.org/2023.acl-long.1.pdf"),
            "acm": entry(ACM_PAPER.title, "https://dl.acm.org/doi/abs/10.1145/3575693.3575739"),
            # a proceedings page carries no id Semantic Scholar takes: a title (and year) search, as before
            "venue": entry(VENUE_ONLY.title, "https://proceedings.mlr.press/v202/scaling23a.html"),
        },
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert [sorted(ids) for ids in batch_ids(api)] == [
        sorted(["ARXIV:2305.11111", "ACL:2023.acl-long.1", "DOI:10.1145/3575693.3575739"])
    ]
    assert [r.param("query") for r in api.semanticscholar.requests if r.path == MATCH_PATH] == [
        VENUE_ONLY.title
    ]
    for name, paper in (
        ("sparse", SPARSE),
        ("acl", ACL_PAPER),
        ("acm", ACM_PAPER),
        ("venue", VENUE_ONLY),
    ):
        assert read(catalog / f"{name}.prototxt").enrichment.semantic_scholar_id == paper.s2_id
    assert api.errors() == []


def test_batch_asks_only_the_fields_the_catalog_uses(api, world, tmp_path, run):
    world.papers.append(SPARSE)
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    run(*S2_ONLY, catalog_dir=catalog)
    (request,) = [r for r in api.semanticscholar.requests if r.path == BATCH_PATH]
    assert request.method == "POST"
    assert set(request.param("fields").split(",")) == FIELDS
    assert len(request.param("fields").split(",")) == len(FIELDS)  # no field asked twice


@pytest.mark.parametrize(
    "url, enrichment",
    [
        ("https://arxiv.org/abs/2305.11111v3", ""),
        ("http://arxiv.org/pdf/2305.11111v2.pdf", ""),
        (
            "https://example.org/sparse-mixtures",
            'arxiv_id: "2305.11111v2"',
        ),  # hand-edited id with a version
    ],
)
def test_versioned_arxiv_id_never_reaches_the_batch(api, world, tmp_path, run, url, enrichment):
    world.papers.append(SPARSE)
    catalog = make_catalog(tmp_path, {"sparse": entry(SPARSE.title, url, enrichment=enrichment)})
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert batch_ids(api) == [["ARXIV:2305.11111"]]
    assert (
        api.semanticscholar.count("GET", MATCH_PATH) == 0
    )  # the batch knew it: no title search needed
    assert read(catalog / "sparse.prototxt").enrichment.semantic_scholar_id == "a" * 40


def test_a_batch_holds_at_most_500_ids_and_a_second_run_asks_nobody(api, world, tmp_path, run):
    count = 1203
    files = {}
    for number in range(count):
        arxiv_id = f"2401.{number:05d}"
        title = f"Structured Sparsity Study Number {number}"
        world.papers.append(
            Paper(
                title=title,
                abstract=f"Study {number}.",
                authors=["Ravi Iyer"],
                year=2024,
                arxiv_id=arxiv_id,
                s2_id=f"{number:040x}",
                citation_count=number,
            )
        )
        files[f"p{number:04d}"] = entry(title, f"https://arxiv.org/abs/{arxiv_id}", year=2024)
    catalog = make_catalog(tmp_path, files)
    outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    sizes = [len(ids) for ids in batch_ids(api)]
    assert len(sizes) == math.ceil(count / 500) and max(sizes) <= 500 and sum(sizes) == count
    assert api.semanticscholar.count() == len(sizes)  # no title search, no retry
    assert api.arxiv.count("GET", "/api/query") <= math.ceil(count / 100)
    assert read(catalog / "p1202.prototxt").enrichment.citation_count == 1202
    written = snapshot(catalog)

    api.reset_logs()
    outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert sum(len(server.requests) for server in api.servers) == 0
    assert snapshot(catalog) == written


# -- title search: once ever -------------------------------------------------------------------


def test_paper_without_id_is_matched_by_title_once_and_its_id_written(api, world, tmp_path, run):
    world.papers.append(LOTTERY)
    catalog = make_catalog(
        tmp_path, {"lottery": entry(LOTTERY.title, "https://example.org/lottery-mixtures")}
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    (search,) = [r for r in api.semanticscholar.requests if r.path == MATCH_PATH]
    assert search.method == "GET" and search.param("query") == LOTTERY.title
    assert api.semanticscholar.count("POST", BATCH_PATH) == 0
    enrichment = read(catalog / "lottery.prototxt").enrichment
    assert enrichment.semantic_scholar_id == "c" * 40
    assert enrichment.citation_count == 9


def test_resolved_paper_is_not_searched_again_on_the_next_run_nor_with_refresh(
    api, world, tmp_path, run
):
    """--refresh asks the batch again by the paperId the first run wrote (that refreshes the
    counts); searching the title again could only find the same id, or a worse guess."""
    world.papers.append(LOTTERY)
    catalog = make_catalog(tmp_path, {"lottery": entry(LOTTERY.title)})
    run(*S2_ONLY, catalog_dir=catalog)
    assert api.semanticscholar.count("GET", MATCH_PATH) == 1
    written = snapshot(catalog)

    api.reset_logs()
    assert run(*S2_ONLY, catalog_dir=catalog).code == 0
    assert api.semanticscholar.count() == 0
    assert snapshot(catalog) == written

    api.reset_logs()
    assert run("--refresh", *S2_ONLY, catalog_dir=catalog).code == 0
    assert batch_ids(api) == [["c" * 40]]
    assert api.semanticscholar.count("GET", MATCH_PATH) == 0
    assert snapshot(catalog) == written


def test_paper_the_batch_answers_null_for_is_matched_by_title_and_batched_from_then_on(
    api, world, tmp_path, run
):
    # Semantic Scholar knows the paper, but not under its arXiv id.
    world.papers.append(dataclasses.replace(LOTTERY, arxiv_id=None))
    catalog = make_catalog(
        tmp_path, {"lottery": entry(LOTTERY.title, "https://arxiv.org/abs/2307.33333")}
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert batch_ids(api) == [["ARXIV:2307.33333"]]
    assert api.semanticscholar.count("GET", MATCH_PATH) == 1
    assert read(catalog / "lottery.prototxt").enrichment.semantic_scholar_id == "c" * 40

    api.reset_logs()
    world.papers[:] = [dataclasses.replace(LOTTERY, arxiv_id=None, citation_count=10)]
    assert run("--refresh", *S2_ONLY, catalog_dir=catalog).code == 0
    assert batch_ids(api) == [["c" * 40]]
    assert api.semanticscholar.count("GET", MATCH_PATH) == 0
    assert read(catalog / "lottery.prototxt").enrichment.citation_count == 10


def test_title_match_of_another_paper_writes_nothing_and_names_the_candidate(
    api, world, tmp_path, run
):
    other = Paper(
        title="Lottery Tickets in Dense Transformers", year=2023, s2_id="d" * 40, citation_count=50
    )
    world.papers.append(other)
    api.semanticscholar.force_match[LOTTERY.title] = other
    catalog = make_catalog(tmp_path, {"lottery": entry(LOTTERY.title)})
    before = snapshot(catalog)
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count("GET", MATCH_PATH) == 1
    assert snapshot(catalog) == before
    assert (
        "no confident match (candidate: 'Lottery Tickets in Dense Transformers', 2023)"
        in outcome.out
    )


def test_title_match_with_year_off_by_more_than_one_is_rejected(api, world, tmp_path, run):
    older = dataclasses.replace(LOTTERY, year=2021)
    world.papers.append(older)
    api.semanticscholar.force_match[LOTTERY.title] = older
    catalog = make_catalog(tmp_path, {"lottery": entry(LOTTERY.title, year=2023)})
    before = snapshot(catalog)
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert snapshot(catalog) == before
    assert f"no confident match (candidate: {LOTTERY.title!r}, 2021)" in outcome.out


def test_title_match_with_year_off_by_one_is_accepted(api, world, tmp_path, run):
    preprint = dataclasses.replace(LOTTERY, year=2022)
    world.papers.append(preprint)
    api.semanticscholar.force_match[LOTTERY.title] = preprint
    catalog = make_catalog(tmp_path, {"lottery": entry(LOTTERY.title, year=2023)})
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert read(catalog / "lottery.prototxt").enrichment.semantic_scholar_id == "c" * 40
    assert "no confident match" not in outcome.out


def test_unmatched_title_is_not_searched_again_on_the_next_run(api, world, tmp_path, run):
    catalog = make_catalog(
        tmp_path, {"lottery": entry(LOTTERY.title)}
    )  # an empty world: 404 title match
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count("GET", MATCH_PATH) == 1
    assert "no confident match" in outcome.out

    api.reset_logs()
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count() == 0
    assert "no confident match" in outcome.out  # still reported, from the cache


def test_refresh_searches_again_for_a_title_left_unmatched(api, world, tmp_path, run):
    """--refresh re-asks everything: for a paper still without a paperId the only question left is
    the title search (Semantic Scholar may have indexed it since)."""
    catalog = make_catalog(tmp_path, {"lottery": entry(LOTTERY.title)})
    run(*S2_ONLY, catalog_dir=catalog)
    world.papers.append(LOTTERY)  # indexed since
    api.reset_logs()
    outcome = run("--refresh", *S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count("GET", MATCH_PATH) == 1
    assert read(catalog / "lottery.prototxt").enrichment.semantic_scholar_id == "c" * 40


# -- what is written ---------------------------------------------------------------------------


def test_ids_counts_venue_tldr_abstract_and_authors_are_written_for_a_doi_paper(
    api, world, tmp_path, run
):
    world.papers.append(QUANT)
    catalog = make_catalog(
        tmp_path,
        {
            "quant": entry(
                QUANT.title,
                "https://doi.org/10.1000/quant.7",
                year=2022,
                authors=("Name1", "Name2"),
            ),
        },
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert (catalog / "quant.prototxt").read_text(encoding="utf-8") in [
        f"""\
paper {{
  title: "Four Bits Are Enough for Attention"
  url: "https://doi.org/10.1000/quant.7"
  authors: "Wei Zhang"
  authors: "Priya Raman"
  authors: "Marco Bianchi"
}}
pub {{
  where: "arXiv"
  year: 2022
}}
enrichment {{
  abstract: "Attention survives 4-bit weights."
  arxiv_id: "2206.22222"
  semantic_scholar_id: "{"b" * 40}"
  doi: "10.1000/quant.7"
  citation_count: 120
  influential_citation_count: 11
  venue: "Neural Information Processing Systems"
  tldr: "Four bits suffice."
  changed {{
    semantic_scholar: "{today}"
  }}
  citation_count_changed: "{today}"
  influential_citation_count_changed: "{today}"
  venue_year: 2022
}}
"""
        for today in outcome.days
    ]


def test_arxiv_id_from_semantic_scholar_does_not_replace_the_catalogs(api, world, tmp_path, run):
    world.papers.append(dataclasses.replace(SPARSE, arxiv_id="2305.99999"))
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title,
                enrichment=f'arxiv_id: "2305.11111"\nsemantic_scholar_id: "{"a" * 40}"',
            ),
        },
    )
    assert run(*S2_ONLY, catalog_dir=catalog).code == 0
    enrichment = read(catalog / "sparse.prototxt").enrichment
    assert enrichment.arxiv_id == "2305.11111"
    assert enrichment.citation_count == 42  # the answer was used, just not its arXiv id


def test_arxiv_abstract_and_authors_win_over_semantic_scholars(api, world, tmp_path, run):
    world.papers.append(SPARSE)
    s2_view = dataclasses.replace(
        SPARSE, abstract="Semantic Scholar's own abstract.", authors=["L. Hartmann"]
    )
    answer = api.semanticscholar.render(s2_view, sorted(FIELDS))
    api.semanticscholar.inject(Fault.status(200, [answer]), match=is_batch)
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title, "https://arxiv.org/abs/2305.11111", authors=("Name1", "Name2")
            ),
        },
    )
    outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.pending_faults == 0
    info = read(catalog / "sparse.prototxt")
    assert info.enrichment.abstract == SPARSE.abstract
    assert list(info.paper.authors) == SPARSE.authors
    assert info.enrichment.tldr == SPARSE.tldr  # Semantic Scholar's own fields are still written


def test_semantic_scholar_writes_no_abstract_or_authors_when_arxiv_failed_this_run(
    api, world, tmp_path, run
):
    world.papers.append(SPARSE)
    api.arxiv.inject(Fault.status(503), times=100)
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title, "https://arxiv.org/abs/2305.11111", authors=("Name1", "Name2")
            ),
        },
    )
    outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=catalog)
    assert outcome.code == 1  # arXiv's failure needs attention
    info = read(catalog / "sparse.prototxt")
    assert info.enrichment.semantic_scholar_id == "a" * 40
    assert not info.enrichment.HasField("abstract")
    assert list(info.paper.authors) == ["Name1", "Name2"]


def test_semantic_scholar_never_replaces_a_curators_authors(api, world, tmp_path, run):
    world.papers.append(QUANT)
    catalog = make_catalog(
        tmp_path,
        {
            "quant": entry(
                QUANT.title,
                "https://doi.org/10.1000/quant.7",
                year=2022,
                authors=("W. Zhang", "P. Raman"),
            ),
        },
    )
    assert run(*S2_ONLY, catalog_dir=catalog).code == 0
    assert list(read(catalog / "quant.prototxt").paper.authors) == ["W. Zhang", "P. Raman"]


# -- unknown is not zero -----------------------------------------------------------------------


def test_null_citation_count_writes_no_count(api, world, tmp_path, run):
    world.papers.append(SPARSE)
    answer = api.semanticscholar.render(SPARSE, sorted(FIELDS))
    answer["citationCount"] = None
    answer["influentialCitationCount"] = None
    api.semanticscholar.inject(Fault.status(200, [answer]), match=is_batch)
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    enrichment = read(catalog / "sparse.prototxt").enrichment
    assert enrichment.semantic_scholar_id == "a" * 40
    assert not enrichment.HasField("citation_count")
    assert not enrichment.HasField("influential_citation_count")
    assert not enrichment.HasField("citation_count_changed")


def test_paper_unknown_to_semantic_scholar_writes_no_count_and_keeps_earlier_ones(
    api, world, tmp_path, run
):
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title,
                "https://arxiv.org/abs/2305.11111",
                enrichment='citation_count: 40\ncitation_count_changed: "2024-01-01"',
            ),
            "fresh": entry("Dense Is Dead", "https://arxiv.org/abs/2305.44444"),
        },
    )
    before = snapshot(catalog)
    outcome = run(
        *S2_ONLY, catalog_dir=catalog
    )  # an empty world: null from the batch, 404 from the title match
    assert outcome.code == 0, outcome.out
    assert sorted(batch_ids(api)[0]) == ["ARXIV:2305.11111", "ARXIV:2305.44444"]
    assert snapshot(catalog) == before


# -- key and rate limits -----------------------------------------------------------------------


def test_api_key_is_sent_when_set(api_with, world, tmp_path, run, monkeypatch):
    world.papers.append(SPARSE)
    api = api_with(semanticscholar={"api_key": "s2-right-key"})
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", "s2-right-key")
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert [r.headers.get("x-api-key") for r in api.semanticscholar.requests] == ["s2-right-key"]
    assert read(catalog / "sparse.prototxt").enrichment.semantic_scholar_id == "a" * 40


def test_no_api_key_header_without_the_variable(api, world, tmp_path, run):
    world.papers.append(SPARSE)
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    assert run(*S2_ONLY, catalog_dir=catalog).code == 0
    assert [r.headers.get("x-api-key") for r in api.semanticscholar.requests] == [None]


def test_wrong_api_key_is_rejected_writes_nothing_and_is_not_printed(
    api_with, world, tmp_path, run, monkeypatch
):
    world.papers.append(SPARSE)
    api = api_with(semanticscholar={"api_key": "s2-right-key"})
    monkeypatch.setenv("SEMANTIC_SCHOLAR_API_KEY", "s2-stale-key")
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    before = snapshot(catalog)
    outcome = run(*S2_ONLY, catalog_dir=catalog)
    assert outcome.code == 1
    assert snapshot(catalog) == before
    assert "sparse.prototxt: semantic_scholar: batch answered HTTP 403" in outcome.out
    assert "s2-stale-key" not in outcome.out + outcome.err
    assert (
        api.semanticscholar.count("GET", MATCH_PATH) == 0
    )  # a refusal is not "unknown id": no title search


def test_429_without_retry_after_is_retried_and_ends_like_a_clean_run(api, world, tmp_path, run):
    world.papers.append(SPARSE)
    files = {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    clean = make_catalog(tmp_path / "clean", files)
    assert run(*S2_ONLY, catalog_dir=clean, cache_dir=tmp_path / "clean-cache").code == 0

    api.reset_logs()
    api.semanticscholar.inject(Fault.s2_429(), times=3)
    faulted = make_catalog(tmp_path / "faulted", files)
    outcome = run(*S2_ONLY, catalog_dir=faulted, cache_dir=tmp_path / "faulted-cache")
    assert outcome.code == 0, outcome.out
    assert api.semanticscholar.count("POST", BATCH_PATH) == 4
    assert "semantic_scholar: 1 ids, 4 requests, 3 retries" in outcome.out
    assert snapshot(faulted) == snapshot(clean)


def test_semantic_scholar_does_not_fill_an_arxiv_papers_authors_when_arxiv_is_not_asked(
    api, world, tmp_path, run
):
    """The arXiv link is the better source even in a run that leaves arXiv out: filling the
    placeholders now would keep arXiv from ever filling them (they are no longer placeholders)."""
    world.papers.append(SPARSE)
    s2_view = dataclasses.replace(
        SPARSE, abstract="Semantic Scholar's own abstract.", authors=["L. Hartmann"]
    )
    api.semanticscholar.inject(
        Fault.status(200, [api.semanticscholar.render(s2_view, sorted(FIELDS))]), match=is_batch
    )
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title, "https://arxiv.org/abs/2305.11111", authors=("Name1", "Name2")
            ),
        },
    )
    assert run(*S2_ONLY, catalog_dir=catalog).code == 0
    assert run("--sources", "arxiv", catalog_dir=catalog).code == 0
    info = read(catalog / "sparse.prototxt")
    assert list(info.paper.authors) == SPARSE.authors
    assert info.enrichment.abstract == SPARSE.abstract
