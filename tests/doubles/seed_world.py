"""The world behind the seed catalog (tests/data/seed-catalog.md): 24 ICLR 2023 papers on
OpenReview API 1 and the two arXiv papers RPTQ and SparseGPT, with their code repositories.

INVENTED FOR TESTS: every abstract, author name, affiliation, TL;DR, citation count, star count,
acceptance type (poster / notable top 25% / top 5%) and arXiv version below is made up. Titles,
OpenReview ids and arXiv ids are the catalog's (arXiv titles are the real arXiv titles). The arXiv
ids given to three OpenReview papers are believed real but unchecked; tests must rely only on this
world, never on what the real APIs say today.
"""

from __future__ import annotations

from .world import Paper, Repo, World, stable_hex, stable_int

# (OpenReview id, title exactly as in the seed table, acceptance, arXiv id or None)
ICLR_2023 = [
    (
        "vVJZtlZB9D",
        "A General Framework For Proving The Equivariant Strong Lottery Ticket Hypothesis",
        "poster",
        None,
    ),
    ("cCFqcrq0d8", "A Unified Framework for Soft Threshold Pruning", "poster", None),
    ("YUDiZcZTI8", "Bit-Pruning: A Sparse Multiplication-Less Dot-Product", "poster", None),
    ("_eTZBs-yedr", "CrAM: A Compression-Aware Minimizer", "poster", "2207.14200"),
    (
        "mhnHqRqcjYU",
        "DFPC: Data flow driven pruning of coupled channels without data",
        "poster",
        None,
    ),
    (
        "pf8RIZTMU58",
        "DepthFL: Depthwise Federated Learning for Heterogeneous Clients",
        "poster",
        None,
    ),
    (
        "Idusfje4-Wq",
        "Diffusion Models for Causal Discovery via Topological Ordering",
        "poster",
        None,
    ),
    ("sAJDi9lD06L", "Holistic Adversarially Robust Pruning", "poster", None),
    (
        "D7srTrGhAs",
        "HomoDistil: Homotopic Task-Agnostic Distillation of Pre-trained Transformers",
        "poster",
        None,
    ),
    ("_nF5imFKQI", "How I Learned to Stop Worrying and Love Retraining", "poster", None),
    (
        "4UldFtZ_CVF",
        "Joint Edge-Model Sparse Learning is Provably Efficient for Graph Neural Networks",
        "poster",
        None,
    ),
    ("N92hjSf5NNh", "MECTA: Memory-Economic Continual Test-Time Model Adaptation", "poster", None),
    (
        "vuD2xEtxZcj",
        "Minimum Variance Unbiased N:M Sparsity for the Neural Gradients",
        "poster",
        None,
    ),
    (
        "-5EWhW_4qWP",
        "NTK-SAP: Improving neural network pruning by aligning training dynamics",
        "poster",
        None,
    ),
    ("7ynoX1ojPMt", "OTOv2: Automatic, Generic, User-Friendly", "poster", "2303.06862"),
    (
        "aBIpZvMdS56",
        "Over-parameterized Model Optimization with Polyak-Lojasiewicz Condition",
        "poster",
        None,
    ),
    ("i-DleYh34BM", "Pruning Deep Neural Networks from a Sparsity Perspective", "poster", None),
    ("fjh7UGQgOB", "Rethinking Graph Lottery Tickets: Graph Sparsity Matters", "poster", None),
    (
        "uVcDssQff",
        "Revisiting Pruning at Initialization Through the Lens of Ramanujan Graph",
        "notable top 5%",
        None,
    ),
    (
        "Dvs-a3aymPe",
        "Searching Lottery Tickets in Graph Neural Networks: A Dual Perspective",
        "poster",
        None,
    ),
    (
        "J6F3lLg4Kdp",
        "Sparsity May Cry: Let Us Fail (Current) Sparse Neural Networks Together!",
        "notable top 25%",
        "2303.02141",
    ),
    ("K96AogLDT2K", "Symmetric Pruning in Quantum Neural Networks", "poster", None),
    (
        "sZI1Oj9KBKy",
        "TVSPrune - Pruning Non-discriminative filters via Total Variation separability of "
        "intermediate representations without fine tuning",
        "poster",
        None,
    ),
    (
        "xSsW2Am-ukZ",
        "Unmasking the Lottery Ticket Hypothesis: What's Encoded in a Winning Ticket's Mask?",
        "notable top 25%",
        None,
    ),
]

