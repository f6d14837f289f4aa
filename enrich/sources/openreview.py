"""OpenReview: API 2 first (batched `ids=`), then API 1 for notes API 2 does not hold."""

from __future__ import annotations

import logging
from datetime import datetime

import requests

from enrich import clock
from enrich.errors import SourceError, SourceUnavailable, TransientAnswer
from enrich.http import HttpClient, Policy, expect_json, retry_after_seconds
from enrich.ids import openreview_id_from_url
from enrich.records import PaperRecord
from enrich.schema import paper_pb2
from enrich.sources import Context, Query, SourceResult, answer_for, apply_cached, chunks, fail_all, plan

NAME = "openreview"
BATCH = 50
LOGIN_HINT = "set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD (a free openreview.net account)"
log = logging.getLogger(__name__)


def queries(info: paper_pb2.PaperInfo) -> list[Query]:
    note_id = openreview_id_from_url(info.paper.url)
    return [Query(note_id, info.paper.title, info.pub.year or None)] if note_id else []


def decode(payload: dict) -> PaperRecord:
    return PaperRecord.from_json(payload)


def make_client(settings) -> HttpClient:
    # Guests get ~20 requests a minute; logged-in users several times more.
    logged_in = bool(settings.openreview_username and settings.openreview_password)
    return HttpClient(NAME, settings, Policy(min_interval=1.0 if logged_in else 3.0))


def classify(response: requests.Response) -> None:
    """429 RateLimitError carries details.resetTime; 403 ChallengeRequiredError means 'log in'."""
    if response.status_code == 429:
        raise TransientAnswer("HTTP 429 (rate limited)", retry_after_seconds(response) or _reset_in(response))
    if response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))
    if response.status_code in (401, 403):
        name = _json(response).get("name", "")
        raise SourceUnavailable(NAME, f"OpenReview refused access (HTTP {response.status_code} {name})".strip(), LOGIN_HINT)


def _reset_in(response: requests.Response) -> float | None:
    reset = (_json(response).get("details") or {}).get("resetTime")
    try:
        when = datetime.fromisoformat(str(reset).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, when.timestamp() - clock.now())


def _json(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _value(content: dict, name: str):
    """API 2 wraps every content field as {"value": ...}; API 1 does not."""
    value = content.get(name)
    return value.get("value") if isinstance(value, dict) else value


def record_from_note(note: dict, note_id: str) -> PaperRecord:
    content = note.get("content") or {}
    authors = _value(content, "authors") or []
    return PaperRecord(
        source=NAME,
        title=" ".join(str(_value(content, "title") or "").split()),
        abstract=" ".join(str(_value(content, "abstract") or "").split()),
        authors=tuple(" ".join(str(a).split()) for a in authors if a),
        venue=" ".join(str(_value(content, "venue") or "").split()),
        openreview_id=note_id,
    )


class _Api:
    """One OpenReview API (base URL), with its own login token."""

    def __init__(self, ctx: Context, base: str):
        self.ctx, self.base = ctx, base
        self.headers: dict[str, str] = {}
        settings = ctx.settings
        if settings.openreview_username and settings.openreview_password:
            self._login(settings.openreview_username, settings.openreview_password)

    def _login(self, user: str, password: str) -> None:
        response = self.ctx.client.request(
            "POST", f"{self.base}/login", json={"id": user, "password": password}, classify=_login_classify
        )
        token = _json(response).get("token") if response.status_code == 200 else None
        if not token:
            raise SourceUnavailable(NAME, f"OpenReview login failed (HTTP {response.status_code})", "check OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD")
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ctx.client.secrets.append(str(token))

    def notes(self, **params) -> list[dict] | None:
        """Notes matching params; None when the API answers 404 (no such note)."""
        response = self.ctx.client.request(
            "GET", f"{self.base}/notes", params=params, headers=self.headers, classify=classify, validate=expect_json
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceError(NAME, f"OpenReview answered HTTP {response.status_code}")
        notes = _json(response).get("notes")
        if not isinstance(notes, list):
            raise SourceError(NAME, "OpenReview answer has no notes list")
        return [n for n in notes if isinstance(n, dict)]


def _login_classify(response: requests.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))


def _index(notes: list[dict], wanted: set[str]) -> dict[str, PaperRecord]:
    found = {}
    for note in notes:
        for note_id in (note.get("id"), note.get("forum")):
            if note_id in wanted and note_id not in found:
                found[note_id] = record_from_note(note, note_id)
    return found


def fetch(wanted: list[Query], ctx: Context) -> SourceResult:
    result = SourceResult(NAME)
    keys = list(dict.fromkeys(q.key for q in wanted))
    todo = plan(ctx, NAME, keys, decode)
    apply_cached(result, todo.cached)
    if not todo.to_ask:
        return result
    remaining = list(todo.to_ask)
    try:
        v2 = _Api(ctx, ctx.settings.openreview_url)
        for batch in chunks(list(remaining), BATCH):
            found = _index(v2.notes(ids=",".join(batch)) or [], set(batch))
            _store(ctx, result, found, [])
            remaining = [k for k in remaining if k not in found]
            ctx.progress(len(todo.to_ask) - len(remaining), len(todo.to_ask))
        v1 = _Api(ctx, ctx.settings.openreview_v1_url) if remaining else None
        for key in list(remaining):
            notes = v1.notes(id=key)
            found = _index(notes or [], {key})
            _store(ctx, result, found, [] if found else [key])
            remaining.remove(key)
            ctx.progress(len(todo.to_ask) - len(remaining), len(todo.to_ask))
    except SourceUnavailable as error:
        fail_all(result, remaining, error)
        result.problems.append(str(error))
    except SourceError as error:
        fail_all(result, remaining, error)
    return result


def _store(ctx: Context, result: SourceResult, found: dict[str, PaperRecord], missing: list[str]) -> None:
    answers = [answer_for(NAME, key, record, ctx.now) for key, record in found.items()]
    answers += [answer_for(NAME, key, None, ctx.now) for key in missing]
    ctx.cache.put_many(answers)
    result.records.update(found)
    result.not_found.update(missing)
    for answer in answers:
        result.checked[answer.key] = ctx.now
