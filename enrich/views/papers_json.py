"""papers.json (schemas/papers.schema.json) and the page's data script. Pure."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from enrich.views.model import Paper

SCHEMA_ID = "urn:paper-catalog-enrich:schemas:papers.schema.json"
FORMAT_VERSION = 1
DATA_GLOBAL = "CATALOG_PAPERS"  # papers.js sets window.CATALOG_PAPERS
ABSTRACTS_GLOBAL = "CATALOG_ABSTRACTS"  # abstracts.js sets window.CATALOG_ABSTRACTS


def paper_json(paper: Paper) -> dict[str, Any]:
    """One paper's object: curated fields, enrichment, history; unknown is null, never 0."""
    repo = paper.repo
    return {
        "id": paper.id,
        "path": paper.path,
        "title": paper.title,
        "abbr": paper.abbr or None,
        "url": paper.url or None,
        "authors": list(paper.authors),
        "institutions": list(paper.institutions),
        "year": paper.year,
        "venue": paper.venue or None,
        "venue_detail": paper.venue_detail,
        "keywords": list(paper.keywords),
        "code_url": paper.code_url or None,
        "note_url": paper.note_url or None,
        "cover": paper.cover_url or None,
        "abstract": paper.abstract,
        "tldr": paper.tldr,
        "arxiv_id": paper.arxiv_id,
        "openreview_id": paper.openreview_id,
        "semantic_scholar_id": paper.semantic_scholar_id,
        "doi": paper.doi,
        "citations": paper.citations,
        "citations_changed": paper.citations_changed,
        "influential_citations": paper.influential_citations,
        "influential_citations_changed": paper.influential_citations_changed,
        "repo": None
        if repo is None
        else {
            "url": repo.url or None,
            "stars": repo.stars,
            "stars_changed": repo.stars_changed,
            "forks": repo.forks,
            "forks_changed": repo.forks_changed,
            "pushed_at": repo.pushed_at,
            "archived": repo.archived,
            "license": repo.license,
            "dead": repo.dead,
        },
        "history": {
            "citations": [[day, count] for day, count in paper.history.citations],
            "stars": [[day, count] for day, count in paper.history.stars],
        },
    }


def papers_json(papers: list[Paper]) -> str:
    """The whole document, one paper per line (a changed paper is a one-line diff), UTF-8 text."""
    return document_text([paper_json(paper) for paper in papers])


def document_text(objects: list[dict[str, Any]]) -> str:
    lines = [json.dumps(obj, ensure_ascii=False, separators=(",", ":")) for obj in objects]
    head = json.dumps(
        {"$schema": SCHEMA_ID, "version": FORMAT_VERSION, "count": len(objects)}, ensure_ascii=False
    )
    body = ",\n".join(lines)
    return head[:-1] + ', "papers": [\n' + body + ("\n" if lines else "") + "]}\n"


# The page's data: what the page shows, as arrays in this field order (the page reads them by
# these names), histories as flat [days, count, days, count, …] deltas from `epoch`; abstracts
# and TL;DRs in a second script the page loads after drawing its first rows. A fraction of
# papers.json's size, so the page's first rows come fast at 20,000 papers.
PAGE_FIELDS = (
    "path",
    "title",
    "url",
    "authors",
    "institutions",
    "year",
    "venue",
    "venue_detail",
    "keywords",
    "code_url",
    "arxiv_id",
    "doi",
    "citations",
    "citations_changed",
    "influential_citations",
    "influential_citations_changed",
    "repo_url",
    "stars",
    "stars_changed",
    "archived",
    "dead",
    "citations_history",
    "stars_history",
)


def _day_number(day: str) -> int:
    return date.fromisoformat(day).toordinal()


def _flat(series: list[list[Any]], epoch: int) -> list[int]:
    """[[day, n], …] -> [Δdays, Δn, …]: each pair relative to the one before (the first to epoch, 0)."""
    flat, last_day, last_count = [], epoch, 0
    for day, count in series:
        number = _day_number(day)
        flat += [number - last_day, count - last_count]
        last_day, last_count = number, count
    return flat


def page_data(objects: list[dict[str, Any]]) -> str:
    """The page's data script (window.CATALOG_PAPERS) from papers.json's paper objects.
    A script, not JSON: browsers refuse fetch() of a local file. JSON is valid JavaScript once
    U+2028/U+2029 are escaped."""
    days = [
        point[0]
        for obj in objects
        for name in ("citations", "stars")
        for point in obj["history"][name]
    ]
    epoch = _day_number(min(days)) if days else 0
    rows = []
    for obj in objects:
        repo = obj["repo"] or {}
        values = {
            **obj,
            "repo_url": repo.get("url"),
            "stars": repo.get("stars"),
            "stars_changed": repo.get("stars_changed"),
            "archived": repo.get("archived"),
            "dead": repo.get("dead"),
            "citations_history": _flat(obj["history"]["citations"], epoch),
            "stars_history": _flat(obj["history"]["stars"], epoch),
        }
        rows.append(
            json.dumps(
                [values[name] for name in PAGE_FIELDS], ensure_ascii=False, separators=(",", ":")
            )
        )
    head = json.dumps(
        {
            "version": FORMAT_VERSION,
            "epoch": date.fromordinal(epoch).isoformat() if days else None,
            "fields": list(PAGE_FIELDS),
        },
        separators=(",", ":"),
    )
    return _script(DATA_GLOBAL, head[:-1] + ',"papers":[\n' + ",\n".join(rows) + "]}")


def page_abstracts(objects: list[dict[str, Any]]) -> str:
    """The page's second script: [abstract, tldr] per paper, in papers.js's order."""
    rows = [
        json.dumps([obj["abstract"], obj["tldr"]], ensure_ascii=False, separators=(",", ":"))
        for obj in objects
    ]
    return _script(ABSTRACTS_GLOBAL, "[\n" + ",\n".join(rows) + "]")


def _script(name: str, json_text: str) -> str:
    return (
        f"window.{name} = "
        + json_text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        + ";\n"
    )
