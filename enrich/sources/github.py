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

from enrich import clock
from enrich.cache import DAY, FOUND, Answer
from enrich.errors import (
    EnrichError,
    RateLimitExhausted,
    SourceError,
    SourceUnavailable,
    TransientAnswer,
)
from enrich.http import expect_json, header_number, json_of, retry_after_seconds
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
# A spent budget whose reset is at most this far away is waited for (GitHub: "wait until
# x-ratelimit-reset"); a later reset leaves the rest for the next run.
WAIT_FOR_RESET_MAX = 300.0
# A secondary limit without retry-after: "wait at least one minute", longer on each retry.
SECONDARY_BACKOFF = 60.0
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
        token = ctx.credential("GITHUB_TOKEN")
        # Stale answers serve only REST's conditional requests (their ETags); GraphQL has none.
        todo = plan(
            ctx,
            NAME,
            list(dict.fromkeys(q.key for q in queries)),
            self.decode,
            keep_stale=not token,
        )
        apply_cached(result, todo.cached)
        for key, record in result.records.items():
            _note_rename(result, key, record)
        if not todo.to_ask:
            return result
        try:
            if token:
                # The next query is sent while the last answer is cached: still one at a time
                # (GitHub asks for no concurrent requests).
                run_batches(
                    ctx,
                    result,
                    todo.to_ask,
                    BATCH,
                    _GraphQL(ctx, result).ask,
                    namespace=NAME,
                    ask_ahead=True,
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


def _reset_header(response: requests.Response) -> float:
    return header_number(response.headers.get("x-ratelimit-reset")) or 0.0


def limit_spent(reset_at: float, what: str = "GitHub rate limit spent") -> EnrichError:
    """A spent budget: waited for (TransientAnswer) when it resets within WAIT_FOR_RESET_MAX,
    else RateLimitExhausted (the rest waits for the next run). reset_at 0: unknown, not waited."""
    wait = reset_at - clock.now()
    if reset_at and wait <= WAIT_FOR_RESET_MAX:
        return TransientAnswer(f"{what} until its reset", retry_after=max(wait, 0.0) + 1.0)
    return RateLimitExhausted(NAME, what, TOKEN_HINT, reset_at)


def _message(response: requests.Response) -> str:
    try:
        body = json_of(response)
    except ValueError:
        return ""
    return str(body.get("message") or "") if isinstance(body, dict) else ""


def classify(response: requests.Response) -> None:
    """Spent budget (remaining 0) stops GitHub for the run or is waited for; secondary limits
    (403 or 429, with or without retry-after) and 5xx are retried."""
    status = response.status_code
    if status in (403, 429) and response.headers.get("x-ratelimit-remaining") == "0":
        raise limit_spent(_reset_header(response))
    if status in (403, 429) and retry_after_seconds(response) is not None:
        raise TransientAnswer(f"HTTP {status}", retry_after_seconds(response))
    message = _message(response).lower() if status == 403 else ""
    if status == 429 or "rate limit" in message or "abuse" in message:
        raise TransientAnswer(f"HTTP {status} (secondary rate limit)", None, SECONDARY_BACKOFF)
    if status >= 500:
        raise TransientAnswer(f"HTTP {status}")
    if status == 401:
        raise SourceUnavailable(NAME, "GitHub rejected the token (HTTP 401)", "check GITHUB_TOKEN")


def _rate_limited(body: object) -> bool:
    errors = body.get("errors") if isinstance(body, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors
    )


def classify_graphql(response: requests.Response) -> None:
    """A RATE_LIMITED error is a spent budget whether it comes as HTTP 200 or 403."""
    if response.status_code in (200, 403):
        try:
            body = json_of(response)
        except ValueError:
            body = None
        if _rate_limited(body):
            reset = _reset_header(response) or _reset_epoch(body)
            raise limit_spent(reset, "GitHub GraphQL budget spent")
    classify(response)


def _count(value: object) -> int:
    """A count GitHub always sends; missing or not a number is a broken answer, never 0
    ("unknown" must not be written as 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def _full_name(value: object) -> str:
    """owner/name as GitHub spells it; anything else is a broken answer."""
    text = value if isinstance(value, str) else ""
    owner, _, name = text.partition("/")
    if not owner or not name or "/" in name or text != "".join(text.split()):
        raise ValueError(f"not a repository name: {value!r}")
    return text


def _url(full_name: str, url: object) -> str:
    """The repository's page: the answer's own when it is this repository's, never another's."""
    own = f"https://github.com/{full_name}"
    return url if isinstance(url, str) and url.lower() == own.lower() else own


def _text(value: object) -> str:
    """A text field; anything but text (a number, an object) is no value, not its repr."""
    return " ".join(value.split()) if isinstance(value, str) else ""


def _record(data: object, keys: tuple[str, str, str, str, str, str, str, str]) -> RepoRecord:
    """A RepoRecord from one answer object, under `keys`: (name, url, stars, forks, pushed,
    archived, license, spdx). A missing name or count raises ValueError (a broken answer)."""
    if not isinstance(data, dict):
        raise ValueError(f"not a repository object: {type(data).__name__}")
    name, url, stars, forks, pushed, archived, license_key, spdx = keys
    full_name = _full_name(data.get(name))
    license_info = data.get(license_key)
    return RepoRecord(
        full_name=full_name,
        url=_url(full_name, data.get(url)),
        stars=_count(data.get(stars)),
        forks=_count(data.get(forks)),
        pushed_at=_text(data.get(pushed)),
        archived=data.get(archived) is True,
        license=_text(license_info.get(spdx)) if isinstance(license_info, dict) else "",
    )


_REST_KEYS = (
    "full_name",
    "html_url",
    "stargazers_count",
    "forks_count",
    "pushed_at",
    "archived",
    "license",
    "spdx_id",
)
_GRAPHQL_KEYS = (
    "nameWithOwner",
    "url",
    "stargazerCount",
    "forkCount",
    "pushedAt",
    "isArchived",
    "licenseInfo",
    "spdxId",
)


def record_from_rest(data: object) -> RepoRecord:
    """A repository from REST `GET /repos/{owner}/{repo}`."""
    return _record(data, _REST_KEYS)


def record_from_graphql(data: object) -> RepoRecord:
    """A repository from one GraphQL `repository(...)` field."""
    return _record(data, _GRAPHQL_KEYS)


def _note_rename(result: SourceResult, key: str, record: RepoRecord) -> None:
    if record.full_name.lower() != key:
        result.notes[key] = f"repository renamed: {key} -> {record.full_name} ({record.url})"


class _Rest:
    """Without a token: one conditional REST request per repository (a 304 costs nothing)."""

    def __init__(self, ctx: Context, result: SourceResult, stale: dict[str, Answer]):
        self.ctx, self.result, self.stale = ctx, result, stale
        self.spent: requests.Response | None = None  # the last answer spent the budget

    def ask(self, batch: list[str]) -> dict[str, RepoRecord | None]:
        # Any answer can spend the last request, a 404 as well: stop before asking into a 403
        # (unless the reset is near: that 403 is then waited out like any spent budget).
        if self.spent is not None:
            spent = limit_spent(_reset_header(self.spent))
            if isinstance(spent, RateLimitExhausted):
                raise spent
            self.spent = None
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
                record = record_from_rest(json_of(response))
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
            spent = limit_spent(self.spent_at, "GitHub GraphQL budget spent")
            if isinstance(spent, RateLimitExhausted):
                raise spent
            self.spent_at = None  # resets soon: the next answer's RATE_LIMITED is waited out
        response = self.ctx.http.request(
            "POST",
            f"{self.ctx.url('GITHUB_API_URL')}/graphql",
            json={"query": graphql_query(batch)},
            classify=classify_graphql,
            validate=_answers_every_alias(len(batch)),
        )
        body = json_of(response) if response.status_code == 200 else None
        if not isinstance(body, dict):
            raise SourceError(NAME, f"GitHub GraphQL answered HTTP {response.status_code}")
        data, errors = _data_and_errors(body)
        budget = data.get("rateLimit")
        remaining = budget.get("remaining") if isinstance(budget, dict) else None
        if isinstance(remaining, int) and not isinstance(remaining, bool) and remaining < 1:
            self.spent_at = _reset_epoch(body)  # stop before the next batch, keeping this one
        return self._answers(batch, data, errors)

    def _answers(
        self, batch: list[str], data: dict[str, Any], errors: list[dict[str, Any]]
    ) -> dict[str, RepoRecord | None]:
        missing = {_alias(e) for e in errors if e.get("type") == "NOT_FOUND"}
        other = {_alias(e): str(e.get("message", "error")) for e in errors}
        answers: dict[str, RepoRecord | None] = {}
        for index, key in enumerate(batch):
            alias = f"r{index}"
            node = data.get(alias)
            if isinstance(node, dict) and node.get("nameWithOwner"):
                try:
                    record = record_from_graphql(node)
                except (ValueError, TypeError, KeyError):
                    self.result.failed[key] = "GitHub GraphQL: answer without its name or counts"
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
        body = json_of(response)
        if not isinstance(body, dict):
            raise TransientAnswer("GraphQL answer is not an object")
        data, errors = _data_and_errors(body)
        named = {_alias(e) for e in errors}
        missing = [f"r{i}" for i in range(count) if f"r{i}" not in data and f"r{i}" not in named]
        if missing:
            raise TransientAnswer(f"GraphQL answer lacks {len(missing)} of {count} repositories")

    return validate


def _data_and_errors(body: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A GraphQL answer's `data` object and its `errors` objects, whatever their shapes."""
    data, errors = body.get("data"), body.get("errors")
    return (
        data if isinstance(data, dict) else {},
        [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else [],
    )


def _alias(error: dict[str, Any]) -> str | None:
    """The alias (r0, r1, ...) an error speaks of, from its path; None if it names none."""
    path = error.get("path")
    return str(path[0]) if isinstance(path, list) and path else None


def _reset_epoch(body: object) -> float:
    """When the GraphQL budget resets (epoch seconds), from rateLimit.resetAt (UTC); 0 unknown."""
    data, _ = _data_and_errors(body) if isinstance(body, dict) else ({}, [])
    budget = data.get("rateLimit")
    reset = budget.get("resetAt") if isinstance(budget, dict) else None
    try:
        return float(calendar.timegm(time.strptime(str(reset), "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        return 0.0
