"""What the sources know beyond a link: venue updates, code candidates, institutions, duplicates.

Pure functions over plain values (no I/O, no protobuf): the merge and the report call them.
Nothing here decides to overwrite what a curator wrote; each function says what was found and
how sure it is, and the caller writes it only where the curator left a placeholder or nothing."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from enrich.ids import github_repo_from_url, split_arxiv_version

# Well-known venues: acronym -> the names sources use for it (lower-case; matched as whole words
# or as the venue string's start). Sources write "International Conference on Learning
# Representations" (Semantic Scholar), "ICLR 2023 poster" (OpenReview), "Advances in Neural
# Information Processing Systems 35" (OpenAlex); the catalog writes its own short name.
VENUE_NAMES: dict[str, tuple[str, ...]] = {
    "ICLR": ("international conference on learning representations",),
    "NeurIPS": ("neural information processing systems", "nips", "neurips"),
    "ICML": ("international conference on machine learning",),
    "CVPR": ("computer vision and pattern recognition",),
    "ICCV": ("international conference on computer vision",),
    "ECCV": ("european conference on computer vision",),
    "ACL": ("annual meeting of the association for computational linguistics",),
    "EMNLP": ("empirical methods in natural language processing",),
    "NAACL": ("north american chapter of the association for computational linguistics",),
    "AAAI": ("aaai conference on artificial intelligence",),
    "IJCAI": ("international joint conference on artificial intelligence",),
    "KDD": ("knowledge discovery and data mining",),
    "MLSys": ("machine learning and systems", "conference on machine learning and systems"),
    "TMLR": ("transactions on machine learning research", "trans mach learn res"),
    "JMLR": ("journal of machine learning research", "j mach learn res"),
    "AISTATS": ("artificial intelligence and statistics",),
    "UAI": ("uncertainty in artificial intelligence",),
    "COLT": ("conference on learning theory", "annual conference computational learning theory"),
    "ASPLOS": ("architectural support for programming languages and operating systems",),
    "ISCA": ("international symposium on computer architecture",),
    "MICRO": ("international symposium on microarchitecture",),
    "OSDI": ("operating systems design and implementation",),
    "SOSP": ("symposium on operating systems principles",),
    "EuroSys": ("european conference on computer systems",),
    "DAC": ("design automation conference",),
    "COLING": ("international conference on computational linguistics",),
    "TPAMI": ("ieee transactions on pattern analysis and machine intelligence",),
}
# Not (yet) a peer-reviewed venue: preprint servers, and OpenReview's states before acceptance.
_PREPRINT = re.compile(
    r"\b(arxiv|corr|biorxiv|medrxiv|ssrn|preprint|submitted to|withdrawn|rejected|under review)\b",
    re.IGNORECASE,
)
# A workshop or a satellite track is not the main venue its name starts with ("ICML Workshop …").
_SATELLITE = re.compile(
    r"\b(workshops?|findings|tiny papers?|blog ?posts?|student|demo)\b", re.IGNORECASE
)
# Words around a venue's full name that do not make it another venue.
_FILLER = frozenset(
    "proceedings of the advances in annual international conference on ieee cvf acm sigkdd usenix "
    "volume vol part poster oral spotlight notable top main track accepted paper papers".split()
)
_ORDINAL = re.compile(r"^[0-9]+(st|nd|rd|th)$")
_YEAR = re.compile(r"\b(19[89][0-9]|20[0-9]{2})\b")
_GITHUB_IN_TEXT = re.compile(
    r"(?:https?://)?(?:www\.)?github\.com/[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+", re.IGNORECASE
)


# -- venues -----------------------------------------------------------------------------------


def learn_venue_names(catalog_wheres: Iterable[str]) -> dict[str, str]:
    """The catalog's own short names, learned from its entries' `pub.where`: acronym (as in
    VENUE_NAMES) -> the catalog's spelling ("NeurIPS" for a catalog that writes "NeurIPS", "NIPS"
    for one that writes "NIPS"). The most used spelling wins; ties go to the first seen."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    # Each distinct spelling looked at once (a catalog repeats a few dozen venue names over
    # thousands of entries); Counter keeps the first-seen order the ties go by.
    for text, uses in Counter(" ".join(where.split()) for where in catalog_wheres).items():
        acronym = _acronym(text) if text else None
        if acronym is not None and not _YEAR.search(text):
            spellings = counts[acronym]
            spellings[text] = spellings.get(text, 0) + uses
    return {
        acronym: max(spellings, key=lambda s: spellings[s]) for acronym, spellings in counts.items()
    }


