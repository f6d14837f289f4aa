"""Source records + an entry -> the new entry. Pure; the only place that decides what is written.

Never changes what a curator wrote: outside the `enrichment` block only template
placeholders are filled (authors Name1.., institutions inst1.., abbr "abbr"), and an
absent author/institution list. Nothing is ever erased: a source that failed, was not
found, or points to a different paper leaves the entry's earlier values as they were."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from enrich.match import titles_compatible
from enrich.records import RepoRecord
from enrich.schema import paper_pb2
from enrich.sources.base import Offer

_AUTHOR_PLACEHOLDER = re.compile(r"^Name\d*$")
_INSTITUTION_PLACEHOLDER = re.compile(r"^inst\d*$")
_ABBR_RE = re.compile(r"^\s*([^\s:]{2,24})\s*:\s*\S")

# How a source answered for one entry this run.
ABSENT = "absent"  # it has nothing to look up for this entry
FOUND = "found"  # it answered with a record
NOT_FOUND = "not_found"  # it answered that there is no such paper / repository
UNKNOWN = "unknown"  # no answer this run: failed, not asked (--sources, --offline), or deferred


@dataclass(frozen=True)
class Finding:
    """What one source said about one entry this run, with what it offers."""

    source: str
    status: str = ABSENT
    record: Any = None  # the source's record when FOUND
    offers: Mapping[str, Offer] = field(default_factory=dict)
    dead_when_not_found: bool = False


@dataclass
class Merged:
    info: paper_pb2.PaperInfo
    changes: list[str] = field(default_factory=list)  # human-readable, for the report
    mismatches: list[tuple[str, str]] = field(default_factory=list)  # (source, its title)
    quiet_edits: int = 0  # edits with no line in `changes` (a repository's archived flag)

    def edits(self) -> int:
        """How many edits so far: every writer that changes the entry says so in `changes` or
        counts a quiet edit (cheaper than comparing the serialized entry before and after)."""
        return len(self.changes) + self.quiet_edits


def placeholder_abbr(title: str) -> str:
    """The short name before a colon ("DFPC: Data flow ..." -> "DFPC"), else ""."""
    match = _ABBR_RE.match(title)
    return match.group(1) if match and re.search(r"[A-Za-z]", match.group(1)) else ""


def _fillable(values: Sequence[str], placeholder: re.Pattern[str]) -> bool:
    return all(placeholder.match(v.strip()) for v in values)


def merge(info: paper_pb2.PaperInfo, findings: Sequence[Finding], today: str) -> Merged:
    """The entry with this run's findings applied (a new message; `info` is not modified).
    `findings` come in source order; each source writes, in its offers' order, the fields
    it wins (see `Offer`), and its SourceDates field (if the schema has one) gets `today`
    when its values changed anything."""
    new = paper_pb2.PaperInfo()
    new.CopyFrom(info)
    merged = Merged(new)
    title = info.paper.title
    trusted = [_trusted(finding, title, merged) for finding in findings]

    if new.paper.abbr == "abbr":
        new.paper.abbr = placeholder_abbr(title)
        merged.changes.append(f"abbr filled: {new.paper.abbr!r}")

    ranks = _Ranks.of(trusted)
    for finding in trusted:
        gone = (
            finding.status == NOT_FOUND and finding.dead_when_not_found and "repo" in finding.offers
        )
        if finding.status != FOUND and not gone:
            continue
        before = merged.edits()
        if gone:
            _repo_gone(new, merged)
        else:
            _write_all(
                new,
                merged,
                finding,
                [name for name, offer in finding.offers.items() if ranks.wins(name, offer)],
                today,
            )
        if merged.edits() != before:
            _date(new, finding.source, today)
    return merged


def _trusted(finding: Finding, title: str, merged: Merged) -> Finding:
    """A record for a clearly different paper than the curator's is no answer at all."""
    found_title = getattr(finding.record, "title", None)
    if (
        finding.status == FOUND
        and isinstance(found_title, str)
        and not titles_compatible(title, found_title)
    ):
        merged.mismatches.append((finding.source, found_title))
        return Finding(finding.source, UNKNOWN, None, finding.offers, finding.dead_when_not_found)
    return finding


def _has_value(value: Any) -> bool:
    return value not in (None, "", ())


