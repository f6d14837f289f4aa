"""URL -> identifier parsing: pure functions, no I/O.

Every form is a row of a table keyed by exact host (after dropping "www."), so an id is only
ever taken from a host known to carry one in that place: `arxiv.org.evil.com/abs/…` or
`example.com/?id=2301.00774` give nothing."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

# New-style (since 2007-04): YYMM.NNNN or YYMM.NNNNN; old-style: archive(.SUB)/YYMMNNN.
# ASCII digits only: `\d` also takes "２３０１" or "໙", which arXiv rejects with a 400 that would
# fail every other id of the batch.
_ARXIV_NEW = r"[0-9]{4}\.[0-9]{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7}"
ARXIV_ID_RE = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>[0-9]+))?$")
_OPENREVIEW_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{5,}$")
_GITHUB_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?$")  # users and orgs
_GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)")
_ARXIV_DOI_RE = re.compile(r"^10\.48550/arxiv\.(?P<rest>.+)$", re.IGNORECASE)

# Where each host keeps the arXiv id in its path (the id, maybe versioned, maybe ".pdf", follows).
# arXiv itself and its mirrors, then the readers that show an arXiv paper under its id.
# Left out on purpose: semanticscholar.org/arxiv/<id> (answers 404 today), paperswithcode.com
# (slugs, not ids; the site is gone), arxiv-sanity-lite.com/?rank=pid&pid=<id> (a list of papers
# *similar* to that id, the id only in a query string).
_ARXIV_PATHS: dict[str, tuple[str, ...]] = {
    "arxiv.org": ("abs", "pdf", "html"),
    "export.arxiv.org": ("abs", "pdf", "html"),
    "browse.arxiv.org": ("abs", "pdf", "html"),
    "xxx.lanl.gov": ("abs", "pdf"),  # arXiv's original address, still in old bibliographies
    "ar5iv.labs.arxiv.org": ("html", "abs"),
    "ar5iv.org": ("html", "abs"),
    "alphaxiv.org": ("abs", "overview", "pdf"),
    "huggingface.co": ("papers",),
    "scirate.com": ("arxiv",),
    "arxiv-vanity.com": ("papers",),
    "papers.cool": ("arxiv",),
    "emergentmind.com": ("papers",),
    "arxiv-sanity.com": ("abs",),
}
_ARXIV_PATH_RE = {
    host: re.compile(rf"^/+(?:{'|'.join(prefixes)})/+(?P<rest>.+?)/*$")
    for host, prefixes in _ARXIV_PATHS.items()
}

# Publishers whose paper URLs carry the DOI in the path (…/doi/[abs|pdf|full/]10.xxxx/…).
# A DOI in a path elsewhere (a blog, a search page) is not taken: it may cite another paper.
_DOI_HOSTS = frozenset(
    {
        "doi.org",
        "dx.doi.org",
        "dl.acm.org",
        "link.springer.com",
        "onlinelibrary.wiley.com",
        "pubs.acs.org",
        "science.org",
        "pnas.org",
        "tandfonline.com",
        "journals.sagepub.com",
        "iopscience.iop.org",
        "journals.aps.org",
        "biorxiv.org",
        "medrxiv.org",
    }
)
# What follows a DOI in some publishers' paths and is not part of it.
_DOI_TAIL_RE = re.compile(
    r"(?:\.full\.pdf|\.full-text|\.full|\.pdf|/pdf|/full|/abstract|/epdf|/meta)+$", re.IGNORECASE
)
_PREPRINT_VERSION_RE = re.compile(r"v[0-9]+$")  # bioRxiv/medRxiv: 10.1101/2020.01.01.123456v2

# ACL Anthology ids: "2023.acl-long.1" (since 2020) or "P19-1001" (before).
_ACL_ID_RE = re.compile(
    r"^(?P<id>[0-9]{4}\.[a-z0-9]+(?:-[a-z0-9]+)*\.[0-9]+|[A-Z][0-9]{2}-[0-9]{4})(?:v[0-9]+)?$"
)


# A view asks for each id of the same paper link in turn (arXiv, OpenReview, DOI, ACL): parse it
# once. Small: only consecutive calls need to meet.
@lru_cache(maxsize=64)
def _host(url: str) -> tuple[str, str, str]:
    """(host without www., path, query) of a URL, tolerant of a missing scheme."""
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", "", ""
    if host.startswith("www."):
        host = host[4:]
    return host, parts.path, parts.query


def split_arxiv_version(text: str) -> tuple[str, int | None] | None:
    """'2301.00774v2' -> ('2301.00774', 2); None when not a well-formed arXiv id."""
    match = ARXIV_ID_RE.match(text)
    if match is None:
        return None
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def _arxiv_id(text: str) -> str | None:
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    parsed = split_arxiv_version(text)
    return parsed[0] if parsed else None


def arxiv_id_from_url(url: str) -> str | None:
    """The version-less arXiv id a paper URL points to: arXiv's abs/pdf/html pages, its mirrors,
    readers that keep the id in their path (Hugging Face papers, alphaXiv, …) and the arXiv DOI."""
    host, path, _ = _host(url)
    pattern = _ARXIV_PATH_RE.get(host)
    if pattern is not None:
        match = pattern.match(path)
        return _arxiv_id(match.group("rest")) if match else None
    if host in ("doi.org", "dx.doi.org"):
        match = _ARXIV_DOI_RE.match(unquote(path).lstrip("/"))
        return _arxiv_id(match.group("rest")) if match else None
    return None


def openreview_id_from_url(url: str) -> str | None:
    """The note id of an openreview.net forum/pdf URL, or None."""
    host, path, query = _host(url)
    if host != "openreview.net" or path.rstrip("/") not in ("/forum", "/pdf"):
        return None
    values = parse_qs(query).get("id", [])
    if not values:
        return None
    note_id = values[0].strip()
    return note_id if _OPENREVIEW_ID_RE.match(note_id) else None


def doi_from_url(url: str) -> str | None:
    """The DOI (lower-cased: DOIs are case-insensitive) of a doi.org link or of a publisher page that
    carries it in its path (ACM DL, Springer, Wiley, …), or None."""
    host, path, _ = _host(url)
    if host not in _DOI_HOSTS:
        return None
    match = _DOI_RE.search(unquote(path))
    if match is None:
        return None
    doi = match.group(1).rstrip("/.")
    if host != "doi.org" and host != "dx.doi.org":
        doi = _DOI_TAIL_RE.sub("", doi)
    if host in ("biorxiv.org", "medrxiv.org"):
        doi = _PREPRINT_VERSION_RE.sub("", doi)
    return doi.lower() if "/" in doi and not doi.endswith("/") else None


def acl_id_from_url(url: str) -> str | None:
    """The ACL Anthology id of a paper page or PDF ("aclanthology.org/2023.acl-long.1",
    "aclweb.org/anthology/P19-1001.pdf"), or None (volumes, events, other pages)."""
    host, path, _ = _host(url)
    segments = [segment for segment in path.split("/") if segment]
    if host == "aclweb.org" and segments[:1] == ["anthology"]:
        segments = segments[1:]
    elif host != "aclanthology.org":
        return None
    if len(segments) != 1:
        return None
    name = segments[0]
    if name.lower().endswith(".pdf"):
        name = name[:-4]
    match = _ACL_ID_RE.match(name)
    return match.group("id") if match else None


def github_repo_from_url(url: str) -> str | None:
    """'owner/name' (lower-cased: GitHub names are case-insensitive) of a github.com link, or None."""
    host, path, _ = _host(url)
    if host != "github.com":
        return None
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 2:
        return None
    owner, name = segments[0], segments[1]
    if name.lower().endswith(".git"):
        name = name[:-4]
    if not (_GITHUB_OWNER_RE.match(owner) and _GITHUB_NAME_RE.match(name)):
        return None
    if name in (".", "..") or name.lower().endswith(
        ".git"
    ):  # would not name the same repository again
        return None
    return f"{owner}/{name}".lower()
