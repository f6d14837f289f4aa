"""Hostile answers: XML that tries to expand entities or fetch external ones, answers past the 20 MB
cap, redirects to another host (which must never receive our credentials), and headers that are
not what they claim. Each must end with nothing expanded, nothing leaked, nothing erased, and
the failure named."""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import assert_each_paper_reported, seed_copy, snapshot
from doubles import Fault
from doubles.base import Answer, DoubleServer
from hypothesis import given, settings
from hypothesis import strategies as st

from enrich import catalog as catalog_io
from enrich.http import MAX_ANSWER_BYTES, retry_after_seconds
from enrich.records import EntryView
from enrich.sources import all_sources

ATOM = {"content-type": "application/atom+xml; charset=UTF-8"}
JSON = {"content-type": "application/json"}
# source -> (the doubles that answer it, the environment variables holding its base URLs)
SOURCES = {
    "arxiv": (("arxiv",), ("ARXIV_API_URL",)),
    "openreview": (
        ("openreview", "openreview_v1"),
        ("OPENREVIEW_API_URL", "OPENREVIEW_API_V1_URL"),
    ),
    "semantic_scholar": (("semanticscholar",), ("SEMANTIC_SCHOLAR_API_URL",)),
    "github": (("github",), ("GITHUB_API_URL",)),
}
_CLEAN: dict[str, dict[str, bytes]] = {}


@pytest.fixture
def serve(api_with, monkeypatch):
    """Start the doubles over the seed world with constructor options and extra environment, pointed at."""

    def start(env: dict[str, str] | None = None, **options):
        running = api_with(**options)
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        return running

    return start


def enriched_catalog(source: str, api, run, tmp_path: Path) -> Path:
    """The seed catalog as a clean run of `source` leaves it (computed once), copied to tmp_path/meta."""
    if source not in _CLEAN:
        folder = seed_copy(tmp_path / "clean")
        outcome = run("--sources", source, catalog_dir=folder, cache_dir=tmp_path / "clean-cache")
        assert outcome.code == 0, outcome.out
        _CLEAN[source] = snapshot(folder)
    api.reset_logs()
    return seed_copy(tmp_path / "meta", _CLEAN[source])


def assert_nothing_erased_and_named(outcome, folder: Path, source: str, reason: str) -> None:
    assert outcome.code == 1, outcome.out
    assert snapshot(folder) == _CLEAN[source]
    module = all_sources()[source]
    asked = [
        e.path for e in catalog_io.read_catalog(folder).entries if module.query(EntryView.of(e))
    ]
    assert asked
    assert_each_paper_reported(outcome.out, asked, source)
    assert reason in outcome.out, outcome.out
    assert "Traceback" not in outcome.out


def everything_written(folder: Path, cache: Path) -> bytes:
    return b"".join(snapshot(folder).values()) + (
        b"".join(snapshot(cache).values()) if cache.exists() else b""
    )


# -- XML entities -----------------------------------------------------------------------------------

FEED_HEAD = (
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" '
    'xmlns="http://www.w3.org/2005/Atom">\n'
    "<id>https://arxiv.org/api/x</id><title>arXiv Query</title><updated>2026-01-01T00:00:00Z</updated>\n"
    "<opensearch:itemsPerPage>2</opensearch:itemsPerPage><opensearch:totalResults>2</opensearch:totalResults>"
    "<opensearch:startIndex>0</opensearch:startIndex>\n"
)


def feed_entry(
    arxiv_id: str, title: str, summary: str, author: str = "Clara Becker", href: str = ""
) -> str:
    href = href or f"https://arxiv.org/abs/{arxiv_id}v1"
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id><title>{title}</title>"
        "<updated>2023-04-03T00:00:00Z</updated><published>2023-04-03T00:00:00Z</published>"
        f"<summary>{summary}</summary><author><name>{author}</name></author>"
        f'<link href="{href}" rel="alternate" type="text/html"/>'
        '<arxiv:primary_category term="cs.LG"/><category term="cs.LG"/></entry>\n'
    )


