"""GitHub: with GITHUB_TOKEN, GraphQL (100 repositories a query, ~1 point each); without,
REST once per repository per day, revalidated with If-None-Match (a 304 changes nothing)."""

from __future__ import annotations

import json
import logging
import time

import requests

from enrich.cache import FOUND
from enrich.errors import RateLimitExhausted, RetriesExhausted, SourceError, SourceUnavailable, TransientAnswer
from enrich.http import HttpClient, Policy, expect_json, header_number, retry_after_seconds
from enrich.ids import github_repo_from_url
from enrich.records import RepoRecord
from enrich.schema import paper_pb2
from enrich.sources import Context, Query, SourceResult, answer_for, apply_cached, chunks, plan

NAME = "github"
DEAD_WHEN_NOT_FOUND = True  # a missing repository means the curator's link is dead
BATCH = 100
TOKEN_HINT = "set GITHUB_TOKEN (a token with no scopes is enough) for 5,000 requests an hour and GraphQL batches"
ANONYMOUS_NOTE = "no GITHUB_TOKEN: GitHub allows 60 anonymous requests an hour; " + TOKEN_HINT
# GitHub asks for requests one after another, not concurrently; 0.25 s keeps well under
# the secondary limits (900 points/min) even with a token.
POLICY = Policy(min_interval=0.25)
_FIELDS = "nameWithOwner url stargazerCount forkCount pushedAt isArchived licenseInfo { spdxId }"
log = logging.getLogger(__name__)


def queries(info: paper_pb2.PaperInfo) -> list[Query]:
    repo = github_repo_from_url(info.code.url) if info.code.url else None
    return [Query(repo)] if repo else []


def decode(payload: dict) -> RepoRecord:
    return RepoRecord.from_json(payload)


def make_client(settings) -> HttpClient:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if settings.github_token:
        headers["Authorization"] = f"Bearer {settings.github_token}"
    return HttpClient(NAME, settings, POLICY, headers)


def _spent(response: requests.Response) -> RateLimitExhausted:
    reset = header_number(response.headers.get("x-ratelimit-reset")) or 0.0
    return RateLimitExhausted(NAME, "GitHub rate limit spent", TOKEN_HINT, reset)


def classify(response: requests.Response) -> None:
    """Spent budget (remaining 0) stops GitHub for the run; secondary limits and 5xx are retried."""
    status = response.status_code
    if status in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
        raise _spent(response)
    if status == 429 or (status == 403 and retry_after_seconds(response) is not None) or status >= 500:
        raise TransientAnswer(f"HTTP {status}", retry_after_seconds(response))
    if status == 401:
        raise SourceUnavailable(NAME, "GitHub rejected the token (HTTP 401)", "check GITHUB_TOKEN")


def record_from_rest(data: dict) -> RepoRecord:
    license_info = data.get("license") or {}
    return RepoRecord(
        full_name=str(data["full_name"]),
        url=str(data.get("html_url") or f"https://github.com/{data['full_name']}"),
        stars=int(data.get("stargazers_count") or 0),
        forks=int(data.get("forks_count") or 0),
        pushed_at=str(data.get("pushed_at") or ""),
        archived=bool(data.get("archived")),
        license=str(license_info.get("spdx_id") or "") if isinstance(license_info, dict) else "",
    )


def record_from_graphql(data: dict) -> RepoRecord:
    license_info = data.get("licenseInfo") or {}
    return RepoRecord(
        full_name=str(data["nameWithOwner"]),
        url=str(data.get("url") or f"https://github.com/{data['nameWithOwner']}"),
        stars=int(data.get("stargazerCount") or 0),
        forks=int(data.get("forkCount") or 0),
        pushed_at=str(data.get("pushedAt") or ""),
        archived=bool(data.get("isArchived")),
        license=str(license_info.get("spdxId") or "") if isinstance(license_info, dict) else "",
    )


def _note_rename(result: SourceResult, key: str, record: RepoRecord) -> None:
    if record.full_name.lower() != key:
        result.notes[key] = f"repository renamed: {key} -> {record.full_name} ({record.url})"


def fetch(wanted: list[Query], ctx: Context) -> SourceResult:
    result = SourceResult(NAME)
    keys = list(dict.fromkeys(q.key for q in wanted))
    todo = plan(ctx, NAME, keys, decode)
    apply_cached(result, todo.cached)
    for key, record in result.records.items():
        _note_rename(result, key, record)
    if not todo.to_ask:
        return result
    try:
        if ctx.settings.github_token:
            _fetch_graphql(todo.to_ask, ctx, result)
        else:
            result.problems.append(ANONYMOUS_NOTE)
            _fetch_rest(todo.to_ask, todo.stale, ctx, result)
    except RateLimitExhausted as error:
        left = [k for k in todo.to_ask if k not in result.checked and k not in result.failed]
        when = time.strftime("%H:%M UTC", time.gmtime(error.reset_at)) if error.reset_at else "later"
        result.problems.append(
            f"rate limit spent until {when}: {len(left)} {'repository' if len(left) == 1 else 'repositories'} left "
            "for the next run; earlier values kept"
            + ("" if ctx.settings.github_token else f" ({TOKEN_HINT})")
        )
        result.deferred.update(left)  # unknown this run, not a failure: the next run continues
    except SourceUnavailable as error:
        for key in todo.to_ask:
            if key not in result.checked:
                result.failed[key] = str(error)
    return result


