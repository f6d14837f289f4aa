"""Semantic Scholar: POST /paper/batch (<= 500 ids), and one title match per paper ever.

Uses our HTTP layer through `requests` rather than the `semanticscholar` client: that client
brings its own httpx transport and its own retry loop, so our one paced, retried, size-capped,
counted layer (and its credential-stripping on redirects) would not apply to it."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import requests

from enrich.cache import DAY, FOUND, NOT_FOUND, Answer
from enrich.errors import RetriesExhausted, SourceError, TransientAnswer
from enrich.http import HttpClient, expect_json, json_of
from enrich.ids import split_arxiv_version
from enrich.match import normalise_title, titles_match
from enrich.records import EntryView, PaperRecord
from enrich.settings import Settings
from enrich.sources.base import (
    Context,
    Credential,
    Endpoint,
    Offer,
    Query,
    Source,
    SourceBase,
    SourceResult,
    answer_for,
    apply_cached,
    clean,
    plan,
    run_batches,
)

NAME = "semantic_scholar"
MATCH = "semantic_scholar_match"  # cache namespace of title searches: asked once ever
BATCH = 500
FIELDS = "paperId,externalIds,title,abstract,venue,year,publicationDate,citationCount,influentialCitationCount,authors,tldr"
log = logging.getLogger(__name__)


class SemanticScholar(SourceBase):
    name = NAME
    position = 30
    endpoints = (
        Endpoint(
            "SEMANTIC_SCHOLAR_API_URL",
            "https://api.semanticscholar.org",
            "API root, without `/graph/v1`",
        ),
    )
    credentials = (
        Credential(
            "SEMANTIC_SCHOLAR_API_KEY",
            "semantic-scholar-api-key",
            "sent as `x-api-key`; without it the shared pool answers 429 more often",
        ),
    )
    # One request a second: what a key is granted, and polite for the shared anonymous pool.
    # 429s carry no Retry-After, so backoff is exponential with jitter (the HTTP layer's default).
    pace = 1.0
    expiry = {
        NAME: (DAY, DAY),
        MATCH: (None, None),
    }  # counts change daily; a title search: once ever
    # Text fields only where the paper's own link (arXiv / OpenReview) gave none; counts are its own.
    offers = {
        "semantic_scholar_id": Offer(rank=1),
        "doi": Offer(rank=2, waits=False),
        "arxiv_id": Offer(rank=2, waits=False, only_if_empty=True),
        "venue": Offer(rank=2, waits=False),
        "tldr": Offer(rank=1),
        "citation_count": Offer(rank=1),
        "influential_citation_count": Offer(rank=1),
        "abstract": Offer(rank=2),
        "authors": Offer(rank=2),
        "institutions": Offer(rank=2),
    }
    record_type = PaperRecord

    def headers(self, settings: Settings) -> dict[str, str]:
        key = settings.credential("SEMANTIC_SCHOLAR_API_KEY")
        return {"x-api-key": key} if key else {}

    def query(self, entry: EntryView) -> Query | None:
        """The strongest id the entry has: a known paperId, then arXiv, then DOI (of a doi.org link
        or a publisher page), then an ACL Anthology id, else its title (and year)."""
        title, year = entry.title, entry.year
        arxiv_id = entry.arxiv_id or _without_version(entry.stored.get("arxiv_id", ""))
        doi = entry.doi or entry.stored.get("doi", "")
        if entry.stored.get("semantic_scholar_id"):
            key = entry.stored["semantic_scholar_id"]
        elif arxiv_id:
            key = f"ARXIV:{arxiv_id}"
        elif doi:
            key = f"DOI:{doi}"
        elif entry.acl_id:
            key = f"ACL:{entry.acl_id}"
        elif normalise_title(title) and title != "paper title":
            key = title_key(title, year)
        else:
            return None
        return Query(key, title, year)

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        return _fetch(self, queries, ctx)


source: Source = SemanticScholar()


def _without_version(arxiv_id: str) -> str:
    """A hand-edited `arxiv_id: "2301.00774v2"` must not reach the batch: a versioned id is a 404 there."""
    parsed = split_arxiv_version(arxiv_id.strip())
    return parsed[0] if parsed else arxiv_id


def title_key(title: str, year: int | None) -> str:
    return f"title:{normalise_title(title)}|{year or ''}"


def record_from_paper(paper: dict[str, Any]) -> PaperRecord:
    # An answer of the wrong shape (a list or a number where an object belongs) is read as absent.
    ids, listed = paper.get("externalIds"), paper.get("authors")
    external: dict[str, Any] = ids if isinstance(ids, dict) else {}
    tldr = paper.get("tldr") or {}
    authors: list[Any] = listed if isinstance(listed, list) else []
    return PaperRecord(
        source=NAME,
        title=clean(paper.get("title")),
        abstract=clean(paper.get("abstract")),
        authors=tuple(
            clean(a.get("name")) for a in authors if isinstance(a, dict) and clean(a.get("name"))
        ),
        year=paper.get("year") if isinstance(paper.get("year"), int) else None,
        arxiv_id=str(external.get("ArXiv") or ""),
        semantic_scholar_id=str(paper.get("paperId") or ""),
        doi=clean(external.get("DOI")).lower(),
        venue=clean(paper.get("venue")),
        tldr=clean(tldr.get("text")) if isinstance(tldr, dict) else "",
        citation_count=paper.get("citationCount")
        if isinstance(paper.get("citationCount"), int)
        else None,
        influential_citation_count=(
            paper.get("influentialCitationCount")
            if isinstance(paper.get("influentialCitationCount"), int)
            else None
        ),
    )


def year_agrees(wanted: int | None, found: int | None) -> bool:
    return wanted is None or found is None or abs(wanted - found) <= 1


def _fetch(source: SemanticScholar, wanted: list[Query], ctx: Context) -> SourceResult:
    result = SourceResult(NAME)
    by_key = {q.key: q for q in wanted}
    id_keys = [k for k in by_key if not k.startswith("title:")]
    todo = plan(ctx, NAME, id_keys, source.decode, keep_stale=False)
    apply_cached(result, todo.cached)
    base = f"{ctx.url('SEMANTIC_SCHOLAR_API_URL')}/graph/v1"

    def ask(batch: list[str]) -> dict[str, dict[str, Any] | None]:
        papers = _batch(ctx.http, base, batch)
        return {
            key: paper if isinstance(paper, dict) and paper.get("paperId") else None
            for key, paper in zip(batch, papers)
        }

    # Once the API is down for us (every retry spent), ask it nothing more.
    down = (
        run_batches(
            ctx,
            result,
            todo.to_ask,
            BATCH,
            ask,
            namespace=NAME,
            ask_ahead=True,
            convert=record_from_paper,  # records made while the next batch is asked
        )
        if todo.to_ask
        else None
    )
    # What no id answered is matched by title, once ever.
    unanswered = [by_key[k] for k in todo.cached if todo.cached[k].status == NOT_FOUND]
    unanswered += [by_key[k] for k in by_key if k.startswith("title:")]
    unanswered += [by_key[k] for k in todo.to_ask if k in result.not_found]
    # Every earlier title search in one read (one query per paper was most of a warm run's
    # Semantic Scholar time at 20,000 papers).
    searched = ctx.cache.get_many(
        MATCH, [title_key(q.title, q.year) for q in unanswered], PaperRecord.from_json
    )
    for query in unanswered:
        if down is not None:
            result.failed[query.key] = str(down)
            continue
        try:
            _resolve_by_title(query, ctx, base, result, searched)
        except RetriesExhausted as error:
            down = error
            result.down = str(error)
            result.failed[query.key] = str(error)
    _remember_by_paper_id(ctx, result, todo.cached)
    return result


def _remember_by_paper_id(ctx: Context, result: SourceResult, cached: dict[str, Answer]) -> None:
    """Entries carry the paperId from now on: cache each new answer under it too, so the
    next run finds it without asking (a run right after a run makes no request)."""
    answers = [
        answer_for(NAME, record.semantic_scholar_id, record, result.checked.get(key, ctx.now))
        for key, record in result.records.items()
        if key not in cached and record.semantic_scholar_id and record.semantic_scholar_id != key
    ]
    ctx.cache.put_many(answers)


def _batch(client: HttpClient, base: str, batch: list[str]) -> list[Any]:
    def validate(response: requests.Response) -> None:
        try:
            data = json_of(response)
        except ValueError:
            raise TransientAnswer("batch answer is not JSON") from None
        if not isinstance(data, list) or len(data) != len(batch):
            raise TransientAnswer(
                f"batch answer has {len(data) if isinstance(data, list) else 'no'} items for {len(batch)} ids"
            )

    response = client.request(
        "POST",
        f"{base}/paper/batch",
        params={"fields": FIELDS},
        json={"ids": batch},
        validate=validate,
    )
    if response.status_code != 200:
        raise SourceError(
            NAME, f"batch answered HTTP {response.status_code}: {_error_text(response)}"
        )
    papers: list[Any] = json_of(response)  # validated (decoded once): a list of len(batch)
    return papers


def _resolve_by_title(
    query: Query, ctx: Context, base: str, result: SourceResult, searched: dict[str, Answer]
) -> None:
    """One title search per paper, ever (cached without expiry): accept only a confident match.
    `searched`: the cached title searches, by title key."""
    if not normalise_title(query.title):
        result.not_found.add(query.key)
        return
    key = title_key(query.title, query.year)
    cached = searched.get(key)
    if cached is not None and (ctx.offline or not ctx.refresh):
        answer = cached
    elif ctx.offline:
        return  # never asked: stays unknown
    else:
        try:
            answer, record = _search(ctx, base, query, key)
        except RetriesExhausted:
            raise
        except SourceError as error:
            result.failed[query.key] = str(error)
            return
        ctx.cache.put_many([answer])
        if record is not None:
            answer = replace(answer, payload=record)
        searched[key] = answer  # two entries with one title: searched once
    result.checked.setdefault(query.key, answer.fetched_at)
    if answer.status == FOUND:
        result.records[query.key] = answer.payload
        result.not_found.discard(query.key)
        return
    result.not_found.add(query.key)
    noted = answer.payload or {}
    candidate, year = noted.get("candidate", ""), noted.get("year")
    # The year too: a candidate rejected for its year has the curator's own title.
    seen = f"{candidate!r}, {year}" if candidate and year else repr(candidate)
    result.notes[query.key] = "no confident match" + (f" (candidate: {seen})" if candidate else "")


def _search(ctx: Context, base: str, query: Query, key: str) -> tuple[Answer, PaperRecord | None]:
    """The answer to cache for a title search, and the accepted record (None: no confident match)."""
    response = ctx.http.request(
        "GET",
        f"{base}/paper/search/match",
        params={"query": query.title, "fields": FIELDS},
        validate=expect_json,
    )
    if response.status_code == 404:
        return Answer(MATCH, key, NOT_FOUND, None, None, ctx.now), None
    if response.status_code != 200:
        raise SourceError(
            NAME, f"title match answered HTTP {response.status_code}: {_error_text(response)}"
        )
    try:
        data = json_of(response).get("data") or []
        paper = data[0] if data and isinstance(data[0], dict) else None
    except (ValueError, AttributeError):
        raise SourceError(NAME, "title match answer is not the expected JSON") from None
    if paper is None:
        return Answer(MATCH, key, NOT_FOUND, None, None, ctx.now), None
    record = record_from_paper(paper)
    if titles_match(query.title, record.title) and year_agrees(query.year, record.year):
        return answer_for(MATCH, key, record, ctx.now), record
    log.info(
        "%s: title match for %r returned %r: not the same paper", NAME, query.title, record.title
    )
    return Answer(
        MATCH, key, NOT_FOUND, {"candidate": record.title, "year": record.year}, None, ctx.now
    ), None


def _error_text(response: requests.Response) -> str:
    try:
        data = json_of(response)
    except ValueError:
        return response.text[:200]
    return (
        str(data.get("error") or data.get("message") or data)[:200]
        if isinstance(data, dict)
        else str(data)[:200]
    )