def hostile_feed(doctype: str, summary: str, author: str = "Clara Becker", href: str = "") -> bytes:
    entries = feed_entry(
        "2304.01089",
        "RPTQ: Reorder-based Post-training Quantization for Large Language Models",
        summary,
        author,
        href,
    )
    entries += feed_entry(
        "2301.00774",
        "SparseGPT: Massive Language Models Can Be Accurately Pruned in One-Shot",
        summary,
        author,
        href,
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n" + doctype + FEED_HEAD + entries + "</feed>\n"
    ).encode()


def billion_laughs() -> str:
    lines = ['<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return "<!DOCTYPE feed [\n" + "\n".join(lines) + "\n]>\n"


def quadratic_blowup() -> str:
    return '<!DOCTYPE feed [\n<!ENTITY big "' + "A" * 200_000 + '">\n]>\n'


BOMBS = {
    "billion-laughs-in-text": (billion_laughs(), {"summary": "Abstract &lol9; end"}),
    "billion-laughs-in-author": (billion_laughs(), {"summary": "Abstract.", "author": "&lol9;"}),
    "billion-laughs-in-attribute": (
        billion_laughs(),
        {"summary": "Abstract.", "href": "https://arxiv.org/abs/x?&lol9;"},
    ),
    "quadratic-blowup": (quadratic_blowup(), {"summary": "Abstract " + "&big;" * 20_000}),
}


@pytest.mark.parametrize("bomb", list(BOMBS))
def test_entity_expansion_feed_is_not_expanded(bomb, serve, run, tmp_path):
    api = serve()
    doctype, fields = BOMBS[bomb]
    api.arxiv.inject(Fault.status(200, hostile_feed(doctype, **fields), ATOM), times=100)
    folder = seed_copy(tmp_path / "meta")
    started = time.monotonic()
    outcome = run("--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert time.monotonic() - started < 60
    assert outcome.code in (0, 1), outcome.err
    written = everything_written(folder, tmp_path / "cache")
    assert b"lollol" not in written and b"AAAAAAAAAA" not in written
    assert all(len(data) < 100_000 for data in snapshot(folder).values())
    assert "Traceback" not in outcome.out


def test_external_entities_are_never_fetched(serve, run, tmp_path):
    api = serve()
    secret = tmp_path / "outside-secret.txt"
    secret.write_text("MARKER-4d1f0c-outside-file\n")
    canary = api.github  # any double records what it is asked
    doctype = (
        f'<!DOCTYPE feed SYSTEM "{canary.url}/xxe/feed.dtd" [\n'
        f'<!ENTITY file SYSTEM "file://{secret}">\n'
        f'<!ENTITY web SYSTEM "{canary.url}/xxe/entity">\n'
        f'<!ENTITY % remote SYSTEM "{canary.url}/xxe/parameter.dtd">\n'
        "%remote;\n]>\n"
    )
    api.arxiv.inject(
        Fault.status(
            200, hostile_feed(doctype, summary="Start &file; &web; end", author="&file;"), ATOM
        ),
        times=100,
    )
    folder = seed_copy(tmp_path / "meta")
    outcome = run("--sources", "arxiv", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert outcome.code in (0, 1), outcome.err
    assert canary.count(path_prefix="/xxe") == 0
    assert b"MARKER-4d1f0c" not in everything_written(folder, tmp_path / "cache")
    assert "MARKER-4d1f0c" not in outcome.out + outcome.err


# -- answers past the size cap ----------------------------------------------------------------------

OVERSIZE = MAX_ANSWER_BYTES + 1024 * 1024


def declared_oversize(source: str) -> Fault:
    body = (
        b"[" + b"0," * (OVERSIZE // 2) + b"0]"
        if source != "arxiv"
        else b"<feed>" + b" " * OVERSIZE + b"</feed>"
    )
    return Fault.status(200, body, ATOM if source == "arxiv" else JSON)


def gzip_bomb(source: str) -> Fault:
    """Small on the wire (Content-Length ~20 KB), over the cap once decoded."""
    inner = (
        (b"<feed>" + b" " * OVERSIZE + b"</feed>")
        if source == "arxiv"
        else (b'{"pad": "' + b" " * OVERSIZE + b'"}')
    )
    return Fault.status(
        200,
        gzip.compress(inner, 9),
        {**(ATOM if source == "arxiv" else JSON), "content-encoding": "gzip"},
    )


@pytest.mark.parametrize("kind", ["declared-length", "gzip-bomb"])
@pytest.mark.parametrize("source", list(SOURCES))
def test_answer_over_the_cap_is_refused_and_named(source, kind, serve, run, tmp_path):
    api = serve()
    folder = enriched_catalog(source, api, run, tmp_path)
    fault = declared_oversize(source) if kind == "declared-length" else gzip_bomb(source)
    for name in SOURCES[source][0]:
        getattr(api, name).inject(fault, times=1000)
    outcome = run(
        "--refresh", "--sources", source, catalog_dir=folder, cache_dir=tmp_path / "cache"
    )
    assert_nothing_erased_and_named(outcome, folder, source, "refused")


class _Endless(BaseHTTPRequestHandler):
    """Answers every request 200 with a chunked body (no Content-Length) that never ends before 64 MB."""

    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.server.hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b" " * (1024 * 1024)
        try:
            for _ in range(64):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def endless():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    server.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("source", list(SOURCES))
def test_streamed_answer_without_length_is_cut_at_the_cap(
    source, serve, run, tmp_path, endless, monkeypatch
):
    api = serve()
    folder = enriched_catalog(source, api, run, tmp_path)
    base = f"http://127.0.0.1:{endless.server_address[1]}"
    for variable in SOURCES[source][1]:
        monkeypatch.setenv(variable, base + ("/api/query" if variable == "ARXIV_API_URL" else ""))
    outcome = run(
        "--refresh", "--sources", source, catalog_dir=folder, cache_dir=tmp_path / "cache"
    )
    assert endless.hits >= 1
    assert_nothing_erased_and_named(outcome, folder, source, "refused")


@pytest.mark.parametrize("source", ["openreview", "semantic_scholar", "github"])
def test_deeply_nested_json_is_a_named_failure(source, serve, run, tmp_path):
    api = serve()
    folder = enriched_catalog(source, api, run, tmp_path)
    for name in SOURCES[source][0]:
        getattr(api, name).inject(
            Fault.status(200, b"[" * 200_000 + b"]" * 200_000, JSON), times=1000
        )
    outcome = run(
        "--refresh", "--sources", source, catalog_dir=folder, cache_dir=tmp_path / "cache"
    )
    assert outcome.code == 1, outcome.out
    assert snapshot(folder) == _CLEAN[source]
    assert (
        f"{source}: " in outcome.out.split("needs attention", 1)[1]
        and "Traceback" not in outcome.out
    )


# -- redirects to another host -----------------------------------------------------------------------


class Elsewhere(DoubleServer):
    """Another host: records what reaches it, answers 404."""

    def handle(self, request):
        return Answer(404, b'{"message": "Not Found"}', JSON)


@pytest.fixture
def elsewhere():
    with Elsewhere() as server:
        yield server


def redirect(status: int, elsewhere: Elsewhere, path: str) -> Fault:
    # "localhost" on another port: another host by name and by port.
    return Fault.status(
        status, b"", {"Location": f"http://localhost:{elsewhere.url.rsplit(':', 1)[1]}{path}"}
    )


def assert_no_credential_reached(elsewhere: Elsewhere, secrets: list[str]) -> None:
    # A POST is never followed: a 307/308 would re-send its body (a password, a query) elsewhere.
    assert [r.path for r in elsewhere.requests if r.method != "GET"] == []
    for request in elsewhere.requests:
        assert {"authorization", "x-api-key", "cookie", "proxy-authorization"}.isdisjoint(
            request.headers
        ), request
        seen = (
            json.dumps(request.headers)
            + request.path
            + json.dumps(request.query)
            + request.body.decode("utf-8", "replace")
        )
        for secret in secrets:
            assert secret not in seen, (
                f"{secret!r} sent to another host in {request.method} {request.path}"
            )


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_github_redirect_to_another_host_carries_no_token(status, serve, run, tmp_path, elsewhere):
    token = "ghp_redirect_test_token_0123456789"
    api = serve(env={"GITHUB_TOKEN": token}, github={"token": token})
    api.github.inject(redirect(status, elsewhere, "/graphql"), match=lambda r: r.path == "/graphql")
    run(
        "--sources",
        "github",
        catalog_dir=seed_copy(tmp_path / "meta"),
        cache_dir=tmp_path / "cache",
    )
    assert api.github.pending_faults == 0
    assert_no_credential_reached(elsewhere, [token])


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_semantic_scholar_redirect_to_another_host_carries_no_api_key(
    status, serve, run, tmp_path, elsewhere
):
    key = "s2-redirect-test-key-0123456789"
    api = serve(env={"SEMANTIC_SCHOLAR_API_KEY": key}, semanticscholar={"api_key": key})
    api.semanticscholar.inject(
        redirect(status, elsewhere, "/graph/v1/paper/batch"),
        match=lambda r: r.path.endswith("/batch"),
    )
    api.semanticscholar.inject(
        redirect(status, elsewhere, "/graph/v1/paper/search/match"),
        match=lambda r: r.path.endswith("/match"),
    )
    run(
        "--sources",
        "semantic_scholar",
        catalog_dir=seed_copy(tmp_path / "meta"),
        cache_dir=tmp_path / "cache",
    )
    assert api.semanticscholar.pending_faults == 0
    assert_no_credential_reached(elsewhere, [key])


@pytest.mark.parametrize("status", [302, 307, 308])
@pytest.mark.parametrize("endpoint", ["/login", "/notes"])
def test_openreview_redirect_to_another_host_carries_no_password_or_token(
    endpoint, status, serve, run, tmp_path, elsewhere
):
    user, password = "curator@example.org", "or-redirect-test-password-0123"
    api = serve(
        env={"OPENREVIEW_USERNAME": user, "OPENREVIEW_PASSWORD": password},
        openreview={"require_login": True, "users": {user: password}},
    )
    api.openreview.inject(redirect(status, elsewhere, endpoint), match=lambda r: r.path == endpoint)
    run(
        "--sources",
        "openreview",
        catalog_dir=seed_copy(tmp_path / "meta"),
        cache_dir=tmp_path / "cache",
    )
    assert api.openreview.pending_faults == 0
    tokens = sorted(api.openreview.tokens | api.openreview_v1.tokens)
    assert_no_credential_reached(elsewhere, [password, *tokens])


# -- headers that are not what they claim -------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["\u00b2", "\u00b9\u00b2\u00b3", "-5", "1e3", "soon", "Mon, 32 Jan 2024 00:00:00 GMT"]
)
@pytest.mark.parametrize("source", list(SOURCES))
def test_malformed_retry_after_is_an_ordinary_429(source, value, serve, run, tmp_path):
    """Retry-After: '²' passes str.isdigit() but is no number; the 429 must still be retried."""
    api = serve()
    folder = enriched_catalog(source, api, run, tmp_path)
    clean = snapshot(folder)
    for name in SOURCES[source][0]:
        getattr(api, name).inject(
            Fault.status(429, {"message": "slow down"}, {"Retry-After": value})
        )
    fresh = seed_copy(tmp_path / "fresh")
    outcome = run("--sources", source, catalog_dir=fresh, cache_dir=tmp_path / "cache")
    assert outcome.code == 0, outcome.out
    assert snapshot(fresh) == clean


def test_malformed_github_rate_limit_reset_still_stops_github_cleanly(serve, run, tmp_path):
    api = serve()
    folder = seed_copy(tmp_path / "meta")
    before = snapshot(folder)
    api.github.inject(
        Fault.status(
            403,
            {"message": "API rate limit exceeded"},
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "\u00b2\u00b3"},
        ),
        times=100,
    )
    outcome = run("--sources", "github", catalog_dir=folder, cache_dir=tmp_path / "cache")
    assert "rate limit spent" in outcome.out and "left for the next run" in outcome.out, outcome.out
    assert "unexpected error" not in outcome.out
    assert not any(b"repo {" in data for data in snapshot(folder).values())
    assert snapshot(folder).keys() == before.keys()


@settings(max_examples=1500, deadline=None, database=None)
@given(st.text(st.characters(codec="latin-1"), max_size=40))
def test_retry_after_parser_never_raises(value):
    response = type("R", (), {"headers": {"Retry-After": value}})()
    seconds = retry_after_seconds(response)
    assert seconds is None or seconds >= 0.0
