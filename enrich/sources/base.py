"""The `Source` interface every API module implements, and what sources share: queries,
the fetch context, results, and the cache planning around a fetch.

A source is one module holding one object that satisfies `Source` (usually a subclass of
`SourceBase`, which fills in the common defaults), registered as an entry point in the group
`paper_catalog_enrich.sources`. Everything about it is declared there: base URL variables,
credentials and their Prefect Secret blocks, pace, cache expiry, the fields it offers."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Generator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from enrich.cache import FOUND, NOT_FOUND, Answer, Cache, Expiry, is_fresh
from enrich.errors import RetriesExhausted, SourceError, SourceUnavailable
from enrich.http import HttpClient, Policy
from enrich.records import EntryView
from enrich.settings import Settings


@dataclass(frozen=True)
class Endpoint:
    """A base URL a source talks to, overridable by an environment variable."""

    variable: str  # e.g. "ARXIV_API_URL"
    default: str
    about: str = ""  # one line for the README's configuration table


@dataclass(frozen=True)
class Credential:
    """A credential a source may use: from the environment, else from a Prefect Secret block."""

    variable: str  # e.g. "GITHUB_TOKEN"
    secret_block: str  # e.g. "github-token"
    about: str = ""
    secret: bool = True  # scrubbed from every message leaving the process (a user name is not)


@dataclass(frozen=True)
class Offer:
    """How a source offers one enrichment field. For each field the best `rank` (lowest)
    among the sources that have a value wins. `waits`: a worse-ranked source leaves the
    field alone while a better one's answer is unknown this run (failed, not asked, a
    different paper); otherwise it fills in whenever no better source gave a value.
    `only_if_empty`: write only into an entry that has no value yet."""

    rank: int
    waits: bool = True
    only_if_empty: bool = False


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
    expiry: Mapping[str, Expiry] = field(default_factory=dict)  # the source's, by cache namespace

    def url(self, variable: str) -> str:
        return self.settings.url(variable)

    def credential(self, variable: str) -> str | None:
        return self.settings.credential(variable)

    @property
    def http(self) -> HttpClient:
        """The HTTP client (only called when asking, i.e. not offline)."""
        if self.client is None:
            raise RuntimeError("no HTTP client: offline runs ask no API")
        return self.client


@dataclass
class SourceResult:
    """What one source found for a run, per query key."""

    source: str
    records: dict[str, Any] = field(default_factory=dict)
    not_found: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)  # key -> reason (needs attention)
    notes: dict[str, str] = field(default_factory=dict)  # key -> remark (reported, not an error)
    deferred: set[str] = field(default_factory=set)  # not asked this run (budget spent): next run
    checked: dict[str, float] = field(default_factory=dict)  # key -> when the source was last asked
    problems: list[str] = field(default_factory=list)  # source-wide remarks (e.g. what to set)
    down: str = (
        ""  # why the source stopped being asked this run (its papers' failure reason), if it did
    )
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0


@runtime_checkable
class Source(Protocol):
    """Everything the run uses of a source (read-only: plain class attributes satisfy it)."""

    @property
    def name(self) -> str:
        """Its `--sources` name, cache namespace and SourceDates field."""

    @property
    def position(self) -> int:
        """Where it is listed, asked and merged among sources (built-ins: 10, 20, 30, 40)."""

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Base URLs it talks to, the first its main one."""

    @property
    def credentials(self) -> tuple[Credential, ...]:
        """Credentials it may use."""

    @property
    def pace(self) -> float:
        """Seconds between two requests (a guest's pace when credentials speed it up)."""

    @property
    def expiry(self) -> Mapping[str, Expiry]:
        """Cache namespace -> (found, not found) max age in seconds; None = forever."""

    @property
    def offers(self) -> Mapping[str, Offer]:
        """Enrichment field -> how it is offered, in the order written."""

    @property
    def dead_when_not_found(self) -> bool:
        """A "not found" means the curator's link is dead (needs attention)."""

    @property
    def identifies_paper(self) -> bool:
        """Its key names the curator's paper: two files with one key are duplicates."""

    @property
    def reports_not_found(self) -> bool:
        """A "not found" is worth a line in the report (False where missing is normal)."""

    def query(self, entry: EntryView) -> Query | None:
        """What this source looks up for an entry, or None when it has nothing to ask."""
        ...

    def decode(self, payload: dict[str, Any]) -> Any:
        """A record from its cached JSON (raises ValueError/TypeError/KeyError when malformed)."""
        ...

    def make_client(self, settings: Settings) -> HttpClient:
        """The paced, retrying HTTP client for one run (headers, credentials, pace)."""
        ...

    def fetch(self, queries: list[Query], ctx: Context) -> SourceResult:
        """Answers for the queries, cache first; API trouble ends up in the result, not raised."""
        ...


