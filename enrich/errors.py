"""The project's error hierarchy: each carries what a user needs to act, and pickles
(Prefect moves exceptions between processes)."""

from __future__ import annotations


class EnrichError(Exception):
    """Base of every error this project raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(EnrichError):
    """The command was called wrongly (exit 2)."""


class CatalogError(EnrichError):
    """A catalog file that cannot be read or written; the file is left untouched."""

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0, hint: str = ""):
        super().__init__(message)
        self.path, self.line, self.column, self.hint = path, line, column, hint

    def __reduce__(self) -> tuple[type[CatalogError], tuple[str, str, int, int, str]]:
        return (type(self), (self.path, self.message, self.line, self.column, self.hint))

    def __str__(self) -> str:
        where = self.path + (f":{self.line}:{self.column}" if self.line else "")
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class SourceError(EnrichError):
    """A source could not answer (after retries); its papers are 'failed' for this run."""

    def __init__(self, source: str, message: str, hint: str = ""):
        super().__init__(message)
        self.source, self.hint = source, hint

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str, str]]:
        return (type(self), (self.source, self.message, self.hint))

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" + (f" ({self.hint})" if self.hint else "")


class RetriesExhausted(SourceError):
    """Still no usable answer after every retry: the API is down for us; stop asking it this run."""


class SourceUnavailable(SourceError):
    """The source refused us as a whole (login required, budget exhausted): nothing is 'not found'."""


class RateLimitExhausted(SourceUnavailable):
    """The source's budget is spent until `reset_at` (epoch seconds): stop asking this run."""

    def __init__(self, source: str, message: str, hint: str = "", reset_at: float = 0.0):
        super().__init__(source, message, hint)
        self.reset_at = reset_at

    def __reduce__(self) -> tuple[type[RateLimitExhausted], tuple[str, str, str, float]]:  # type: ignore[override]
        return (type(self), (self.source, self.message, self.hint, self.reset_at))


class TransientAnswer(EnrichError):
    """An answer that looks wrong in a way a retry may fix (HTML page, truncated feed, 5xx)."""

    def __init__(
        self, message: str, retry_after: float | None = None, backoff_from: float | None = None
    ):
        super().__init__(message)
        # retry_after: the API named the wait; backoff_from: it asks for at least this many
        # seconds, doubling on each further try (GitHub's secondary limit without retry-after).
        self.retry_after, self.backoff_from = retry_after, backoff_from

    def __reduce__(
        self,
    ) -> tuple[type[TransientAnswer], tuple[str, float | None, float | None]]:
        return (type(self), (self.message, self.retry_after, self.backoff_from))
