"""enrich/add.py: inputs, the catalog's layout and names, the new entry, duplicates (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import text_format

from enrich import add
from enrich.add import ARXIV, DOI, OPENREVIEW, TITLE, AddError, Known, Wanted
from enrich.errors import UsageError
from enrich.records import Entry, PaperRecord
from enrich.schema import paper_pb2


@pytest.mark.parametrize(
    ("text", "kind", "key"),
    [
        ("2301.00774", ARXIV, "2301.00774"),
        ("2301.00774v2", ARXIV, "2301.00774"),
        ("arXiv:2301.00774", ARXIV, "2301.00774"),
        ("hep-th/9901001", ARXIV, "hep-th/9901001"),
        ("https://arxiv.org/abs/2301.00774v3", ARXIV, "2301.00774"),
        ("http://arxiv.org/pdf/2301.00774.pdf", ARXIV, "2301.00774"),
        ("arxiv.org/abs/2301.00774", ARXIV, "2301.00774"),
        ("https://huggingface.co/papers/2509.04664", ARXIV, "2509.04664"),
        ("huggingface.co/papers/2509.04664/", ARXIV, "2509.04664"),
        ("https://www.alphaxiv.org/abs/2509.04664", ARXIV, "2509.04664"),
        ("https://openreview.net/forum?id=vVJZtlZB9D", OPENREVIEW, "vVJZtlZB9D"),
        ("https://openreview.net/pdf?id=vVJZtlZB9D", OPENREVIEW, "vVJZtlZB9D"),
        ("https://doi.org/10.1145/3580305.3599284", DOI, "10.1145/3580305.3599284"),
        ("10.1145/3580305.3599284", DOI, "10.1145/3580305.3599284"),
        ("doi:10.48550/ARXIV.2301.00774", ARXIV, "2301.00774"),
        ("https://dl.acm.org/doi/10.1145/3580305.3599284", DOI, "10.1145/3580305.3599284"),
        ("https://aclanthology.org/2023.acl-long.1/", "acl", "2023.acl-long.1"),
        ("  Why Language Models   Hallucinate ", TITLE, "Why Language Models Hallucinate"),
    ],
)
def test_inputs_are_classified(text, kind, key):
    wanted = add.classify(text)
    assert (wanted.kind, wanted.key) == (kind, key)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "https://example.com/paper/1",
        "huggingface.co/papers/not-an-id",
        "example.org/x",
        "SparseGPT",
    ],
)
def test_unusable_inputs_say_why(text):
    with pytest.raises(AddError):
        add.classify(text)


@pytest.mark.parametrize(
    ("kind", "key", "link"),
    [
        (ARXIV, "2301.00774", "https://arxiv.org/abs/2301.00774"),
        (OPENREVIEW, "vVJZtlZB9D", "https://openreview.net/forum?id=vVJZtlZB9D"),
        (DOI, "10.1/x", "https://doi.org/10.1/x"),
        (TITLE, "A title", ""),
    ],
)
def test_canonical_links(kind, key, link):
    assert Wanted("x", kind, key).link == link


def test_keywords_are_checked_against_the_schema():
    assert add.keyword_values(["quantization", "sparse_pruning", "quantization"]) == [10, 2]
    with pytest.raises(UsageError) as error:
        add.keyword_values(["quantisation"])
    assert "unknown keyword 'quantisation'" in str(error.value)
    assert "quantization" in str(error.value) and "kv_cache_quant" in str(error.value)


def entry(path: str, text: str) -> Entry:
    return Entry(path, text_format.Parse(text, paper_pb2.PaperInfo()))


def catalog(root: Path) -> Known:
    return add.survey(
        root,
        [
            entry(
                f"{root}/2023/a.prototxt",
                'paper { title: "SparseGPT: Massive" url: "https://arxiv.org/pdf/2301.00774.pdf" } pub { where: "ICLR" }',
            ),
            entry(
                f"{root}/2023/b.prototxt",
                'paper { title: "Other" url: "https://openreview.net/forum?id=abcdefg" } pub { where: "ICLR" } '
                'enrichment { venue: "International Conference on Learning Representations" doi: "10.1/ABC" }',
            ),
            entry(
                f"{root}/2024/c.prototxt",
                'paper { title: "Third" } pub { where: "NeurIPS" } enrichment { semantic_scholar_id: "f00" }',
            ),
        ],
    )


def test_year_folders_are_detected(tmp_path):
    assert catalog(tmp_path).year_folders
    flat = add.survey(tmp_path, [entry(f"{tmp_path}/a.prototxt", 'paper { title: "A b" }')])
    assert not flat.year_folders
    assert (
        add.target_path(catalog(tmp_path), 2025, "X.prototxt") == tmp_path / "2025" / "X.prototxt"
    )
    assert add.target_path(flat, 2025, "X.prototxt") == tmp_path / "X.prototxt"


@pytest.mark.parametrize(
    ("record", "duplicate_of"),
    [
        (PaperRecord("arxiv", "New title", arxiv_id="2301.00774"), "2023/a.prototxt"),
        (PaperRecord("openreview", "New title", openreview_id="abcdefg"), "2023/b.prototxt"),
        (PaperRecord("semantic_scholar", "New title", doi="10.1/abc"), "2023/b.prototxt"),
        (
            PaperRecord("semantic_scholar", "New title", semantic_scholar_id="f00"),
            "2024/c.prototxt",
        ),
        (PaperRecord("arxiv", "sparsegpt massive!", arxiv_id="9999.99999"), "2023/a.prototxt"),
        (PaperRecord("arxiv", "A new paper", arxiv_id="9999.99999"), None),
    ],
)
def test_duplicates_are_found_by_id_or_normalised_title(tmp_path, record, duplicate_of):
    found = catalog(tmp_path).duplicate(add.record_ids(record))
    assert found == (f"{tmp_path}/{duplicate_of}" if duplicate_of else None)


def test_an_input_id_is_a_duplicate_before_anything_is_asked(tmp_path):
    assert catalog(tmp_path).duplicate([f"{ARXIV}:2301.00774"]) == f"{tmp_path}/2023/a.prototxt"


@pytest.mark.parametrize(
    ("venue", "short"),
    [
        ("ICLR 2023 poster", "ICLR"),
        ("International Conference on Learning Representations", "ICLR"),
        ("NeurIPS 2024", "NeurIPS"),
        ("Submitted to ICLR 2024", "arXiv"),
        ("arXiv.org", "arXiv"),
        ("", "arXiv"),
        ("Journal of Something", "arXiv"),
        ("Advances in Neural Information Processing Systems 36", "NeurIPS"),
        ("International Conference on Machine Learning", "ICML"),  # well known, new to this catalog
        ("ICLR 2024 Workshop on Sparsity", "arXiv"),
    ],
)
def test_venues_use_the_catalogs_short_names(tmp_path, venue, short):
    assert add.short_venue(venue, catalog(tmp_path)) == short


def test_names_are_the_abbr_else_a_stable_id_name_never_one_in_use():
    assert add.file_name("SparseGPT", "arxiv:2301.00774", set()) == "SparseGPT.prototxt"
    by_id = add.file_name("SparseGPT", "arxiv:2301.00774", {"sparsegpt.prototxt"})
    assert by_id == add.file_name("", "arxiv:2301.00774", set())  # stable
    assert (
        len(by_id) == len("XXXXXXXX.prototxt")
        and by_id[:8].isalnum()
        and by_id[:8].upper() == by_id[:8]
    )
    assert add.file_name("", "arxiv:2301.00774", {by_id.casefold()}) != by_id
    assert add.file_name("A/B net", "k", set()) == "A-B-net.prototxt"


def test_new_entry_prints_like_a_curated_one():
    record = PaperRecord(
        "arxiv",
        "RPTQ: Reorder-based Post-training Quantization",
        authors=("Zhihang Yuan", "Lin Niu"),
        year=2023,
        arxiv_id="2304.01089",
    )
    info = add.new_entry(
        record,
        "https://arxiv.org/abs/2304.01089",
        "arXiv",
        [10],
        "https://github.com/hahnyuan/RPTQ4LLM",
    )
    assert text_format.MessageToString(info, as_utf8=True) == (
        "paper {\n"
        '  title: "RPTQ: Reorder-based Post-training Quantization"\n'
        '  abbr: "RPTQ"\n'
        '  url: "https://arxiv.org/abs/2304.01089"\n'
        '  authors: "Zhihang Yuan"\n'
        '  authors: "Lin Niu"\n'
        "}\n"
        "pub {\n"
        '  where: "arXiv"\n'
        "  year: 2023\n"
        "}\n"
        "code {\n"
        '  url: "https://github.com/hahnyuan/RPTQ4LLM"\n'
        "}\n"
        "keyword {\n"
        "  words: quantization\n"
        "}\n"
    )


def test_a_title_search_links_the_strongest_id_found():
    wanted = Wanted("t", TITLE, "t")
    assert (
        add.best_link(
            PaperRecord("semantic_scholar", "t", arxiv_id="2301.00774", doi="10.1/x"), wanted
        )
        == "https://arxiv.org/abs/2301.00774"
    )
    assert (
        add.best_link(PaperRecord("semantic_scholar", "t", doi="10.1/X"), wanted)
        == "https://doi.org/10.1/x"
    )
    assert (
        add.best_link(PaperRecord("semantic_scholar", "t", semantic_scholar_id="abc"), wanted)
        == "https://www.semanticscholar.org/paper/abc"
    )


@pytest.mark.parametrize(
    ("venue", "year"),
    [("ICLR 2024 poster", 2024), ("NeurIPS", None), ("Proc. 12345", None), ("", None)],
)
def test_year_from_venue(venue, year):
    assert add.year_from_venue(venue) == year


@pytest.mark.parametrize(
    ("abstract", "url"),
    [
        (
            "Code is at https://github.com/IST-DASLab/sparsegpt.",
            "https://github.com/ist-daslab/sparsegpt",
        ),
        ("See github.com/a/b and github.com/c/d.", ""),
        ("No code.", ""),
    ],
)
def test_code_is_the_one_repository_the_abstract_names(abstract, url):
    assert add.code_url(PaperRecord("arxiv", "t", abstract=abstract)) == url


def test_a_venue_the_catalog_names_itself_is_used(tmp_path):
    known = add.survey(
        tmp_path,
        [entry(f"{tmp_path}/a.prototxt", 'paper { title: "A b" } pub { where: "SparseML" }')],
    )
    assert add.short_venue("SparseML 2024 (oral)", known) == "SparseML"
