"""A loopback simulation of the six APIs that enforces their real pacing, for the benchmark.

It reuses the test doubles (tests/doubles/) for every answer shape and adds, per API:
- a pace: the least time between two request arrivals (arXiv 3 s, Semantic Scholar 1 s,
  OpenReview 1 s = 60/min logged in; Hugging Face 0.5 s; OpenAlex 0.01 s (its documented
  "max 100 requests per second", with or without a key; it was 0.1 s, the older docs' 10);
  GitHub: no two requests at once, plus the hourly budget
  of 5,000 points kept by the GitHub double's own counters, refilled every simulated hour);
- a latency of 100-300 ms (uniform, seeded) from arrival to answer;
- a 429 in the API's own shape when a request arrives too soon (arXiv: plain 429 without
  Retry-After; Semantic Scholar: its JSON without Retry-After; OpenReview: RateLimitError
  with details.resetTime; GitHub: 403 secondary limit with retry-after, or the budget's
  403 / GraphQL RATE_LIMITED);
- counters: requests and rejections per API and per kind of request.

Time is compressed by one `factor` for every API (default 10): every interval, latency and
budget window is divided by it. The pipeline must run with ENRICH_TIME_SCALE = 1/factor so
its own pacing is compressed the same way. Times the simulator *announces* (OpenReview's
resetTime, GitHub's retry-after) are stated in uncompressed seconds, because the pipeline
multiplies them by ENRICH_TIME_SCALE.

The doubles scan the whole World per request; at 20,000 papers that would make the
simulator, not the pipeline, the bottleneck, so the subclasses below index the World once.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_TESTS = Path(__file__).resolve().parent.parent / "tests"
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

from doubles import (  # noqa: E402
    ArxivDouble,
    GitHubDouble,
    HuggingFaceDouble,
    OpenAlexDouble,
    OpenReviewDouble,
    SemanticScholarDouble,
    World,
)
from doubles.base import Answer, _lower_headers  # noqa: E402
from doubles.faults import Fault, Recorded  # noqa: E402
from doubles.openalex_double import work_doi  # noqa: E402
from doubles.world import Paper, corpus_id  # noqa: E402

from enrich.match import normalise_title  # noqa: E402

# Real-time paces (seconds between two request arrivals), before compression.
PACE = {
    "arxiv": 3.0,
    "semantic_scholar": 1.0,
    "openreview": 1.0,
    "github": 0.0,
    "huggingface": 0.5,
    "openalex": 0.01,  # "All users: max 100 requests per second" (OpenAlex docs, 2026)
}
LATENCY = (0.100, 0.300)  # real seconds, before compression
GITHUB_BUDGET = (
    5000  # points an hour with a token (GraphQL: ~1 point per query of 100 repositories)
)
GITHUB_HOUR = 3600.0
# An arrival may be this fraction of the interval early before it counts as too fast: the
# client paces request *starts*, and a loopback hop plus thread scheduling adds a few ms.
TOLERANCE = 0.10
TOKEN = "bench-github-token"
OPENALEX_KEY = "bench-openalex-key"
OPENREVIEW_USER, OPENREVIEW_PASSWORD = "bench@example.org", "bench-password"
ARXIV_429 = b"Rate exceeded.\n"


@dataclass
class Gate:
    """One API's pacing, latency and counters (thread-safe)."""

    api: str
    interval: float  # compressed seconds between arrivals (0 = unpaced)
    latency: tuple[float, float]  # compressed seconds
    serial: bool = False  # reject a request that arrives while another is being answered
    seed: int = 0
    requests: Counter = field(default_factory=Counter)  # kind -> requests arrived
    rejected: Counter = field(default_factory=Counter)  # kind -> answered 429/403 (rate limit)
    early_by: list[float] = field(default_factory=list)  # how early each too-fast arrival was (s)
    gaps: list[float] = field(default_factory=list)  # every gap between two arrivals (s)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of every arrival

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._last_arrival: float | None = None
        self._in_flight = 0
        self._random = random.Random(self.seed)

    def arrive(self, kind: str, now: float) -> float | None:
        """Count an arrival; None if it keeps the pace, else the compressed seconds it should have waited."""
        with self._lock:
            self.requests[kind] += 1
            self.arrivals.append(now)
            busy = self.serial and self._in_flight > 0
            self._in_flight += 1
            last, self._last_arrival = self._last_arrival, now  # a rejected request counts too
            gap = None if last is None else now - last
            if gap is not None:
                self.gaps.append(gap)
            if busy or (gap is not None and gap < self.interval * (1 - TOLERANCE)):
                self.rejected[kind] += 1
                wait = self.interval - gap if gap is not None else self.interval
                self.early_by.append(max(wait, 0.0))
                return max(wait, 0.0)
            return None

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def reject(self, kind: str) -> None:
        """Count an answer the double itself refused (GitHub budget spent)."""
        with self._lock:
            self.rejected[kind] += 1

    def next_latency(self) -> float:
        with self._lock:
            return self._random.uniform(*self.latency)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "requests": dict(self.requests),
                "rejected": dict(self.rejected),
                "early_by": list(self.early_by),
                "gaps": list(self.gaps),
                "arrivals": list(self.arrivals),
            }

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.rejected.clear()
            self.early_by.clear()
            self.gaps.clear()
            self.arrivals.clear()


