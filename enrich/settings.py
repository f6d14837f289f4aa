"""Settings resolved once from the environment, then passed down explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from enrich import clock
from enrich.errors import UsageError

USER_AGENT = "paper-catalog-enrich/0.1 (+https://github.com/; metadata enrichment for curated paper catalogs)"


@dataclass(frozen=True)
class Settings:
    """Base URLs, credentials (never printed: repr=False) and pacing for one run."""

    arxiv_url: str = "https://export.arxiv.org/api/query"
    openreview_url: str = "https://api2.openreview.net"
    openreview_v1_url: str = "https://api.openreview.net"
    semantic_scholar_url: str = "https://api.semanticscholar.org"
    github_url: str = "https://api.github.com"
    semantic_scholar_api_key: str | None = field(default=None, repr=False)
    github_token: str | None = field(default=None, repr=False)
    openreview_username: str | None = field(default=None, repr=False)
    openreview_password: str | None = field(default=None, repr=False)
    # Multiplies every pause (pacing, backoff, Retry-After). 1 for real APIs; the test
    # doubles and the benchmark's simulator compress time by the same factor.
    time_scale: float = 1.0
    timeout: float = 30.0
    lock_timeout: float = 600.0  # how long a run waits for another run on the same cache folder
    clock_offset: float = 0.0  # seconds the run's clock is ahead of the real one (enrich/clock.py)
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def text(name: str, default: str | None = None) -> str | None:
            value = env.get(name, "").strip()
            return value or default

        def number(name: str, default: float) -> float:
            value = text(name)
            if value is None:
                return default
            try:
                parsed = float(value)
            except ValueError:
                raise UsageError(f"{name}={value!r} is not a number") from None
            if parsed < 0:
                raise UsageError(f"{name}={value!r} must not be negative")
            return parsed

        return cls(
            arxiv_url=text("ARXIV_API_URL", cls.arxiv_url),
            openreview_url=text("OPENREVIEW_API_URL", cls.openreview_url).rstrip("/"),
            openreview_v1_url=text("OPENREVIEW_API_V1_URL", cls.openreview_v1_url).rstrip("/"),
            semantic_scholar_url=text("SEMANTIC_SCHOLAR_API_URL", cls.semantic_scholar_url).rstrip("/"),
            github_url=text("GITHUB_API_URL", cls.github_url).rstrip("/"),
            semantic_scholar_api_key=text("SEMANTIC_SCHOLAR_API_KEY"),
            github_token=text("GITHUB_TOKEN"),
            openreview_username=text("OPENREVIEW_USERNAME"),
            openreview_password=text("OPENREVIEW_PASSWORD"),
            time_scale=number("ENRICH_TIME_SCALE", 1.0),
            timeout=number("ENRICH_HTTP_TIMEOUT", 30.0) or 30.0,
            lock_timeout=number("ENRICH_LOCK_TIMEOUT", 600.0),
            clock_offset=clock.offset(env),
        )

    def secrets(self) -> list[str]:
        """Every credential value set, for scrubbing text that leaves the process."""
        values = (self.semantic_scholar_api_key, self.github_token, self.openreview_password)
        return [value for value in values if value]
