"""URL -> identifier parsing: pure functions, no I/O."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

# New-style (since 2007-04): YYMM.NNNN or YYMM.NNNNN; old-style: archive(.SUB)/YYMMNNN.
# ASCII digits only: `\d` also takes "２３０１" or "໙", which arXiv rejects with a 400 that would
# fail every other id of the batch.
_ARXIV_NEW = r"[0-9]{4}\.[0-9]{4,5}"
_ARXIV_OLD = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/[0-9]{7}"
ARXIV_ID_RE = re.compile(rf"^(?P<id>{_ARXIV_NEW}|{_ARXIV_OLD})(?:v(?P<version>[0-9]+))?$")
_ARXIV_PATH_RE = re.compile(r"^/+(?:abs|pdf|html)/+(?P<rest>.+?)/*$")
_OPENREVIEW_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{5,}$")
_GITHUB_OWNER_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?$")  # users and orgs
_GITHUB_NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_DOI_RE = re.compile(r"(10\.\d{4,9}/\S+)")


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


def arxiv_id_from_url(url: str) -> str | None:
    """The version-less arXiv id a paper URL points to (abs/pdf/html, any form), or None."""
    host, path, _ = _host(url)
    if host not in ("arxiv.org", "export.arxiv.org"):
        return None
    match = _ARXIV_PATH_RE.match(path)
    if match is None:
        return None
    rest = match.group("rest")
    if rest.lower().endswith(".pdf"):
        rest = rest[:-4]
    parsed = split_arxiv_version(rest)
    return parsed[0] if parsed else None


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
    """The DOI of a doi.org link (lower-cased, as DOIs are case-insensitive), or None."""
    host, path, _ = _host(url)
    if host not in ("doi.org", "dx.doi.org"):
        return None
    match = _DOI_RE.search(path.lstrip("/"))
    return match.group(1).rstrip(".").lower() if match else None


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
    if name in (".", "..") or name.lower().endswith(".git"):  # would not name the same repository again
        return None
    return f"{owner}/{name}".lower()
