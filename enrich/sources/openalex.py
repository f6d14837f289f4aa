"""OpenAlex: GET /works?filter=doi:A|B|… (<= 100 DOIs a request), the arXiv DOI for arXiv papers.

Gives the authors' institutions (where arXiv has none), the primary venue (for venue updates,
enrich/discover.py) and `cited_by_count`, kept as its own field beside Semantic Scholar's
citation count (README: which count the list shows, and why)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import requests

from enrich.cache import DAY
from enrich.discovery import institutions_in_author_order
from enrich.errors import SourceError, SourceUnavailable, TransientAnswer
from enrich.http import expect_json, json_of, retry_after_seconds
from enrich.records import EntryView
from enrich.sources.base import (
    Context,
    Credential,
    Endpoint,
    Offer,
    Query,
    Source,
    SourceBase,
    SourceResult,
    apply_cached,
    clean,
    fail_all,
    plan,
    run_batches,
)

NAME = "openalex"
BATCH = 100  # OpenAlex takes at most 100 values in one OR filter
# Two requests under way at once, each let go at our pace (5 a second): OpenAlex allows 100 a
# second, so no jitter brings two arrivals near its limit, and one at a time would wait out each
# answer's latency (183 batches at 20,000 papers took longer than Semantic Scholar's floor).
IN_FLIGHT = 2
SELECT = "id,doi,title,publication_year,primary_location,authorships,cited_by_count"
PUBLISHED = (
    "journal",
    "conference",
    "book series",
)  # source types that are a venue (not a repository)


@dataclass(frozen=True)
class OpenAlexRecord:
    """What OpenAlex says about one work."""

    title: str
    doi: str = ""
    year: int | None = None
    venue: str = ""  # the primary location's source when it is a journal or conference (not arXiv)
    institutions: tuple[str, ...] = ()  # in author order, each once
    openalex_cited_by_count: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OpenAlexRecord:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["institutions"] = tuple(str(name) for name in values.get("institutions", ()))
        return cls(**values)

    @classmethod
    def from_api(cls, work: dict[str, Any]) -> OpenAlexRecord:
        source = (work.get("primary_location") or {}).get("source") or {}
        count = work.get("cited_by_count")
        year = work.get("publication_year")
        per_author = [
            [
                clean(inst.get("display_name"))
                for inst in (authorship.get("institutions") or [])
                if isinstance(inst, dict)
            ]
            for authorship in work.get("authorships") or []
            if isinstance(authorship, dict)
        ]
        return cls(
            title=clean(work.get("title") or work.get("display_name")),
            doi=_bare_doi(work.get("doi")),
            year=year if isinstance(year, int) else None,
            venue=clean(source.get("display_name")) if source.get("type") in PUBLISHED else "",
            institutions=institutions_in_author_order(per_author),
            openalex_cited_by_count=count
            if isinstance(count, int) and not isinstance(count, bool)
            else None,
        )


class OpenAlex(SourceBase):
    name = NAME
    position = 60
    endpoints = (
        Endpoint(
            "OPENALEX_API_URL", "https://api.openalex.org", "API root (`/works?filter=doi:…`)"
        ),
    )
    credentials = (
        Credential(
            "OPENALEX_API_KEY",
            "openalex-api-key",
            "sent as `api_key`; needed for real use since 2026 (free at openalex.org)",
        ),
    )
    pace = 0.2  # OpenAlex allows 10 requests a second; half of that, for 100 works a request, is plenty
    expiry = {NAME: (DAY, DAY)}  # counts change daily
    offers = {
        "institutions": Offer(rank=3),  # after arXiv's own affiliations (and Semantic Scholar's)
        "openalex_cited_by_count": Offer(rank=1),
    }
    reports_not_found = (
        False  # it indexes some papers only: a miss is normal, not a curator's business
    )
    record_type = OpenAlexRecord

    def query(self, entry: EntryView) -> Query | None:
        """The arXiv DOI for an arXiv paper, else the DOI of its link or of an earlier run."""
        if entry.arxiv_id:
            key = f"10.48550/arxiv.{entry.arxiv_id}".lower()
        else:
            key = (entry.doi or entry.stored.get("doi", "")).strip().lower()
        # A DOI holding the filter's own separators cannot be asked in a batch (nor alone).
        if not key.startswith("10.") or "|" in key or "," in key:
            return None
        return Query(key, entry.title, entry.year)

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        result = SourceResult(self.name)
        todo = plan(
            ctx,
            self.name,
            list(dict.fromkeys(q.key for q in queries)),
            self.decode,
            keep_stale=False,
        )
        apply_cached(result, todo.cached)
        base = ctx.url("OPENALEX_API_URL")
        key = ctx.credential("OPENALEX_API_KEY")
        if todo.to_ask and not key:
            result.problems.append(
                "no OPENALEX_API_KEY: without a (free) key OpenAlex allows about 100 batch "
                "requests a day (set it)"
            )

        def ask(batch: list[str]) -> dict[str, dict[str, Any] | None]:
            return _works(ctx, base, key, batch)

        try:
            run_batches(
                ctx,
                result,
                todo.to_ask,
                BATCH,
                ask,
                namespace=self.name,
                ask_ahead=True,
                in_flight=IN_FLIGHT,
                convert=OpenAlexRecord.from_api,  # records made while the next batches are asked
            )
        except (
            DailyAllowanceSpent
        ) as error:  # like a spent GitHub budget: the rest waits for the next run
            result.deferred.update(k for k in todo.to_ask if k not in result.checked)
            result.problems.append(f"{error} ({len(result.deferred)} DOIs left for the next run)")
        except SourceUnavailable as error:
            fail_all(result, [k for k in todo.to_ask if k not in result.checked], error)
            result.problems.append(str(error))
        return result


source: Source = OpenAlex()


class DailyAllowanceSpent(SourceUnavailable):
    """OpenAlex answered 429: the day's allowance is spent (its per-second limit answers 403)."""


