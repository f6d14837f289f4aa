"""What a double records about each request, and the faults a test can switch on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class Recorded:
    """One request as the double received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float = field(default_factory=time.monotonic, compare=False)  # arrival (time.monotonic)

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> object:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for the next matching request; build with the class methods."""

    kind: str
    code: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @classmethod
    def status(
        cls, code: int, body: bytes | str | dict = b"", headers: dict[str, str] | None = None
    ) -> "Fault":
        """Answer with this status, body and headers instead of the normal answer."""
        return cls("status", code=code, body=_as_bytes(body), headers=dict(headers or {}))

    @classmethod
    def reset(cls) -> "Fault":
        """Close the TCP connection abruptly (RST, SO_LINGER 0) without answering."""
        return cls("reset")

    @classmethod
    def slow(cls, seconds: float) -> "Fault":
        """Sleep, then answer normally."""
        return cls("slow", seconds=seconds)

    @classmethod
    def html(cls) -> "Fault":
        """A 200 HTML page (a captive portal or maintenance page) instead of the API answer."""
        return cls("html")

    @classmethod
    def garbage(cls) -> "Fault":
        """A 200 of random bytes under the normal content type."""
        return cls("garbage")

    @classmethod
    def truncate(cls) -> "Fault":
        """Headers with the full Content-Length, then half the body, then close."""
        return cls("truncate")

    @classmethod
    def empty_page(cls) -> "Fault":
        """arXiv only: a well-formed feed with totalResults > 0 but no entries."""
        return cls("empty_page")

    @classmethod
    def s2_429(cls) -> "Fault":
        """Semantic Scholar's 429, which carries no Retry-After."""
        body = {
            "message": "Too Many Requests. Please wait and try again or apply for a key for higher rate "
            "limits. https://www.semanticscholar.org/product/api#api-key-form",
            "code": "429",
        }
        return cls.status(429, body)

    @classmethod
    def openreview_429(cls, reset_in: float = 60.0) -> "Fault":
        """OpenReview's RateLimitError, with details.resetTime `reset_in` seconds from now."""
        reset = datetime.now(timezone.utc) + timedelta(seconds=reset_in)
        req_id = f"{reset:%Y-%m-%d}-{int(time.time() * 1000) % 10_000_000}"
        minutes, seconds = divmod(int(reset_in), 60)
        body = {
            "name": "RateLimitError",
            "message": "Too many requests: You have made 37 requests, surpassing the limit of 36 requests. "
            f"Please try again in {minutes} minutes and {seconds} seconds ({req_id})",
            "status": 429,
            "details": {
                "limit": 36,
                "remaining": 0,
                "resetTime": reset.strftime("%Y-%m-%dT%H:%M:%S.")
                + f"{reset.microsecond // 1000:03d}Z",
                "used": 37,
                "current": 37,
                "reqId": req_id,
            },
        }
        return cls.status(429, body)

    @classmethod
    def github_secondary(cls, retry_after: int | None = 1, code: int = 403) -> "Fault":
        """GitHub's secondary ("abuse") rate limit: 403 (or 429) with retry-after, or, as the
        docs allow, without (then the client must wait at least a minute, longer each retry)."""
        if retry_after is None:
            body = (
                b'{"documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/'
                b'rate-limits-for-the-rest-api#about-secondary-rate-limits","message":"You have exceeded '
                b"a secondary rate limit. Please wait a few minutes before you try again. If you reach "
                b'out to GitHub Support for help, please include the request ID 1234:5678:9ABC."}'
            )
        else:
            body = (
                b'{"documentation_url": "https://developer.github.com/v3/#abuse-rate-limits","message": '
                b'"You have triggered an abuse detection mechanism. Please wait a few minutes before you try again."}'
            )
        headers = {"content-type": "application/json; charset=utf-8"}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        return cls.status(code, body, headers)


Matcher = Callable[[Recorded], bool]


def _as_bytes(body: bytes | str | dict | list) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")
