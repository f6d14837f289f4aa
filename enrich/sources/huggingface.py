"""Hugging Face paper pages: GET /api/papers/{arxiv_id}, one paper a request (there is no batch).

Asked only for arXiv papers whose entry has no code link: its `githubRepo` is a code
candidate (enrich/discover.py). A 404 means Hugging Face has not indexed the paper, which is
an answer ("none"), not an error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import requests

from enrich.cache import WEEK
from enrich.errors import SourceError, SourceUnavailable
from enrich.http import expect_json, json_of
from enrich.ids import ARXIV_ID_RE
from enrich.records import EntryView
from enrich.sources.base import (
    Context,
    Endpoint,
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

NAME = "huggingface"


@dataclass(frozen=True)
class HuggingFaceRecord:
    """What Hugging Face's paper page says about an arXiv paper."""

    title: str
    arxiv_id: str
    github_repo: str = ""  # "https://github.com/owner/name"; the key is absent when unset
    github_stars: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HuggingFaceRecord:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    @classmethod
    def from_api(cls, paper: dict[str, Any]) -> HuggingFaceRecord:
        stars = paper.get("githubStars")
        return cls(
            title=clean(paper.get("title")),
            arxiv_id=clean(paper.get("id")),
            github_repo=clean(paper.get("githubRepo")),
            github_stars=stars if isinstance(stars, int) and not isinstance(stars, bool) else None,
        )


class HuggingFace(SourceBase):
    name = NAME
    position = 50
    endpoints = (
        Endpoint(
            "HUGGINGFACE_API_URL",
            "https://huggingface.co",
            "paper pages (`/api/papers/{arxiv_id}`)",
        ),
    )
    # No batch endpoint and no published limit for paper pages: two requests a second stay well
    # inside the Hub's anonymous limits (hundreds per 5 minutes) and are polite.
    pace = 0.5
    expiry = {NAME: (WEEK, WEEK)}  # code links appear after publication: ask again weekly
    offers = {}  # its githubRepo is a code candidate, checked by GitHub before use (enrich/discover.py)
    reports_not_found = (
        False  # it indexes some papers only: a miss is normal, not a curator's business
    )
    record_type = HuggingFaceRecord

    def query(self, entry: EntryView) -> Query | None:
        """Only new-style arXiv ids (the only ones with pages), only when the entry has no code link."""
        if (
            entry.code_url.strip()
            or not entry.arxiv_id
            or "/" in entry.arxiv_id
            or not ARXIV_ID_RE.match(entry.arxiv_id)
        ):
            return None
        return Query(entry.arxiv_id, entry.title, entry.year)

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
        base = ctx.url("HUGGINGFACE_API_URL")

        def ask(batch: list[str]) -> dict[str, HuggingFaceRecord | None]:
            (arxiv_id,) = batch
            return {arxiv_id: _paper(ctx, base, arxiv_id)}

        progress = ctx.progress  # one request a paper: say how far every 50, not every time
        ctx.progress = lambda done, total: (
            progress(done, total) if done % 50 == 0 or done == total else None
        )
        try:
            run_batches(ctx, result, todo.to_ask, 1, ask, namespace=self.name, ask_ahead=True)
        except SourceUnavailable as error:
            fail_all(result, [k for k in todo.to_ask if k not in result.checked], error)
            result.problems.append(str(error))
        return result


source: Source = HuggingFace()


def _paper(ctx: Context, base: str, arxiv_id: str) -> HuggingFaceRecord | None:
    response = ctx.http.request("GET", f"{base}/api/papers/{arxiv_id}", validate=expect_json)
    if response.status_code == 404:
        return None
    if response.status_code in (401, 403):
        raise SourceUnavailable(
            NAME, f"Hugging Face answered HTTP {response.status_code}", "try again later"
        )
    if response.status_code != 200:
        raise SourceError(
            NAME, f"paper {arxiv_id}: HTTP {response.status_code}: {_error_text(response)}"
        )
    paper = json_of(response)
    if not isinstance(paper, dict) or not paper.get("title"):
        raise SourceError(NAME, f"paper {arxiv_id}: the answer is not a paper")
    return HuggingFaceRecord.from_api(paper)


def _error_text(response: requests.Response) -> str:
    try:
        data = json_of(response)
    except ValueError:
        return response.text[:200]
    return str(data.get("error") if isinstance(data, dict) else data)[:200]
