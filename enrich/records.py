"""Typed records passed between stages: what a source says, and what a run found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

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

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "PaperRecord":
        """Inverse of to_json; raises TypeError/ValueError on a malformed payload."""
        names = {f.name for f in fields(cls)}
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

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RepoRecord":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(frozen=True)
class Entry:
    """One catalog file holding a PaperInfo."""

    path: str  # as given by the catalog walk, for messages
    info: paper_pb2.PaperInfo
