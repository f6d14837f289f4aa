"""End to end: `python -m flows.add` against the API doubles, new files compared byte for byte."""

from __future__ import annotations

import shutil

import pytest
from conftest import DATA, ROOT, Outcome, run_clock, run_days, snapshot
from doubles.world import Paper, stable_hex


HALLUCINATE = Paper(
    title="Why Language Models Hallucinate",
    abstract="Like students facing hard exam questions, large language models sometimes guess when uncertain.",
    authors=["Adam Tauman Kalai", "Ofir Nachum", "Santosh S. Vempala", "Edwin Zhang"],
    year=2025,
    arxiv_id="2509.04664",
    s2_id=stable_hex("s2:hallucinate"),
    citation_count=40,
    influential_citation_count=3,
)
SPARSE_LLM = Paper(
    title="SliceGPT: Compress Large Language Models by Deleting Rows and Columns",
    abstract="We delete rows and columns of weight matrices.",
    authors=["Saleh Ashkboos", "Maximilian L. Croci"],
    year=2024,
    openreview_id="vXxardq6db",
    openreview_api=2,
    venue="ICLR 2024 poster",
    s2_id=stable_hex("s2:slicegpt"),
    citation_count=100,
)
JOURNAL = Paper(
    title="Sparse Networks in a Journal Far Away",
    authors=["Ana Lima"],
    year=2022,
    doi="10.1145/1234567.7654321",
    venue="Communications of Somewhere",
    s2_id=stable_hex("s2:journal"),
)


@pytest.fixture
def add_papers(prefect_server, api, tmp_path, capsys):
    """Run `python -m flows.add` in-process against the doubles (the world gets three new papers)."""
    from flows.add import main

    api.world.papers += [HALLUCINATE, SPARSE_LLM, JOURNAL]

    def invoke(*args: str, catalog_dir) -> Outcome:
        capsys.readouterr()
        started = run_clock()
        code = main([*args, "--catalog", str(catalog_dir), "--cache-dir", str(tmp_path / "cache")])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, run_days(started))

    return invoke


def expected(name: str, day: str) -> bytes:
    """The expected file, dated `day` (one of the run's Outcome.days)."""
    return (DATA / "add-expected" / name).read_bytes().replace(b"@TODAY@", day.encode())


def one_of_expected(name: str, outcome: Outcome) -> list[bytes]:
    return [expected(name, day) for day in outcome.days]


def new_files(catalog, before: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in snapshot(catalog).items() if name not in before}


def test_hugging_face_link_is_added_and_enriched_byte_for_byte(add_papers, catalog):
    before = snapshot(catalog)
    outcome = add_papers(
        "https://huggingface.co/papers/2509.04664", "--keyword", "survey", catalog_dir=catalog
    )
    assert outcome.code == 0, outcome.out + outcome.err
    ((name, content),) = new_files(catalog, before).items()
    assert content in one_of_expected("hallucinate.prototxt", outcome)
    assert name.endswith(".prototxt") and len(name) == len(
        "XXXXXXXX.prototxt"
    )  # no abbr: a stable id name
    assert f"added {catalog / name}: Why Language Models Hallucinate (arXiv 2025)" in outcome.out
    assert snapshot(catalog) == {**before, name: content}  # nothing else touched


