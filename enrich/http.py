"""The one HTTP layer every source uses: paced per host, timed out, retried with tenacity,
size-capped, counting what it did, and never carrying credentials to another host."""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from enrich import clock, jsontext
from enrich.errors import RetriesExhausted, SourceError, TransientAnswer
from enrich.settings import Settings

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 20 * 1024 * 1024
_CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")
_TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    TransientAnswer,
)


@dataclass(frozen=True)
class Policy:
    """How politely to talk to one API."""

    min_interval: float  # seconds between two requests to the same host
    attempts: int = 6
    backoff_initial: float = 2.0
    backoff_max: float = 60.0
    retry_after_max: float = 300.0


@dataclass
class Stats:
    """What one source's client did in this run (thread-safe counters)."""

    requests: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests_made: int = 0, retries: int = 0) -> None:
        with self._lock:
            self.requests += requests_made
            self.retries += retries


# Requests leave a little later than the pacer lets them (thread wake-up, waiting for the GIL
# behind busy threads, interpreter stalls before the socket write): one let go late and the
# next on time arrive closer than the pace. A 5% margin keeps the gaps the API sees above its
# limit, plus PACING_SLACK seconds (at most a fifth of the interval), because those delays do
# not shrink with the pace: sent back to back (the next batch asked while the last is read),
# Semantic Scholar's requests at a compressed 0.1 s pace met a 429 when one left 16 ms late.
PACING_MARGIN = 1.05
PACING_SLACK = 0.015


class _Pacer:
    """At most one request per `interval` seconds per host, across threads, measured from when
    each request was actually let go (not when it was planned: a late wake-up must not make
    the next request early)."""

    def __init__(self, interval: float):
        self.interval = interval * PACING_MARGIN + min(PACING_SLACK, interval / 5)
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:  # same-host callers queue here, one at a time
            last = self._last.get(host)
            if last is not None:
                delay = last + self.interval - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self._last[host] = time.monotonic()


class _Session(requests.Session):
    """A requests session that drops every credential header on a redirect to another host
    (requests itself only drops Authorization)."""

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        old, new = urlsplit(response.request.url), urlsplit(prepared_request.url)
        if (old.hostname, old.port) != (new.hostname, new.port):
            for name in list(prepared_request.headers):
                if name.lower() in _CREDENTIAL_HEADERS:
                    del prepared_request.headers[name]
        super().rebuild_auth(prepared_request, response)  # type: ignore[no-untyped-call]


def header_number(value: str | None) -> float | None:
    """A non-negative decimal header value ("120"), or None (also for "²" or "1e9")."""
    text = (value or "").strip()
    return float(text) if text.isascii() and text.isdigit() else None


def retry_after_seconds(response: requests.Response) -> float | None:
    """Seconds a Retry-After header asks for (delta or HTTP date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    seconds = header_number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - clock.now())


def json_of(response: requests.Response) -> Any:
    """The answer's JSON, decoded once however many readers it has (classify, validate and the
    source's own reading); ValueError when it is not JSON."""
    decoded = response.__dict__.get("_enrich_json", _UNDECODED)
    if decoded is _UNDECODED:
        decoded = response.__dict__["_enrich_json"] = _decode(response)
    return decoded


_UNDECODED = object()


def _decode(response: requests.Response) -> Any:
    """The body as JSON: its bytes through enrich.jsontext when the answer declares UTF-8 or no
    charset (JSON over HTTP is UTF-8, RFC 8259), else as requests decodes them."""
    encoding = (response.encoding or "utf-8").lower().replace("_", "-")
    if encoding in ("utf-8", "utf8") and response.content:
        try:
            return jsontext.loads(response.content)
        except ValueError:
            pass  # e.g. another encoding than declared: requests' own guess below
    return response.json()


def expect_json(response: requests.Response) -> None:
    """A 2xx answer that should be JSON but isn't (HTML page, garbage, cut short) is transient."""
    try:
        json_of(response)
    except ValueError:
        raise TransientAnswer("answer is not JSON") from None


