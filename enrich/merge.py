"""Source records + an entry -> the new entry. Pure; the only place that decides what is written.

Never changes what a curator wrote: outside the `enrichment` block only template
placeholders are filled (authors Name1.., institutions inst1.., abbr "abbr"), and an
absent author/institution list. Nothing is ever erased: a source that failed, was not
found, or points to a different paper leaves the entry's earlier values as they were."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from enrich.match import titles_compatible
from enrich.records import PaperRecord, RepoRecord
from enrich.schema import paper_pb2

_AUTHOR_PLACEHOLDER = re.compile(r"^Name\d*$")
_INSTITUTION_PLACEHOLDER = re.compile(r"^inst\d*$")
_ABBR_RE = re.compile(r"^\s*([^\s:]{2,24})\s*:\s*\S")

# How the source behind the curator's own link (arXiv / OpenReview) answered.
LINK_NONE, LINK_FOUND, LINK_NOT_FOUND, LINK_FAILED = "none", "found", "not_found", "failed"


@dataclass(frozen=True)
class Findings:
    """Everything the sources said about one entry in this run."""

    arxiv: PaperRecord | None = None
    openreview: PaperRecord | None = None
    semantic_scholar: PaperRecord | None = None
    repo: RepoRecord | None = None
    repo_not_found: bool = False
    link_status: str = LINK_NONE


@dataclass
class Merged:
    info: paper_pb2.PaperInfo
    changes: list[str] = field(default_factory=list)  # human-readable, for the report
    mismatches: list[tuple[str, str]] = field(default_factory=list)  # (source, its title)


def placeholder_abbr(title: str) -> str:
    """The short name before a colon ("DFPC: Data flow ..." -> "DFPC"), else ""."""
    match = _ABBR_RE.match(title)
    return match.group(1) if match and re.search(r"[A-Za-z]", match.group(1)) else ""


def _fillable(values, placeholder: re.Pattern) -> bool:
    return all(placeholder.match(v.strip()) for v in values)


def merge(info: paper_pb2.PaperInfo, findings: Findings, today: str) -> Merged:
    """The entry with this run's findings applied (a new message; `info` is not modified)."""
    new = paper_pb2.PaperInfo()
    new.CopyFrom(info)
    merged = Merged(new)
    title = info.paper.title

    def trusted(record: PaperRecord | None) -> PaperRecord | None:
        if record is not None and not titles_compatible(title, record.title):
            merged.mismatches.append((record.source, record.title))
            return None
        return record

    arxiv, openreview, s2 = trusted(findings.arxiv), trusted(findings.openreview), trusted(findings.semantic_scholar)
    linked = arxiv or openreview
    # Semantic Scholar fills text fields only where no better source could: no arXiv/OpenReview
    # link, or that source answered without the value (a failure this run is not "without").
    link_silent = findings.link_status in (LINK_NONE, LINK_NOT_FOUND) or (
        findings.link_status == LINK_FOUND and linked is not None
    )

    if new.paper.abbr == "abbr":
        new.paper.abbr = placeholder_abbr(title)
        merged.changes.append(f"abbr filled: {new.paper.abbr!r}")

    if arxiv:
        _with_date(new, merged, "arxiv", today, lambda: _apply_link(new, merged, arxiv, "arxiv_id"))
    if openreview:
        _with_date(new, merged, "openreview", today, lambda: _apply_link(new, merged, openreview, "openreview_id"))
    if s2:
        _with_date(new, merged, "semantic_scholar", today, lambda: _apply_s2(new, merged, s2, linked, link_silent, today))
    if findings.repo or findings.repo_not_found:
        _with_date(new, merged, "github", today, lambda: _apply_repo(new, merged, findings, today))
    return merged


def _with_date(new: paper_pb2.PaperInfo, merged: Merged, source: str, today: str, apply) -> None:
    before = new.SerializeToString(deterministic=True)
    apply()
    if new.SerializeToString(deterministic=True) != before:
        setattr(new.enrichment.changed, source, today)


