from google.protobuf import text_format

from enrich.merge import ABSENT, FOUND, NOT_FOUND, UNKNOWN, Finding, merge, placeholder_abbr
from enrich.records import PaperRecord, RepoRecord
from enrich.schema import paper_pb2
from enrich.sources import all_sources

# How the source behind the entry's own link (arXiv here) answered.
LINK_NONE, LINK_FOUND, LINK_NOT_FOUND, LINK_FAILED = ABSENT, FOUND, NOT_FOUND, UNKNOWN

TODAY = "2026-11-26"


def entry(text: str) -> paper_pb2.PaperInfo:
    return text_format.Parse(text, paper_pb2.PaperInfo())


TEMPLATE = entry("""
paper { title: "DFPC: Data flow driven pruning of coupled channels without data" abbr: "abbr"
        url: "https://arxiv.org/abs/2301.00001" authors: "Name1" authors: "Name2" institutions: "inst1" institutions: "inst2" }
pub { where: "ICLR" year: 2023 }
""")

ARXIV = PaperRecord(
    source="arxiv",
    title="DFPC: Data flow driven pruning of coupled channels without data",
    abstract="We prune.",
    authors=("Ada Lovelace", "Alan Turing"),
    arxiv_id="2301.00001",
    year=2023,
)


def findings(
    arxiv=None,
    openreview=None,
    semantic_scholar=None,
    repo=None,
    repo_not_found=False,
    link_status=LINK_NONE,
):
    """What the built-in sources said, as the run hands it to merge (in source order)."""
    said = {
        "arxiv": (FOUND, arxiv) if arxiv else (link_status, None),
        "openreview": (FOUND, openreview) if openreview else (ABSENT, None),
        "semantic_scholar": (FOUND, semantic_scholar) if semantic_scholar else (ABSENT, None),
        "github": (FOUND, repo) if repo else (NOT_FOUND if repo_not_found else ABSENT, None),
    }
    sources = all_sources()
    return [
        Finding(name, status, record, sources[name].offers, sources[name].dead_when_not_found)
        for name, (status, record) in said.items()
    ]


def test_placeholder_abbr_takes_short_name_before_colon():
    assert placeholder_abbr("DFPC: Data flow driven pruning") == "DFPC"
    assert (
        placeholder_abbr("Bit-Pruning: A Sparse Multiplication-Less Dot-Product") == "Bit-Pruning"
    )
    assert placeholder_abbr("Sparsity May Cry: Let Us Fail") == ""
    assert placeholder_abbr("How I Learned to Stop Worrying and Love Retraining") == ""


def test_placeholders_are_filled_and_source_date_set():
    merged = merge(TEMPLATE, findings(arxiv=ARXIV, link_status=LINK_FOUND), TODAY).info
    assert merged.paper.abbr == "DFPC"
    assert list(merged.paper.authors) == ["Ada Lovelace", "Alan Turing"]
    assert list(merged.paper.institutions) == ["inst1", "inst2"]  # no source gave institutions
    assert merged.enrichment.abstract == "We prune."
    assert merged.enrichment.arxiv_id == "2301.00001"
    assert merged.enrichment.changed.arxiv == TODAY


def test_curated_authors_even_comma_joined_are_left_alone():
    curated = entry(
        'paper { title: "DFPC: Data flow driven pruning of coupled channels without data" abbr: "DFPC" authors: "A. Curator, B. Curator" }'
    )
    merged = merge(curated, findings(arxiv=ARXIV, link_status=LINK_FOUND), TODAY).info
    assert list(merged.paper.authors) == ["A. Curator, B. Curator"]
    assert merged.paper.abbr == "DFPC"


def test_same_values_again_change_nothing():
    first = merge(TEMPLATE, findings(arxiv=ARXIV, link_status=LINK_FOUND), TODAY).info
    again = merge(first, findings(arxiv=ARXIV, link_status=LINK_FOUND), "2026-12-01").info
    assert again == first