def test_openreview_link_goes_to_its_year_folder_with_the_catalogs_venue_name(add_papers, tmp_path):
    catalog = tmp_path / "meta"
    shutil.copytree(ROOT / "meta", catalog / "2023")
    outcome = add_papers("https://openreview.net/pdf?id=vXxardq6db", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out + outcome.err
    assert (catalog / "2024" / "SliceGPT.prototxt").read_bytes() in one_of_expected(
        "SliceGPT.prototxt", outcome
    )


def test_doi_is_added_with_its_doi_link(add_papers, catalog):
    before = snapshot(catalog)
    outcome = add_papers("doi:10.1145/1234567.7654321", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out + outcome.err
    (content,) = new_files(catalog, before).values()
    assert (
        b'url: "https://doi.org/10.1145/1234567.7654321"' in content
        and b'where: "arXiv"' in content
    )


def test_a_confident_title_is_added(add_papers, catalog):
    before = snapshot(catalog)
    outcome = add_papers("Why language models hallucinate", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out + outcome.err
    (content,) = new_files(catalog, before).values()
    assert content in [
        text.replace(b"keyword {\n  words: survey\n}\n", b"")
        for text in one_of_expected("hallucinate.prototxt", outcome)
    ]


def test_a_title_without_a_confident_match_prints_the_candidate_and_writes_nothing(
    add_papers, catalog
):
    before = snapshot(catalog)
    outcome = add_papers("Why Language Models Hallucinate Less Often Today", catalog_dir=catalog)
    assert outcome.code == 1
    assert snapshot(catalog) == before
    assert (
        "no confident match (candidate: 'Why Language Models Hallucinate', 2025); nothing written"
        in outcome.out
    )


@pytest.mark.parametrize(
    ("given", "existing"),
    [
        ("https://arxiv.org/abs/2301.00774v2", "sparsegpt.prototxt"),
        ("arXiv:2304.01089", "RPTQ.prototxt"),
        ("https://openreview.net/forum?id=vVJZtlZB9D", "BU38BOQE.prototxt"),
        (
            "SparseGPT: Massive Language Models Can be Accurately Pruned in One-Shot",
            "sparsegpt.prototxt",
        ),
        (
            "https://huggingface.co/papers/2303.06862",
            "QBBMHBHQ.prototxt",
        ),  # OTOv2's arXiv id, known from the S2 answer
    ],
)
def test_a_paper_already_in_the_catalog_is_named_and_not_added(
    add_papers, catalog, given, existing
):
    before = snapshot(catalog)
    outcome = add_papers(given, catalog_dir=catalog)
    assert outcome.code == 1
    assert snapshot(catalog) == before
    assert f"{given}: already in the catalog: {catalog / existing}" in outcome.out


def test_dry_run_prints_the_file_and_writes_nothing(add_papers, catalog):
    before = snapshot(catalog)
    outcome = add_papers("--dry-run", "2509.04664", "--keyword", "survey", catalog_dir=catalog)
    assert outcome.code == 0, outcome.out
    assert snapshot(catalog) == before
    lines = outcome.out.split("\n", 1)
    assert lines[0].startswith(f"would add {catalog}/") and lines[0].endswith(
        ": Why Language Models Hallucinate (arXiv 2025)"
    )
    # The file as it would be written before enrichment: what the curator's fields hold.
    # (the curator's part holds no date)
    assert lines[1].startswith(
        expected("hallucinate.prototxt", "").split(b"enrichment {")[0].decode()
    )


def test_several_inputs_are_independent_and_each_failure_is_named(add_papers, catalog, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text("# to add\nhttps://example.com/paper/1\n\n2509.04664\n", encoding="utf-8")
    before = snapshot(catalog)
    outcome = add_papers(
        "arXiv:2304.01089",
        "https://openreview.net/forum?id=vXxardq6db",
        "--file",
        str(listing),
        catalog_dir=catalog,
    )
    assert outcome.code == 1
    assert len(new_files(catalog, before)) == 2
    assert f"arXiv:2304.01089: already in the catalog: {catalog / 'RPTQ.prototxt'}" in outcome.out
    assert "https://example.com/paper/1: not a link this command can read" in outcome.out
    assert f"added {catalog / 'SliceGPT.prototxt'}" in outcome.out


def test_the_same_paper_twice_in_one_run_is_added_once(add_papers, catalog):
    before = snapshot(catalog)
    outcome = add_papers("2509.04664", "https://arxiv.org/abs/2509.04664v1", catalog_dir=catalog)
    assert outcome.code == 1
    (name,) = new_files(catalog, before)
    assert (
        f"https://arxiv.org/abs/2509.04664v1: already in the catalog: {catalog / name}"
        in outcome.out
    )


def test_a_keyword_typo_lists_the_valid_names(add_papers, catalog):
    outcome = add_papers("2509.04664", "--keyword", "quantisation", catalog_dir=catalog)
    assert outcome.code == 2
    assert "unknown keyword 'quantisation'; valid keywords: none, sparse_pruning" in outcome.err
    assert "Traceback" not in outcome.err


def test_no_input_is_a_usage_error(add_papers, catalog):
    assert add_papers(catalog_dir=catalog).code == 2


def test_the_flow_takes_a_list_of_links(add_papers, catalog, tmp_path):
    from flows.add import add_papers as flow

    before = snapshot(catalog)
    state = flow(
        links=["2509.04664", "arXiv:2304.01089"],
        catalog=str(catalog),
        cache_dir=str(tmp_path / "cache"),
        return_state=True,
    )
    assert state.is_failed() and state.message.startswith("1 of 2 added")
    assert len(new_files(catalog, before)) == 1
