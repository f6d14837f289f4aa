"""Adding papers: what an input names, what the catalog already holds, and the new entry.
Pure functions; asking the sources and writing the file are the caller's (flows/add.py)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from enrich.discovery import (
    VENUE_NAMES,
    VenueFinding,
    code_candidates,
    is_peer_reviewed,
    learn_venue_names,
    venue_update,
)
from enrich.errors import UsageError
from enrich.ids import (
    acl_id_from_url,
    arxiv_id_from_url,
    doi_from_url,
    openreview_id_from_url,
    split_arxiv_version,
)
from enrich.match import normalise_title
from enrich.merge import placeholder_abbr
from enrich.records import Entry, PaperRecord
from enrich.schema import paper_pb2

ARXIV, OPENREVIEW, DOI, ACL, TITLE = "arxiv", "openreview", "doi", "acl", "title"
DEFAULT_VENUE = "arXiv"
_YEAR_FOLDER_RE = re.compile(r"^(19|20)\d\d$")
_UNSAFE_NAME_RE = re.compile(r"[^\w.\-]+")
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AddError(UsageError):
    """An input this command cannot add (said in one line, with what to do)."""


@dataclass(frozen=True)
class Wanted:
    """What one input names: the kind of id and the id (or the title)."""

    text: str  # as the curator gave it
    kind: str  # ARXIV, OPENREVIEW, DOI or TITLE
    key: str  # arXiv id without version, OpenReview note id, lower-case DOI, or the title

    @property
    def link(self) -> str:
        """The canonical link written to paper.url (a title has none until it is matched)."""
        return canonical_link(self.kind, self.key)


def canonical_link(kind: str, key: str) -> str:
    return {
        ARXIV: f"https://arxiv.org/abs/{key}",
        OPENREVIEW: f"https://openreview.net/forum?id={key}",
        DOI: f"https://doi.org/{key}",
        ACL: f"https://aclanthology.org/{key}/",
    }.get(kind, "")


def classify(text: str) -> Wanted:
    """What an input names: an arXiv id, any link enrich/ids.py reads (arXiv and its mirrors and
    readers such as Hugging Face paper pages, OpenReview, DOI and publisher pages, ACL Anthology),
    a bare DOI, else a title. AddError for an empty input or a link we cannot read."""
    given = text.strip()
    if not given:
        raise AddError("empty input: give an arXiv id, a link or a title")
    bare = re.sub(r"^arxiv:\s*", "", given, flags=re.IGNORECASE)
    parsed = split_arxiv_version(bare)
    if parsed:
        return Wanted(given, ARXIV, parsed[0])
    if re.match(r"^(?:doi:\s*)?10\.", given, re.IGNORECASE):
        given_link = "https://doi.org/" + re.sub(r"^doi:\s*", "", given, flags=re.IGNORECASE)
    else:
        given_link = given
    for kind, parse in (
        (ARXIV, arxiv_id_from_url),
        (OPENREVIEW, openreview_id_from_url),
        (DOI, doi_from_url),
        (ACL, acl_id_from_url),
    ):
        key = parse(given_link)
        if key:
            return Wanted(given, kind, key)
    if re.match(r"^[a-z][a-z0-9+.\-]*://", given, re.IGNORECASE) or re.match(
        r"^[\w\-]+(\.[\w\-]+)+/", given
    ):
        raise AddError(
            f"{given}: not a link this command can read (give an arXiv id or link, an OpenReview, DOI or "
            "huggingface.co/papers/ link, or the paper's title in quotes)"
        )
    if len(normalise_title(given).split()) < 2:
        raise AddError(
            f"{given!r}: too short for a title search (give the whole title in quotes, or a link)"
        )
    return Wanted(given, TITLE, " ".join(given.split()))


def keyword_values(names: list[str]) -> list[paper_pb2.Keyword.Word]:
    """--keyword names -> Keyword.Word values; a typo lists the valid names."""
    enum = paper_pb2.Keyword.Word
    valid = list(enum.keys())
    values: list[paper_pb2.Keyword.Word] = []
    for name in names:
        if name not in valid:
            raise UsageError(f"unknown keyword {name!r}; valid keywords: {', '.join(valid)}")
        values.append(cast(paper_pb2.Keyword.Word, enum.Value(name)))
    return list(dict.fromkeys(values))


def _paper_ids(info: paper_pb2.PaperInfo) -> list[str]:
    """Every id a catalog entry holds, as 'kind:id' strings (plus its normalised title)."""
    enrichment = info.enrichment
    found = []
    arxiv_id = (
        arxiv_id_from_url(info.paper.url) or (split_arxiv_version(enrichment.arxiv_id) or ("",))[0]
    )
    note_id = openreview_id_from_url(info.paper.url) or enrichment.openreview_id
    doi = doi_from_url(info.paper.url) or enrichment.doi.lower()
    for kind, value in (
        (ARXIV, arxiv_id),
        (OPENREVIEW, note_id),
        (DOI, doi),
        ("s2", enrichment.semantic_scholar_id),
    ):
        if value:
            found.append(f"{kind}:{value}")
    title = normalise_title(info.paper.title)
    if title and info.paper.title != "paper title":
        found.append(f"{TITLE}:{title}")
    return found


def record_ids(record: PaperRecord, wanted: Wanted | None = None) -> list[str]:
    """The ids a paper found for an input goes by, in the same 'kind:id' form."""
    found = [f"{wanted.kind}:{wanted.key}"] if wanted is not None and wanted.kind != TITLE else []
    ids = (
        (ARXIV, record.arxiv_id),
        (OPENREVIEW, record.openreview_id),
        (DOI, record.doi.lower()),
        ("s2", record.semantic_scholar_id),
    )
    for kind, value in ids:
        if value:
            found.append(f"{kind}:{value}")
    if normalise_title(record.title):
        found.append(f"{TITLE}:{normalise_title(record.title)}")
    return list(dict.fromkeys(found))


@dataclass
class Known:
    """What the catalog already holds: ids and titles (duplicates), its layout, its venue names."""

    root: Path
    ids: dict[str, str] = field(default_factory=dict)  # 'kind:id' -> the file holding it
    year_folders: bool = False
    venues: dict[str, str] = field(
        default_factory=dict
    )  # a source's venue string -> the catalog's short name
    short_venues: list[str] = field(
        default_factory=list
    )  # the catalog's own `pub.where` names, most used first
    acronyms: dict[str, str] = field(
        default_factory=dict
    )  # well-known venue -> the catalog's spelling of it
    taken: set[str] = field(
        default_factory=set
    )  # file names in use (case-folded), anywhere in the catalog

    def duplicate(self, ids: list[str]) -> str | None:
        """The file already holding one of these ids, or None."""
        for key in ids:
            if key in self.ids:
                return self.ids[key]
        return None

    def remember(self, path: str, ids: list[str]) -> None:
        """A file this run adds: later inputs naming the same paper are duplicates of it."""
        for key in ids:
            self.ids.setdefault(key, path)
        self.taken.add(Path(path).name.casefold())


def survey(root: Path, entries: list[Entry], files: list[Path] | None = None) -> Known:
    """Learn the catalog: ids, layout (year folders or flat), venue short names and taken names."""
    known = Known(root)
    in_year_folder = 0
    where_counts: Counter[str] = Counter()
    learned: dict[str, Counter[str]] = {}
    for entry in entries:
        for key in _paper_ids(entry.info):
            known.ids.setdefault(key, entry.path)
        parent = Path(entry.path).parent
        if parent != root and _YEAR_FOLDER_RE.match(parent.name):
            in_year_folder += 1
        where = entry.info.pub.where.strip()
        if where:
            where_counts[where] += 1
            venue = entry.info.enrichment.venue.strip()
            if venue and where.casefold() != DEFAULT_VENUE.casefold():
                learned.setdefault(venue.casefold(), Counter())[where] += 1
    known.year_folders = bool(entries) and in_year_folder * 2 > len(entries)
    known.short_venues = [name for name, _ in where_counts.most_common()]
    known.acronyms = learn_venue_names(where_counts.elements())
    known.venues = {venue: counts.most_common(1)[0][0] for venue, counts in learned.items()}
    known.taken = {path.name.casefold() for path in (files or [])} | {
        Path(e.path).name.casefold() for e in entries
    }
    return known


def short_venue(venue: str, known: Known) -> str:
    """A source's venue string in the catalog's short names ("ICLR 2023 poster" -> "ICLR"): what
    the catalog's entries say that string stands for, else a well-known venue in the catalog's
    spelling (enrich/discovery.py), else one of the catalog's own names in it; else arXiv."""
    text = " ".join(venue.split())
    if not text or not is_peer_reviewed(text):
        return DEFAULT_VENUE
    if text.casefold() in known.venues:
        return known.venues[text.casefold()]
    update = venue_update("", [VenueFinding("source", text, None)], known.acronyms)
    if update is not None:
        return update.where
    # The catalog's own names for venues discovery does not know (well-known ones were decided
    # above, workshops and findings included).
    for name in sorted(known.short_venues, key=len, reverse=True):
        if name in VENUE_NAMES or name in known.acronyms.values():
            continue
        if name.casefold() != DEFAULT_VENUE.casefold() and re.search(
            rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE
        ):
            return name
    return DEFAULT_VENUE