@dataclass(frozen=True)
class _Ranks:
    """Per field, the best rank among the sources that gave it a value this run, and among those
    whose answer is unknown: which source writes a field, read off once per entry rather than
    by comparing every pair of sources for every field."""

    valued: dict[str, int]
    unknown: dict[str, int]

    @classmethod
    def of(cls, findings: Sequence[Finding]) -> _Ranks:
        valued: dict[str, int] = {}
        unknown: dict[str, int] = {}
        for finding in findings:
            if finding.status == FOUND:
                for name, offer in finding.offers.items():
                    if offer.rank < valued.get(name, offer.rank + 1) and _has_value(
                        getattr(finding.record, name, None)
                    ):
                        valued[name] = offer.rank
            elif finding.status == UNKNOWN:
                for name, offer in finding.offers.items():
                    if offer.rank < unknown.get(name, offer.rank + 1):
                        unknown[name] = offer.rank
        return cls(valued, unknown)

    def wins(self, name: str, offer: Offer) -> bool:
        """Whether a source offering field `name` with `offer` writes it: no better-ranked source
        gave a value, and (when its offer waits) none of them is unknown this run."""
        if self.valued.get(name, offer.rank) < offer.rank:
            return False
        return not (offer.waits and self.unknown.get(name, offer.rank) < offer.rank)


def _write_all(
    new: paper_pb2.PaperInfo, merged: Merged, finding: Finding, names: list[str], today: str
) -> None:
    for name in names:
        value = getattr(finding.record, name, None)
        if finding.offers[name].only_if_empty and getattr(new.enrichment, name):
            continue
        _writer(name)(new, merged, value, today)


def _date(new: paper_pb2.PaperInfo, source: str, today: str) -> None:
    """The source's SourceDates field gets `today` (its values changed the entry); a source
    added without a schema change has no such field, hence no date."""
    if source in paper_pb2.SourceDates.DESCRIPTOR.fields_by_name:
        setattr(new.enrichment.changed, source, today)


Writer = Callable[[paper_pb2.PaperInfo, Merged, Any, str], None]


@lru_cache(maxsize=None)  # a handful of field names; the writer depends on the name alone
def _writer(name: str) -> Writer:
    """How field `name` is written: curated lists and the repository by their own rules;
    any other Enrichment field by its type (counts with their `<name>_changed` day)."""
    if name == "authors":
        return lambda new, merged, value, today: _fill(
            new.paper.authors, value, _AUTHOR_PLACEHOLDER, merged, name
        )
    if name == "institutions":
        return lambda new, merged, value, today: _fill(
            new.paper.institutions, value, _INSTITUTION_PLACEHOLDER, merged, name
        )
    if name == "repo":
        return _apply_repo
    fields = paper_pb2.Enrichment.DESCRIPTOR.fields_by_name
    if fields[name].type in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_INT32):
        changed = f"{name}_changed" if f"{name}_changed" in fields else None
        return lambda new, merged, value, today: _count(
            new.enrichment, name, value, merged, today, changed
        )

    def write_text(new: paper_pb2.PaperInfo, merged: Merged, value: Any, today: str) -> None:
        _set(new.enrichment, name, value, merged, name)

    return write_text


def _set(message: Message, name: str, value: Any, merged: Merged, label: str) -> bool:
    if value in (None, "") or (message.HasField(name) and getattr(message, name) == value):
        return False
    had = message.HasField(name)
    setattr(message, name, value)
    merged.changes.append(f"{label} {'updated' if had else 'added'}")
    return True


def _fill(
    current: Any,
    values: Sequence[str] | None,
    placeholder: re.Pattern[str],
    merged: Merged,
    label: str,
) -> None:
    """A curated list is filled only while it holds template placeholders (or nothing)."""
    if values and _fillable(current, placeholder) and list(current) != list(values):
        del current[:]
        current.extend(values)
        merged.changes.append(f"{label} filled ({len(values)})")


def _count(
    message: Message,
    name: str,
    value: int | None,
    merged: Merged,
    today: str,
    changed_name: str | None,
) -> None:
    """Write a count (never an unknown as 0) and the day it changed."""
    if value is None:
        return
    old = getattr(message, name) if message.HasField(name) else None
    if old == value:
        return
    setattr(message, name, value)
    if changed_name:
        setattr(message, changed_name, today)
    merged.changes.append(
        f"{name} {value}" if old is None else f"{name} {old} -> {value} ({value - old:+d})"
    )


def _repo_gone(new: paper_pb2.PaperInfo, merged: Merged) -> None:
    repo = new.enrichment.repo
    if not repo.not_found:
        repo.not_found = True
        merged.changes.append("repository not found (link dead?)")


def _apply_repo(
    new: paper_pb2.PaperInfo, merged: Merged, record: RepoRecord | None, today: str
) -> None:
    if record is None:
        return
    repo = new.enrichment.repo
    if repo.HasField("not_found"):
        repo.ClearField("not_found")
        merged.changes.append("repository found again")
    _set(repo, "url", record.url, merged, "repo url")
    _count(repo, "stars", record.stars, merged, today, "stars_changed")
    _count(repo, "forks", record.forks, merged, today, "forks_changed")
    _set(repo, "pushed_at", record.pushed_at, merged, "repo pushed_at")
    if not repo.HasField("archived") or repo.archived != record.archived:
        repo.archived = record.archived
        merged.quiet_edits += 1
    _set(repo, "license", record.license, merged, "repo license")
