"""Semantic Scholar: POST /paper/batch (<= 500 ids), and one title match per paper ever.

Uses our HTTP layer through `requests` rather than the `semanticscholar` client: that client
brings its own httpx transport and its own retry loop, so our one paced, retried, size-capped,
counted layer (and its credential-stripping on redirects) would not apply to it."""

from __future__ import annotations

import logging
from dataclasses import replace

import requests

from enrich.cache import FOUND, NOT_FOUND, Answer
from enrich.errors import RetriesExhausted, SourceError, TransientAnswer
from enrich.http import HttpClient, Policy, expect_json
from enrich.ids import acl_id_from_url, arxiv_id_from_url, doi_from_url, split_arxiv_version
from enrich.match import normalise_title, titles_match
from enrich.records import PaperRecord
from enrich.schema import paper_pb2
from enrich.sources import Context, Query, SourceResult, answer_for, apply_cached, chunks, fail_all, plan

NAME = "semantic_scholar"
MATCH = "semantic_scholar_match"  # cache namespace of title searches: asked once ever
BATCH = 500
FIELDS = "paperId,externalIds,title,abstract,venue,year,publicationDate,citationCount,influentialCitationCount,authors,tldr"
# One request a second: what a key is granted, and polite for the shared anonymous pool.
# 429s carry no Retry-After, so backoff is exponential with jitter (the HTTP layer's default).
POLICY = Policy(min_interval=1.0, attempts=6, backoff_initial=2.0, backoff_max=60.0)
log = logging.getLogger(__name__)


def queries(info: paper_pb2.PaperInfo) -> list[Query]:
    """The strongest id the entry has: a known paperId, then arXiv, then DOI (of a doi.org link
    or a publisher page), then an ACL Anthology id, else its title (and year)."""
    title, year = info.paper.title, info.pub.year or None
    enrichment = info.enrichment
    arxiv_id = arxiv_id_from_url(info.paper.url) or _without_version(enrichment.arxiv_id)
    doi = doi_from_url(info.paper.url) or enrichment.doi
    acl_id = acl_id_from_url(info.paper.url)
    if enrichment.semantic_scholar_id:
        key = enrichment.semantic_scholar_id
    elif arxiv_id:
        key = f"ARXIV:{arxiv_id}"
    elif doi:
        key = f"DOI:{doi}"
    elif acl_id:
        key = f"ACL:{acl_id}"
    elif normalise_title(title) and title != "paper title":
        key = title_key(title, year)
    else:
        return []
    return [Query(key, title, year)]


def _without_version(arxiv_id: str) -> str:
    """A hand-edited `arxiv_id: "2301.00774v2"` must not reach the batch: a versioned id is a 404 there."""
    parsed = split_arxiv_version(arxiv_id.strip())
    return parsed[0] if parsed else arxiv_id


def title_key(title: str, year: int | None) -> str:
    return f"title:{normalise_title(title)}|{year or ''}"


def decode(payload: dict) -> PaperRecord:
    return PaperRecord.from_json(payload)


def make_client(settings) -> HttpClient:
    headers = {"x-api-key": settings.semantic_scholar_api_key} if settings.semantic_scholar_api_key else {}
    return HttpClient(NAME, settings, POLICY, headers)


def record_from_paper(paper: dict) -> PaperRecord:
    external = paper.get("externalIds") or {}
    tldr = paper.get("tldr") or {}
    return PaperRecord(
        source=NAME,
        title=" ".join(str(paper.get("title") or "").split()),
        abstract=" ".join(str(paper.get("abstract") or "").split()),
        authors=tuple(" ".join(str(a.get("name") or "").split()) for a in paper.get("authors") or [] if a and a.get("name")),
        year=paper.get("year") if isinstance(paper.get("year"), int) else None,
        arxiv_id=str(external.get("ArXiv") or ""),
        semantic_scholar_id=str(paper.get("paperId") or ""),
        doi=str(external.get("DOI") or "").lower(),
        venue=" ".join(str(paper.get("venue") or "").split()),
        tldr=" ".join(str(tldr.get("text") or "").split()) if isinstance(tldr, dict) else "",
        citation_count=paper.get("citationCount") if isinstance(paper.get("citationCount"), int) else None,
        influential_citation_count=(
            paper.get("influentialCitationCount") if isinstance(paper.get("influentialCitationCount"), int) else None
        ),
    )


def year_agrees(wanted: int | None, found: int | None) -> bool:
    return wanted is None or found is None or abs(wanted - found) <= 1


