"""Settings resolved once from the environment, then passed down explicitly. Which base-URL
and credential variables exist is declared by the registered sources."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from enrich import clock
from enrich.errors import UsageError

if TYPE_CHECKING:
    from enrich.sources.base import Source

USER_AGENT = "paper-catalog-enrich/0.1 (+https://github.com/; metadata enrichment for curated paper catalogs)"


@dataclass(frozen=True)
class Settings:
    """Base URLs, credentials (never printed: repr=False) and pacing for one run."""

    urls: Mapping[str, str] = field(default_factory=dict)  # variable -> base URL (no trailing /)
    credentials: Mapping[str, str] = field(
        default_factory=dict, repr=False
    )  # variable -> value, set ones only
    secret_variables: frozenset[str] = frozenset()  # credentials to scrub from messages
    # Multiplies every pause (pacing, backoff, Retry-After). 1 for real APIs; the test
    # doubles and the benchmark's simulator compress time by the same factor.
    time_scale: float = 1.0
    timeout: float = 30.0
    lock_timeout: float = 600.0  # how long a run waits for another run on the same cache folder
    clock_offset: float = 0.0  # seconds the run's clock is ahead of the real one (enrich/clock.py)
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, sources: Iterable[Source] | None = None
    ) -> Settings:
        """Settings from `environ` (default os.environ) for `sources` (default: every registered one)."""
        env = os.environ if environ is None else environ
        if sources is None:
            from enrich.sources.registry import all_sources

            sources = all_sources().values()

        def text(name: str) -> str | None:
            return env.get(name, "").strip() or None

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

        urls: dict[str, str] = {}
        credentials: dict[str, str] = {}
        secret: set[str] = set()
        for source in sources:
            for endpoint in source.endpoints:
                urls[endpoint.variable] = (text(endpoint.variable) or endpoint.default).rstrip("/")
            for credential in source.credentials:
                value = text(credential.variable)
                if value:
                    credentials[credential.variable] = value
                if credential.secret:
                    secret.add(credential.variable)
        return cls(
            urls=urls,
            credentials=credentials,
            secret_variables=frozenset(secret),
            time_scale=number("ENRICH_TIME_SCALE", 1.0),
            timeout=number("ENRICH_HTTP_TIMEOUT", 30.0) or 30.0,
            lock_timeout=number("ENRICH_LOCK_TIMEOUT", 600.0),
            clock_offset=clock.offset(env),
        )

    def url(self, variable: str) -> str:
        """The base URL a source declared under `variable` (its default unless overridden)."""
        return self.urls[variable]

    def credential(self, variable: str) -> str | None:
        return self.credentials.get(variable)

    def secrets(self) -> list[str]:
        """Every credential value set, for scrubbing text that leaves the process."""
        return [
            value
            for variable, value in self.credentials.items()
            if variable in self.secret_variables
        ]
