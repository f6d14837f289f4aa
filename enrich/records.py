"""Typed records passed between stages: what a source says, and what a run found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from enrich.ids import (
    acl_id_from_url,
    arxiv_id_from_url,
    doi_from_url,
    github_repo_from_url,
    openreview_id_from_url,
)
from enrich.schema import paper_pb2


@dataclass(frozen=True)
class PaperRecord:
    """What one source says about one paper."""

    source: str
    title: str
    abstract: str = ""
    authors: tuple[str, ...] = ()
    institutions: tuple[str, ...] = ()
    year: int | None = None
    arxiv_id: str = ""
    openreview_id: str = ""
    semantic_scholar_id: str = ""
    doi: str = ""
    venue: str = ""
    tldr: str = ""
    citation_count: int | None = None
    influential_citation_count: int | None = None
    comment: str = (
        ""  # arXiv's author comment ("ICLR 2023. Code: github.com/…"): a code candidate's place
    )
    code: str = ""  # OpenReview's code field, where a venue has one

    def to_json(self) -> dict[str, Any]:
        # Flat fields (strings, numbers, tuples of strings): a shallow copy is what asdict's deep
        # one gives, in a fraction of the time (20,000 records go to the cache each night).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PaperRecord:
        """Inverse of to_json; raises TypeError/ValueError on a malformed payload."""
        names = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in names}
        values["authors"] = tuple(str(a) for a in values.get("authors", ()))
        values["institutions"] = tuple(str(a) for a in values.get("institutions", ()))
        return cls(**values)


@dataclass(frozen=True)
class RepoRecord:
    """A repository as its host reports it."""

    full_name: str  # canonical owner/name (after renames)
    url: str
    stars: int
    forks: int
    pushed_at: str = ""
    archived: bool = False
    license: str = ""

    @property
    def repo(self) -> RepoRecord:
        """The value of the `repo` field a repository host offers: the whole record."""
        return self

    def to_json(self) -> dict[str, Any]:
        # Flat fields (strings, numbers, tuples of strings): a shallow copy is what asdict's deep
        # one gives, in a fraction of the time (20,000 records go to the cache each night).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepoRecord:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Entry:
    """One catalog file holding a PaperInfo."""

    path: str  # as given by the catalog walk, for messages
    info: paper_pb2.PaperInfo


# Enrichment's string fields named *_id, and doi, in field-number order (as ListFields gives
# them): read by name rather than by listing every field of 20,000 entries, abstracts and all.
_BY_NUMBER = paper_pb2.Enrichment.DESCRIPTOR.fields_by_number
_STORED_IDS = tuple(
    _BY_NUMBER[number].name
    for number in sorted(_BY_NUMBER)
    if _BY_NUMBER[number].type == FieldDescriptor.TYPE_STRING
    and (_BY_NUMBER[number].name.endswith("_id") or _BY_NUMBER[number].name == "doi")
)


@dataclass(frozen=True)
class EntryView:
    """What a source sees of an entry: the curator's title, year and links (with the ids
    they carry) and the ids earlier runs stored. Not the protobuf: sources never read it."""

    path: str
    title: str
    year: int | None = None
    paper_url: str = ""
    code_url: str = ""
    arxiv_id: str | None = None  # from the paper link, without version
    openreview_id: str | None = None  # from the paper link
    doi: str | None = None  # from the paper link (a doi.org URL or a publisher page)
    acl_id: str | None = None  # from the paper link (ACL Anthology)
    github_repo: str | None = None  # "owner/name" from the code link
    # Ids written by earlier runs: enrichment's string fields named *_id, and doi.
    stored: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, entry: Entry) -> EntryView:
        info = entry.info
        paper_url, code_url = info.paper.url, info.code.url
        enrichment = info.enrichment
        stored = {
            name: getattr(enrichment, name) for name in _STORED_IDS if enrichment.HasField(name)
        }
        return cls(
            path=entry.path,
            title=info.paper.title,
            year=info.pub.year or None,
            paper_url=paper_url,
            code_url=code_url,
            arxiv_id=arxiv_id_from_url(paper_url),
            openreview_id=openreview_id_from_url(paper_url),
            doi=doi_from_url(paper_url),
            acl_id=acl_id_from_url(paper_url),
            github_repo=github_repo_from_url(code_url) if code_url else None,
            stored=stored,
        )