def year_from_venue(venue: str) -> int | None:
    """The year a venue string names ("ICLR 2024 poster" -> 2024), else None."""
    found = re.search(r"(?<!\d)((?:19|20)\d\d)(?!\d)", venue)
    return int(found.group(1)) if found else None


def stable_name(key: str) -> str:
    """An 8-character name from a paper's id, like the catalog's random ones but the same every time."""
    number = int.from_bytes(hashlib.sha1(key.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(8):
        number, digit = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[digit])
    return "".join(chars)


def file_name(abbr: str, key: str, taken: set[str]) -> str:
    """`<abbr>.prototxt` when the abbr is free, else a stable id-based name; never one in use."""
    safe = _UNSAFE_NAME_RE.sub("-", abbr.strip()).strip("-.")
    if safe and f"{safe}.prototxt".casefold() not in taken:
        return f"{safe}.prototxt"
    for attempt in range(100):
        name = f"{stable_name(key if attempt == 0 else f'{key}#{attempt}')}.prototxt"
        if name.casefold() not in taken:
            return name
    raise AddError(f"{key}: no free file name")  # 100 hash collisions: not in this universe


def target_path(known: Known, year: int | None, name: str) -> Path:
    """Where the new file goes: the year folder when the catalog uses them, else the catalog's top."""
    if known.year_folders and year:
        return known.root / str(year) / name
    return known.root / name


def new_entry(
    record: PaperRecord,
    link: str,
    venue: str,
    keywords: list[paper_pb2.Keyword.Word] | None = None,
    code_url: str = "",
) -> paper_pb2.PaperInfo:
    """The new catalog entry: what a curator would have typed, from the source's record."""
    info = paper_pb2.PaperInfo()
    info.paper.title = record.title
    info.paper.abbr = placeholder_abbr(record.title)
    if link:
        info.paper.url = link
    info.paper.authors.extend(record.authors)
    info.paper.institutions.extend(record.institutions)
    info.pub.where = venue
    if record.year:
        info.pub.year = record.year
    if code_url:
        info.code.url = code_url
    if keywords:
        info.keyword.words.extend(keywords)
    return info


def code_url(record: PaperRecord) -> str:
    """The repository when the paper names exactly one (a GitHub link in its abstract), else ""."""
    candidates = code_candidates(arxiv_abstract=record.abstract)
    return f"https://github.com/{candidates[0]}" if len(candidates) == 1 else ""


def best_link(record: PaperRecord, wanted: Wanted) -> str:
    """The canonical link: the input's own, else (a title search) arXiv, OpenReview, DOI, Semantic Scholar."""
    if wanted.kind != TITLE:
        return wanted.link
    for kind, key in (
        (ARXIV, record.arxiv_id),
        (OPENREVIEW, record.openreview_id),
        (DOI, record.doi.lower()),
    ):
        if key:
            return canonical_link(kind, key)
    if record.semantic_scholar_id:
        return f"https://www.semanticscholar.org/paper/{record.semantic_scholar_id}"
    return ""
