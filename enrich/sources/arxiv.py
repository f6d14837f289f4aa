"""arXiv, through the `arxiv` client library: batched id_list queries (<= 100 ids each)."""

from __future__ import annotations

import logging
import re

import arxiv
import requests

from enrich.errors import RetriesExhausted, SourceError, TransientAnswer
from enrich.http import HttpClient, Policy
from enrich.ids import arxiv_id_from_url, split_arxiv_version
from enrich.records import PaperRecord
from enrich.schema import paper_pb2
from enrich.sources import Context, Query, SourceResult, answer_for, apply_cached, chunks, fail_all, plan

NAME = "arxiv"
BATCH = 100
# arXiv asks for one request every 3 s on a single connection.
POLICY = Policy(min_interval=3.0)
log = logging.getLogger(__name__)

_TOTAL_RE = re.compile(rb"<opensearch:totalResults[^>]*>\s*(\d+)\s*<")


def queries(info: paper_pb2.PaperInfo) -> list[Query]:
    arxiv_id = arxiv_id_from_url(info.paper.url)
    return [Query(arxiv_id, info.paper.title, info.pub.year or None)] if arxiv_id else []


def decode(payload: dict) -> PaperRecord:
    return PaperRecord.from_json(payload)


def make_client(settings) -> HttpClient:
    return HttpClient(NAME, settings, POLICY)


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

    def get(self, url: str, headers=None, **_ignored) -> requests.Response:
        return self.client.request("GET", url, validate=validate_feed)


def record_from_result(result: arxiv.Result) -> PaperRecord:
    arxiv_id = split_arxiv_version(result.get_short_id())[0]
    institutions = []
    for author in result.authors:
        for affiliation in getattr(author, "affiliation", None) or []:
            if affiliation and affiliation not in institutions:
                institutions.append(affiliation)
    return PaperRecord(
        source=NAME,
        title=" ".join(result.title.split()),
        abstract=" ".join(result.summary.split()),
        authors=tuple(" ".join(a.name.split()) for a in result.authors),
        institutions=tuple(institutions),
        year=result.published.year if result.published else None,
        arxiv_id=arxiv_id,
        doi=(result.doi or "").strip(),
    )


def fetch(wanted: list[Query], ctx: Context) -> SourceResult:
    result = SourceResult(NAME)
    keys = list(dict.fromkeys(q.key for q in wanted))
    todo = plan(ctx, NAME, keys, decode)
    apply_cached(result, todo.cached)
    if not todo.to_ask:
        return result
    library = arxiv.Client(page_size=BATCH, delay_seconds=0, num_retries=0)  # pacing/retries: ours
    library.query_url_format = ctx.settings.arxiv_url + "?{}"
    library._session = _Session(ctx.client)
    done = 0
    for batch in chunks(todo.to_ask, BATCH):
        try:
            found = _fetch_batch(library, batch)
        except RetriesExhausted as error:  # arXiv is down for us: don't hammer it with the rest
            fail_all(result, todo.to_ask[done:], error)
            break
        except SourceError as error:
            fail_all(result, batch, error)
        else:
            answers = []
            for key in batch:
                record = found.get(key)
                if record is None:
                    result.not_found.add(key)
                else:
                    result.records[key] = record
                answers.append(answer_for(NAME, key, record, ctx.now))
                result.checked[key] = ctx.now
            ctx.cache.put_many(answers)
        done += len(batch)
        ctx.progress(done, len(todo.to_ask))
    return result


def _fetch_batch(library: arxiv.Client, batch: list[str]) -> dict[str, PaperRecord]:
    # No limit on results: the library would stop after len(batch) entries even when the page
    # holds an entry nobody asked for before one we did. (The URL's max_results is the page size.)
    search = arxiv.Search(id_list=batch, max_results=None)
    try:
        results = list(library.results(search))
    except arxiv.HTTPError as error:
        raise SourceError(NAME, f"arXiv answered HTTP {error.status} for a batch of {len(batch)} ids") from None
    except arxiv.ArxivError as error:
        raise SourceError(NAME, f"arXiv answer unusable: {error.message}") from None
    found = {}
    asked = set(batch)
    for item in results:
        parsed = split_arxiv_version(item.get_short_id())
        if parsed and parsed[0] in asked:
            found[parsed[0]] = record_from_result(item)
    return found