def _set(message, name: str, value, merged: Merged, label: str) -> bool:
    if value in (None, "") or (message.HasField(name) and getattr(message, name) == value):
        return False
    had = message.HasField(name)
    setattr(message, name, value)
    merged.changes.append(f"{label} {'updated' if had else 'added'}")
    return True


def _fill_people(new: paper_pb2.PaperInfo, merged: Merged, record: PaperRecord) -> None:
    paper = new.paper
    if record.authors and _fillable(paper.authors, _AUTHOR_PLACEHOLDER) and list(paper.authors) != list(record.authors):
        del paper.authors[:]
        paper.authors.extend(record.authors)
        merged.changes.append(f"authors filled ({len(record.authors)})")
    if record.institutions and _fillable(paper.institutions, _INSTITUTION_PLACEHOLDER) and list(paper.institutions) != list(record.institutions):
        del paper.institutions[:]
        paper.institutions.extend(record.institutions)
        merged.changes.append(f"institutions filled ({len(record.institutions)})")


def _apply_link(new: paper_pb2.PaperInfo, merged: Merged, record: PaperRecord, id_field: str) -> None:
    enrichment = new.enrichment
    _set(enrichment, id_field, getattr(record, id_field), merged, id_field)
    _set(enrichment, "abstract", record.abstract, merged, "abstract")
    _set(enrichment, "doi", record.doi, merged, "doi")
    _set(enrichment, "venue", record.venue, merged, "venue")
    _fill_people(new, merged, record)


def _apply_s2(new, merged: Merged, record: PaperRecord, linked: PaperRecord | None, link_silent: bool, today: str) -> None:
    enrichment = new.enrichment
    _set(enrichment, "semantic_scholar_id", record.semantic_scholar_id, merged, "semantic_scholar_id")
    if not (linked and linked.doi):
        _set(enrichment, "doi", record.doi, merged, "doi")
    if not enrichment.arxiv_id:
        _set(enrichment, "arxiv_id", record.arxiv_id, merged, "arxiv_id")
    if not (linked and linked.venue):
        _set(enrichment, "venue", record.venue, merged, "venue")
    _set(enrichment, "tldr", record.tldr, merged, "tldr")
    _count(enrichment, "citation_count", record.citation_count, merged, today)
    _count(enrichment, "influential_citation_count", record.influential_citation_count, merged, today)
    if link_silent and not (linked and linked.abstract):
        _set(enrichment, "abstract", record.abstract, merged, "abstract")
    if link_silent and not (linked and linked.authors):
        _fill_people(new, merged, record)


def _count(message, name: str, value: int | None, merged: Merged, today: str, changed_name: str | None = None) -> None:
    """Write a count (never an unknown as 0) and the day it changed."""
    if value is None:
        return
    old = getattr(message, name) if message.HasField(name) else None
    if old == value:
        return
    setattr(message, name, value)
    setattr(message, changed_name or f"{name}_changed", today)
    merged.changes.append(f"{name} {value}" if old is None else f"{name} {old} -> {value} ({value - old:+d})")


def _apply_repo(new: paper_pb2.PaperInfo, merged: Merged, findings: Findings, today: str) -> None:
    repo = new.enrichment.repo
    if findings.repo_not_found:
        if not repo.not_found:
            repo.not_found = True
            merged.changes.append("repository not found (link dead?)")
        return
    record = findings.repo
    if repo.HasField("not_found"):
        repo.ClearField("not_found")
        merged.changes.append("repository found again")
    _set(repo, "url", record.url, merged, "repo url")
    _count(repo, "stars", record.stars, merged, today, "stars_changed")
    _count(repo, "forks", record.forks, merged, today, "forks_changed")
    _set(repo, "pushed_at", record.pushed_at, merged, "repo pushed_at")
    if not repo.HasField("archived") or repo.archived != record.archived:
        repo.archived = record.archived
    _set(repo, "license", record.license, merged, "repo license")