def _fetch_rest(keys: list[str], stale: dict, ctx: Context, result: SourceResult) -> None:
    for done, key in enumerate(keys, 1):
        previous = stale.get(key)
        headers = {"If-None-Match": previous.etag} if previous and previous.etag and previous.status == FOUND else {}
        try:
            response = ctx.client.request(
                "GET", f"{ctx.settings.github_url}/repos/{key}", headers=headers, classify=classify, validate=expect_json
            )
        except (RateLimitExhausted, SourceUnavailable):
            raise
        except RetriesExhausted as error:  # GitHub is down for us: don't ask for the rest
            for rest in keys[done - 1 :]:
                result.failed[rest] = str(error)
            return
        except SourceError as error:
            result.failed[key] = str(error)
            continue
        _store_rest(key, response, previous, ctx, result)
        ctx.progress(done, len(keys))
        # Any answer can spend the last request, a 404 as well: stop here rather than ask into a 403.
        if response.headers.get("x-ratelimit-remaining") == "0" and done < len(keys):
            raise _spent(response)


def _store_rest(key: str, response: requests.Response, previous, ctx: Context, result: SourceResult) -> None:
    result.checked[key] = ctx.now
    if response.status_code == 304:
        ctx.cache.touch_many(NAME, [key], ctx.now)
        record = previous.payload  # planned answers hold their decoded record
    elif response.status_code == 200:
        try:
            record = record_from_rest(response.json())
        except (ValueError, KeyError, TypeError):
            result.failed[key] = "GitHub answer is not the expected JSON"
            return
        ctx.cache.put_many([answer_for(NAME, key, record, ctx.now, response.headers.get("ETag"))])
    elif response.status_code in (404, 451):
        ctx.cache.put_many([answer_for(NAME, key, None, ctx.now)])
        result.not_found.add(key)
        return
    else:
        result.failed[key] = f"GitHub answered HTTP {response.status_code}"
        return
    result.records[key] = record
    _note_rename(result, key, record)


def graphql_query(batch: list[str]) -> str:
    """One query asking for up to 100 repositories as aliased fields, plus the budget."""
    parts = ["query {", "  rateLimit { cost remaining resetAt }"]
    for index, key in enumerate(batch):
        owner, name = key.split("/", 1)
        parts.append(f"  r{index}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{ {_FIELDS} }}")
    parts.append("}")
    return "\n".join(parts)


def _fetch_graphql(keys: list[str], ctx: Context, result: SourceResult) -> None:
    done = 0
    for batch in chunks(keys, BATCH):
        try:
            response = ctx.client.request(
                "POST", f"{ctx.settings.github_url}/graphql", json={"query": graphql_query(batch)},
                classify=classify, validate=_answers_every_alias(len(batch)),
            )
        except (RateLimitExhausted, SourceUnavailable):
            raise
        except RetriesExhausted as error:  # GitHub is down for us: don't ask for the rest
            for key in keys[done:]:
                result.failed[key] = str(error)
            return
        except SourceError as error:
            for key in batch:
                result.failed[key] = str(error)
            done += len(batch)
            continue
        body = response.json() if response.status_code == 200 else None
        if not isinstance(body, dict):
            for key in batch:
                result.failed[key] = f"GitHub GraphQL answered HTTP {response.status_code}"
            continue
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            raise RateLimitExhausted(NAME, "GitHub GraphQL budget spent", TOKEN_HINT, _reset_epoch(body))
        _store_graphql(batch, body.get("data") or {}, errors, ctx, result)
        done += len(batch)
        ctx.progress(done, len(keys))
        budget = (body.get("data") or {}).get("rateLimit") or {}
        if isinstance(budget.get("remaining"), int) and budget["remaining"] < 1 and done < len(keys):
            raise RateLimitExhausted(NAME, "GitHub GraphQL budget spent", TOKEN_HINT, _reset_epoch(body))


def _answers_every_alias(count: int):
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


def _reset_epoch(body: dict) -> float:
    reset = ((body.get("data") or {}).get("rateLimit") or {}).get("resetAt")
    try:
        return time.mktime(time.strptime(str(reset), "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    except ValueError:
        return 0.0


def _store_graphql(batch: list[str], data: dict, errors: list[dict], ctx: Context, result: SourceResult) -> None:
    missing = {str(e["path"][0]) for e in errors if e.get("type") == "NOT_FOUND" and e.get("path")}
    other = {str(e["path"][0]): e.get("message", "error") for e in errors if e.get("type") != "NOT_FOUND" and e.get("path")}
    answers = []
    for index, key in enumerate(batch):
        alias = f"r{index}"
        node = data.get(alias)
        if isinstance(node, dict) and node.get("nameWithOwner"):
            record = record_from_graphql(node)
            result.records[key] = record
            _note_rename(result, key, record)
        elif alias in missing:
            record = None
            result.not_found.add(key)
        else:
            result.failed[key] = f"GitHub GraphQL: {other.get(alias, 'no answer for this repository')}"
            continue
        result.checked[key] = ctx.now
        answers.append(answer_for(NAME, key, record, ctx.now))
    ctx.cache.put_many(answers)