def test_link_to_a_different_paper_writes_nothing_from_it():
    wrong = PaperRecord(
        source="arxiv",
        title="Frequency of Hot Jupiters",
        abstract="Planets.",
        authors=("X",),
        arxiv_id="2301.00001",
    )
    result = merge(TEMPLATE, findings(arxiv=wrong, link_status=LINK_FOUND), TODAY)
    assert not result.info.HasField("enrichment")
    assert list(result.info.paper.authors) == ["Name1", "Name2"]
    assert result.mismatches == [("arxiv", "Frequency of Hot Jupiters")]


def test_citation_counts_carry_the_day_they_changed_and_unknown_is_not_zero():
    s2 = PaperRecord(
        source="semantic_scholar",
        title=ARXIV.title,
        semantic_scholar_id="a" * 40,
        citation_count=10,
    )
    first = merge(TEMPLATE, findings(semantic_scholar=s2, link_status=LINK_NONE), "2026-11-01").info
    assert (
        first.enrichment.citation_count == 10
        and first.enrichment.citation_count_changed == "2026-11-01"
    )
    assert not first.enrichment.HasField("influential_citation_count")
    same = merge(first, findings(semantic_scholar=s2, link_status=LINK_NONE), "2026-11-02").info
    assert same == first
    more = PaperRecord(
        source="semantic_scholar",
        title=ARXIV.title,
        semantic_scholar_id="a" * 40,
        citation_count=12,
    )
    later = merge(first, findings(semantic_scholar=more, link_status=LINK_NONE), "2026-11-03").info
    assert (
        later.enrichment.citation_count == 12
        and later.enrichment.citation_count_changed == "2026-11-03"
    )


def test_semantic_scholar_does_not_fill_what_a_failed_link_source_will_give():
    s2 = PaperRecord(
        source="semantic_scholar",
        title=ARXIV.title,
        abstract="S2 text",
        authors=("S2 Author",),
        semantic_scholar_id="b" * 40,
    )
    merged = merge(TEMPLATE, findings(semantic_scholar=s2, link_status=LINK_FAILED), TODAY).info
    assert merged.enrichment.semantic_scholar_id == "b" * 40
    assert not merged.enrichment.abstract
    assert list(merged.paper.authors) == ["Name1", "Name2"]
    no_link = merge(TEMPLATE, findings(semantic_scholar=s2, link_status=LINK_NONE), TODAY).info
    assert no_link.enrichment.abstract == "S2 text" and list(no_link.paper.authors) == ["S2 Author"]


def test_dead_repository_keeps_earlier_values_and_is_marked():
    repo = RepoRecord(
        full_name="a/b",
        url="https://github.com/a/b",
        stars=5,
        forks=1,
        pushed_at="2024-01-01T00:00:00Z",
        license="MIT",
    )
    first = merge(TEMPLATE, findings(repo=repo), "2026-11-01").info
    dead = merge(first, findings(repo_not_found=True), "2026-11-02").info
    assert dead.enrichment.repo.stars == 5 and dead.enrichment.repo.not_found
    assert dead.enrichment.repo.stars_changed == "2026-11-01"
    back = merge(dead, findings(repo=repo), "2026-11-03").info
    assert not back.enrichment.repo.HasField("not_found")


def test_a_repository_archived_since_is_dated_though_no_count_moved():
    # Archiving changes no count and adds no line to the report, but it is the repository
    # host's value changing: the entry carries the day (and no other source's date moves).
    repo = RepoRecord(full_name="a/b", url="https://github.com/a/b", stars=5, forks=1)
    first = merge(
        TEMPLATE, findings(arxiv=ARXIV, repo=repo, link_status=LINK_FOUND), "2026-11-01"
    ).info
    assert first.enrichment.changed.github == "2026-11-01"
    archived = RepoRecord(**{**repo.__dict__, "archived": True})
    later = merge(
        first, findings(arxiv=ARXIV, repo=archived, link_status=LINK_FOUND), "2026-11-02"
    ).info
    assert later.enrichment.repo.archived
    assert later.enrichment.changed.github == "2026-11-02"
    assert later.enrichment.changed.arxiv == "2026-11-01"
    assert later.enrichment.repo.stars_changed == "2026-11-01"