def classify(response: requests.Response) -> None:
    """OpenAlex's statuses: 403 = too fast (retry, slower), 429 = the day's allowance is spent
    (no retry today), 5xx = retry; 401 = the key is not valid."""
    if response.status_code == 429:
        raise DailyAllowanceSpent(
            NAME,
            "OpenAlex's daily allowance is spent",
            "set OPENALEX_API_KEY, or wait for tomorrow",
        )
    if response.status_code == 403 or response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))
    if response.status_code == 401:
        raise SourceUnavailable(
            NAME, "OpenAlex refused the API key (HTTP 401)", "set OPENALEX_API_KEY to a valid key"
        )


def _bare_doi(value: object) -> str:
    text = clean(value).lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        text = text.removeprefix(prefix)
    return text


def _works(
    ctx: Context, base: str, key: str | None, batch: list[str]
) -> dict[str, dict[str, Any] | None]:
    """Every DOI of the batch: its work as OpenAlex answered it (OpenAlexRecord.from_api makes
    the record), or None when OpenAlex left it out of the answer."""
    params = {"filter": "doi:" + "|".join(batch), "per_page": str(BATCH), "select": SELECT}
    if key:
        params["api_key"] = key
    response = ctx.http.request(
        "GET", f"{base}/works", params=params, classify=classify, validate=expect_json
    )
    if response.status_code != 200:
        raise SourceError(
            NAME, f"works answered HTTP {response.status_code}: {_error_text(response)}"
        )
    data = json_of(response)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        raise SourceError(NAME, "works answer has no result list")
    found: dict[str, dict[str, Any] | None] = {doi: None for doi in batch}
    for work in results:
        if isinstance(work, dict) and (doi := _bare_doi(work.get("doi"))) in found:
            found[doi] = work
    return found


def _error_text(response: requests.Response) -> str:
    try:
        data = json_of(response)
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)[:200]
    return str(data)[:200]
