import pytest

from enrich.ids import (
    acl_id_from_url,
    arxiv_id_from_url,
    doi_from_url,
    github_repo_from_url,
    openreview_id_from_url,
    split_arxiv_version,
)


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
        ("https://arxiv.org/html/2401.00001v2", "2401.00001"),
        ("https://arxiv.org/html/2402.17764v1#S3.T2", "2402.17764"),
        ("https://arxiv.org/abs/2306.11987?context=cs.LG", "2306.11987"),
        ("https://export.arxiv.org/pdf/1707.08567v2", "1707.08567"),
        ("https://browse.arxiv.org/abs/2209.03003v11", "2209.03003"),
        ("https://browse.arxiv.org/pdf/2307.14995.pdf", "2307.14995"),
        ("http://xxx.lanl.gov/abs/hep-th/9901001", "hep-th/9901001"),
        # the arXiv DOI, any case, both resolvers
        ("https://doi.org/10.48550/arXiv.2301.00774", "2301.00774"),
        ("https://doi.org/10.48550/ARXIV.2301.00774", "2301.00774"),
        ("https://doi.org/10.48550/arxiv.2301.00774", "2301.00774"),
        ("http://dx.doi.org/10.48550/arXiv.2301.00774", "2301.00774"),
        ("https://doi.org/10.48550%2FarXiv.2301.00774", "2301.00774"),
        ("https://doi.org/10.48550/arXiv.cs/0601001", "cs/0601001"),
        ("https://doi.org/10.1145/3575693.3575739", None),
        # mirrors and readers that keep the id in their path
        ("https://ar5iv.labs.arxiv.org/html/1902.10197", "1902.10197"),
        ("https://ar5iv.org/abs/2310.15047", "2310.15047"),
        ("https://ar5iv.org/html/2310.15047v2", "2310.15047"),
        ("https://www.alphaxiv.org/abs/2005.14165", "2005.14165"),
        ("https://alphaxiv.org/abs/2601.16073v1", "2601.16073"),
        ("https://www.alphaxiv.org/overview/2005.14165v4", "2005.14165"),
        ("https://huggingface.co/papers/2509.04664", "2509.04664"),
        ("https://huggingface.co/papers/2509.04664#community", "2509.04664"),
        ("https://scirate.com/arxiv/1906.12293", "1906.12293"),
        ("https://www.arxiv-vanity.com/papers/1406.2661/", "1406.2661"),
        ("https://papers.cool/arxiv/2412.05899", "2412.05899"),
        ("https://www.emergentmind.com/papers/2410.02189", "2410.02189"),
        ("https://arxiv-sanity.com/abs/2503.12847", "2503.12847"),
        # pages of those hosts that are not a paper
        ("https://huggingface.co/meta-llama/Llama-3-8B", None),
        ("https://huggingface.co/papers", None),
        ("https://huggingface.co/datasets/2509.04664", None),
        ("https://www.alphaxiv.org/", None),
        ("https://papers.cool/arxiv/cs.AI", None),
        ("https://arxiv-sanity-lite.com/?rank=pid&pid=2301.00774", None),
        ("https://www.semanticscholar.org/arxiv/2212.11743", None),
        # never an id from an unrelated host
        ("https://arxiv.org.evil.com/abs/2301.00774", None),
        ("https://evilarxiv.org/abs/2301.00774", None),
        ("https://huggingface.co.evil.com/papers/2301.00774", None),
        ("https://example.com/abs/2301.00774", None),
        ("https://example.com/redirect?to=https://arxiv.org/abs/2301.00774", None),
        ("https://github.com/IST-DASLab/sparsegpt/blob/main/2301.00774.pdf", None),
        ("https://blog.example.org/papers/2301.00774", None),
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


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://doi.org/10.1093/MIND/LIX.236.433", "10.1093/mind/lix.236.433"),
        ("https://dx.doi.org/10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"),
        ("https://dl.acm.org/doi/10.1145/3575693.3575739", "10.1145/3575693.3575739"),
        ("https://dl.acm.org/doi/abs/10.1145/3575693.3575739", "10.1145/3575693.3575739"),
        ("https://dl.acm.org/doi/pdf/10.1145/3575693.3575739", "10.1145/3575693.3575739"),
        (
            "https://dl.acm.org/doi/10.1145/3575693.3575739?casa_token=abc",
            "10.1145/3575693.3575739",
        ),
        (
            "https://link.springer.com/chapter/10.1007/978-3-031-19775-8_1",
            "10.1007/978-3-031-19775-8_1",
        ),
        (
            "https://link.springer.com/content/pdf/10.1007/s11263-021-01453-z.pdf",
            "10.1007/s11263-021-01453-z",
        ),
        ("https://onlinelibrary.wiley.com/doi/full/10.1002/aaai.12036", "10.1002/aaai.12036"),
        ("https://www.science.org/doi/10.1126/science.aaa8415", "10.1126/science.aaa8415"),
        (
            "https://iopscience.iop.org/article/10.1088/1742-6596/1234/1/012001/pdf",
            "10.1088/1742-6596/1234/1/012001",
        ),
        (
            "https://journals.aps.org/prl/abstract/10.1103/PhysRevLett.116.061102",
            "10.1103/physrevlett.116.061102",
        ),
        (
            "https://www.biorxiv.org/content/10.1101/2020.03.01.972935v2.full.pdf",
            "10.1101/2020.03.01.972935",
        ),
        ("https://dl.acm.org/doi/", None),
        ("https://dl.acm.org/doi/10.1145/", None),
        # a DOI in the path of a host that is not a publisher's may cite another paper
        ("https://blog.example.org/notes/10.1145/3575693.3575739", None),
        ("https://dl.acm.org.evil.com/doi/10.1145/3575693.3575739", None),
        ("https://scholar.google.com/scholar?q=10.1145/3575693.3575739", None),
        # venue pages without a DOI in their URL: a title search, as before
        ("https://ieeexplore.ieee.org/document/9157532", None),
        (
            "https://proceedings.neurips.cc/paper_files/paper/2022/hash/abc-Abstract-Conference.html",
            None,
        ),
        ("https://openaccess.thecvf.com/content/CVPR2023/html/X_Title_CVPR_2023_paper.html", None),
        ("https://proceedings.mlr.press/v202/frantar23a.html", None),
        ("https://jmlr.org/papers/v24/22-1234.html", None),
        (
            "https://proceedings.mlsys.org/paper_files/paper/2023/hash/abc-Abstract-mlsys2023.html",
            None,
        ),
        ("https://aclanthology.org/2023.acl-long.1/", None),
    ],
)
def test_doi_from_doi_org_and_publisher_links(url, expected):
    assert doi_from_url(url) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://aclanthology.org/2023.acl-long.1", "2023.acl-long.1"),
        ("https://aclanthology.org/2023.acl-long.1/", "2023.acl-long.1"),
        ("https://aclanthology.org/2023.acl-long.1.pdf", "2023.acl-long.1"),
        ("https://aclanthology.org/2022.emnlp-main.123v2.pdf", "2022.emnlp-main.123"),
        ("https://aclanthology.org/2024.findings-acl.45/", "2024.findings-acl.45"),
        ("https://aclanthology.org/P19-1001/", "P19-1001"),
        ("https://aclanthology.org/N18-2001.pdf", "N18-2001"),
        ("https://www.aclweb.org/anthology/P19-1001", "P19-1001"),
        ("https://aclweb.org/anthology/W12-3903.pdf", "W12-3903"),
        ("https://aclanthology.org/volumes/2023.acl-long/", None),
        ("https://aclanthology.org/events/acl-2023/", None),
        ("https://aclanthology.org/", None),
        ("https://aclanthology.org.evil.com/2023.acl-long.1", None),
        ("https://example.com/2023.acl-long.1", None),
    ],
)
def test_acl_anthology_id_from_paper_pages(url, expected):
    assert acl_id_from_url(url) == expected