class SourceBase:
    """Defaults for a source: no credentials, records decoded by `record_type.from_json`, a
    client paced by `pace` with `headers()`. Subclasses declare the rest."""

    name: str
    position: int = 100
    endpoints: tuple[Endpoint, ...] = ()
    credentials: tuple[Credential, ...] = ()
    pace: float = 1.0
    expiry: Mapping[str, Expiry] = {}
    offers: Mapping[str, Offer] = {}
    dead_when_not_found: bool = False
    identifies_paper: bool = False
    # A source that indexes only some papers (Hugging Face, OpenAlex) declares False: missing
    # there is normal, not news.
    reports_not_found: bool = True
    record_type: Any = None  # a class with from_json(dict) and to_json()

    def decode(self, payload: dict[str, Any]) -> Any:
        return self.record_type.from_json(payload)

    def policy(self, settings: Settings) -> Policy:
        return Policy(min_interval=self.pace)

    def headers(self, settings: Settings) -> dict[str, str]:
        return {}

    def make_client(self, settings: Settings) -> HttpClient:
        return HttpClient(self.name, settings, self.policy(settings), self.headers(settings))


def clean(text: object) -> str:
    """Text from an API answer with its whitespace runs collapsed to single spaces."""
    return " ".join(str(text or "").split())


@dataclass
class Plan:
    """Which keys the cache answers and which must be asked (stale answers kept for ETags)."""

    cached: dict[str, Answer]
    to_ask: list[str]
    stale: dict[str, Answer]


def plan(
    ctx: Context,
    namespace: str,
    keys: list[str],
    decode: Callable[[dict[str, Any]], object],
    keep_stale: bool = True,
) -> Plan:
    """Split keys into cache answers and keys to ask, by the source's expiry and the run's
    mode. Found answers carry their decoded record; one that no longer decodes is missing.
    Freshness is read first and only the answers used are decoded: a source that has no use
    for stale answers (`keep_stale=False`: no ETag to revalidate) never decodes them — on a
    nightly run that is every expired record."""
    if ctx.offline:
        return Plan(ctx.cache.get_many(namespace, keys, decode), [], {})
    if ctx.refresh:
        return Plan(
            {}, list(keys), ctx.cache.get_many(namespace, keys, decode) if keep_stale else {}
        )
    max_ages = ctx.expiry[namespace]
    if max_ages == (None, None):  # kept forever (e.g. arXiv's): every cached answer is fresh
        fresh = ctx.cache.get_many(namespace, keys, decode)
        return Plan(fresh, [k for k in keys if k not in fresh], {})
    stamps = ctx.cache.stamps(namespace, keys)
    due = [k for k, (status, at) in stamps.items() if is_fresh(status, at, ctx.now, max_ages)]
    fresh = {
        k: a
        for k, a in ctx.cache.get_many(namespace, due, decode).items()
        if a.is_fresh(ctx.now, max_ages)  # answered again meanwhile by another run: still fresh?
    }
    stale: dict[str, Answer] = {}
    if keep_stale:
        stale = ctx.cache.get_many(namespace, [k for k in stamps if k not in fresh], decode)
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
    """Mark keys as failed for this run (nothing erased), with the error's reason. A source that is
    down or refusing us is one cause for the report, not one per paper."""
    if isinstance(error, (RetriesExhausted, SourceUnavailable)):
        result.down = str(error)
    for key in keys:
        result.failed[key] = str(error)


