"""Deterministic benchmark catalogs of N papers, and the World that answers for every one of them.

The mix is the seed catalog's: 88% arXiv links (every /abs and /pdf form: with and without
version, `.pdf`, http or https), 4% OpenReview (forum / pdf links; about half of the notes
only on API 1, like ICLR 2023), 8% other (doi.org links, publisher pages without a DOI, or
no link at all); 60% with a GitHub code.url (about 1% of them renamed since). Entries carry
the template's placeholders as real catalogs do (abbr "abbr", authors Name1/Name2,
institutions inst1/inst2), a few curated `authors: "A, B, C"` strings, year folders, random
8-character and short file names (a few non-ASCII), printer-exact text with the odd trailing
space or missing final newline, and one upstream `meta/search/` file that is not a paper.

Every paper is known to every API that should know it, so a cold run can enrich all of them.

    python -m benchmarks.catalog_gen 433 /tmp/catalog433     # write one by hand
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import text_format

from enrich.schema import paper_pb2

_TESTS = Path(__file__).resolve().parent.parent / "tests"  # the API doubles live in tests/doubles
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

from doubles.world import Paper, Repo, World, stable_hex, stable_int  # noqa: E402

SEED = 20230101
ARXIV_SHARE, OPENREVIEW_SHARE = 0.88, 0.04  # the rest: other links
GITHUB_SHARE = 0.60
RENAMED_SHARE = 0.01

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ne",
    "to",
    "vu",
    "zi",
    "pa",
    "qu",
    "shi",
    "dro",
    "fle",
    "gra",
    "ix",
    "or",
    "ul",
    "en",
    "sa",
    "te",
    "bo",
    "cy",
    "dex",
    "ven",
]
_ADJECTIVES = [
    "Efficient",
    "Sparse",
    "Scalable",
    "Robust",
    "Adaptive",
    "Structured",
    "Lightweight",
    "Fast",
    "Provable",
    "Data-Free",
    "Post-Training",
    "Dynamic",
    "Hardware-Aware",
    "Low-Rank",
    "Mixed-Precision",
]
_NOUNS = [
    "Pruning",
    "Quantization",
    "Distillation",
    "Attention",
    "Inference",
    "Fine-Tuning",
    "Decoding",
    "Compression",
    "Sparsity",
    "KV Cache Eviction",
    "Token Merging",
    "Weight Sharing",
]
_OBJECTS = [
    "Large Language Models",
    "Vision Transformers",
    "Diffusion Models",
    "Graph Neural Networks",
    "Convolutional Networks",
    "Speech Recognizers",
    "Mixture-of-Experts",
    "Recommender Systems",
]
_PHRASES = [
    "at Scale",
    "without Retraining",
    "on Edge Devices",
    "in One Shot",
    "with Provable Guarantees",
    "via Second-Order Information",
    "for Long Contexts",
    "under Memory Constraints",
]
_WORDS = (
    "we propose method model training inference sparse weights layers accuracy latency memory tokens "
    "attention heads quantize prune distill benchmark results show that our approach reduces compute while "
    "preserving quality across tasks and scales experiments demonstrate speedups over strong baselines "
    "analysis theory bound gradient hessian calibration data outliers activation channel structured "
    "unstructured hardware kernels throughput"
).split()
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
    "Zoë",
    "Björn",
    "José",
    "Ana",
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
    "Müller",
]
_INSTITUTIONS = [
    "University of Example",
    "Institute of Imaginary Technology",
    "Fictional AI Lab",
    "Nowhere Research",
]
_OPENREVIEW_VENUES = {
    1: [
        "ICLR 2023 poster",
        "ICLR 2022 spotlight",
        "NeurIPS 2022 poster",
        "ICLR 2023 notable top 25%",
    ],
    2: ["ICLR 2024 poster", "NeurIPS 2024 poster", "ICML 2023 oral", "ICLR 2025 spotlight"],
}
_PUBLISHERS = [
    "https://aclanthology.org/{year}.acl-long.{n}/",
    "https://ieeexplore.ieee.org/document/{n}",
    "https://proceedings.mlr.press/v{n}/paper.html",
    "https://dl.acm.org/citation.cfm?id={n}",
]
_KEYWORDS = [
    "sparse_pruning",
    "quantization",
    "kv_cache_sparse",
    "low_rank",
    "efficient_training",
    "deployment",
]


@dataclass
class Needs:
    """What the catalog strictly needs from each API (the floor is computed from these)."""

    papers: int = 0
    arxiv_ids: int = 0  # distinct arXiv ids in paper links
    openreview_ids: int = 0  # distinct OpenReview note ids in paper links
    openreview_v1_only: int = 0  # of those, notes only API 1 holds (one request each there)
    s2_by_id: int = (
        0  # papers Semantic Scholar can look up in a batch (arXiv id or DOI in the link)
    )
    s2_by_title: int = 0  # papers it can only find by a title search
    repos: int = 0  # distinct GitHub repositories in code links
    renamed_repos: int = 0
    huggingface: int = 0  # new-style arXiv links without a code link: one Hugging Face request each
    openalex_dois: int = (
        0  # DOIs OpenAlex is asked for (the arXiv DOI of arXiv links, doi.org links)
    )


@dataclass
class Generated:
    world: World
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> content
    needs: Needs = field(default_factory=Needs)


def _coined(index: int) -> str:
    """A unique made-up method name for paper `index` (keeps titles distinct)."""
    parts, value = [], index + 7
    while True:
        value, digit = divmod(value, len(_SYLLABLES))
        parts.append(_SYLLABLES[digit])
        if value == 0:
            break
    return "".join(parts).capitalize() + ("GPT" if index % 7 == 0 else "")


def _title(rng: random.Random, index: int) -> str:
    name = _coined(index)
    body = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} for {rng.choice(_OBJECTS)} {rng.choice(_PHRASES)}"
    return f"{name}: {body}" if rng.random() < 0.7 else f"{body} with {name}"


def _abstract(rng: random.Random, title: str) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(120, 230))]
    sentences, start = [], 0
    while start < len(words):
        end = start + rng.randint(12, 25)
        sentences.append(" ".join(words[start:end]).capitalize() + ".")
        start = end
    return f"We present {title.split(':')[0]}. " + " ".join(sentences)


def _authors(rng: random.Random) -> list[str]:
    return [f"{rng.choice(_FIRST)} {rng.choice(_LAST)}" for _ in range(rng.randint(2, 8))]


def _arxiv_url(rng: random.Random, arxiv_id: str, version: int) -> str:
    scheme = "http" if rng.random() < 0.1 else "https"
    form = rng.randrange(6)
    v = f"v{rng.randint(1, version)}"
    return {
        0: f"{scheme}://arxiv.org/abs/{arxiv_id}",
        1: f"{scheme}://arxiv.org/abs/{arxiv_id}{v}",
        2: f"{scheme}://arxiv.org/pdf/{arxiv_id}.pdf",
        3: f"{scheme}://arxiv.org/pdf/{arxiv_id}",
        4: f"{scheme}://arxiv.org/pdf/{arxiv_id}{v}",
        5: f"{scheme}://arxiv.org/pdf/{arxiv_id}{v}.pdf",
    }[form]


def _openreview_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([9, 10, 11])))


def generate_world(n: int, seed: int = SEED) -> Generated:
    """The catalog files (relative path -> bytes) and the World behind them, deterministic in (n, seed)."""
    rng = random.Random(seed * 1_000_003 + n)
    n_arxiv = round(n * ARXIV_SHARE)
    n_openreview = round(n * OPENREVIEW_SHARE)
    kinds = (
        ["arxiv"] * n_arxiv
        + ["openreview"] * n_openreview
        + ["other"] * (n - n_arxiv - n_openreview)
    )
    rng.shuffle(kinds)
    papers, repos, files = [], [], {}
    needs = Needs(papers=n)
    arxiv_serial: dict[str, int] = {}
    old_serial = 0
    used_names: set[str] = set()
    for index, kind in enumerate(kinds):
        year = rng.choice([2019, 2020, 2021, 2022, 2023, 2023, 2024, 2024, 2024, 2025])
        title = _title(rng, index)
        authors = _authors(rng)
        seed_int = stable_int(title)
        paper = Paper(
            title=title,
            abstract=_abstract(rng, title),
            authors=authors,
            year=year,
            s2_id=stable_hex("s2:" + title),
            citation_count=seed_int % 900,
            influential_citation_count=seed_int % 40,
            tldr=f"A simple way to make {title.split(':')[-1].strip().lower()}."
            if seed_int % 5 < 2
            else None,
        )
        info = paper_pb2.PaperInfo()
        info.paper.title = title
        info.pub.year = year
        arxiv_id = None
        if kind in ("arxiv", "openreview") and (kind == "arxiv" or rng.random() < 0.15):
            if kind == "arxiv" and rng.random() < 0.003:  # an old-style id (before 2007)
                old_serial += 1
                arxiv_id = f"cs/06{old_serial % 12 + 1:02d}{old_serial:03d}"
                year = paper.year = info.pub.year = 2006
            else:
                month = rng.randint(1, 12)
                prefix = f"{year % 100:02d}{month:02d}"
                arxiv_serial[prefix] = arxiv_serial.get(prefix, 0) + 1 + rng.randrange(7)
                arxiv_id = f"{prefix}.{arxiv_serial[prefix]:05d}"
            paper.arxiv_id = arxiv_id
            paper.arxiv_version = rng.choice([1, 1, 2, 2, 3, 4])
            if rng.random() < 0.3:
                paper.affiliations = [
                    [rng.choice(_INSTITUTIONS)] if rng.random() < 0.7 else [] for _ in authors
                ]
            if rng.random() < 0.2:
                paper.doi = f"10.{1000 + seed_int % 9000}/bench.{index}"
        if kind == "arxiv":
            info.paper.url = _arxiv_url(rng, arxiv_id, paper.arxiv_version)
            info.pub.where = rng.choice(
                ["arXiv", "arXiv", "arXiv", "NeurIPS", "ICML", "CVPR", "ACL"]
            )
            needs.arxiv_ids += 1
            needs.s2_by_id += 1
        elif kind == "openreview":
            api = 1 if rng.random() < 0.5 else 2
            paper.openreview_id, paper.openreview_api = _openreview_id(rng), api
            paper.venue = rng.choice(_OPENREVIEW_VENUES[api])
            info.paper.url = f"https://openreview.net/{rng.choice(['forum', 'forum', 'pdf'])}?id={paper.openreview_id}"
            info.pub.where = paper.venue.split()[0]
            needs.openreview_ids += 1
            needs.openreview_v1_only += api == 1
            needs.s2_by_title += 1
        else:
            info.pub.where = rng.choice(["CVPR", "ACL", "Nature", "MLSys", "DAC"])
            roll = rng.random()
            if roll < 0.4:
                paper.doi = f"10.{1000 + seed_int % 9000}/bench.{index}"
                info.paper.url = f"https://doi.org/{paper.doi}"
                needs.s2_by_id += 1
            else:
                if roll < 0.75:
                    info.paper.url = rng.choice(_PUBLISHERS).format(year=year, n=1000 + index)
                needs.s2_by_title += 1
        _placeholders(rng, info, title, authors)
        if rng.random() < GITHUB_SHARE:
            owner = (
                rng.choice(_LAST).replace("ü", "ue")
                + rng.choice(["", "-Lab", "Group", "AI"])
                + str(index % 97)
            )
            name = _coined(index).lower() + rng.choice(["", "-code", "_official", "-pytorch"])
            repo = Repo(
                f"{owner}/{name}",
                stars=seed_int % 5000,
                forks=seed_int % 700,
                pushed_at=f"{year}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T08:00:00Z",
                archived=rng.random() < 0.05,
                license=rng.choice(["MIT", "Apache-2.0", "BSD-3-Clause", None]),
            )
            linked = repo.full_name
            if rng.random() < RENAMED_SHARE:
                linked = f"{owner}/{name}-old"
                repo.old_names.append(linked)
                needs.renamed_repos += 1
            repos.append(repo)
            needs.repos += 1
            info.code.type = rng.choice(["Pytorch", "PyTorch", "JAX", "TensorFlow"])
            info.code.url = rng.choice(
                [
                    f"https://github.com/{linked}",
                    f"https://github.com/{linked}/",
                    f"https://github.com/{linked}.git",
                    f"https://github.com/{linked}/tree/main",
                ]
            )
        # Hugging Face and OpenAlex (no random draws: the rest of the world stays as it was).
        if kind == "arxiv" and not info.code.url and "/" not in (arxiv_id or ""):
            needs.huggingface += 1
            paper.hf_indexed = seed_int % 3 == 0
        if kind == "arxiv" or info.paper.url.startswith("https://doi.org/"):
            needs.openalex_dois += 1
            paper.openalex_indexed = True
            paper.cited_by_count = seed_int % 1000
        papers.append(paper)
        path = f"{year}/{_file_name(rng, info, index, used_names)}.prototxt"
        files[path] = _printed(rng, info)
    files["search/search_words.prototxt"] = (
        b'background_words: "sparse"\nkey_words: "pruning"\nexclude_words: "survey"\n'
    )
    return Generated(World(papers=papers, repos=repos), files, needs)


def _placeholders(
    rng: random.Random, info: paper_pb2.PaperInfo, title: str, authors: list[str]
) -> None:
    """The template's leftovers, in the proportions a real catalog has them."""
    roll = rng.random()
    abbr = title.split(":")[0] if ":" in title else ""
    if roll < 0.35:  # the untouched template
        info.paper.abbr = "abbr"
        info.paper.authors.extend(["Name1", "Name2"])
        info.paper.institutions.extend(["inst1", "inst2"])
    elif roll < 0.45:
        info.paper.abbr = ""
    elif roll < 0.50:  # curated, one string: must be left alone
        info.paper.abbr = abbr
        info.paper.authors.append(", ".join(authors[:3]))
    else:
        info.paper.abbr = abbr
    if rng.random() < 0.05:
        info.note.url = f"notes/{abbr.lower() or 'paper'}/note.md"
        info.cover.url = f"notes/{abbr.lower() or 'paper'}/cover.jpg"
    if rng.random() < 0.5:
        info.keyword.words.extend(
            paper_pb2.Keyword.Word.Value(w) for w in rng.sample(_KEYWORDS, rng.randint(1, 2))
        )


