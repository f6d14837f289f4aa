"""The record every view is rendered from: one `Paper` per catalog entry, built from the
curated fields, the enrichment block and the count history. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from google.protobuf.message import Message

from enrich.records import Entry
from enrich.schema import paper_pb2

_AUTHOR_PLACEHOLDER = re.compile(r"^Name\d*$")
_INSTITUTION_PLACEHOLDER = re.compile(r"^inst\d*$")
ABBR_PLACEHOLDER = "abbr"
KEYWORD_NONE = "none"  # the schema's "no keyword" value: never a group
# The schema's keyword names in the schema's order (the grouped list follows it).
KEYWORDS: tuple[str, ...] = tuple(
    value.name for value in paper_pb2.Keyword.Word.DESCRIPTOR.values if value.name != KEYWORD_NONE
)

Point = tuple[str, int]  # (YYYY-MM-DD, count)


@dataclass(frozen=True)
class Series:
    """A paper's count history, oldest first: one point per day the count changed."""

    citations: tuple[Point, ...] = ()
    influential_citations: tuple[Point, ...] = ()
    stars: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Repo:
    """The paper's code repository as the host last reported it."""

    url: str
    stars: int | None
    stars_changed: str | None
    forks: int | None
    forks_changed: str | None
    pushed_at: str | None
    archived: bool | None
    license: str | None
    dead: bool  # the host answered "not found": the link is dead (the counts are the last seen)


@dataclass(frozen=True)
class Paper:
    """One catalog entry as readers see it; None is unknown (never shown as 0)."""

    key: str  # path in the catalog without ".prototxt" (unique; the history's key)
    id: str  # file stem
    path: str  # relative to the catalog folder, POSIX
    title: str
    abbr: str  # "" when absent or the template placeholder
    url: str
    authors: tuple[str, ...]  # without placeholders
    institutions: tuple[str, ...]  # without placeholders
    year: int | None
    venue: str  # pub.where, "" when absent
    keywords: tuple[str, ...]  # schema names, without "none"
    code_type: str
    code_url: str
    note_url: str
    cover_url: str
    abstract: str | None
    tldr: str | None
    arxiv_id: str | None
    openreview_id: str | None
    semantic_scholar_id: str | None
    doi: str | None
    venue_detail: str | None  # the venue a source reports, e.g. "ICLR 2023 poster"
    citations: int | None
    citations_changed: str | None
    influential_citations: int | None
    influential_citations_changed: str | None
    repo: Repo | None
    history: Series = field(default_factory=Series)

    @property
    def group_authors(self) -> tuple[str, ...]:
        """Author names for the author list: a curated one-string list "A, B, C" counts as three."""
        names = (part.strip() for author in self.authors for part in author.split(","))
        return tuple(dict.fromkeys(name for name in names if name))


def _text(message: Message, name: str) -> str | None:
    return (
        getattr(message, name) if message.HasField(name) and getattr(message, name) != "" else None
    )


def _number(message: Message, name: str) -> int | None:
    return getattr(message, name) if message.HasField(name) else None


def paper_from_entry(entry: Entry, relative_path: str, history: Series | None = None) -> Paper:
    """The Paper for one entry; `relative_path` is the entry's path inside the catalog (POSIX)."""
    info = entry.info
    enrichment = info.enrichment
    repo = None
    if info.HasField("enrichment") and enrichment.HasField("repo"):
        found = enrichment.repo
        repo = Repo(
            url=found.url or info.code.url,
            stars=_number(found, "stars"),
            stars_changed=_text(found, "stars_changed"),
            forks=_number(found, "forks"),
            forks_changed=_text(found, "forks_changed"),
            pushed_at=_text(found, "pushed_at"),
            archived=found.archived if found.HasField("archived") else None,
            license=_text(found, "license"),
            dead=found.not_found,
        )
    abbr = info.paper.abbr.strip()
    pure = PurePosixPath(relative_path)
    return Paper(
        key=str(pure.with_suffix("")) if pure.suffix == ".prototxt" else str(pure),
        id=pure.stem,
        path=relative_path,
        title=info.paper.title.strip(),
        abbr="" if abbr == ABBR_PLACEHOLDER else abbr,
        url=info.paper.url.strip(),
        authors=tuple(
            a.strip()
            for a in info.paper.authors
            if a.strip() and not _AUTHOR_PLACEHOLDER.match(a.strip())
        ),
        institutions=tuple(
            i.strip()
            for i in info.paper.institutions
            if i.strip() and not _INSTITUTION_PLACEHOLDER.match(i.strip())
        ),
        year=info.pub.year if info.pub.HasField("year") else None,
        venue=info.pub.where.strip() if info.pub.HasField("where") else "",
        keywords=tuple(
            dict.fromkeys(
                paper_pb2.Keyword.Word.Name(word)
                for word in info.keyword.words
                if paper_pb2.Keyword.Word.Name(word) != KEYWORD_NONE
            )
        ),
        code_type=(info.code.type.strip() or "code") if info.code.url.strip() else "",
        code_url=info.code.url.strip(),
        note_url=info.note.url.strip()
        if info.HasField("note") and info.note.HasField("url")
        else "",
        cover_url=info.cover.url.strip(),
        abstract=_text(enrichment, "abstract"),
        tldr=_text(enrichment, "tldr"),
        arxiv_id=_text(enrichment, "arxiv_id"),
        openreview_id=_text(enrichment, "openreview_id"),
        semantic_scholar_id=_text(enrichment, "semantic_scholar_id"),
        doi=_text(enrichment, "doi"),
        venue_detail=_text(enrichment, "venue"),
        citations=_number(enrichment, "citation_count"),
        citations_changed=_text(enrichment, "citation_count_changed"),
        influential_citations=_number(enrichment, "influential_citation_count"),
        influential_citations_changed=_text(enrichment, "influential_citation_count_changed"),
        repo=repo,
        history=history or Series(),
    )


def papers_from_entries(
    entries: Iterable[tuple[Entry, str]], history: Mapping[str, Series] | None = None
) -> list[Paper]:
    """Papers for (entry, path in the catalog) pairs, in the catalog's stable order (by path)."""
    history = history or {}
    papers = []
    for entry, relative in entries:
        paper = paper_from_entry(entry, relative)
        if paper.key in history:
            paper = paper_from_entry(entry, relative, history[paper.key])
        papers.append(paper)
    return sorted(papers, key=lambda paper: paper.path)


def reading_order(paper: Paper) -> tuple[Any, ...]:
    """The order of the lists: newest year first (unknown year last), then by title
    (case-insensitive), then by path so equal titles keep a stable order."""
    return (
        -(paper.year if paper.year is not None else -(10**6)),
        paper.title.casefold(),
        paper.title,
        paper.path,
    )