@lru_cache(maxsize=4096)  # asked again for every source's say on every paper's venue
def _acronym(venue: str) -> str | None:
    """The well-known venue a name stands for, or None (unknown, a workshop, a preprint).
    An acronym counts as written ("ICLR 2023 poster", "(CVPR)"); a full name counts only when
    nothing but filler surrounds it, so "International Conference on Machine Learning and
    Applications" is not ICML."""
    if _PREPRINT.search(venue) or _SATELLITE.search(venue):
        return None
    tokens = re.findall(r"[A-Za-z]+", venue)
    text = " ".join(re.findall(r"[a-z0-9]+", venue.casefold()))
    for acronym, names in VENUE_NAMES.items():
        spellings = {acronym, *(name.upper() for name in names if " " not in name)}
        if any(token == acronym or (token.isupper() and token in spellings) for token in tokens):
            return acronym
        for name in names:
            if " " in name and f" {name} " in f" {text} ":
                rest = f" {text} ".replace(f" {name} ", " ").split()
                if all(
                    word.isdigit()
                    or word in _FILLER
                    or word.upper() in spellings
                    or _ORDINAL.match(word)
                    for word in rest
                ):
                    return acronym
    return None


@dataclass(frozen=True)
class VenueFinding:
    """One source's say on where a paper was published."""

    source: str
    venue: str  # as the source wrote it
    year: int | None


@dataclass(frozen=True)
class VenueUpdate:
    """A suggested `pub` update: the catalog's short name and the year, and whether it may be applied."""

    where: str
    year: int | None
    sources: tuple[str, ...]  # the sources that named it
    agreed: bool  # at least two sources name it and none names another: --apply-venues may apply it
    conflict: tuple[str, ...] = ()  # "source: venue year" of sources that said otherwise


def venue_year(finding: VenueFinding) -> int | None:
    """The year in the venue's name ("ICLR 2023 poster"), else the year the source gives."""
    match = _YEAR.search(finding.venue)
    return int(match.group(1)) if match else finding.year


def is_peer_reviewed(venue: str) -> bool:
    """A venue string that names a published venue, not a preprint server or a submission."""
    return bool(venue.strip()) and not _PREPRINT.search(venue)


def is_preprint_listing(where: str) -> bool:
    """An entry the curator listed as a preprint (arXiv) or with no venue: a venue update applies."""
    return not where.strip() or bool(
        re.fullmatch(r"\s*(arxiv|corr|preprint)\s*", where, re.IGNORECASE)
    )


def venue_update(
    where: str, findings: Iterable[VenueFinding], names: Mapping[str, str]
) -> VenueUpdate | None:
    """The `pub` update the findings support for an entry listed as `where`, in the catalog's names;
    None when the entry already names a venue, or no source names a well-known peer-reviewed one."""
    if not is_preprint_listing(where):
        return None
    named: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for finding in findings:
        acronym = _acronym(finding.venue) if is_peer_reviewed(finding.venue) else None
        if acronym is not None:
            named[(names.get(acronym, acronym), venue_year(finding))].append(finding.source)
    if not named:
        return None
    (short, year), sources = max(named.items(), key=lambda item: len(item[1]))
    conflict = tuple(
        f"{s}: {w} {y or ''}".strip()
        for (w, y), ss in named.items()
        if (w, y) != (short, year)
        for s in ss
    )
    agreed = len(set(sources)) >= 2 and not conflict
    return VenueUpdate(short, year, tuple(dict.fromkeys(sources)), agreed, conflict)


# -- code -------------------------------------------------------------------------------------


def github_links_in_text(text: str) -> list[str]:
    """'owner/name' of every GitHub repository linked in free text (an arXiv comment or abstract),
    in order, without repeats. Trailing sentence punctuation is not part of a name."""
    found: list[str] = []
    if not text or "github" not in text.lower():  # most abstracts: skip the regex's scan
        return found
    for match in _GITHUB_IN_TEXT.finditer(text):
        repo = github_repo_from_url(match.group(0).rstrip(".,;:)]}'\""))
        if repo is not None and repo not in found:
            found.append(repo)
    return found


