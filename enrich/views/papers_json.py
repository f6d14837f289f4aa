"""papers.json (schemas/papers.schema.json) and the page's data script. Pure."""

from __future__ import annotations

import json
from typing import Any

from enrich.views.model import Paper

SCHEMA_ID = "urn:paper-catalog-enrich:schemas:papers.schema.json"
FORMAT_VERSION = 1
DATA_GLOBAL = "CATALOG_PAPERS"  # the page's data script sets window.CATALOG_PAPERS


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
        "repo": None if repo is None else {
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
    lines = [json.dumps(paper_json(paper), ensure_ascii=False, separators=(",", ":")) for paper in papers]
    head = json.dumps({"$schema": SCHEMA_ID, "version": FORMAT_VERSION, "count": len(papers)}, ensure_ascii=False)
    body = ",\n".join(lines)
    return head[:-1] + ', "papers": [\n' + body + ("\n" if lines else "") + "]}\n"


def page_data(document: str) -> str:
    """papers.json as a script the page loads with <script src> (browsers refuse fetch() on file://).
    JSON is valid JavaScript once U+2028/U+2029 are escaped; "</" cannot end a script file."""
    safe = document.rstrip("\n").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{DATA_GLOBAL} = {safe};\n"
