"""End to end: Hugging Face, OpenAlex and discovery (venue updates, code, institutions,
duplicates) through the real command against the loopback doubles; files compared byte for byte."""

from __future__ import annotations

import pytest
from conftest import make_catalog, read
from doubles import Fault, Paper, Repo, World

HF_PATH = "/api/papers/"
SPARSE = Paper(
    title="Sparse Mixtures Prune Themselves",
    abstract="Mixtures of experts drop their idle experts.",
    authors=["Lena Hartmann", "Tomas Okafor", "Wei Zhang"],
    year=2023,
    arxiv_id="2305.11111",
    s2_id="a" * 40,
    venue="ICML 2023",
    citation_count=42,
    hf_indexed=True,
    openalex_indexed=True,
    cited_by_count=57,
    openalex_venue="International Conference on Machine Learning",
    openalex_institutions=[
        ["Fictional AI Lab"],
        ["University of Example", "Fictional AI Lab"],
        ["Imaginary Institute"],
    ],
)
CODED = Paper(
    title="Four Bits Are Enough for Attention",
    abstract="Attention survives 4-bit weights.",
    authors=["Priya Raman"],
    year=2022,
    arxiv_id="2206.22222",
    s2_id="b" * 40,
    hf_indexed=True,
    hf_github_repo="https://github.com/Raman/FourBits",
    hf_github_stars=12,
    arxiv_comment="NeurIPS 2022. Code: https://github.com/raman/fourbits.",
)
UNINDEXED = Paper(
    title="Lottery Tickets in Sparse Mixture Models",
    abstract="Winning tickets exist.",
    authors=["Aiko Tanaka"],
    year=2023,
    arxiv_id="2307.33333",
    s2_id="c" * 40,
)
FOURBITS = Repo(
    "Raman/FourBits", stars=120, forks=7, pushed_at="2024-03-01T00:00:00Z", license="MIT"
)


@pytest.fixture
def world() -> World:
    """Each test's own world (overrides the seed world)."""
    return World(papers=[SPARSE, CODED, UNINDEXED], repos=[FOURBITS])


def entry(
    title: str,
    url: str,
    *,
    where: str = "arXiv",
    year: int = 2023,
    code: str = "",
    institutions: tuple[str, ...] = ("inst1", "inst2"),
) -> str:
    lines = [
        "paper {",
        f'  title: "{title}"',
        '  abbr: "abbr"',
        f'  url: "{url}"',
        '  authors: "Name1"',
    ]
    lines += [f'  institutions: "{name}"' for name in institutions]
    lines += ["}", "pub {", f'  where: "{where}"', f"  year: {year}", "}"]
    lines += ["code {", '  type: "Pytorch"', f'  url: "{code}"', "}"] if code else []
    return "\n".join(lines) + "\n"


