"""Discovery in a run: from this run's source answers, per entry, a venue update, a code
repository (confirmed by the repository host in a second, batched pass) and the suggestions
to report; then applied to the merged entry. The decisions are enrich/discovery.py's.

No source is named here: records are read by what they carry (`venue`, `github_repo`,
`code`, `comment`, `abstract`, ids), and the repository host is the source that offers `repo`.
Every value comes from a record whose title matches the entry's (the same check as a link's);
values land where the curator left a placeholder or nothing, or in `pub` / `code.url` only
with --apply-venues / --apply-code."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from enrich.discovery import (
    CodeChoice,
    VenueFinding,
    VenueUpdate,
    choose_code,
    code_candidates,
    duplicate_groups,
    is_peer_reviewed,
    learn_venue_names,
    paper_keys,
    venue_update,
)
from enrich.match import titles_compatible
from enrich.merge import ABSENT, FOUND, Finding, Merged
from enrich.records import Entry, EntryView, RepoRecord
from enrich.sources.base import Query, Source, SourceResult

Lookups = Mapping[str, Mapping[str, Query]]


@dataclass(frozen=True)
class Discovered:
    """What discovery found for one entry."""

    venue: VenueUpdate | None = None
    venue_text: str = ""  # the venue as the first source naming it wrote it
    code: CodeChoice | None = None
    repo: RepoRecord | None = None  # the host's record of the chosen repository


@dataclass
class Discoveries:
    """Discovery for a whole run: per entry path, and the confirmation pass's result (for the report)."""

    by_path: dict[str, Discovered] = field(default_factory=dict)
    github: SourceResult | None = None


def repository_host(sources: Mapping[str, Source]) -> str | None:
    """The source that offers `repo` (GitHub): it confirms code candidates."""
    return next((name for name, source in sources.items() if "repo" in source.offers), None)


def records_for(
    path: str, lookups: Lookups, results: Mapping[str, SourceResult], title: str
) -> dict[str, Any]:
    """Each source's record for the entry (in source order), when it answered and its title is the entry's."""
    found = {}
    for name, result in results.items():
        query = lookups.get(name, {}).get(path)
        record = result.records.get(query.key) if query is not None else None
        record_title = getattr(record, "title", None)
        if (
            record is not None
            and isinstance(record_title, str)
            and titles_compatible(title, record_title)
        ):
            found[name] = record
    return found


def matched_records(
    entries: Sequence[Entry], lookups: Lookups, results: Mapping[str, SourceResult]
) -> dict[str, dict[str, Any]]:
    """records_for every entry, by path: discovery and duplicates both read them."""
    return {
        entry.path: records_for(entry.path, lookups, results, entry.info.paper.title)
        for entry in entries
    }


def _text(records: Mapping[str, Any], attribute: str) -> str:
    return " ".join(str(getattr(record, attribute, "") or "") for record in records.values())


def discover(
    entries: Sequence[Entry],
    lookups: Lookups,
    results: Mapping[str, SourceResult],
    confirm: Callable[[list[str]], SourceResult] | None,
    matched: Mapping[str, Mapping[str, Any]] | None = None,
) -> Discoveries:
    """Venue updates and code for every entry; `confirm(['owner/name', …])` asks the repository
    host about every code candidate in one batched fetch (None: not asked this run, nothing confirmed)."""
    names = learn_venue_names(entry.info.pub.where for entry in entries)
    venues: dict[str, tuple[VenueUpdate | None, str]] = {}
    candidates: dict[str, list[str]] = {}
    for entry in entries:
        records = (
            matched[entry.path]
            if matched is not None
            else records_for(entry.path, lookups, results, entry.info.paper.title)
        )
        findings = [
            VenueFinding(name, record.venue, getattr(record, "year", None))
            for name, record in records.items()
            if isinstance(getattr(record, "venue", None), str) and record.venue
        ]
        where = entry.info.pub.where if entry.info.pub.HasField("where") else ""
        update = venue_update(where, findings, names)
        text = next((f.venue for f in findings if update and f.source in update.sources), "")
        venues[entry.path] = (update, text)
        if not entry.info.code.url.strip():
            found = code_candidates(
                huggingface_repo=next(
                    (r.github_repo for r in records.values() if getattr(r, "github_repo", "")), ""
                ),
                arxiv_comment=_text(records, "comment"),
                arxiv_abstract=_text(records, "abstract"),
                openreview_code=_text(records, "code"),
            )
            if found:
                candidates[entry.path] = found
    wanted = sorted({c for found in candidates.values() for c in found})
    host = confirm(wanted) if confirm is not None and wanted else None
    discoveries = Discoveries(github=host)
    for entry in entries:
        update, text = venues[entry.path]
        found = candidates.get(entry.path, [])
        confirmed: dict[str, str | None] = {}
        if host is not None:
            for candidate in found:
                if candidate in host.records:
                    confirmed[candidate] = host.records[candidate].full_name
                elif candidate in host.not_found:
                    confirmed[candidate] = None
        choice = choose_code(found, confirmed) if found else None
        repo = (
            host.records.get(found[0])
            if choice is not None and choice.repo and host is not None
            else None
        )
        discoveries.by_path[entry.path] = Discovered(update, text, choice, repo)
    return discoveries


