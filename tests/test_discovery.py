"""Discovery's pure functions, one table row per case."""

from __future__ import annotations

import pytest

from enrich.discovery import (
    CodeChoice,
    VenueFinding,
    VenueUpdate,
    choose_code,
    code_candidates,
    duplicate_groups,
    github_links_in_text,
    institutions_in_author_order,
    learn_venue_names,
    paper_keys,
    venue_update,
)

SEED_NAMES = learn_venue_names(["ICLR"] * 24 + ["arXiv"] * 2)


@pytest.mark.parametrize(
    "wheres, expected",
    [
        (["ICLR", "ICLR", "arXiv"], {"ICLR": "ICLR"}),
        (["NeurIPS", "NIPS", "NeurIPS"], {"NeurIPS": "NeurIPS"}),  # the most used spelling
        (["NIPS", "NIPS", "NeurIPS"], {"NeurIPS": "NIPS"}),
        (
            ["MLSys", "ASPLOS", "CVPR", "ACL"],
            {"MLSys": "MLSys", "ASPLOS": "ASPLOS", "CVPR": "CVPR", "ACL": "ACL"},
        ),
        (["arXiv", "", "Blog", "ICML Workshop"], {}),
        (["ICML 2023"], {}),  # a year in `where` is not a short name to copy
    ],
)
def test_the_catalogs_short_names_are_learned_from_its_entries(wheres, expected):
    assert learn_venue_names(wheres) == expected


def finding(source: str, venue: str, year: int | None = 2023) -> VenueFinding:
    return VenueFinding(source, venue, year)


@pytest.mark.parametrize(
    "where, findings, names, expected",
    [
        # two sources, the same venue in different words: agreed, in the catalog's spelling
        (
            "arXiv",
            [
                finding("semantic_scholar", "International Conference on Learning Representations"),
                finding("openalex", "ICLR 2023 poster"),
            ],
            SEED_NAMES,
            VenueUpdate("ICLR", 2023, ("semantic_scholar", "openalex"), True),
        ),
        (
            "",
            [
                finding("semantic_scholar", "Neural Information Processing Systems", 2022),
                finding("openalex", "Advances in Neural Information Processing Systems 35", 2022),
            ],
            {"NeurIPS": "NIPS"},
            VenueUpdate("NIPS", 2022, ("semantic_scholar", "openalex"), True),
        ),
        # one source only: a suggestion, never applied
        (
            "arXiv",
            [finding("semantic_scholar", "International Conference on Machine Learning")],
            SEED_NAMES,
            VenueUpdate("ICML", 2023, ("semantic_scholar",), False),
        ),
        # sources disagree (venue or year): a suggestion with the conflict named
        (
            "arXiv",
            [
                finding("semantic_scholar", "International Conference on Machine Learning"),
                finding("openalex", "ICML", 2023),
                finding("openreview", "ICLR 2024 poster"),
            ],
            SEED_NAMES,
            VenueUpdate(
                "ICML", 2023, ("semantic_scholar", "openalex"), False, ("openreview: ICLR 2024",)
            ),
        ),
        (
            "arXiv",
            [finding("semantic_scholar", "CVPR", 2022), finding("openalex", "CVPR", 2023)],
            {},
            VenueUpdate("CVPR", 2022, ("semantic_scholar",), False, ("openalex: CVPR 2023",)),
        ),
        # the year in the venue's name beats the record's year
        (
            "arXiv",
            [
                finding("semantic_scholar", "ICLR 2024", 2023),
                finding("openreview", "ICLR 2024 oral", 2023),
            ],
            SEED_NAMES,
            VenueUpdate("ICLR", 2024, ("semantic_scholar", "openreview"), True),
        ),
        # full names are matched whole: a look-alike venue is no venue
        (
            "arXiv",
            [
                finding(
                    "semantic_scholar",
                    "International Conference on Machine Learning and Applications",
                ),
                finding(
                    "openalex", "International Conference on Machine Learning and Applications"
                ),
            ],
            {},
            None,
        ),
        (
            "arXiv",
            [
                finding(
                    "semantic_scholar",
                    "2022 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
                ),
                finding(
                    "openalex",
                    "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition",
                    2022,
                ),
            ],
            {},
            VenueUpdate("CVPR", 2022, ("semantic_scholar", "openalex"), True),
        ),
        # preprints, submissions, workshops and unknown venues suggest nothing
        (
            "arXiv",
            [
                finding("semantic_scholar", "arXiv.org"),
                finding("openalex", "arXiv (Cornell University)"),
            ],
            {},
            None,
        ),
        (
            "arXiv",
            [finding("openreview", "Submitted to ICLR 2023"), finding("semantic_scholar", "ArXiv")],
            {},
            None,
        ),
        ("arXiv", [finding("openreview", "ICLR 2023 Conference Withdrawn Submission")], {}, None),
        (
            "arXiv",
            [
                finding("semantic_scholar", "ICML Workshop on Sparsity"),
                finding("openalex", "ICML 2023 Workshop"),
            ],
            {},
            None,
        ),
        ("arXiv", [finding("semantic_scholar", "Journal of Obscure Results")], {}, None),
        ("arXiv", [], SEED_NAMES, None),
        # the curator already named a venue: never a suggestion
        (
            "ICLR",
            [
                finding("semantic_scholar", "International Conference on Machine Learning"),
                finding("openalex", "ICML"),
            ],
            SEED_NAMES,
            None,
        ),
        (
            "NeurIPS Workshop",
            [finding("semantic_scholar", "Neural Information Processing Systems")],
            {},
            None,
        ),
    ],
)
def test_venue_update_for_an_entry_listed_as_a_preprint(where, findings, names, expected):
    assert venue_update(where, findings, names) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Code: https://github.com/IST-DASLab/sparsegpt.", ["ist-daslab/sparsegpt"]),
        ("ICLR 2023. Code at github.com/a/b and https://www.github.com/C/D)", ["a/b", "c/d"]),
        ("see (https://github.com/a/b), also https://github.com/a/b/tree/main", ["a/b"]),
        ("12 pages, 5 figures", []),
        ("https://github.com/onlyowner is our lab", []),
        ("mirror at https://gitlab.com/a/b and https://github.com.evil.com/x/y", []),
        ("", []),
    ],
)
def test_github_links_are_found_in_free_text(text, expected):
    assert github_links_in_text(text) == expected


