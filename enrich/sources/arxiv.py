"""arXiv, through the `arxiv` client library: batched id_list queries (<= 100 ids each)."""

from __future__ import annotations

import logging
import re
from typing import Any

import arxiv
import requests

from enrich.cache import WEEK
from enrich.errors import SourceError, TransientAnswer
from enrich.http import HttpClient
from enrich.ids import split_arxiv_version
from enrich.records import EntryView, PaperRecord
from enrich.sources.base import (
    Context,
    Endpoint,
    Offer,
    Query,
    Source,
    SourceBase,
    SourceResult,
    apply_cached,
    clean,
    plan,
    run_batches,
)

BATCH = 100
log = logging.getLogger(__name__)

_TOTAL_RE = re.compile(rb"<opensearch:totalResults[^>]*>\s*(\d+)\s*<")


class Arxiv(SourceBase):
    name = "arxiv"
    position = 10
    endpoints = (
        Endpoint(
            "ARXIV_API_URL", "https://export.arxiv.org/api/query", "the query endpoint itself"
        ),
    )
    pace = 3.0  # arXiv asks for one request every 3 s on a single connection
    expiry = {
        "arxiv": (None, WEEK)
    }  # a paper never changes once listed; a miss may become a listing
    offers = {
        "arxiv_id": Offer(rank=1),
        "abstract": Offer(rank=1),
        "doi": Offer(rank=1),
        "authors": Offer(rank=1),
        "institutions": Offer(rank=1),
    }
    identifies_paper = True
    record_type = PaperRecord

    def query(self, entry: EntryView) -> Query | None:
        return Query(entry.arxiv_id, entry.title, entry.year) if entry.arxiv_id else None

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        result = SourceResult(self.name)
        todo = plan(ctx, self.name, list(dict.fromkeys(q.key for q in queries)), self.decode)
        apply_cached(result, todo.cached)
        if not todo.to_ask:
            return result
        library = arxiv.Client(
            page_size=BATCH, delay_seconds=0, num_retries=0
        )  # pacing/retries: ours
        library.query_url_format = ctx.url("ARXIV_API_URL") + "?{}"
        # The seam (arxiv 4.x, bounded in pyproject.toml): the library's Client fetches through its `_session`;
        # tests/test_arxiv_seam.py guards it.
        library._session = _Session(ctx.http)

        def ask(batch: list[str]) -> dict[str, PaperRecord | None]:
            found = _fetch_batch(library, batch)
            return {key: found.get(key) for key in batch}

        run_batches(ctx, result, todo.to_ask, BATCH, ask, namespace=self.name)
        return result


source: Source = Arxiv()


def validate_feed(response: requests.Response) -> None:
    """An answer must be a whole Atom feed; an empty page that claims results is transient."""
    body = response.content.strip()
    if b"http://www.w3.org/2005/Atom" not in body[:4096] or not body.endswith(b"</feed>"):
        raise TransientAnswer("answer is not a complete Atom feed")
    total = _TOTAL_RE.search(body[:8192])
    if total and int(total.group(1)) > 0 and b"<entry" not in body:
        raise TransientAnswer("empty page from arXiv")


class _Session:
    """Lets the `arxiv` library's Client fetch through our HTTP layer (pacing, retries, caps)."""

    def __init__(self, client: HttpClient):
        self.client = client

    def get(self, url: str, headers: Any = None, **_ignored: Any) -> requests.Response:
        return self.client.request("GET", url, validate=validate_feed)


def record_from_result(result: arxiv.Result) -> PaperRecord:
    parsed = split_arxiv_version(result.get_short_id())
    institutions: list[str] = []
    for author in result.authors:
        for affiliation in getattr(author, "affiliation", None) or []:
            if affiliation and affiliation not in institutions:
                institutions.append(affiliation)
    return PaperRecord(
        source="arxiv",
        title=clean(result.title),
        abstract=clean(result.summary),
        authors=tuple(clean(a.name) for a in result.authors),
        institutions=tuple(institutions),
        year=result.published.year if result.published else None,
        arxiv_id=parsed[0] if parsed else "",
        doi=(result.doi or "").strip(),
        comment=clean(result.comment),
    )


def _fetch_batch(library: arxiv.Client, batch: list[str]) -> dict[str, PaperRecord]:
    # No limit on results: the library would stop after len(batch) entries even when the page
    # holds an entry nobody asked for before one we did. (The URL's max_results is the page size.)
    search = arxiv.Search(id_list=batch, max_results=None)
    try:
        results = list(library.results(search))
    except arxiv.HTTPError as error:
        raise SourceError(
            "arxiv", f"arXiv answered HTTP {error.status} for a batch of {len(batch)} ids"
        ) from None
    except arxiv.ArxivError as error:
        raise SourceError("arxiv", f"arXiv answer unusable: {error.message}") from None
    found = {}
    asked = set(batch)
    for item in results:
        parsed = split_arxiv_version(item.get_short_id())
        if parsed and parsed[0] in asked:
            found[parsed[0]] = record_from_result(item)
    return found
