"""GitHub: with GITHUB_TOKEN, GraphQL (100 repositories a query, ~1 point each); without,
REST once per repository per day, revalidated with If-None-Match (a 304 changes nothing)."""

from __future__ import annotations

import calendar
import json
import logging
import time
from collections.abc import Callable
from typing import Any

import requests

from enrich.cache import DAY, FOUND, Answer
from enrich.errors import RateLimitExhausted, SourceError, SourceUnavailable, TransientAnswer
from enrich.http import expect_json, header_number, retry_after_seconds
from enrich.records import EntryView, RepoRecord
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
    fail_all,
    plan,
    run_batches,
)

NAME = "github"
BATCH = 100
TOKEN_HINT = "set GITHUB_TOKEN (a token with no scopes is enough) for 5,000 requests an hour and GraphQL batches"
ANONYMOUS_NOTE = "no GITHUB_TOKEN: GitHub allows 60 anonymous requests an hour; " + TOKEN_HINT
_FIELDS = "nameWithOwner url stargazerCount forkCount pushedAt isArchived licenseInfo { spdxId }"
log = logging.getLogger(__name__)


class GitHub(SourceBase):
    name = NAME
    position = 40
    endpoints = (
        Endpoint(
            "GITHUB_API_URL", "https://api.github.com", "GraphQL at `$GITHUB_API_URL/graphql`"
        ),
    )
    credentials = (
        Credential(
            "GITHUB_TOKEN",
            "github-token",
            "**recommended**: without it GitHub allows 60 requests an hour (REST, one per repository); with it "
            "5,000 an hour and 100 repositories per GraphQL query. A fine-grained token with no permissions is enough.",
        ),
    )
    # GitHub asks for requests one after another, not concurrently; 0.25 s keeps well under
    # the secondary limits (900 points/min) even with a token.
    pace = 0.25
    expiry = {NAME: (DAY, DAY)}  # stars change; a stale answer is revalidated with If-None-Match
    offers = {"repo": Offer(rank=1)}
    dead_when_not_found = True  # a missing repository means the curator's link is dead
    record_type = RepoRecord

    def headers(self, settings: Settings) -> dict[str, str]:
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        token = settings.credential("GITHUB_TOKEN")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def query(self, entry: EntryView) -> Query | None:
        return Query(entry.github_repo) if entry.github_repo else None

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        result = SourceResult(NAME)
        todo = plan(ctx, NAME, list(dict.fromkeys(q.key for q in queries)), self.decode)
        apply_cached(result, todo.cached)
        for key, record in result.records.items():
            _note_rename(result, key, record)
        if not todo.to_ask:
            return result
        token = ctx.credential("GITHUB_TOKEN")
        try:
            if token:
                run_batches(
                    ctx, result, todo.to_ask, BATCH, _GraphQL(ctx, result).ask, namespace=NAME
                )
            else:
                result.problems.append(ANONYMOUS_NOTE)
                run_batches(ctx, result, todo.to_ask, 1, _Rest(ctx, result, todo.stale).ask)
        except RateLimitExhausted as error:
            left = [k for k in todo.to_ask if k not in result.checked and k not in result.failed]
            when = (
                time.strftime("%H:%M UTC", time.gmtime(error.reset_at))
                if error.reset_at
                else "later"
            )
            result.problems.append(
                f"rate limit spent until {when}: {len(left)} {'repository' if len(left) == 1 else 'repositories'} left "
                "for the next run; earlier values kept" + ("" if token else f" ({TOKEN_HINT})")
            )
            result.deferred.update(left)  # unknown this run, not a failure: the next run continues
        except SourceUnavailable as error:
            fail_all(result, [key for key in todo.to_ask if key not in result.checked], error)
        return result


source: Source = GitHub()


def _spent(response: requests.Response) -> RateLimitExhausted:
    reset = header_number(response.headers.get("x-ratelimit-reset")) or 0.0
    return RateLimitExhausted(NAME, "GitHub rate limit spent", TOKEN_HINT, reset)