def code_candidates(
    huggingface_repo: str = "",
    arxiv_comment: str = "",
    arxiv_abstract: str = "",
    openreview_code: str = "",
) -> list[str]:
    """Distinct 'owner/name' code candidates, in order of trust: Hugging Face's githubRepo, then
    OpenReview's code field, then links in the arXiv comment, then in the abstract."""
    found: list[str] = []
    for repo in [
        github_repo_from_url(huggingface_repo or ""),
        github_repo_from_url(openreview_code or ""),
        *github_links_in_text(openreview_code),
        *github_links_in_text(arxiv_comment),
        *github_links_in_text(arxiv_abstract),
    ]:
        if repo is not None and repo not in found:
            found.append(repo)
    return found


@dataclass(frozen=True)
class CodeChoice:
    """The repository to use (only when exactly one candidate exists and GitHub confirms it),
    else the candidates to list as suggestions."""

    repo: str | None  # canonical owner/name as GitHub reports it
    suggestions: tuple[str, ...] = ()


def choose_code(candidates: list[str], confirmed: Mapping[str, str | None]) -> CodeChoice:
    """`confirmed` maps a candidate to its canonical 'owner/name' on GitHub (None: GitHub does not
    know it; absent: not asked or failed). Candidates that are one repository under two names
    (a rename) count once."""
    canonical = list(dict.fromkeys((confirmed.get(c) or c).lower() for c in candidates))
    if len(canonical) == 1 and all(confirmed.get(c) for c in candidates):
        return CodeChoice(confirmed[candidates[0]])
    return CodeChoice(None, tuple(canonical))


# -- institutions -----------------------------------------------------------------------------


def institutions_in_author_order(per_author: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Institution names in author order, each once (first author's first, …), blanks dropped."""
    found: dict[str, None] = {}
    for names in per_author:
        for name in names:
            cleaned = " ".join(str(name).split())
            if cleaned:
                found.setdefault(cleaned, None)
    return tuple(found)


# -- duplicates -------------------------------------------------------------------------------


def paper_keys(
    arxiv_id: str = "", openreview_id: str = "", doi: str = "", semantic_scholar_id: str = ""
) -> set[str]:
    """The ids that name a paper, as comparable keys ("arxiv:2301.00774", "doi:10.1145/…").
    An arXiv DOI is the arXiv id; versions and case do not make two papers."""
    keys = set()
    doi = doi.strip().lower()
    if doi.startswith("10.48550/arxiv."):
        arxiv_id = arxiv_id or doi[len("10.48550/arxiv.") :]
        doi = ""
    parsed = split_arxiv_version(arxiv_id.strip()) if arxiv_id else None
    if parsed:
        keys.add(f"arxiv:{parsed[0]}")
    if openreview_id.strip():
        keys.add(f"openreview:{openreview_id.strip()}")
    if doi:
        keys.add(f"doi:{doi}")
    if semantic_scholar_id.strip():
        keys.add(f"s2:{semantic_scholar_id.strip().lower()}")
    return keys


def duplicate_groups(
    keys_by_path: Mapping[str, set[str]],
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Entries that resolve to the same paper: (paths, the ids they share), each group once.
    Two entries sharing any id are one group, and so is a chain (A~B by arXiv, B~C by DOI)."""
    parent = {path: path for path in keys_by_path}

    def root(path: str) -> str:
        while parent[path] != path:
            parent[path] = parent[parent[path]]
            path = parent[path]
        return path

    owner: dict[str, str] = {}
    shared: set[str] = set()
    for path in sorted(keys_by_path):
        for key in keys_by_path[path]:
            if key in owner:
                parent[root(path)] = root(owner[key])
                shared.add(key)
            else:
                owner[key] = path
    groups: dict[str, list[str]] = defaultdict(list)
    for path in sorted(keys_by_path):
        groups[root(path)].append(path)
    result = []
    for paths in groups.values():
        if len(paths) > 1:
            ids = sorted(k for k in shared if sum(k in keys_by_path[p] for p in paths) > 1)
            result.append((tuple(paths), tuple(ids)))
    return sorted(result)
