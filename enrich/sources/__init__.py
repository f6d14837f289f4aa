"""One module per API, all with the same small interface:

    NAME: str
    queries(entry) -> list[Query]              what this source needs to look up for an entry
    fetch(queries, ctx) -> SourceResult        answers for those queries (cache first)

Adding a source means one new module and one line in `all_sources`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from enrich.cache import FOUND, NOT_FOUND, Answer, Cache
from enrich.errors import SourceError
from enrich.http import HttpClient
from enrich.settings import Settings


@dataclass(frozen=True)
class Query:
    """One thing to look up: `key` is the source's id for it (also its cache key)."""

    key: str
    title: str = ""
    year: int | None = None


@dataclass
class Context:
    """What a source's fetch may use: settings, its HTTP client, the cache and the run's mode."""

    settings: Settings
    cache: Cache
    client: HttpClient | None  # None when offline
    refresh: bool = False
    offline: bool = False
    now: float = 0.0
    progress: Callable[[int, int], None] = lambda done, total: None


@dataclass
class SourceResult:
    """What one source found for a run, per query key."""

    source: str
    records: dict[str, object] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # key -> reason (needs attention)
    notes: dict[str, str] = field(default_factory=dict)  # key -> remark (reported, not an error)
    deferred: set[str] = field(default_factory=set)  # not asked this run (budget spent): next run
    checked: dict[str, float] = field(default_factory=dict)  # key -> when the source was last asked
    problems: list[str] = field(default_factory=list)  # source-wide remarks (e.g. what to set)
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0


@dataclass
class Plan:
    """Which keys the cache answers and which must be asked (stale answers kept for ETags)."""

    cached: dict[str, Answer]
    to_ask: list[str]
    stale: dict[str, Answer]


def plan(ctx: Context, namespace: str, keys: list[str], decode: Callable[[dict], object]) -> Plan:
    """Split keys into cache answers and keys to ask, by the cache's expiry table and the run's
    mode. Found answers carry their decoded record; one that no longer decodes is missing."""
    answers = ctx.cache.get_many(namespace, keys, decode)
    if ctx.offline:
        return Plan(answers, [], {})
    if ctx.refresh:
        return Plan({}, list(keys), answers)
    fresh = {k: a for k, a in answers.items() if a.is_fresh(ctx.now)}
    stale = {k: a for k, a in answers.items() if k not in fresh}
    return Plan(fresh, [k for k in keys if k not in fresh], stale)


def apply_cached(result: SourceResult, answers: dict[str, Answer]) -> None:
    """Fill a result from cached answers (as planned: records already decoded)."""
    for key, answer in answers.items():
        result.checked[key] = answer.fetched_at
        if answer.status == FOUND:
            result.records[key] = answer.payload
        else:
            result.not_found.add(key)
    result.cache_hits += len(answers)


def fail_all(result: SourceResult, keys: list[str], error: SourceError) -> None:
    """Mark keys as failed for this run (nothing erased), with the error's reason."""
    for key in keys:
        result.failed[key] = str(error)


def answer_for(namespace: str, key: str, record, now: float, etag: str | None = None) -> Answer:
    """The cache answer for a record (None = not found)."""
    if record is None:
        return Answer(namespace, key, NOT_FOUND, None, etag, now)
    return Answer(namespace, key, FOUND, record.to_json(), etag, now)


def chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def all_sources() -> dict[str, ModuleType]:
    """Every source module by name, in the order their values take precedence."""
    from enrich.sources import arxiv, github, openreview, semanticscholar

    modules = [arxiv, openreview, semanticscholar, github]
    return {module.NAME: module for module in modules}
