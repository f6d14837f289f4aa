import pytest

from enrich.ids import arxiv_id_from_url, doi_from_url, github_repo_from_url, openreview_id_from_url, split_arxiv_version


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://arxiv.org/abs/2306.11987", "2306.11987"),
        ("https://arxiv.org/abs/2306.11987v2", "2306.11987"),
        ("http://arxiv.org/abs/2306.11987", "2306.11987"),
        ("https://arxiv.org/abs//2306.11987", "2306.11987"),
        ("https://arxiv.org/pdf/2304.01089.pdf", "2304.01089"),
        ("https://arxiv.org/pdf/2304.01089v3.pdf", "2304.01089"),
        ("https://arxiv.org/pdf/2304.01089v3", "2304.01089"),
        ("https://arxiv.org/pdf/2304.01089", "2304.01089"),
        ("https://www.arxiv.org/abs/2301.00774/", "2301.00774"),
        ("arxiv.org/abs/2301.00774", "2301.00774"),
        ("https://export.arxiv.org/abs/1707.08567", "1707.08567"),
        ("https://arxiv.org/abs/0704.0001", "0704.0001"),
        ("https://arxiv.org/abs/cs/0601001", "cs/0601001"),
        ("https://arxiv.org/abs/astro-ph/0601001v1", "astro-ph/0601001"),
        ("https://arxiv.org/pdf/quant-ph/0201082v1.pdf", "quant-ph/0201082"),
        ("https://arxiv.org/abs/math.GT/0309136", "math.GT/0309136"),
        ("https://arxiv.org/html/2402.00001v1", "2402.00001"),
        ("https://arxiv.org/abs/abc", None),
        ("https://arxiv.org/list/cs.LG/recent", None),
        ("https://openreview.net/forum?id=vVJZtlZB9D", None),
        ("", None),
        ("not a url at all", None),
        ("https://[broken", None),
    ],
)
def test_arxiv_id_from_every_url_form(url, expected):
    assert arxiv_id_from_url(url) == expected


def test_versioned_arxiv_id_is_split():
    assert split_arxiv_version("2301.00774v12") == ("2301.00774", 12)
    assert split_arxiv_version("2301.00774") == ("2301.00774", None)
    assert split_arxiv_version("2301") is None


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://openreview.net/forum?id=vVJZtlZB9D", "vVJZtlZB9D"),
        ("https://openreview.net/pdf?id=vuD2xEtxZcj", "vuD2xEtxZcj"),
        ("https://openreview.net/forum?id=_eTZBs-yedr", "_eTZBs-yedr"),
        ("https://openreview.net/forum?id=-5EWhW_4qWP", "-5EWhW_4qWP"),
        ("http://www.openreview.net/forum?id=uVcDssQff&noteId=abc", "uVcDssQff"),
        ("https://openreview.net/group?id=ICLR.cc/2023/Conference", None),
        ("https://openreview.net/forum", None),
        ("https://arxiv.org/abs/2301.00774", None),
    ],
)
def test_openreview_id_from_forum_and_pdf_urls(url, expected):
    assert openreview_id_from_url(url) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://github.com/IST-DASLab/sparsegpt", "ist-daslab/sparsegpt"),
        ("https://github.com/IST-DASLab/sparsegpt/", "ist-daslab/sparsegpt"),
        ("https://github.com/IST-DASLab/sparsegpt.git", "ist-daslab/sparsegpt"),
        ("https://www.github.com/tianyic/only_train_once#readme", "tianyic/only_train_once"),
        ("https://github.com/VITA-Group/SMC-Bench/tree/main/src", "vita-group/smc-bench"),
        ("http://GitHub.com/hahnyuan/RPTQ4LLM", "hahnyuan/rptq4llm"),
        ("github.com/a/b.c", "a/b.c"),
        ("https://github.com/onlyowner", None),
        ("https://gitlab.com/a/b", None),
        ("", None),
    ],
)
def test_github_repo_from_url(url, expected):
    assert github_repo_from_url(url) == expected


def test_doi_from_doi_org_links():
    assert doi_from_url("https://doi.org/10.1093/MIND/LIX.236.433") == "10.1093/mind/lix.236.433"
    assert doi_from_url("https://dl.acm.org/doi/10.1145/1") is None