def _file_name(rng: random.Random, info: paper_pb2.PaperInfo, index: int, used: set[str]) -> str:
    roll = rng.random()
    if roll < 0.70:
        name = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(8))
    elif roll < 0.98:
        name = info.paper.abbr if info.paper.abbr not in ("", "abbr") else _coined(index)
    else:
        name = f"{_coined(index)}-Týr-the-Prüner"
    while f"{info.pub.year}/{name}" in used:
        name += f"-{index}"
    used.add(f"{info.pub.year}/{name}")
    return name


def _printed(rng: random.Random, info: paper_pb2.PaperInfo) -> bytes:
    text = text_format.MessageToString(info, as_utf8=True)
    roll = rng.random()
    if roll < 0.01:
        text = text.replace("\n", " \n", 1)  # a trailing space
    elif roll < 0.02:
        text = text.rstrip("\n")  # no final newline
    return text.encode("utf-8")


def write_catalog(generated: Generated, root: Path) -> None:
    for relative, content in generated.files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def floor_requests(needs: Needs, openreview_batch: int = 50) -> dict[str, int]:
    """The fewest requests each API's batch limits allow (OpenReview: logins + API 2 batches + API 1 singles)."""
    return {
        "arxiv": math.ceil(needs.arxiv_ids / 100),
        "semantic_scholar": math.ceil(needs.s2_by_id / 500) + needs.s2_by_title,
        "openreview": (
            (1 + math.ceil(needs.openreview_ids / openreview_batch)) if needs.openreview_ids else 0
        )
        + ((1 + needs.openreview_v1_only) if needs.openreview_v1_only else 0),
        "github": math.ceil(needs.repos / 100),
        "huggingface": needs.huggingface,  # no batch endpoint: one paper a request
        "openalex": math.ceil(needs.openalex_dois / 100),
    }


if __name__ == "__main__":
    count, folder = int(sys.argv[1]), Path(sys.argv[2])
    made = generate_world(count)
    write_catalog(made, folder)
    print(made.needs)
