"""Loopback test doubles of arXiv, OpenReview, Semantic Scholar, GitHub, Hugging Face and OpenAlex,
built from a World.

Each double is a real HTTP server on 127.0.0.1 answering in the shapes recorded under
tests/data/api-samples (a verbatim copy, with source notes); faults are switched per test with `double.inject(Fault....)`.
"""

from .arxiv_double import ArxivDouble
from .base import Answer, DoubleServer
from .faults import Fault, Recorded
from .fixtures import Doubles, start_doubles
from .github_double import GitHubDouble
from .huggingface_double import HuggingFaceDouble
from .openalex_double import OpenAlexDouble
from .openreview_double import OpenReviewDouble
from .seed_world import seed_world
from .semanticscholar_double import SemanticScholarDouble
from .world import Paper, Repo, World, corpus_id

__all__ = [
    "Answer",
    "ArxivDouble",
    "DoubleServer",
    "Doubles",
    "Fault",
    "GitHubDouble",
    "HuggingFaceDouble",
    "OpenAlexDouble",
    "OpenReviewDouble",
    "Paper",
    "Recorded",
    "Repo",
    "SemanticScholarDouble",
    "World",
    "corpus_id",
    "seed_world",
    "start_doubles",
]