def fetch(wanted: list[Query], ctx: Context) -> SourceResult:
    result = SourceResult(NAME)
    by_key = {q.key: q for q in wanted}
    id_keys = [k for k in by_key if not k.startswith("title:")]
    todo = plan(ctx, NAME, id_keys, decode)
    apply_cached(result, todo.cached)
    unanswered = [by_key[k] for k in todo.cached if todo.cached[k].status == NOT_FOUND]
    unanswered += [by_key[k] for k in by_key if k.startswith("title:")]
    base = f"{ctx.settings.semantic_scholar_url}/graph/v1"
    down: RetriesExhausted | None = None  # once the API is down for us, ask it nothing more
    for done, batch in enumerate(chunks(todo.to_ask, BATCH)):
        try:
            papers = _batch(ctx.client, base, batch)
        except RetriesExhausted as error:
            down = error
            fail_all(result, todo.to_ask[done * BATCH :], error)
            break
        except SourceError as error:
            fail_all(result, batch, error)
            continue
        answers = []
        for key, paper in zip(batch, papers):
            record = record_from_paper(paper) if isinstance(paper, dict) and paper.get("paperId") else None
            answers.append(answer_for(NAME, key, record, ctx.now))
            result.checked[key] = ctx.now
            if record is None:
                unanswered.append(by_key[key])
            else:
                result.records[key] = record
        ctx.cache.put_many(answers)
        ctx.progress(min((done + 1) * BATCH, len(todo.to_ask)), len(todo.to_ask))
    for query in unanswered:
        if down is not None:
            result.failed[query.key] = str(down)
            continue
        try:
            _resolve_by_title(query, ctx, base, result)
        except RetriesExhausted as error:
            down = error
            result.failed[query.key] = str(error)
    _remember_by_paper_id(ctx, result, todo.cached)
    return result


def _remember_by_paper_id(ctx: Context, result: SourceResult, cached: dict) -> None:
    """Entries carry the paperId from now on: cache each new answer under it too, so the
    next run finds it without asking (a run right after a run makes no request)."""
    answers = [
        answer_for(NAME, record.semantic_scholar_id, record, result.checked.get(key, ctx.now))
        for key, record in result.records.items()
        if key not in cached and record.semantic_scholar_id and record.semantic_scholar_id != key
    ]
    ctx.cache.put_many(answers)


def _batch(client: HttpClient, base: str, batch: list[str]) -> list:
    def validate(response: requests.Response) -> None:
        try:
            data = response.json()
        except ValueError:
            raise TransientAnswer("batch answer is not JSON") from None
        if not isinstance(data, list) or len(data) != len(batch):
            raise TransientAnswer(f"batch answer has {len(data) if isinstance(data, list) else 'no'} items for {len(batch)} ids")

    response = client.request("POST", f"{base}/paper/batch", params={"fields": FIELDS}, json={"ids": batch}, validate=validate)
    if response.status_code != 200:
        raise SourceError(NAME, f"batch answered HTTP {response.status_code}: {_error_text(response)}")
    return response.json()


def _resolve_by_title(query: Query, ctx: Context, base: str, result: SourceResult) -> None:
    """One title search per paper, ever (cached without expiry): accept only a confident match."""
    if not normalise_title(query.title):
        result.not_found.add(query.key)
        return
    key = title_key(query.title, query.year)
    cached = ctx.cache.get_many(MATCH, [key], decode).get(key)
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
    response = ctx.client.request(
        "GET", f"{base}/paper/search/match", params={"query": query.title, "fields": FIELDS}, validate=expect_json
    )
    if response.status_code == 404:
        return Answer(MATCH, key, NOT_FOUND, None, None, ctx.now), None
    if response.status_code != 200:
        raise SourceError(NAME, f"title match answered HTTP {response.status_code}: {_error_text(response)}")
    try:
        data = response.json().get("data") or []
        paper = data[0] if data and isinstance(data[0], dict) else None
    except (ValueError, AttributeError):
        raise SourceError(NAME, "title match answer is not the expected JSON") from None
    if paper is None:
        return Answer(MATCH, key, NOT_FOUND, None, None, ctx.now), None
    record = record_from_paper(paper)
    if titles_match(query.title, record.title) and year_agrees(query.year, record.year):
        return answer_for(MATCH, key, record, ctx.now), record
    log.info("%s: title match for %r returned %r: not the same paper", NAME, query.title, record.title)
    return Answer(MATCH, key, NOT_FOUND, {"candidate": record.title, "year": record.year}, None, ctx.now), None


def _error_text(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    return str(data.get("error") or data.get("message") or data)[:200] if isinstance(data, dict) else str(data)[:200]