def default_classify(response: requests.Response) -> None:
    """Raise TransientAnswer for answers worth retrying (429, 5xx); others pass through."""
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientAnswer(f"HTTP {response.status_code}", retry_after_seconds(response))


class HttpClient:
    """One source's HTTP client. `request` returns a fully read response or raises SourceError."""

    def __init__(
        self, source: str, settings: Settings, policy: Policy, headers: dict[str, str] | None = None
    ):
        self.source, self.settings, self.policy = source, settings, policy
        self.stats = Stats()
        self.session = _Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers.update(headers or {})
        self._pacer = _Pacer(policy.min_interval * settings.time_scale)
        # Called before every request after local pacing: e.g. a pace shared by several workers
        # (Prefect global rate limits, wired in flows/). None: local pacing alone.
        self.gate: Callable[[], None] | None = None
        self.secrets: list[
            str
        ] = []  # credentials obtained at run time (session tokens), for scrubbing

    def close(self) -> None:
        self.session.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after", None)
        backoff_from = getattr(error, "backoff_from", None)
        seconds: float
        if retry_after is not None:
            seconds = min(float(retry_after), self.policy.retry_after_max)
        elif backoff_from is not None:
            seconds = min(
                float(backoff_from) * 2 ** (state.attempt_number - 1), self.policy.retry_after_max
            )
        else:
            seconds = wait_exponential_jitter(self.policy.backoff_initial, self.policy.backoff_max)(
                state
            )
        return seconds * self.settings.time_scale

    def _before_sleep(self, state: RetryCallState) -> None:
        self.stats.add(retries=1)
        error = state.outcome.exception() if state.outcome else None
        # Described, not printed: a connection error's text holds the URL, and a key may be in its query.
        log.info(
            "%s: retrying after %s (attempt %d)",
            self.source,
            _describe(error) if error else "?",
            state.attempt_number,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        classify: Callable[[requests.Response], None] = default_classify,
        validate: Callable[[requests.Response], None] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send with pacing and retries. `classify` raises TransientAnswer (retry) or a
        SourceError (stop) for a status; `validate` checks a 2xx body the same way."""
        # Only GETs follow redirects: a 307/308 would re-send a POST's body (a password) elsewhere.
        kwargs.setdefault("allow_redirects", method.upper() == "GET")
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_TRANSIENT_ERRORS),
            before_sleep=self._before_sleep,
            sleep=time.sleep,
            reraise=True,
        )
        started = time.monotonic()
        try:
            return retrying(self._send_once, method, url, classify, validate, kwargs)
        except _TRANSIENT_ERRORS as error:
            seconds = time.monotonic() - started
            state = (
                "unreachable"
                if isinstance(error, (requests.Timeout, requests.ConnectionError))
                else "no usable answer"
            )
            raise RetriesExhausted(
                self.source,
                f"{state} after {self.policy.attempts} tries over {seconds:.0f} s ({_describe(error)})",
            ) from None

    def _send_once(
        self,
        method: str,
        url: str,
        classify: Callable[[requests.Response], None],
        validate: Callable[[requests.Response], None] | None,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        host = urlsplit(url).netloc
        self._pacer.wait(host)
        if self.gate is not None:
            self.gate()
        self.stats.add(requests_made=1)
        response = self.session.request(
            method, url, timeout=self.settings.timeout, stream=True, **kwargs
        )
        try:
            response._content = _read_capped(response, self.source)
        finally:
            response.close()
        classify(response)
        if validate is not None and 200 <= response.status_code < 300:
            validate(response)
        return response


def _read_capped(response: requests.Response, source: str) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise SourceError(source, f"answer of {declared} bytes refused (limit {MAX_ANSWER_BYTES})")
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise SourceError(source, f"answer larger than {MAX_ANSWER_BYTES} bytes refused")
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(error: BaseException) -> str:
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "answer cut short"
    return str(error)
