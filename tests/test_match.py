import pytest

from enrich.match import normalise_title, titles_compatible, titles_match


def test_normalise_title_folds_case_punctuation_latex_and_accents():
    assert normalise_title(
        "SparseGPT: Massive Language Models Can be Accurately Pruned in one-shot."
    ) == ("sparsegpt massive language models can be accurately pruned in one shot")
    assert normalise_title(r"$\alpha$-Pruning with \textbf{Týr}") == "pruning with tyr"
    assert normalise_title("  ") == ""


# (catalog title, source title): the same paper as curators and sources really write it.
SAME_PAPER = [
    (
        "SparseGPT: Massive Language Models Can be Accurately Pruned in one-shot.",
        "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot",
    ),
    ("OTOv2: Automatic, Generic, User-Friendly", "OTOv2: Automatic, Generic, User-Friendly"),
    (
        "Sparsity May Cry: Let Us Fail (Current) Sparse Neural Networks Together!",
        "Sparsity May Cry: Let Us Fail (Current) Sparse Neural Networks Together!",
    ),
    (
        "Over-parameterized Model Optimization with Polyak-Lojasiewicz Condition",
        "Over-parameterized Model Optimization with Polyak-{\\L}ojasiewicz Condition",
    ),
]

# Subtitle added or dropped by the curator: compatible for a link, not a title-search match.
SUBTITLE = [
    ("SparseGPT", "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot"),
    (
        "RPTQ: Reorder-based Post-training Quantization",
        "RPTQ: Reorder-based Post-training Quantization for Large Language Models",
    ),
    (
        "TVSPrune",
        "TVSPrune - Pruning Non-discriminative filters via Total Variation separability of intermediate representations without fine tuning",
    ),
]

# A typo'd id or a search's best guess landing on another paper.
DIFFERENT = [
    ("SparseGPT: Massive Language Models Can be Accurately Pruned in one-shot.", "0"),
    (
        "RPTQ: Reorder-based Post-training Quantization for Large Language Models",
        "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys",
    ),
    (
        "Rethinking Graph Lottery Tickets: Graph Sparsity Matters",
        "Searching Lottery Tickets in Graph Neural Networks: A Dual Perspective",
    ),
    (
        "A Unified Framework for Soft Threshold Pruning",
        "A Unified Framework for Structured Pruning",
    ),
    (
        "Post-training Quantization for Vision Transformers",
        "Post-training Quantization for Large Language Models",
    ),
]


@pytest.mark.parametrize("curated, found", SAME_PAPER)
def test_same_paper_matches_strictly_and_leniently(curated, found):
    assert titles_match(curated, found)
    assert titles_compatible(curated, found)


@pytest.mark.parametrize("curated, found", SUBTITLE)
def test_subtitle_differences_are_compatible_but_not_a_search_match(curated, found):
    assert titles_compatible(curated, found)
    assert not titles_match(curated, found)


@pytest.mark.parametrize("curated, found", DIFFERENT)
def test_different_papers_are_neither(curated, found):
    assert not titles_match(curated, found)
    assert not titles_compatible(curated, found)


def test_one_changed_word_in_a_long_title_still_matches():
    assert titles_match(
        "Joint Edge-Model Sparse Learning is Provably Efficient for Graph Neural Networks",
        "Joint Edge-Model Sparse Learning is Provably Efficient for Graph Neural Network",
    )