def answer_for(
    namespace: str, key: str, record: Any, now: float, etag: str | None = None
) -> Answer:
    """The cache answer for a record (None = not found)."""
    if record is None:
        return Answer(namespace, key, NOT_FOUND, None, etag, now)
    return Answer(namespace, key, FOUND, record.to_json(), etag, now)


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def run_batches(
    ctx: Context,
    result: SourceResult,
    keys: list[str],
    size: int,
    ask: Callable[[list[str]], Mapping[str, Any]],
    namespace: str | None = None,
    ask_ahead: bool = False,
    in_flight: int = 1,
    convert: Callable[[Any], Any] | None = None,
) -> RetriesExhausted | None:
    """The one batch loop: ask for `keys` `size` at a time and record what each batch said.

    `ask(batch)` returns, per key it could answer, the record or None (not found); the keys
    it leaves out are its own business (marked failed, or asked elsewhere). With a
    `namespace`, answers are cached there (else `ask` caches them itself). A batch that fails
    (SourceError) fails its keys and the loop goes on; an API that stays down after every
    retry (RetriesExhausted) fails every key left and ends the loop, returning that error;
    a source refusing us as a whole (SourceUnavailable) is raised to the caller.

    `ask_ahead`: the next batch is asked (on a thread of its own) while this thread records and
    caches the answers of the one before. Requests stay one at a time, in order, paced as
    before: only our own reading and writing overlaps the wait for the next answer. Only for an
    `ask` that touches nothing but the HTTP client and its own state. `in_flight` > 1 (with
    `ask_ahead`): that many requests may be under way at once, each still let go at the pace:
    only for an API whose limit is far above our pace, so that no jitter can bring two
    arrivals closer than its limit.

    `convert`: what `ask` returned for a key (not None) -> its record, made here rather than in
    `ask`. With `ask_ahead` the next request then waits only for this answer to arrive and be
    decoded, not for its records to be made too: at 500 papers a batch that is ~25 ms of CPU
    each, which under a busy GIL stretched each Semantic Scholar request past its pace."""
    done = 0
    outcomes = _asked(ask, chunks(keys, size), in_flight if ask_ahead else 0)
    try:
        for batch, outcome in outcomes:
            if isinstance(outcome, SourceUnavailable):
                raise outcome
            if isinstance(outcome, RetriesExhausted):  # down for us: don't hammer it with the rest
                fail_all(result, keys[done:], outcome)
                return outcome
            if isinstance(outcome, SourceError):
                fail_all(result, batch, outcome)
            else:
                if convert is not None:
                    outcome = {
                        key: None if raw is None else convert(raw) for key, raw in outcome.items()
                    }
                for key, record in outcome.items():
                    if record is None:
                        result.not_found.add(key)
                    else:
                        result.records[key] = record
                    result.checked[key] = ctx.now
                if namespace is not None:
                    ctx.cache.put_many(
                        answer_for(namespace, key, record, ctx.now)
                        for key, record in outcome.items()
                    )
            done += len(batch)
            ctx.progress(done, len(keys))
    finally:
        outcomes.close()  # no batch is started after the loop ends
    return None


Outcome = Mapping[str, Any] | SourceError


def _ask_one(ask: Callable[[list[str]], Mapping[str, Any]], batch: list[str]) -> Outcome:
    try:
        return ask(batch)
    except SourceError as error:  # RetriesExhausted and SourceUnavailable included
        return error


def _asked(
    ask: Callable[[list[str]], Mapping[str, Any]], batches: list[list[str]], workers: int
) -> Generator[tuple[list[str], Outcome], None, None]:
    """Each batch with its answers (or its SourceError), in order. `workers` = 0: asked here,
    one by one. Otherwise asked on that many threads, at most one batch beyond those under way
    (one worker: requests one after the other, the next sent while this thread records the
    last). Closing the generator starts no further batch and waits for those under way."""
    if workers <= 0 or len(batches) <= 1:
        for batch in batches:
            yield batch, _ask_one(ask, batch)
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="ask-ahead")
    pending: list[tuple[list[str], Future[Outcome]]] = []
    try:
        for batch in batches:
            # In a copy of this thread's context (Prefect's run context included).
            pending.append(
                (batch, pool.submit(contextvars.copy_context().run, _ask_one, ask, batch))
            )
            if len(pending) > workers:
                first, future = pending.pop(0)
                yield first, future.result()
        while pending:
            first, future = pending.pop(0)
            yield first, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