class _Simulated:
    """Mixin for a double: pace check, latency and counting around the double's answer."""

    gate: Gate
    factor: float

    def kind(self, request: Recorded) -> str:
        return f"{request.method} {request.path}"

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        raise NotImplementedError

    def refused(self, answer: Answer) -> bool:
        """True when the double's own answer is a rate-limit refusal (GitHub budget)."""
        return False

    def _serve(self, handler) -> None:  # overrides DoubleServer._serve
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        arrived = time.monotonic()
        parts = urlsplit(handler.path)
        request = Recorded(
            handler.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            _lower_headers(handler),
            body,
        )
        kind = self.kind(request)
        with self._lock:
            self.requests.append(request)
        wait = self.gate.arrive(kind, arrived)
        try:
            if wait is not None:
                answer = self.too_fast(request, wait)
            else:
                answer = self._answer(request)
                if self.refused(answer):
                    self.gate.reject(kind)
            remaining = self.gate.next_latency() - (time.monotonic() - arrived)
            if remaining > 0:
                time.sleep(remaining)
        finally:
            self.gate.leave()  # before writing: the client may send its next request at once
        self._write(handler, request, answer)


class SimArxiv(_Simulated, ArxivDouble):
    def __init__(self, world: World, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        self._by_id = {p.arxiv_id: p for p in world.papers if p.arxiv_id}
        super().__init__(world, wrap_summaries=True)

    def kind(self, request: Recorded) -> str:
        return "query"

    def _find(self, wanted):
        found = []
        for arxiv_id, version in wanted:
            paper = self._by_id.get(arxiv_id)
            if paper is None:
                continue
            if version is None:
                found.append((paper, paper.arxiv_version))
            elif 1 <= version <= paper.arxiv_version:
                found.append((paper, version))
        return found

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        return Answer(429, ARXIV_429, {"content-type": "text/plain"})


class SimSemanticScholar(_Simulated, SemanticScholarDouble):
    def __init__(self, world: World, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        self._by_id: dict[str, Paper] = {}
        self._by_title: dict[str, Paper] = {}
        self._rendered: dict[tuple[str, tuple[str, ...]], dict] = {}
        self._render_lock = threading.Lock()
        for paper in world.papers:
            if not paper.s2_id:
                continue
            self._by_id[paper.s2_id.lower()] = paper
            self._by_id[f"CORPUSID:{corpus_id(paper)}"] = paper
            if paper.arxiv_id:
                self._by_id[f"ARXIV:{paper.arxiv_id}"] = paper
            if paper.doi:
                self._by_id[f"DOI:{paper.doi.lower()}"] = paper
            self._by_title.setdefault(normalise_title(paper.title), paper)
        super().__init__(world)

    def kind(self, request: Recorded) -> str:
        if request.path.endswith("/paper/batch"):
            return "batch"
        if request.path.endswith("/paper/search/match"):
            return "search/match"
        return "paper"

    def resolve(self, paper_id: str) -> Paper | None:
        prefix, sep, rest = paper_id.partition(":")
        kind = prefix.upper() if sep else ""
        if kind == "ARXIV":
            return self._by_id.get(f"ARXIV:{rest}")
        if kind == "DOI" or (not kind and paper_id.startswith("10.")):
            return self._by_id.get(f"DOI:{(rest if kind else paper_id).lower()}")
        if kind == "CORPUSID":
            return self._by_id.get(f"CORPUSID:{rest.strip()}")
        if kind == "URL":
            return super().resolve(paper_id)  # rare: the slow scan is fine
        return self._by_id.get(paper_id.lower()) if not kind else None

    def best_match(self, query: str):
        paper = self._by_title.get(normalise_title(query))
        return (paper, 109.5) if paper is not None else (None, 0.0)

    def render(self, paper: Paper, fields: list[str]) -> dict:
        key = (paper.s2_id or "", tuple(fields))
        with self._render_lock:
            cached = self._rendered.get(key)
        if cached is None:
            cached = super().render(paper, fields)
            with self._render_lock:
                self._rendered[key] = cached
        return dict(cached)  # callers may add matchScore

    def forget_rendered(self) -> None:
        """Render again from the World (after the nightly scenario moved its counts)."""
        with self._render_lock:
            self._rendered.clear()

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        fault = Fault.s2_429()
        return Answer(429, fault.body, {"content-type": "application/json"})


class SimOpenReview(_Simulated, OpenReviewDouble):
    clock_offset = (
        0.0  # seconds the simulated clock is ahead of the real one (Simulator.shift_clock)
    )

    def __init__(self, world: World, api: int, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        self._held_papers = [p for p in world.papers if p.openreview_id and p.openreview_api == api]
        self._numbers = {id(p): index + 1 for index, p in enumerate(world.papers)}
        super().__init__(
            world, api=api, require_login=True, users={OPENREVIEW_USER: OPENREVIEW_PASSWORD}
        )

    def kind(self, request: Recorded) -> str:
        if request.path.rstrip("/") == "/login":
            return f"v{self.api} login"
        return f"v{self.api} notes?" + ("ids" if request.param("ids") is not None else "id")

    def _held(self):
        return self._held_papers

    def _number(self, paper: Paper) -> int:
        return self._numbers[id(paper)]

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        fault = Fault.openreview_429(reset_in=max(wait * self.factor, 0.001) + self.clock_offset)
        return Answer(429, fault.body, {"content-type": "application/json"})


class SimGitHub(_Simulated, GitHubDouble):
    clock_offset = (
        0.0  # seconds the simulated clock is ahead of the real one (Simulator.shift_clock)
    )

    def __init__(self, world: World, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        self._by_name: dict[str, tuple] = {}
        for repo in world.repos:
            self._by_name[repo.full_name.lower()] = (repo, False)
        for repo in world.repos:
            for old in repo.old_names:
                self._by_name.setdefault(old.lower(), (repo, True))
        self._window = GITHUB_HOUR / factor
        self._window_started = time.monotonic()
        super().__init__(
            world,
            token=TOKEN,
            rest_budget=GITHUB_BUDGET,
            graphql_budget=GITHUB_BUDGET,
            reset_epoch=int(time.time() + self._window),
        )

    def kind(self, request: Recorded) -> str:
        return "graphql" if request.path == "/graphql" else "rest"

    def handle(self, request: Recorded) -> Answer:
        with self._budget_lock:  # a new (compressed) hour: a new budget
            if time.monotonic() - self._window_started >= self._window:
                self._window_started = time.monotonic()
                self.rest_remaining, self.graphql_remaining = self.rest_limit, self.graphql_limit
                self.reset_epoch = int(time.time() + self.clock_offset + self._window)
        return super().handle(request)

    def _find_by_name(self, name: str):
        return self._by_name.get(name.lower(), (None, False))

    def refused(self, answer: Answer) -> bool:
        if answer.status in (403, 429) and answer.headers.get("x-ratelimit-remaining") == "0":
            return True
        return answer.status == 200 and b'"RATE_LIMITED"' in answer.body[:200]

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        # GitHub's secondary limit for concurrent requests: 403 with retry-after (uncompressed seconds).
        fault = Fault.github_secondary(retry_after=60)
        return Answer(
            403,
            fault.body,
            {
                **fault.headers,
                **self._rate_headers("graphql" if request.path == "/graphql" else "core"),
            },
        )


class SimHuggingFace(_Simulated, HuggingFaceDouble):
    def __init__(self, world: World, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        super().__init__(World(papers=[p for p in world.papers if p.arxiv_id and p.hf_indexed]))

    def kind(self, request: Recorded) -> str:
        return "paper"

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        return Answer(
            429,
            b'{"error":"You have exceeded our rate limit. Please retry later."}',
            {"content-type": "application/json"},
        )


class SimOpenAlex(_Simulated, OpenAlexDouble):
    def __init__(self, world: World, gate: Gate, factor: float) -> None:
        self.gate, self.factor = gate, factor
        super().__init__(
            World(papers=[p for p in world.papers if p.openalex_indexed]), api_key=OPENALEX_KEY
        )
        # The real API looks works up by DOI in an index: so does the simulator (the double's
        # scan of 20,000 works per request made each request cost ~0.1 s of the harness's CPU).
        self._order = {id(paper): index for index, paper in enumerate(self.world.papers)}
        self._by_doi: dict[str, list[Paper]] = {}
        for paper in self.world.papers:
            doi = work_doi(paper)
            if doi is not None:
                self._by_doi.setdefault(doi, []).append(paper)

    def find(self, wanted: set[str]) -> list[Paper]:
        found = [paper for doi in wanted for paper in self._by_doi.get(doi, [])]
        return sorted(found, key=lambda paper: self._order[id(paper)])

    def kind(self, request: Recorded) -> str:
        return "works"

    def too_fast(self, request: Recorded, wait: float) -> Answer:
        return Answer(
            429,
            b'{"error":"Too Many Requests","message":"Rate limit exceeded."}',
            {"content-type": "application/json"},
        )


class Simulator:
    """The four APIs (five servers: OpenReview has API 2 and API 1) over one World."""

    def __init__(self, world: World, factor: float = 10.0, seed: int = 1) -> None:
        self.world, self.factor = world, factor
        latency = (LATENCY[0] / factor, LATENCY[1] / factor)

        def gate(api: str, serial: bool = False, offset: int = 0) -> Gate:
            return Gate(api, PACE[api] / factor, latency, serial=serial, seed=seed + offset)

        self.gates = {
            "arxiv": gate("arxiv", offset=1),
            "semantic_scholar": gate("semantic_scholar", offset=2),
            "openreview": gate("openreview", offset=3),  # API 2
            "openreview_v1": Gate(
                "openreview_v1", PACE["openreview"] / factor, latency, seed=seed + 4
            ),
            "github": gate("github", serial=True, offset=5),
            "huggingface": gate("huggingface", offset=6),
            "openalex": gate("openalex", offset=7),
        }
        started = []
        try:
            self.arxiv = _started(started, SimArxiv(world, self.gates["arxiv"], factor))
            self.semanticscholar = _started(
                started, SimSemanticScholar(world, self.gates["semantic_scholar"], factor)
            )
            self.openreview = _started(
                started, SimOpenReview(world, 2, self.gates["openreview"], factor)
            )
            self.openreview_v1 = _started(
                started, SimOpenReview(world, 1, self.gates["openreview_v1"], factor)
            )
            self.github = _started(started, SimGitHub(world, self.gates["github"], factor))
            self.huggingface = _started(
                started, SimHuggingFace(world, self.gates["huggingface"], factor)
            )
            self.openalex = _started(started, SimOpenAlex(world, self.gates["openalex"], factor))
        except BaseException:
            for server in started:
                server.stop()
            raise

    @property
    def servers(self):
        return [
            self.arxiv,
            self.semanticscholar,
            self.openreview,
            self.openreview_v1,
            self.github,
            self.huggingface,
            self.openalex,
        ]

    def env(self) -> dict[str, str]:
        """The environment that points the pipeline at the simulator, with time compressed to match."""
        return {
            "ARXIV_API_URL": f"{self.arxiv.url}/api/query",
            "SEMANTIC_SCHOLAR_API_URL": self.semanticscholar.url,
            "OPENREVIEW_API_URL": self.openreview.url,
            "OPENREVIEW_API_V1_URL": self.openreview_v1.url,
            "GITHUB_API_URL": self.github.url,
            "HUGGINGFACE_API_URL": self.huggingface.url,
            "OPENALEX_API_URL": self.openalex.url,
            "OPENALEX_API_KEY": OPENALEX_KEY,
            "GITHUB_TOKEN": TOKEN,
            "OPENREVIEW_USERNAME": OPENREVIEW_USER,
            "OPENREVIEW_PASSWORD": OPENREVIEW_PASSWORD,
            "ENRICH_TIME_SCALE": repr(1.0 / self.factor),
        }

    def counts(self) -> dict[str, dict]:
        """Per API (OpenReview's two APIs together): requests and rejections, in total and per kind."""
        merged: dict[str, dict] = {}
        for name, gate in self.gates.items():
            api = "openreview" if name.startswith("openreview") else name
            snap = gate.snapshot()
            slot = merged.setdefault(
                api,
                {
                    "requests": 0,
                    "rejected": 0,
                    "kinds": Counter(),
                    "rejected_kinds": Counter(),
                    "early_by": [],
                    "gaps": [],
                },
            )
            slot["requests"] += sum(snap["requests"].values())
            slot["rejected"] += sum(snap["rejected"].values())
            slot["kinds"].update(snap["requests"])
            slot["rejected_kinds"].update(snap["rejected"])
            slot["early_by"] += snap["early_by"]
            slot["gaps"] += snap["gaps"]
        for slot in merged.values():
            slot["kinds"], slot["rejected_kinds"] = (
                dict(slot["kinds"]),
                dict(slot["rejected_kinds"]),
            )
        return merged

    def shift_clock(self, seconds: float) -> None:
        """Move the simulated wall clock (the times the APIs announce: GitHub's budget reset,
        OpenReview's resetTime) `seconds` ahead of the real one, as the command's
        ENRICH_CLOCK_OFFSET moves its own; pacing and latency (monotonic) are unaffected."""
        for server in (self.openreview, self.openreview_v1, self.github):
            delta = seconds - server.clock_offset
            server.clock_offset = seconds
            if server is self.github:
                with server._budget_lock:
                    server.reset_epoch = int(server.reset_epoch + delta)

    def reset_counts(self) -> None:
        for gate in self.gates.values():
            gate.reset()
        for server in self.servers:
            server.reset_log()

    def errors(self) -> list[str]:
        return [text for server in self.servers for text in server.errors]

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _started(started: list, server):
    started.append(server)
    return server


def main() -> None:
    """Serve a small generated world until interrupted (for poking at it by hand)."""
    import argparse

    from benchmarks.catalog_gen import generate_world

    parser = argparse.ArgumentParser(prog="python -m benchmarks.simulator")
    parser.add_argument("--papers", type=int, default=433)
    parser.add_argument("--factor", type=float, default=10.0)
    args = parser.parse_args()
    with Simulator(generate_world(args.papers).world, args.factor) as simulator:
        print(json.dumps(simulator.env(), indent=2), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(json.dumps(simulator.counts(), indent=2, default=str))


if __name__ == "__main__":
    main()