def amend(
    findings: list[Finding], discovered: Discovered | None, sources: Mapping[str, Source]
) -> list[Finding]:
    """The merge's findings with a chosen repository as the host's answer for an entry that had
    no code link, so it is written like any repository (enrichment.repo, stars and all)."""
    host = repository_host(sources)
    if discovered is None or discovered.repo is None or host is None:
        return findings
    offers = sources[host].offers
    return [
        Finding(host, FOUND, discovered.repo, offers)
        if f.source == host and f.status == ABSENT
        else f
        for f in findings
    ]


def apply(
    merged: Merged, discovered: Discovered | None, apply_venues: bool, apply_code: bool
) -> list[str]:
    """Write what discovery found into the merged entry; returns the suggestions to report."""
    if discovered is None:
        return []
    info, suggestions = merged.info, []
    update = discovered.venue
    if update is not None:
        enrichment = info.enrichment
        if discovered.venue_text and not is_peer_reviewed(enrichment.venue):
            had = enrichment.HasField("venue")
            enrichment.venue = discovered.venue_text
            merged.changes.append(f"venue {'updated' if had else 'added'}")
        if update.year and enrichment.venue_year != update.year:
            enrichment.venue_year = update.year
            merged.changes.append(f"venue_year {update.year}")
        where = f"{update.where} {update.year or ''}".strip()
        agree = ", ".join(update.sources)
        if apply_venues and update.agreed:
            if info.pub.where != update.where or (update.year and info.pub.year != update.year):
                info.pub.where = update.where
                if update.year:
                    info.pub.year = update.year
                merged.changes.append(f"pub set to {where} (--apply-venues; {agree} agree)")
        elif update.agreed:
            suggestions.append(f"venue: pub {where} ({agree} agree; --apply-venues applies it)")
        else:
            why = (
                f"; {', '.join(update.conflict)} disagree"
                if update.conflict
                else "; one source only"
            )
            suggestions.append(f"venue: pub {where}? ({agree}{why}: check by hand)")
    choice = discovered.code
    if choice is not None and choice.repo and discovered.repo is not None:
        if apply_code and not info.code.url.strip():
            info.code.url = discovered.repo.url
            merged.changes.append(f"code.url set to {discovered.repo.url} (--apply-code)")
        elif not apply_code:
            suggestions.append(
                f"code: {discovered.repo.url} (confirmed by GitHub; --apply-code writes it to code.url)"
            )
    elif choice is not None and choice.suggestions:
        listed = ", ".join(f"https://github.com/{name}" for name in choice.suggestions)
        what = "candidates" if len(choice.suggestions) > 1 else "candidate, not confirmed by GitHub"
        suggestions.append(f"code {what}: {listed}")
    return suggestions


def _stored_keys(entry: Entry) -> set[str]:
    stored = entry.info.enrichment
    return paper_keys(stored.arxiv_id, stored.openreview_id, stored.doi, stored.semantic_scholar_id)


def link_keys(view: EntryView, entry: Entry) -> tuple[str, ...]:
    """The paper ids the entry's links carry that the ids earlier runs stored do not already
    give (usually none: kept for the whole run, so kept small)."""
    found = paper_keys(view.arxiv_id or "", view.openreview_id or "", view.doi or "")
    return tuple(sorted(found - _stored_keys(entry))) if found else ()


def duplicates(
    entries: Sequence[Entry],
    lookups: Lookups,
    results: Mapping[str, SourceResult],
    matched: Mapping[str, Mapping[str, Any]] | None = None,
    links: Mapping[str, tuple[str, ...]] | None = None,
) -> list[tuple[str, list[str]]]:
    """Entries that resolve to the same paper (same arXiv, OpenReview, DOI or Semantic Scholar id,
    from their links, earlier runs or this run's answers): (the id they share, the paths).
    `matched` (matched_records) spares finding each entry's records again; `links` (link_keys by
    path, from run.lookups_for; an entry not in it has none) spares making each entry's view again."""
    keys: dict[str, set[str]] = {}
    for entry in entries:
        found = _stored_keys(entry)
        found.update(
            links.get(entry.path, ())
            if links is not None
            else link_keys(EntryView.of(entry), entry)
        )
        records = (
            matched[entry.path]
            if matched is not None
            else records_for(entry.path, lookups, results, entry.info.paper.title)
        )
        for record in records.values():
            found |= paper_keys(
                *(
                    str(getattr(record, name, "") or "")
                    for name in ("arxiv_id", "openreview_id", "doi", "semantic_scholar_id")
                )
            )
        keys[entry.path] = found
    order = (
        "arxiv:",
        "openreview:",
        "doi:",
        "s2:",
    )  # the id a curator recognises first names the group
    return [
        (
            min(ids, key=lambda k: (next(i for i, p in enumerate(order) if k.startswith(p)), k)),
            list(paths),
        )
        for paths, ids in duplicate_groups(keys)
    ]
