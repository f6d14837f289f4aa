"""OpenReview: API 2 first (batched `ids=`), then API 1 for notes API 2 does not hold."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests

from enrich import clock
from enrich.cache import WEEK
from enrich.errors import RetriesExhausted, SourceError, SourceUnavailable, TransientAnswer
from enrich.http import Policy, expect_json, json_of, retry_after_seconds
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
            "OpenReview often answers anonymous calls with `403 ChallengeRequiredError`: a challenge "
            "that comes and goes is retried; one that stays names OpenReview as unavailable (never "
            '"not found") and asks for these. An expired login is renewed once',
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
            result.failed.update(v2.forbidden)  # API 2 holds them: not for API 1 to deny
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


CHALLENGE = "ChallengeRequiredError"


class NoteForbidden(SourceError):
    """403 ForbiddenError for a request naming notes: one of them this account may not read."""


class SessionExpired(SourceUnavailable):
    """401 (TokenExpiredError): the login token ran out; a new login may continue the run."""


def classify(response: requests.Response) -> None:
    """429 RateLimitError carries details.resetTime; 403 ChallengeRequiredError comes and goes
    (retried; still there after every retry it means 'log in', see `_Api._get`); 403
    ForbiddenError is about the notes asked for; 401 is an expired login."""
    if response.status_code == 429:
        raise TransientAnswer(
            "HTTP 429 (rate limited)", retry_after_seconds(response) or _reset_in(response)
        )
    if response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))
    if response.status_code not in (401, 403):
        return
    error = _json(response)
    name, message = str(error.get("name", "")), str(error.get("message", ""))
    refused = f"OpenReview refused access (HTTP {response.status_code} {name})".strip()
    if response.status_code == 403 and name == CHALLENGE:
        raise TransientAnswer(f"HTTP 403 {CHALLENGE}")
    # A guest refused the whole endpoint gets ForbiddenError too: "You must be logged in".
    if response.status_code == 403 and name == "ForbiddenError" and "logged in" not in message:
        raise NoteForbidden(
            NAME,
            "OpenReview refused to show this note (HTTP 403 ForbiddenError)",
            "readable only by some accounts; nothing erased",
        )
    if response.status_code == 401:
        raise SessionExpired(NAME, refused, LOGIN_HINT)
    raise SourceUnavailable(NAME, refused, LOGIN_HINT)


def _reset_in(response: requests.Response) -> float | None:
    reset = (_json(response).get("details") or {}).get("resetTime")
    try:
        when = datetime.fromisoformat(str(reset).replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, when.timestamp() - clock.now())


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        data = json_of(response)
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
        self.forbidden: dict[str, str] = {}  # note id -> why this account may not read it
        self.challenged = False  # the last answer was the challenge
        self.token_served = 0  # answers the current token brought
        user, password = (
            ctx.credential("OPENREVIEW_USERNAME"),
            ctx.credential("OPENREVIEW_PASSWORD"),
        )
        self.login = (user, password) if user and password else None
        if self.login:
            self._login(*self.login)

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
        self.token_served = 0
        self.ctx.http.secrets.append(str(token))

    def _classify(self, response: requests.Response) -> None:
        self.challenged = response.status_code == 403 and _json(response).get("name") == CHALLENGE
        classify(response)

    def _get(self, params: dict[str, str]) -> requests.Response:
        """GET /notes; a challenge still there after every retry is a refusal ('log in')."""
        try:
            response = self.ctx.http.request(
                "GET",
                f"{self.base}/notes",
                params=params,
                headers=self.headers,
                classify=self._classify,
                validate=expect_json,
            )
        except RetriesExhausted as error:
            if not self.challenged:
                raise
            raise SessionExpired(
                NAME, f"OpenReview refused access (HTTP 403 {CHALLENGE})", LOGIN_HINT
            ) from error
        self.token_served += 1
        return response

    def _get_logged_in(self, params: dict[str, str]) -> requests.Response:
        """A login that served answers and then is refused has expired: log in again, once."""
        try:
            return self._get(params)
        except SessionExpired:
            if self.login is None or self.token_served == 0:
                raise
            log.info("%s: the login expired; logging in again", NAME)
            self._login(*self.login)
            return self._get(params)

    def notes(self, **params: str) -> list[dict[str, Any]] | None:
        """Notes matching params; None when the API answers 404 (no such note)."""
        response = self._get_logged_in(params)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SourceError(NAME, f"OpenReview answered HTTP {response.status_code}")
        notes = _json(response).get("notes")
        if not isinstance(notes, list):
            raise SourceError(NAME, "OpenReview answer has no notes list")
        return [n for n in notes if isinstance(n, dict)]

    def found(self, batch: list[str]) -> dict[str, PaperRecord | None]:
        """The notes of a batch this API holds (the others are left for API 1). A batch naming
        a note we may not read is refused whole: halve it until that note stands alone."""
        try:
            return dict(_index(self.notes(ids=",".join(batch)) or [], set(batch)))
        except NoteForbidden as error:
            if len(batch) == 1:
                self.forbidden[batch[0]] = str(error)
                return {}
            half = len(batch) // 2
            return {**self.found(batch[:half]), **self.found(batch[half:])}

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
