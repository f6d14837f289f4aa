"""No value from a wrong paper: when the answer to the curator's own link (OpenReview), or
Semantic Scholar's answer to an exact ARXIV:/DOI: lookup, is another paper, nothing from it is
written and the entry is named."""

from __future__ import annotations

from conftest import point_at, read
from doubles.fixtures import start_doubles
from doubles.world import Paper, World

from enrich import catalog as catalog_io
from enrich.schema import paper_pb2

CURATED = "RPTQ: Reorder-based Post-training Quantization for Large Language Models"
OTHER = "Frequency of Hot Jupiters and Very Hot Jupiters in Transit Surveys"
S2_ID = "f" * 40


def write_entry(folder, title: str, url: str):
    info = paper_pb2.PaperInfo()
    info.paper.title, info.paper.abbr, info.paper.url = title, "RPTQ", url
    info.paper.authors.extend(["Name1", "Name2"])
    info.pub.where, info.pub.year = "arXiv", 2023
    folder.mkdir(exist_ok=True)
    path = folder / "rptq.prototxt"
    path.write_bytes(catalog_io.render(info))
    return path


def run_against(world: World, url: str, sources: str, tmp_path, monkeypatch, run):
    path = write_entry(tmp_path / "meta", CURATED, url)
    with start_doubles(world) as doubles:
        point_at(doubles, monkeypatch)
        outcome = run("--sources", sources, catalog_dir=tmp_path / "meta")
        assert doubles.errors() == []
    return path, outcome


def assert_named(outcome, source: str) -> None:
    assert outcome.code == 1, outcome.out
    assert "link points to a different paper?" in outcome.out and OTHER in outcome.out, outcome.out
    assert source in outcome.out


def test_openreview_note_of_another_paper_is_not_written(tmp_path, monkeypatch, run):
    world = World(
        papers=[
            Paper(
                OTHER,
                "Planets.",
                ["Astro Nomer"],
                openreview_id="HotJupiter1",
                openreview_api=2,
                venue="ICLR 2024 poster",
            )
        ]
    )
    path, outcome = run_against(
        world,
        "https://openreview.net/forum?id=HotJupiter1",
        "openreview",
        tmp_path,
        monkeypatch,
        run,
    )
    info = read(path)
    assert not info.HasField("enrichment"), info
    assert list(info.paper.authors) == ["Name1", "Name2"]
    assert_named(outcome, "openreview")


def test_semantic_scholar_answer_by_arxiv_id_naming_another_paper_is_not_written(
    tmp_path, monkeypatch, run
):
    """arXiv answers with the curator's paper; Semantic Scholar's record for ARXIV:<id> is another
    paper (its ids merged wrongly): arXiv's values are written, none of Semantic Scholar's."""
    world = World(
        papers=[
            Paper(
                OTHER,
                "Planets.",
                ["Astro Nomer"],
                arxiv_id="2304.01089",
                s2_id=S2_ID,
                citation_count=999,
                venue="ApJ",
            ),
            Paper(
                CURATED, "Reorder abstract.", ["Zhihang Yuan"], arxiv_id="2304.01089"
            ),  # what arXiv answers
        ]
    )
    path, outcome = run_against(
        world,
        "https://arxiv.org/abs/2304.01089",
        "arxiv,semantic_scholar",
        tmp_path,
        monkeypatch,
        run,
    )
    enrichment = read(path).enrichment
    assert enrichment.abstract == "Reorder abstract." and enrichment.arxiv_id == "2304.01089"
    assert not enrichment.semantic_scholar_id and not enrichment.HasField("citation_count")
    assert not enrichment.venue and not enrichment.changed.semantic_scholar
    assert_named(outcome, "semantic_scholar")


def test_semantic_scholar_answer_by_doi_naming_another_paper_is_not_written(
    tmp_path, monkeypatch, run
):
    world = World(
        papers=[
            Paper(
                OTHER,
                "Planets.",
                ["Astro Nomer"],
                doi="10.1000/hot.jupiters",
                s2_id=S2_ID,
                citation_count=999,
                venue="ApJ",
            )
        ]
    )
    path, outcome = run_against(
        world,
        "https://doi.org/10.1000/hot.jupiters",
        "semantic_scholar",
        tmp_path,
        monkeypatch,
        run,
    )
    info = read(path)
    assert not info.HasField("enrichment"), info
    assert list(info.paper.authors) == ["Name1", "Name2"]
    assert_named(outcome, "semantic_scholar")