def without(text: str, *blocks: str) -> str:
    """A file's text without the named top-level blocks (what --apply-… may change)."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if any(line.startswith(f"{block} {{") for block in blocks):
            skipping = True
        if not skipping:
            kept.append(line)
        if skipping and line.startswith("}"):
            skipping = False
    return "".join(kept)


# -- the two sources ----------------------------------------------------------------------------


def test_openalex_writes_its_count_and_the_institutions_in_author_order(api, tmp_path, run):
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    info = read(catalog / "sparse.prototxt")
    assert info.enrichment.openalex_cited_by_count == 57
    assert info.enrichment.openalex_cited_by_count_changed
    assert info.enrichment.citation_count == 42  # Semantic Scholar's, kept apart
    assert list(info.paper.institutions) == [
        "Fictional AI Lab",
        "University of Example",
        "Imaginary Institute",
    ]
    (request,) = api.openalex.requests
    assert request.param("filter") == "doi:10.48550/arxiv.2305.11111"
    assert request.param("per_page") == "100"


def test_arxiv_affiliations_win_over_openalex_institutions(api, world, tmp_path, run):
    world.papers[0] = Paper(**{**SPARSE.__dict__, "affiliations": [["Arxiv Lab"], [], []]})
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    assert run(catalog_dir=catalog).code == 0
    assert list(read(catalog / "sparse.prototxt").paper.institutions) == ["Arxiv Lab"]


def test_curated_institutions_are_never_replaced(api, tmp_path, run):
    catalog = make_catalog(
        tmp_path,
        {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111", institutions=("MIT",))},
    )
    assert run(catalog_dir=catalog).code == 0
    assert list(read(catalog / "sparse.prototxt").paper.institutions) == ["MIT"]


def test_openalex_asks_at_most_100_dois_a_request_and_leaves_unknown_ones_not_found(
    api, world, tmp_path, run
):
    world.papers += [
        Paper(title=f"Paper number {i}", arxiv_id=f"2310.{i:05d}", authors=["X Y"])
        for i in range(150)
    ]
    files = {
        f"p{i}": entry(f"Paper number {i}", f"https://arxiv.org/abs/2310.{i:05d}")
        for i in range(150)
    }
    catalog = make_catalog(tmp_path, files)
    outcome = run("--sources", "openalex", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out  # "not in OpenAlex" is an answer, not an error
    assert (
        "not found: 0" in outcome.out
    )  # and not a curator's business: OpenAlex indexes some papers only
    sizes = [len(r.param("filter").removeprefix("doi:").split("|")) for r in api.openalex.requests]
    assert sorted(sizes) == [50, 100]
    assert run("--sources", "openalex", catalog_dir=catalog).code == 0
    assert len(api.openalex.requests) == 2  # a run right after a run asks nothing


def test_huggingface_is_asked_only_for_arxiv_papers_without_code_and_a_404_is_no_error(
    api, tmp_path, run
):
    catalog = make_catalog(
        tmp_path,
        {
            "sparse": entry(
                SPARSE.title, "https://arxiv.org/abs/2305.11111", code="https://github.com/x/y"
            ),
            "unindexed": entry(UNINDEXED.title, "https://huggingface.co/papers/2307.33333"),
            "venue": entry("A Paper Without Links", "https://proceedings.mlr.press/v202/x.html"),
        },
    )
    outcome = run("--sources", "huggingface", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert [r.path for r in api.huggingface.requests] == [HF_PATH + "2307.33333"]
    assert "failed: 0" in outcome.out


def test_openalex_without_a_valid_key_is_named_and_nothing_is_erased(
    api_with, world, tmp_path, run, monkeypatch
):
    running = api_with(openalex={"api_key": "right"})
    monkeypatch.setenv("OPENALEX_API_KEY", "wrong-key-123")
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run("--sources", "openalex", catalog_dir=catalog)
    assert outcome.code == 1
    assert "OPENALEX_API_KEY" in outcome.out
    assert "wrong-key-123" not in outcome.out + outcome.err
    assert len(running.openalex.requests) == 1


def test_openalex_daily_allowance_spent_leaves_the_dois_for_the_next_run(api, tmp_path, run):
    api.openalex.inject(
        Fault.status(429, {"error": "Rate limit exceeded", "message": "Daily limit exceeded"})
    )
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run("--sources", "openalex", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out  # like a spent GitHub budget: reported, not an error
    assert "daily allowance is spent" in outcome.out and "left for the next run" in outcome.out
    assert len(api.openalex.requests) == 1  # not retried today
    assert run("--sources", "openalex", catalog_dir=catalog).code == 0
    assert read(catalog / "sparse.prototxt").enrichment.openalex_cited_by_count == 57


@pytest.mark.parametrize(
    "fault",
    [
        Fault.status(500),
        Fault.status(403, {"error": "Rate limit exceeded"}),
        Fault.reset(),
        Fault.truncate(),
        Fault.html(),
    ],
)
def test_transient_faults_of_both_new_sources_end_like_a_clean_run(api, tmp_path, run, fault):
    api.openalex.inject(fault)
    if fault.code != 403:  # OpenAlex's 403 is its "too fast"
        api.huggingface.inject(fault)
    catalog = make_catalog(
        tmp_path, {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)}
    )
    outcome = run("--sources", "arxiv,huggingface,openalex,github", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert read(catalog / "coded.prototxt").enrichment.repo.stars == 120


# -- venue updates ------------------------------------------------------------------------------


def test_agreed_venue_is_written_to_enrichment_and_suggested_not_applied(api, tmp_path, run):
    text = entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")
    catalog = make_catalog(
        tmp_path,
        {"sparse": text, "iclr": entry("Some ICLR Paper", "https://x.org/p", where="ICML")},
    )
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    info = read(catalog / "sparse.prototxt")
    assert (info.pub.where, info.pub.year) == ("arXiv", 2023)
    assert info.enrichment.venue == "International Conference on Machine Learning"
    assert info.enrichment.venue_year == 2023
    assert (
        "venue: pub ICML 2023 (semantic_scholar, openalex agree; --apply-venues applies it)"
        in outcome.out
    )


def test_apply_venues_changes_pub_and_nothing_else(api, tmp_path, run):
    plain = make_catalog(
        tmp_path / "plain", {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    applied = make_catalog(
        tmp_path / "applied", {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    assert run(catalog_dir=plain, cache_dir=tmp_path / "c1").code == 0
    assert run("--apply-venues", catalog_dir=applied, cache_dir=tmp_path / "c2").code == 0
    before, after = (
        (plain / "sparse.prototxt").read_text(),
        (applied / "sparse.prototxt").read_text(),
    )
    assert without(after, "pub") == without(before, "pub")
    assert 'pub {\n  where: "ICML"\n  year: 2023\n}\n' in after


def test_a_venue_one_source_names_is_only_a_suggestion_even_with_apply_venues(
    api, world, tmp_path, run
):
    world.papers[0] = Paper(**{**SPARSE.__dict__, "openalex_venue": ""})
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run("--apply-venues", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert read(catalog / "sparse.prototxt").pub.where == "arXiv"
    assert "venue: pub ICML 2023? (semantic_scholar; one source only: check by hand)" in outcome.out


def test_disagreeing_sources_apply_nothing(api, world, tmp_path, run):
    world.papers[0] = Paper(
        **{**SPARSE.__dict__, "openalex_venue": "Neural Information Processing Systems"}
    )
    catalog = make_catalog(
        tmp_path, {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111")}
    )
    outcome = run("--apply-venues", catalog_dir=catalog)
    assert read(catalog / "sparse.prototxt").pub.where == "arXiv"
    assert "disagree" in outcome.out


def test_a_curated_venue_gets_no_suggestion(api, tmp_path, run):
    catalog = make_catalog(
        tmp_path,
        {"sparse": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111", where="NeurIPS")},
    )
    outcome = run("--apply-venues", catalog_dir=catalog)
    assert read(catalog / "sparse.prototxt").pub.where == "NeurIPS"
    assert "suggestion" not in outcome.out


def test_venue_of_a_different_paper_is_not_used(api, world, tmp_path, run):
    # The DOI link leads OpenAlex to another paper: its venue, count and institutions are not used.
    world.papers.append(
        Paper(
            title="Completely Unrelated Work on Proteins",
            doi="10.1000/other",
            authors=["Q R"],
            openalex_indexed=True,
            openalex_venue="Neural Information Processing Systems",
            cited_by_count=999,
            openalex_institutions=[["Wrong Institute"]],
        )
    )
    catalog = make_catalog(
        tmp_path,
        {"x": entry("Sparse Attention for Long Documents", "https://doi.org/10.1000/other")},
    )
    outcome = run("--sources", "openalex", "--apply-venues", catalog_dir=catalog)
    info = read(catalog / "x.prototxt")
    assert not info.enrichment.HasField("openalex_cited_by_count") and not info.enrichment.HasField(
        "venue_year"
    )
    assert list(info.paper.institutions) == ["inst1", "inst2"] and info.pub.where == "arXiv"
    assert "different paper" in outcome.out


# -- code ---------------------------------------------------------------------------------------


def test_one_confirmed_candidate_fills_enrichment_repo_and_is_suggested_for_code_url(
    api, tmp_path, run
):
    catalog = make_catalog(
        tmp_path, {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)}
    )
    outcome = run(catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    info = read(catalog / "coded.prototxt")
    assert not info.HasField("code")
    assert (info.enrichment.repo.url, info.enrichment.repo.stars) == (
        "https://github.com/Raman/FourBits",
        120,
    )
    assert (
        "code: https://github.com/Raman/FourBits (confirmed by GitHub; --apply-code writes it to code.url)"
        in outcome.out
    )


def test_apply_code_writes_code_url_and_nothing_else(api, tmp_path, run):
    plain = make_catalog(
        tmp_path / "plain",
        {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)},
    )
    applied = make_catalog(
        tmp_path / "applied",
        {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)},
    )
    assert run(catalog_dir=plain, cache_dir=tmp_path / "c1").code == 0
    assert run("--apply-code", catalog_dir=applied, cache_dir=tmp_path / "c2").code == 0
    before, after = (plain / "coded.prototxt").read_text(), (applied / "coded.prototxt").read_text()
    assert without(after, "code") == before
    assert 'code {\n  url: "https://github.com/Raman/FourBits"\n}\n' in after


def test_several_candidates_stay_suggestions(api, world, tmp_path, run):
    world.papers[1] = Paper(
        **{**CODED.__dict__, "arxiv_comment": "Code: https://github.com/other/impl"}
    )
    world.repos.append(Repo("other/impl", stars=3))
    catalog = make_catalog(
        tmp_path, {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)}
    )
    outcome = run("--apply-code", catalog_dir=catalog)
    info = read(catalog / "coded.prototxt")
    assert not info.HasField("code") and not info.enrichment.HasField("repo")
    assert (
        "code candidates: https://github.com/raman/fourbits, https://github.com/other/impl"
        in outcome.out
    )


def test_a_candidate_github_does_not_know_stays_a_suggestion(api, world, tmp_path, run):
    world.repos.clear()
    catalog = make_catalog(
        tmp_path, {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)}
    )
    outcome = run("--apply-code", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    info = read(catalog / "coded.prototxt")
    assert not info.HasField("code") and not info.enrichment.HasField("repo")
    assert (
        "code candidate, not confirmed by GitHub: https://github.com/raman/fourbits" in outcome.out
    )


def test_code_of_a_different_paper_is_not_used(api, world, tmp_path, run):
    world.papers[1] = Paper(
        **{**CODED.__dict__, "title": "A Survey of Bird Songs", "arxiv_comment": ""}
    )
    catalog = make_catalog(
        tmp_path, {"coded": entry(CODED.title, "https://arxiv.org/abs/2206.22222", year=2022)}
    )
    outcome = run("--apply-code", catalog_dir=catalog)
    info = read(catalog / "coded.prototxt")
    assert not info.HasField("code") and not info.enrichment.HasField("repo")
    assert "code" not in "".join(line for line in outcome.out.splitlines() if "suggestion" in line)


def test_openreview_code_field_is_a_candidate(api, world, tmp_path, run):
    world.papers.append(
        Paper(
            title="Pruning With Style",
            openreview_id="abcdeFGHIJ",
            openreview_api=2,
            venue="ICLR 2024 poster",
            code="https://github.com/Raman/FourBits",
            authors=["A B"],
        )
    )
    catalog = make_catalog(
        tmp_path,
        {
            "or": entry(
                "Pruning With Style",
                "https://openreview.net/forum?id=abcdeFGHIJ",
                where="ICLR",
                year=2024,
            )
        },
    )
    assert run("--apply-code", catalog_dir=catalog).code == 0
    assert read(catalog / "or.prototxt").code.url == "https://github.com/Raman/FourBits"


# -- duplicates ---------------------------------------------------------------------------------


def test_entries_resolving_to_one_paper_are_reported_as_duplicates(api, world, tmp_path, run):
    world.papers[0] = Paper(**{**SPARSE.__dict__, "doi": "10.1000/sparse.1"})
    catalog = make_catalog(
        tmp_path,
        {
            "a": entry(SPARSE.title, "https://arxiv.org/abs/2305.11111"),
            "b": entry(
                SPARSE.title, "https://doi.org/10.1000/sparse.1"
            ),  # Semantic Scholar: the same paper
        },
    )
    outcome = run("--sources", "arxiv,semantic_scholar", catalog_dir=catalog)
    line = next(line for line in outcome.out.splitlines() if "duplicate" in line)
    assert str(catalog / "a.prototxt") in line and str(catalog / "b.prototxt") in line