_FIRST = [
    "Lena",
    "Tomas",
    "Wei",
    "Priya",
    "Marco",
    "Aiko",
    "Daniel",
    "Sofia",
    "Jun",
    "Amara",
    "Felix",
    "Hana",
    "Omar",
    "Ines",
    "Ravi",
    "Clara",
    "Yusuf",
    "Mei",
    "Lucas",
    "Noor",
]
_LAST = [
    "Hartmann",
    "Okafor",
    "Zhang",
    "Raman",
    "Bianchi",
    "Tanaka",
    "Kowalski",
    "Moreau",
    "Park",
    "Adeyemi",
    "Lindqvist",
    "Novak",
    "Haddad",
    "Ferreira",
    "Iyer",
    "Becker",
    "Demir",
    "Chen",
    "Silva",
    "Rahman",
]
_INSTITUTIONS = ["University of Example", "Institute of Imaginary Technology", "Fictional AI Lab"]


def _authors(title: str) -> list[str]:
    """2 to 4 invented, deterministic author names."""
    seed = stable_int(title)
    count = 2 + seed % 3
    return [
        f"{_FIRST[(seed // 7**i) % 20]} {_LAST[(seed // 11**i + i) % 20]}" for i in range(count)
    ]


def _abstract(title: str) -> str:
    """An invented abstract long enough to wrap over several lines, as arXiv prints them."""
    return (
        f'We study the problem named in our title, "{title}". Existing methods either require '
        "expensive retraining or lose accuracy at high sparsity. We propose a simple, principled approach "
        "and analyse when it works. Experiments on standard image and language benchmarks show consistent "
        "gains over strong baselines at a fraction of the compute."
    )


def _paper(title: str, **fields: object) -> Paper:
    seed = stable_int(title)
    authors = _authors(title)
    defaults: dict[str, object] = dict(
        title=title,
        abstract=_abstract(title),
        authors=authors,
        year=2023,
        s2_id=stable_hex("s2:" + title),
        citation_count=seed % 180 + 3,
        influential_citation_count=seed % 17,
        tldr=f"A method for {title.split(':')[0].lower()}." if seed % 3 == 0 else None,
    )
    defaults.update(fields)
    return Paper(**defaults)  # type: ignore[arg-type]


def seed_world() -> World:
    """A fresh World for the seed catalog (a new object each call, so tests may mutate it)."""
    papers = [
        _paper(
            title,
            openreview_id=or_id,
            openreview_api=1,
            venue=f"ICLR 2023 {acceptance}",
            arxiv_id=arxiv_id,
        )
        for or_id, title, acceptance, arxiv_id in ICLR_2023
    ]
    rptq = "RPTQ: Reorder-based Post-training Quantization for Large Language Models"
    sparsegpt = "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot"
    papers.append(
        _paper(
            rptq,
            arxiv_id="2304.01089",
            arxiv_version=2,
            affiliations=[[_INSTITUTIONS[0]], [], [_INSTITUTIONS[1], _INSTITUTIONS[2]]][
                : len(_authors(rptq))
            ],
        )
    )
    papers.append(
        _paper(
            sparsegpt,
            arxiv_id="2301.00774",
            arxiv_version=3,
            affiliations=[[_INSTITUTIONS[2]]] * len(_authors(sparsegpt)),
            citation_count=612,
            influential_citation_count=97,
            tldr="Large GPT models can be pruned to 50% sparsity "
            "in one shot, without retraining, at minimal loss of accuracy.",
        )
    )
    repos = [
        Repo(
            "tianyic/only_train_once",
            stars=290,
            forks=45,
            pushed_at="2024-05-02T17:11:09Z",
            license="MIT",
        ),
        Repo(
            "VITA-Group/SMC-Bench",
            stars=31,
            forks=4,
            pushed_at="2023-06-20T08:40:51Z",
            license="MIT",
        ),
        Repo(
            "hahnyuan/RPTQ4LLM", stars=468, forks=34, pushed_at="2023-12-01T03:05:37Z", license=None
        ),
        Repo(
            "IST-DASLab/sparsegpt",
            stars=765,
            forks=102,
            pushed_at="2024-02-27T10:12:44Z",
            license="Apache-2.0",
        ),
    ]
    return World(papers=papers, repos=repos)