def classify(response: requests.Response) -> None:
    """Spent budget (remaining 0) stops GitHub for the run; secondary limits and 5xx are retried."""
    status = response.status_code
    if status in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
        raise _spent(response)
    if (
        status == 429
        or (status == 403 and retry_after_seconds(response) is not None)
        or status >= 500
    ):
        raise TransientAnswer(f"HTTP {status}", retry_after_seconds(response))
    if status == 401:
        raise SourceUnavailable(NAME, "GitHub rejected the token (HTTP 401)", "check GITHUB_TOKEN")


def _count(value: object) -> int:
    """A count GitHub always sends; missing or not a number is a broken answer, never 0
    ("unknown" must not be written as 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def record_from_rest(data: dict[str, Any]) -> RepoRecord:
    license_info = data.get("license") or {}
    return RepoRecord(
        full_name=str(data["full_name"]),
        url=str(data.get("html_url") or f"https://github.com/{data['full_name']}"),
        stars=_count(data.get("stargazers_count")),
        forks=_count(data.get("forks_count")),
        pushed_at=str(data.get("pushed_at") or ""),
        archived=bool(data.get("archived")),
        license=str(license_info.get("spdx_id") or "") if isinstance(license_info, dict) else "",
    )


def record_from_graphql(data: dict[str, Any]) -> RepoRecord:
    license_info = data.get("licenseInfo") or {}
    return RepoRecord(
        full_name=str(data["nameWithOwner"]),
        url=str(data.get("url") or f"https://github.com/{data['nameWithOwner']}"),
        stars=_count(data.get("stargazerCount")),
        forks=_count(data.get("forkCount")),
        pushed_at=str(data.get("pushedAt") or ""),
        archived=bool(data.get("isArchived")),
        license=str(license_info.get("spdxId") or "") if isinstance(license_info, dict) else "",
    )


def _note_rename(result: SourceResult, key: str, record: RepoRecord) -> None:
    if record.full_name.lower() != key:
        result.notes[key] = f"repository renamed: {key} -> {record.full_name} ({record.url})"


class _Rest:
    """Without a token: one conditional REST request per repository (a 304 costs nothing)."""

    def __init__(self, ctx: Context, result: SourceResult, stale: dict[str, Answer]):
        self.ctx, self.result, self.stale = ctx, result, stale
        self.spent: requests.Response | None = None  # the last answer spent the budget

    def ask(self, batch: list[str]) -> dict[str, RepoRecord | None]:
        # Any answer can spend the last request, a 404 as well: stop before asking into a 403.
        if self.spent is not None:
            raise _spent(self.spent)
        key = batch[0]
        previous = self.stale.get(key)
        headers = (
            {"If-None-Match": previous.etag}
            if previous and previous.etag and previous.status == FOUND
            else {}
        )
        response = self.ctx.http.request(
            "GET",
            f"{self.ctx.url('GITHUB_API_URL')}/repos/{key}",
            headers=headers,
            classify=classify,
            validate=expect_json,
        )
        if response.headers.get("x-ratelimit-remaining") == "0":
            self.spent = response
        return self._store(key, response, previous)

    def _store(
        self, key: str, response: requests.Response, previous: Answer | None
    ) -> dict[str, RepoRecord | None]:
        ctx, result = self.ctx, self.result
        if response.status_code == 304 and previous is not None:
            ctx.cache.touch_many(NAME, [key], ctx.now)
            record: RepoRecord = previous.payload  # planned answers hold their decoded record
        elif response.status_code == 200:
            try:
                record = record_from_rest(response.json())
            except (ValueError, KeyError, TypeError):
                result.checked[key] = ctx.now
                result.failed[key] = "GitHub answer is not the expected JSON"
                return {}
            ctx.cache.put_many(
                [answer_for(NAME, key, record, ctx.now, response.headers.get("ETag"))]
            )
        elif response.status_code in (404, 451):
            ctx.cache.put_many([answer_for(NAME, key, None, ctx.now)])
            return {key: None}
        else:
            result.checked[key] = ctx.now
            result.failed[key] = f"GitHub answered HTTP {response.status_code}"
            return {}
        _note_rename(result, key, record)
        return {key: record}


def graphql_query(batch: list[str]) -> str:
    """One query asking for up to 100 repositories as aliased fields, plus the budget."""
    parts = ["query {", "  rateLimit { cost remaining resetAt }"]
    for index, key in enumerate(batch):
        owner, name = key.split("/", 1)
        parts.append(
            f"  r{index}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{ {_FIELDS} }}"
        )
    parts.append("}")
    return "\n".join(parts)


class _GraphQL:
    """With a token: 100 repositories a query (about one point of the 5,000-an-hour budget)."""

    def __init__(self, ctx: Context, result: SourceResult):
        self.ctx, self.result = ctx, result
        self.spent_at: float | None = None  # the budget ran out at the last answer (reset epoch)

    def ask(self, batch: list[str]) -> dict[str, RepoRecord | None]:
        if self.spent_at is not None:
            raise RateLimitExhausted(NAME, "GitHub GraphQL budget spent", TOKEN_HINT, self.spent_at)
        response = self.ctx.http.request(
            "POST",
            f"{self.ctx.url('GITHUB_API_URL')}/graphql",
            json={"query": graphql_query(batch)},
            classify=classify,
            validate=_answers_every_alias(len(batch)),
        )
        body = response.json() if response.status_code == 200 else None
        if not isinstance(body, dict):
            raise SourceError(NAME, f"GitHub GraphQL answered HTTP {response.status_code}")
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            raise RateLimitExhausted(
                NAME, "GitHub GraphQL budget spent", TOKEN_HINT, _reset_epoch(body)
            )
        data = body.get("data") or {}
        budget = data.get("rateLimit") or {}
        if isinstance(budget.get("remaining"), int) and budget["remaining"] < 1:
            self.spent_at = _reset_epoch(body)  # stop before the next batch, keeping this one
        return self._answers(batch, data, errors)

    def _answers(
        self, batch: list[str], data: dict[str, Any], errors: list[dict[str, Any]]
    ) -> dict[str, RepoRecord | None]:
        missing = {
            str(e["path"][0]) for e in errors if e.get("type") == "NOT_FOUND" and e.get("path")
        }
        other = {
            str(e["path"][0]): e.get("message", "error")
            for e in errors
            if e.get("type") != "NOT_FOUND" and e.get("path")
        }
        answers: dict[str, RepoRecord | None] = {}
        for index, key in enumerate(batch):
            alias = f"r{index}"
            node = data.get(alias)
            if isinstance(node, dict) and node.get("nameWithOwner"):
                try:
                    record = record_from_graphql(node)
                except (ValueError, TypeError):
                    self.result.failed[key] = "GitHub GraphQL: answer without its counts"
                    continue
                answers[key] = record
                _note_rename(self.result, key, record)
            elif alias in missing:
                answers[key] = None
            else:
                self.result.failed[key] = (
                    f"GitHub GraphQL: {other.get(alias, 'no answer for this repository')}"
                )
        return answers


def _answers_every_alias(count: int) -> Callable[[requests.Response], None]:
    """An answer must speak of every repository asked (data or an error naming it), else retry."""

    def validate(response: requests.Response) -> None:
        expect_json(response)
        body = response.json()
        if not isinstance(body, dict):
            raise TransientAnswer("GraphQL answer is not an object")
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            return  # handled by the caller: budget spent
        data = body.get("data") or {}
        named = {str(e["path"][0]) for e in errors if e.get("path")}
        missing = [f"r{i}" for i in range(count) if f"r{i}" not in data and f"r{i}" not in named]
        if missing:
            raise TransientAnswer(f"GraphQL answer lacks {len(missing)} of {count} repositories")

    return validate


def _reset_epoch(body: dict[str, Any]) -> float:
    """When the GraphQL budget resets (epoch seconds), from rateLimit.resetAt (UTC); 0 unknown."""
    reset = ((body.get("data") or {}).get("rateLimit") or {}).get("resetAt")
    try:
        return float(calendar.timegm(time.strptime(str(reset), "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return 0.0
