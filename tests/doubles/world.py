"""The small in-memory "world" every test double answers from.

Doubles read the world at request time, so a test may change a value between two runs
and the next answer carries the new value.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field


@dataclass
class Paper:
    """One paper as the APIs know it (each API shows the fields it has)."""

    title: str
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    affiliations: list[list[str]] = field(
        default_factory=list
    )  # per author, arXiv <arxiv:affiliation>; may be empty
    year: int = 2023
    arxiv_id: str | None = None  # without version, e.g. "2301.00774" or "cs/0601001"
    arxiv_version: int = 1  # latest version
    openreview_id: str | None = None
    openreview_api: int = (
        2  # 1 or 2: which OpenReview API holds the note (the other API does not have it)
    )
    venue: str = ""  # e.g. "ICLR 2023 poster" (OpenReview) / S2 venue
    doi: str | None = None
    acl_id: str | None = (
        None  # ACL Anthology id, e.g. "2023.acl-long.1" (Semantic Scholar's externalIds.ACL)
    )
    s2_id: str | None = None  # 40-hex Semantic Scholar paperId; None = unknown to Semantic Scholar
    citation_count: int = 0
    influential_citation_count: int = 0
    tldr: str | None = None
    # Semantic Scholar has real papers with `year` and `publicationDate` null and `authors: []`.
    s2_dated: bool = True  # False: S2 answers year and publicationDate null
    s2_authors_listed: bool = True  # False: S2 answers authors []
    arxiv_comment: str | None = (
        None  # arXiv's <arxiv:comment>; None = the double's usual "N pages, M figures"
    )
    code: str | None = None  # OpenReview's content.code (some venues have it)
    openreview_readable: bool = True  # False: the note answers 403 ForbiddenError
    # Hugging Face papers (GET /api/papers/{arxiv_id}): only arXiv papers, only when indexed.
    hf_indexed: bool = False
    hf_github_repo: str | None = (
        None  # githubRepo; None = the key is absent (as in the recorded sample)
    )
    hf_github_stars: int | None = None
    # OpenAlex (GET /works?filter=doi:…): the work under `doi`, or under the arXiv DOI for arXiv papers.
    openalex_indexed: bool = False
    openalex_institutions: list[list[str]] | None = (
        None  # per author; None = the arXiv affiliations
    )
    openalex_venue: str = (
        ""  # primary_location.source.display_name; "" = arXiv for arXiv papers, else none
    )
    openalex_venue_type: str = "conference"  # source.type when openalex_venue is set
    cited_by_count: int | None = None  # None = the key is absent


@dataclass
class Repo:
    """One GitHub repository."""

    full_name: str  # canonical "Owner/Name"
    stars: int = 0
    forks: int = 0
    pushed_at: str = "2024-01-01T00:00:00Z"
    archived: bool = False
    license: str | None = "MIT"  # spdx id or None
    id: int = 0  # numeric repository id (assigned automatically if 0)
    old_names: list[str] = field(
        default_factory=list
    )  # previous "owner/name"s that now redirect (rename)


@dataclass
class World:
    """Everything the doubles know."""

    papers: list[Paper] = field(default_factory=list)
    repos: list[Repo] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ensure_repo_ids()

    def ensure_repo_ids(self) -> None:
        """Give every repo with id 0 a stable, unique numeric id (repos may be added later)."""
        if all(repo.id for repo in self.repos):  # every answer asks: keep it cheap
            return
        taken = {repo.id for repo in self.repos if repo.id}
        for repo in self.repos:
            if repo.id:
                continue
            candidate = 100_000_000 + stable_int(repo.full_name.lower()) % 900_000_000
            while candidate in taken:
                candidate += 1
            repo.id = candidate
            taken.add(candidate)


@functools.lru_cache(maxsize=None)  # the doubles derive the same ids at every answer
def stable_int(text: str) -> int:
    """A deterministic integer derived from text (Python's hash() is salted per process)."""
    return int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:12], 16)


def stable_hex(text: str, length: int = 40) -> str:
    """A deterministic lower-case hex string derived from text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:length]


def corpus_id(paper: Paper) -> int:
    """The Semantic Scholar CorpusId derived from the paper's paperId."""
    return 1_000_000 + stable_int(paper.s2_id or paper.title) % 260_000_000


def publication_date(paper: Paper) -> str:
    """A stable first-publication date (YYYY-MM-DD) inside the paper's year."""
    seed = stable_int(paper.title)
    return f"{paper.year:04d}-{seed % 12 + 1:02d}-{seed // 12 % 28 + 1:02d}"


def last_name(author: str) -> str:
    """The last word of an author's name, as paperhash and DBLP keys use it."""
    parts = author.split()
    return parts[-1] if parts else "anonymous"
