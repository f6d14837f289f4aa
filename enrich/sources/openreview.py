"""OpenReview: API 2 first (batched `ids=`), then API 1 for notes API 2 does not hold."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests

from enrich import clock
from enrich.cache import WEEK
from enrich.errors import SourceError, SourceUnavailable, TransientAnswer
from enrich.http import Policy, expect_json, retry_after_seconds
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
    apply_cached,
    clean,
    fail_all,
    plan,
    run_batches,
)

NAME = "openreview"
BATCH = 50
LOGIN_HINT = "set OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD (a free openreview.net account)"
log = logging.getLogger(__name__)


class OpenReview(SourceBase):
    name = NAME
    position = 20
    endpoints = (
        Endpoint("OPENREVIEW_API_URL", "https://api2.openreview.net", "API 2"),
        Endpoint(
            "OPENREVIEW_API_V1_URL",
            "https://api.openreview.net",
            "API 1 (ICLR ≤ 2023, NeurIPS ≤ 2022)",
        ),
    )
    credentials = (
        Credential(
            "OPENREVIEW_USERNAME",
            "openreview-username",
            "OpenReview often answers anonymous calls with `403 ChallengeRequiredError`; the run then "
            'names OpenReview as unavailable (never "not found") and asks for these',
            secret=False,
        ),
        Credential(
            "OPENREVIEW_PASSWORD",
            "openreview-password",
            "with `OPENREVIEW_USERNAME`: 1 request/s instead of 1 per 3 s",
        ),
    )
    pace = 3.0  # guests get ~20 requests a minute; logged-in users several times more (1 s)
    expiry = {NAME: (None, WEEK)}
    offers = {
        "openreview_id": Offer(rank=1),
        "abstract": Offer(rank=1),
        "venue": Offer(rank=1),
        "authors": Offer(rank=1),
    }
    identifies_paper = True
    record_type = PaperRecord

    def policy(self, settings: Settings) -> Policy:
        logged_in = bool(
            settings.credential("OPENREVIEW_USERNAME")
            and settings.credential("OPENREVIEW_PASSWORD")
        )
        return Policy(min_interval=1.0 if logged_in else self.pace)

    def query(self, entry: EntryView) -> Query | None:
        return Query(entry.openreview_id, entry.title, entry.year) if entry.openreview_id else None

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        result = SourceResult(NAME)
        todo = plan(ctx, NAME, list(dict.fromkeys(q.key for q in queries)), self.decode)
        apply_cached(result, todo.cached)
        if not todo.to_ask:
            return result
        try:
            v2 = _Api(ctx, ctx.url("OPENREVIEW_API_URL"))
            # API 2 caches what it found; what it lacks is asked of API 1, one note at a time.
            run_batches(
                ctx, result, todo.to_ask, BATCH, lambda batch: v2.found(batch), namespace=NAME
            )
            remaining = [
                key for key in todo.to_ask if key not in result.checked and key not in result.failed
            ]
            if remaining:
                v1 = _Api(ctx, ctx.url("OPENREVIEW_API_V1_URL"))
                run_batches(
                    ctx, result, remaining, 1, lambda batch: v1.one(batch[0]), namespace=NAME
                )
        except SourceUnavailable as error:
            fail_all(result, [key for key in todo.to_ask if key not in result.checked], error)
            result.problems.append(str(error))
        return result


source: Source = OpenReview()


def classify(response: requests.Response) -> None:
    """429 RateLimitError carries details.resetTime; 403 ChallengeRequiredError means 'log in'."""
    if response.status_code == 429:
        raise TransientAnswer(
            "HTTP 429 (rate limited)", retry_after_seconds(response) or _reset_in(response)
        )
    if response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))
    if response.status_code in (401, 403):
        name = _json(response).get("name", "")
        raise SourceUnavailable(
            NAME,
            f"OpenReview refused access (HTTP {response.status_code} {name})".strip(),
            LOGIN_HINT,
        )


def _reset_in(response: requests.Response) -> float | None:
    reset = (_json(response).get("details") or {}).get("resetTime")
    try:
        when = datetime.fromisoformat(str(reset).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, when.timestamp() - clock.now())


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _value(content: dict[str, Any], name: str) -> Any:
    """API 2 wraps every content field as {"value": ...}; API 1 does not."""
    value = content.get(name)
    return value.get("value") if isinstance(value, dict) else value


def record_from_note(note: dict[str, Any], note_id: str) -> PaperRecord:
    # An answer of the wrong shape (a list or a number where an object belongs) is read as absent.
    found = note.get("content")
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    listed = _value(content, "authors")
    authors: list[Any] = listed if isinstance(listed, list) else []
    return PaperRecord(
        source=NAME,
        title=clean(_value(content, "title")),
        abstract=clean(_value(content, "abstract")),
        authors=tuple(clean(a) for a in authors if isinstance(a, str) and clean(a)),
        venue=clean(_value(content, "venue")),
        code=clean(_value(content, "code")),
        openreview_id=note_id,
    )


class _Api:
    """One OpenReview API (base URL), with its own login token."""

    def __init__(self, ctx: Context, base: str):
        self.ctx, self.base = ctx, base
        self.headers: dict[str, str] = {}
        user, password = (
            ctx.credential("OPENREVIEW_USERNAME"),
            ctx.credential("OPENREVIEW_PASSWORD"),
        )
        if user and password:
            self._login(user, password)

    def _login(self, user: str, password: str) -> None:
        response = self.ctx.http.request(
            "POST",
            f"{self.base}/login",
            json={"id": user, "password": password},
            classify=_login_classify,
        )
        token = _json(response).get("token") if response.status_code == 200 else None
        if not token:
            raise SourceUnavailable(
                NAME,
                f"OpenReview login failed (HTTP {response.status_code})",
                "check OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD",
            )
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ctx.http.secrets.append(str(token))

    def notes(self, **params: str) -> list[dict[str, Any]] | None:
        """Notes matching params; None when the API answers 404 (no such note)."""
        response = self.ctx.http.request(
            "GET",
            f"{self.base}/notes",
            params=params,
            headers=self.headers,
            classify=classify,
            validate=expect_json,
        )
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceError(NAME, f"OpenReview answered HTTP {response.status_code}")
        notes = _json(response).get("notes")
        if not isinstance(notes, list):
            raise SourceError(NAME, "OpenReview answer has no notes list")
        return [n for n in notes if isinstance(n, dict)]

    def found(self, batch: list[str]) -> dict[str, PaperRecord | None]:
        """The notes of a batch this API holds (the others are left for API 1)."""
        return dict(_index(self.notes(ids=",".join(batch)) or [], set(batch)))

    def one(self, key: str) -> dict[str, PaperRecord | None]:
        """One note, or None: not found on either API."""
        return {key: _index(self.notes(id=key) or [], {key}).get(key)}


def _login_classify(response: requests.Response) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))


def _index(notes: list[dict[str, Any]], wanted: set[str]) -> dict[str, PaperRecord]:
    found = {}
    for note in notes:
        for note_id in (note.get("id"), note.get("forum")):
            if note_id in wanted and note_id not in found:
                found[note_id] = record_from_note(note, note_id)
    return found