@pytest.mark.parametrize(
    "sources, expected",
    [
        ({"huggingface_repo": "https://github.com/IST-DASLab/sparsegpt"}, ["ist-daslab/sparsegpt"]),
        (
            {
                "arxiv_comment": "Code: github.com/a/b",
                "arxiv_abstract": "We release https://github.com/A/B.",
            },
            ["a/b"],
        ),
        (
            {
                "huggingface_repo": "https://github.com/a/b",
                "openreview_code": "https://github.com/c/d",
                "arxiv_comment": "github.com/e/f",
                "arxiv_abstract": "github.com/g/h",
            },
            ["a/b", "c/d", "e/f", "g/h"],
        ),
        ({"openreview_code": "Code is at https://github.com/c/d in the supplement"}, ["c/d"]),
        ({"huggingface_repo": "https://huggingface.co/spaces/x/y"}, []),
        ({}, []),
    ],
)
def test_code_candidates_come_from_every_source_in_order_of_trust(sources, expected):
    assert code_candidates(**sources) == expected


@pytest.mark.parametrize(
    "candidates, confirmed, expected",
    [
        (["a/b"], {"a/b": "A/B"}, CodeChoice("A/B")),
        (
            ["a/old", "a/new"],
            {"a/old": "a/New", "a/new": "a/New"},
            CodeChoice("a/New"),
        ),  # one repo, renamed
        (["a/b", "c/d"], {"a/b": "a/b", "c/d": "c/d"}, CodeChoice(None, ("a/b", "c/d"))),  # several
        (["a/b"], {"a/b": None}, CodeChoice(None, ("a/b",))),  # GitHub does not know it
        (["a/b"], {}, CodeChoice(None, ("a/b",))),  # GitHub not asked / failed: unconfirmed
        (["a/b", "c/d"], {"a/b": "a/b", "c/d": None}, CodeChoice(None, ("a/b", "c/d"))),
        ([], {}, CodeChoice(None, ())),
    ],
)
def test_code_is_chosen_only_when_exactly_one_candidate_is_confirmed(
    candidates, confirmed, expected
):
    assert choose_code(candidates, confirmed) == expected


@pytest.mark.parametrize(
    "per_author, expected",
    [
        ([["University of Toronto"]] * 3, ("University of Toronto",)),
        ([["B Lab"], [], ["A Univ", "B Lab"], ["C Inst"]], ("B Lab", "A Univ", "C Inst")),
        ([["  Spaced   Name "], ["Spaced Name"]], ("Spaced Name",)),
        ([[], [""]], ()),
    ],
)
def test_institutions_are_deduplicated_in_author_order(per_author, expected):
    assert institutions_in_author_order(per_author) == expected


@pytest.mark.parametrize(
    "ids, expected",
    [
        ({"arxiv_id": "2301.00774v2"}, {"arxiv:2301.00774"}),
        ({"doi": "10.48550/ARXIV.2301.00774"}, {"arxiv:2301.00774"}),
        (
            {"doi": "10.1145/ABC", "semantic_scholar_id": "A" * 40},
            {"doi:10.1145/abc", "s2:" + "a" * 40},
        ),
        ({"openreview_id": "vVJZtlZB9D"}, {"openreview:vVJZtlZB9D"}),
        ({"arxiv_id": "not an id"}, set()),
        ({}, set()),
    ],
)
def test_paper_keys_make_one_paper_one_key(ids, expected):
    assert paper_keys(**ids) == expected


@pytest.mark.parametrize(
    "keys_by_path, expected",
    [
        ({"a": {"arxiv:1"}, "b": {"arxiv:1"}, "c": {"arxiv:2"}}, [(("a", "b"), ("arxiv:1",))]),
        # a chain: a~b by arXiv, b~c by DOI
        (
            {"a": {"arxiv:1"}, "b": {"arxiv:1", "doi:x"}, "c": {"doi:x"}},
            [(("a", "b", "c"), ("arxiv:1", "doi:x"))],
        ),
        (
            {"a": {"s2:f", "openreview:o"}, "b": {"s2:f", "openreview:o"}},
            [(("a", "b"), ("openreview:o", "s2:f"))],
        ),
        ({"a": {"arxiv:1"}, "b": {"arxiv:2"}, "c": set()}, []),
        (
            {"x": {"doi:1"}, "y": {"doi:1"}, "a": {"arxiv:9"}, "b": {"arxiv:9"}},
            [(("a", "b"), ("arxiv:9",)), (("x", "y"), ("doi:1",))],
        ),
    ],
)
def test_entries_resolving_to_one_paper_are_one_duplicate_group(keys_by_path, expected):
    assert duplicate_groups(keys_by_path) == expected
