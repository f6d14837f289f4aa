"""Adding papers, in order: read the catalog -> what each input names -> ask the sources (the same
queries and cache as enrichment) -> the new entries -> write them (never over a file) -> enrich them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from enrich import add, run
from enrich import catalog as catalog_io
from enrich.add import ACL, ARXIV, DOI, OPENREVIEW, TITLE, AddError, Known, Wanted
from enrich.errors import CatalogError
from enrich.match import normalise_title
from enrich.records import Entry, PaperRecord
from enrich.report import Report
from enrich.schema import paper_pb2
from enrich.settings import Settings
from enrich.sources import Query, SourceResult

log = logging.getLogger(__name__)
ADDED, WOULD_ADD, DUPLICATE, NO_MATCH, FAILED = (
    "added",
    "would add",
    "already in the catalog",
    "no confident match",
    "failed",
)
# The source whose record a new entry is built from, per kind of input.
PRIMARY = {
    ARXIV: "arxiv",
    OPENREVIEW: "openreview",
    DOI: "semantic_scholar",
    ACL: "semantic_scholar",
    TITLE: "semantic_scholar",
}


@dataclass
class Outcome:
    """What became of one input."""

    text: str
    status: str
    path: str = ""
    message: str = ""
    content: bytes = b""  # the new file (written, or printed by --dry-run)

    @property
    def ok(self) -> bool:
        return self.status in (ADDED, WOULD_ADD)

    def line(self) -> str:
        if self.ok:
            return f"{self.status} {self.path}: {self.message}"
        return f"{self.text}: {self.message}"


@dataclass
class AddReport:
    outcomes: list[Outcome] = field(default_factory=list)
    enrichment: Report | None = (
        None  # the enrichment of the new entries (None: nothing added, or --dry-run)
    )

    @property
    def exit_code(self) -> int:
        failed = any(not outcome.ok for outcome in self.outcomes)
        return 1 if failed or (self.enrichment is not None and self.enrichment.exit_code) else 0

    def lines(self) -> list[str]:
        return [outcome.line() for outcome in self.outcomes]


def stub(wanted: Wanted) -> paper_pb2.PaperInfo:
    """The entry as far as the input tells: enough for each source's own `queries` to ask the
    same keys enrichment will (so enriching the new entry right after is answered by the cache)."""
    info = paper_pb2.PaperInfo()
    if wanted.kind == TITLE:
        info.paper.title = wanted.key
    else:
        info.paper.url = wanted.link
    return info


Lookups = dict[str, dict[str, Query]]  # source -> input's stub path -> what it looked up


def ask(
    inputs: list[Wanted], settings: Settings, options: run.RunOptions
) -> tuple[list[Entry], Lookups, dict[str, SourceResult]]:
    """Every source that knows something about the inputs, asked once, in batches, cache first."""
    entries = [Entry(f"input:{index}", stub(wanted)) for index, wanted in enumerate(inputs)]
    needed = {PRIMARY[wanted.kind] for wanted in inputs} | {"semantic_scholar"}  # S2: the venue
    lookups: Lookups = {}
    results: dict[str, SourceResult] = {}
    for source in options.sources:
        if source in needed:
            results[source], lookups[source] = run.fetch_for(
                entries,
                source,
                settings,
                options.cache_dir,
                offline=options.offline,
                refresh=options.refresh,
            )
    return entries, lookups, results


def _answer(
    entry: Entry, source: str, lookups: Lookups, results: dict[str, SourceResult]
) -> tuple[PaperRecord | None, str]:
    """(record, why not) of one source for one input."""
    query = lookups.get(source, {}).get(entry.path)
    if query is None or source not in results:
        return None, f"{source} not asked"
    key, result = query.key, results[source]
    if key in result.records:
        record: PaperRecord = result.records[key]
        return record, ""
    if key in result.failed:
        return None, result.failed[key]
    if key in result.notes:
        return None, result.notes[key]
    if key in result.not_found:
        return None, f"not found on {source}"
    return None, f"{source}: not in the cache (offline)"


def build(
    wanted: Wanted,
    entry: Entry,
    queries: Lookups,
    results: dict[str, SourceResult],
    known: Known,
    keywords: list[paper_pb2.Keyword.Word],
) -> Outcome | tuple[Path, paper_pb2.PaperInfo, list[str]]:
    """The new entry for one input and where it goes, or why there is none."""
    primary, why = _answer(entry, PRIMARY[wanted.kind], queries, results)
    if primary is None:
        status = NO_MATCH if why.startswith(NO_MATCH) else FAILED
        return Outcome(wanted.text, status, message=f"{why}; nothing written")
    s2, _ = (
        _answer(entry, "semantic_scholar", queries, results)
        if PRIMARY[wanted.kind] != "semantic_scholar"
        else (primary, "")
    )
    ids = add.record_ids(primary, wanted) + (
        add.record_ids(s2) if s2 is not None and s2 is not primary else []
    )
    existing = known.duplicate(ids)
    if existing:
        return Outcome(wanted.text, DUPLICATE, existing, f"{DUPLICATE}: {existing}")
    venue = add.short_venue((s2.venue if s2 else "") or primary.venue, known)
    year = (
        primary.year
        or (s2.year if s2 else None)
        or add.year_from_venue((s2.venue if s2 else "") or primary.venue)
    )
    code = add.code_url(primary) or (add.code_url(s2) if s2 is not None else "")
    info = add.new_entry(
        replace(primary, year=year), add.best_link(primary, wanted), venue, keywords, code
    )
    link_key = next(
        (key for key in ids if not key.startswith(f"{TITLE}:")),
        f"{TITLE}:{normalise_title(primary.title)}",
    )
    name = add.file_name(info.paper.abbr, link_key, known.taken)
    return add.target_path(known, year, name), info, ids


def add_papers(
    texts: list[str],
    options: run.RunOptions,
    settings: Settings,
    keywords: list[paper_pb2.Keyword.Word],
    launch: run.Launch | None = None,
) -> AddReport:
    """Add each input as a new entry (each independent: one failure does not stop the others),
    then enrich the new entries like any entry (not on --dry-run); the caller holds the run lock."""
    report = AddReport()
    found = catalog_io.read_catalog(options.catalog)
    known = add.survey(options.catalog, found.entries, catalog_io.find_files(options.catalog))
    pending: list[tuple[int, Wanted]] = []
    outcomes: dict[int, Outcome] = {}
    for index, text in enumerate(texts):
        try:
            wanted = add.classify(text)
        except AddError as error:
            outcomes[index] = Outcome(
                text, FAILED, message=str(error).removeprefix(f"{text.strip()}: ")
            )
            continue
        key = f"{wanted.kind}:{normalise_title(wanted.key) if wanted.kind == TITLE else wanted.key}"
        existing = known.duplicate([key])
        if existing:
            outcomes[index] = Outcome(text, DUPLICATE, existing, f"{DUPLICATE}: {existing}")
        else:
            pending.append((index, wanted))
    entries, queries, results = (
        ask([wanted for _, wanted in pending], settings, options) if pending else ([], {}, {})
    )
    new_entries: list[Entry] = []
    for (index, wanted), entry in zip(pending, entries):
        built = build(wanted, entry, queries, results, known, keywords)
        if isinstance(built, Outcome):
            outcomes[index] = built
            continue
        path, info, ids = built
        content = catalog_io.render(info)
        summary = f"{info.paper.title} ({info.pub.where} {info.pub.year or ''})".replace(" )", ")")
        if options.dry_run:
            outcomes[index] = Outcome(wanted.text, WOULD_ADD, str(path), summary, content)
        else:
            try:
                catalog_io.create_entry(str(path), content)
            except CatalogError as error:
                outcomes[index] = Outcome(wanted.text, FAILED, message=str(error))
                continue
            outcomes[index] = Outcome(wanted.text, ADDED, str(path), summary, content)
            new_entries.append(Entry(str(path), info))
        known.remember(str(path), ids)
    report.outcomes = [outcomes[index] for index in sorted(outcomes)]
    if new_entries:
        # The answers that built them are cached: enriching them asks only what is new (GitHub).
        report.enrichment = run.run(
            replace(options, history=None), settings, launch, entries=new_entries
        )
    return report
